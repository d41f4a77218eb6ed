"""fact_change: the dated, append-only history of every fact a payment rule reads

Each existing household gets its categories, status (active from its enrolment; exited from
its exit day, if it left) and its people's ID numbers as opening periods from its enrolment
date; each fund its rules from its creation date; each cadre with relatives those relatives
from the earliest date the ledger knows. All recorded as "carried over at upgrade", with
``ledger_seq`` 0 (known to every payment already written: they were judged by these very
values until now). Triggers refuse UPDATE and DELETE, as on ledger_entry.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 18:30:00
"""

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

REASON = "carried over at upgrade"


def upgrade() -> None:
    op.create_table(
        "fact_change",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("subject_kind", sa.String(length=10), nullable=False),
        sa.Column("subject", sa.String(length=40), nullable=False),
        sa.Column("fact", sa.String(length=20), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("ledger_seq", sa.Integer(), nullable=False),
        sa.Column("origin", sa.String(length=10), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("operator", sa.String(length=100), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
        sa.UniqueConstraint("hash"),
    )
    op.create_index(
        "ix_fact_change_subject",
        "fact_change",
        ["subject_kind", "subject", "fact", "effective_from"],
        unique=False,
    )
    _carry_over()
    _append_only_triggers()


def _carry_over() -> None:
    from zoufang.fact_chain import fact_hash, value_text

    conn = op.get_bind()
    date, text, integer = sa.Date(), sa.String(), sa.BigInteger()
    H = sa.table(
        "household",
        sa.column("id", sa.Integer()),
        sa.column("code", text),
        sa.column("id_number", text),
        sa.column("status", text),
        sa.column("exited_on", date),
        sa.column("enrolled_on", date),
    )
    HC = sa.table("household_category", sa.column("household_id"), sa.column("category_code"))
    M = sa.table("member", sa.column("household_id"), sa.column("id_number"))
    C = sa.table("cadre", sa.column("id"), sa.column("code"))
    R = sa.table(
        "cadre_relative",
        sa.column("cadre_id"),
        sa.column("household_id"),
        sa.column("id_number"),
        sa.column("relation"),
    )
    F = sa.table(
        "fund",
        sa.column("code", text),
        sa.column("cap_fen", integer),
        sa.column("valid_from", date),
        sa.column("valid_to", date),
        sa.column("created_on", date),
    )
    FC = sa.table("fund_category", sa.column("fund_code"), sa.column("category_code"))

    cats: dict = {}
    for hid, cat in conn.execute(sa.select(HC.c.household_id, HC.c.category_code)):
        cats.setdefault(hid, []).append(cat)
    people: dict = {}
    for hid, number in conn.execute(sa.select(M.c.household_id, M.c.id_number)):
        if number:
            people.setdefault(hid, set()).add(number)
    households = conn.execute(
        sa.select(
            H.c.id, H.c.code, H.c.id_number, H.c.status, H.c.exited_on, H.c.enrolled_on
        ).order_by(H.c.id)
    ).all()
    code_of = {h.id: h.code for h in households}
    fund_cats: dict = {}
    for code, cat in conn.execute(sa.select(FC.c.fund_code, FC.c.category_code)):
        fund_cats.setdefault(code, []).append(cat)
    funds = conn.execute(
        sa.select(F.c.code, F.c.cap_fen, F.c.valid_from, F.c.valid_to, F.c.created_on).order_by(
            F.c.code
        )
    ).all()
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    starts = [h.enrolled_on for h in households] + [f.created_on for f in funds]
    earliest = min(starts) if starts else now.date()

    changes: list[tuple] = []  # (subject_kind, subject, fact, value, effective_from)
    for h in households:
        changes.append(
            ("household", h.code, "categories", sorted(cats.get(h.id, [])), h.enrolled_on)
        )
        changes.append(("household", h.code, "status", "active", h.enrolled_on))
        if h.status != "active":
            changes.append(
                (
                    "household",
                    h.code,
                    "status",
                    "exited",
                    max(h.exited_on or now.date(), h.enrolled_on),
                )
            )
        numbers = sorted(people.get(h.id, set()) | {h.id_number})
        changes.append(("household", h.code, "member_ids", numbers, h.enrolled_on))
    relatives: dict = {}
    for cadre_code, hid, number, relation in conn.execute(
        sa.select(C.c.code, R.c.household_id, R.c.id_number, R.c.relation).join(
            R, R.c.cadre_id == C.c.id
        )
    ):
        relatives.setdefault(cadre_code, []).append(
            {"household": code_of.get(hid), "id_number": number, "relation": relation}
        )
    for cadre_code in sorted(relatives):
        value = sorted(
            relatives[cadre_code], key=lambda r: (r["household"] or "", r["id_number"] or "")
        )
        changes.append(("cadre", cadre_code, "relatives", value, earliest))
    for f in funds:
        rules = {
            "cap_fen": f.cap_fen,
            "categories": sorted(fund_cats.get(f.code, [])),
            "valid_from": f.valid_from.isoformat() if f.valid_from else None,
            "valid_to": f.valid_to.isoformat() if f.valid_to else None,
        }
        changes.append(("fund", f.code, "rules", rules, f.created_on))

    T = sa.table(
        "fact_change",
        sa.column("seq", sa.Integer()),
        sa.column("subject_kind", text),
        sa.column("subject", text),
        sa.column("fact", text),
        sa.column("value", sa.Text()),
        sa.column("effective_from", date),
        sa.column("ledger_seq", sa.Integer()),
        sa.column("origin", text),
        sa.column("recorded_at", sa.DateTime()),
        sa.column("operator", text),
        sa.column("reason", text),
        sa.column("prev_hash", text),
        sa.column("hash", text),
    )
    prev = "0" * 64
    rows = []
    for seq, (kind, subject, fact, value, day) in enumerate(changes, 1):
        row = {
            "seq": seq,
            "subject_kind": kind,
            "subject": subject,
            "fact": fact,
            "value": value_text(value),
            "effective_from": day,
            "ledger_seq": 0,
            "origin": "upgrade",
            "recorded_at": now,
            "operator": "upgrade",
            "reason": REASON,
            "prev_hash": prev,
        }
        row["hash"] = prev = fact_hash(row)
        rows.append(row)
    for start in range(0, len(rows), 5000):
        conn.execute(sa.insert(T), rows[start : start + 5000])


def _append_only_triggers() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER fact_change_no_{event.lower()} BEFORE {event} ON fact_change "
                "BEGIN SELECT RAISE(ABORT, 'fact history is append-only'); END"
            )
    else:
        op.execute(
            "CREATE OR REPLACE FUNCTION zoufang_fact_append_only() RETURNS trigger AS $$ "
            "BEGIN RAISE EXCEPTION 'fact history is append-only'; END; $$ LANGUAGE plpgsql"
        )
        op.execute(
            "CREATE TRIGGER fact_change_append_only BEFORE UPDATE OR DELETE ON fact_change "
            "FOR EACH ROW EXECUTE FUNCTION zoufang_fact_append_only()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.execute("DROP TRIGGER IF EXISTS fact_change_append_only ON fact_change")
        op.execute("DROP FUNCTION IF EXISTS zoufang_fact_append_only()")
    op.drop_index("ix_fact_change_subject", table_name="fact_change")
    op.drop_table("fact_change")
