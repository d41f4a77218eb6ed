"""wishes and suggestions get a life cycle (issue 15: 件件有记录、事事有回应)

* ``wish`` (微心愿: open → claimed → fulfilled / declined) and its append-only
  ``wish_event``; ``suggestion`` (意见建议: unanswered → answered / adopted / not-adopted) and
  its append-only ``suggestion_answer``. Triggers refuse UPDATE and DELETE on the two event
  tables, on SQLite and PostgreSQL, as on ``ledger_entry``.
* Every visit item of kind wish or suggestion already in the ledger becomes an open wish or an
  unanswered suggestion of its visit's household, heard on the visit's date, the responsible
  cadre being the visit's first cadre (lowest id); a voided or superseded visit's become
  ``void``. The visit items themselves stay (they are what the visit heard).

The downgrade drops the four tables: the visit items are still there.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 22:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

APPEND_ONLY = ("wish_event", "suggestion_answer")


def upgrade() -> None:
    op.create_table(
        "wish",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("visit_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.String(length=2000), nullable=False),
        sa.Column("heard_on", sa.Date(), nullable=False),
        sa.Column("cadre_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("claimed_on", sa.Date(), nullable=True),
        sa.Column("claimed_cadre_id", sa.Integer(), nullable=True),
        sa.Column("claimed_unit", sa.String(length=200), nullable=True),
        sa.Column("claimed_person", sa.String(length=100), nullable=True),
        sa.Column("claimed_phone", sa.String(length=40), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("outcome", sa.String(length=2000), nullable=True),
        sa.Column("entry_seq", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["household_id"], ["household.id"]),
        sa.ForeignKeyConstraint(["visit_id"], ["visit.id"]),
        sa.ForeignKeyConstraint(["cadre_id"], ["cadre.id"]),
        sa.ForeignKeyConstraint(["claimed_cadre_id"], ["cadre.id"]),
        sa.ForeignKeyConstraint(["entry_seq"], ["ledger_entry.seq"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_wish_household_id", "wish", ["household_id"], unique=False)
    op.create_index("ix_wish_visit_id", "wish", ["visit_id"], unique=False)
    op.create_index("ix_wish_cadre_id", "wish", ["cadre_id"], unique=False)
    op.create_index("ix_wish_status_due", "wish", ["status", "due_date"], unique=False)
    op.create_table(
        "wish_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("wish_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("event_date", sa.Date(), nullable=False),
        sa.Column("note", sa.String(length=2000), nullable=True),
        sa.Column("operator", sa.String(length=100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["wish_id"], ["wish.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_wish_event_wish_id", "wish_event", ["wish_id"], unique=False)
    op.create_table(
        "suggestion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("visit_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.String(length=2000), nullable=False),
        sa.Column("heard_on", sa.Date(), nullable=False),
        sa.Column("cadre_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("answered_on", sa.Date(), nullable=True),
        sa.Column("answer", sa.String(length=2000), nullable=True),
        sa.Column("answered_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["household_id"], ["household.id"]),
        sa.ForeignKeyConstraint(["visit_id"], ["visit.id"]),
        sa.ForeignKeyConstraint(["cadre_id"], ["cadre.id"]),
        sa.ForeignKeyConstraint(["answered_by"], ["cadre.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_suggestion_household_id", "suggestion", ["household_id"], unique=False)
    op.create_index("ix_suggestion_visit_id", "suggestion", ["visit_id"], unique=False)
    op.create_index("ix_suggestion_cadre_id", "suggestion", ["cadre_id"], unique=False)
    op.create_index(
        "ix_suggestion_status_heard", "suggestion", ["status", "heard_on"], unique=False
    )
    op.create_table(
        "suggestion_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("suggestion_id", sa.Integer(), nullable=False),
        sa.Column("answer_date", sa.Date(), nullable=False),
        sa.Column("stance", sa.String(length=12), nullable=False),
        sa.Column("note", sa.String(length=2000), nullable=False),
        sa.Column("cadre_id", sa.Integer(), nullable=True),
        sa.Column("amends", sa.Boolean(), nullable=False),
        sa.Column("operator", sa.String(length=100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["suggestion_id"], ["suggestion.id"]),
        sa.ForeignKeyConstraint(["cadre_id"], ["cadre.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_suggestion_answer_suggestion_id", "suggestion_answer", ["suggestion_id"], unique=False
    )
    for table in APPEND_ONLY:
        create_append_only_triggers(table)
    convert_visit_items()


def create_append_only_triggers(table: str) -> None:
    """The database itself refuses to update or delete an event row (as a ledger entry)."""
    if op.get_bind().dialect.name == "sqlite":
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} rows are append-only'); END"
            )
    else:
        op.execute(
            f"CREATE OR REPLACE FUNCTION zoufang_{table}_append_only() RETURNS trigger AS $$ "
            f"BEGIN RAISE EXCEPTION '{table} rows are append-only'; END; $$ LANGUAGE plpgsql"
        )
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION zoufang_{table}_append_only()"
        )


def convert_visit_items() -> None:
    """The wishes and suggestions visits already heard: open and unanswered (void where the
    visit no longer counts), in the order they were recorded."""
    first_cadre = "(SELECT MIN(vc.cadre_id) FROM visit_cadre vc WHERE vc.visit_id = v.id)"  # noqa: S608
    for kind, table, open_status, void_status in (
        ("wish", "wish", "open", "void"),
        ("suggestion", "suggestion", "unanswered", "void"),
    ):
        op.execute(
            sa.text(
                f"INSERT INTO {table} (household_id, visit_id, text, heard_on, cadre_id, status) "
                f"SELECT v.household_id, v.id, i.text, v.visit_date, {first_cadre}, "
                "CASE WHEN v.status = 'current' THEN :open ELSE :void END "
                "FROM visit_item i JOIN visit v ON v.id = i.visit_id "
                "WHERE i.kind = :kind ORDER BY i.id"
            ).bindparams(kind=kind, open=open_status, void=void_status)
        )


def downgrade() -> None:
    for table in ("suggestion_answer", "suggestion", "wish_event", "wish"):
        op.drop_table(table)  # indexes and triggers go with it
    if op.get_bind().dialect.name != "sqlite":
        for table in APPEND_ONLY:
            op.execute(f"DROP FUNCTION IF EXISTS zoufang_{table}_append_only()")
