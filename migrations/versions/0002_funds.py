"""funds and the hash-chained money ledger (append-only: triggers refuse UPDATE/DELETE)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 10:44:48.255293
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fund",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=True),
        sa.Column("cap_fen", sa.BigInteger(), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("created_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_table(
        "fund_category",
        sa.Column("fund_code", sa.String(length=40), nullable=False),
        sa.Column("category_code", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["category_code"],
            ["category.code"],
        ),
        sa.ForeignKeyConstraint(
            ["fund_code"],
            ["fund.code"],
        ),
        sa.PrimaryKeyConstraint("fund_code", "category_code"),
    )
    op.create_table(
        "ledger_entry",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("fund_code", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("household_code", sa.String(length=20), nullable=True),
        sa.Column("visit_id", sa.Integer(), nullable=True),
        sa.Column("entry_date", sa.Date(), nullable=False),
        sa.Column("cadre_code", sa.String(length=40), nullable=True),
        sa.Column("operator", sa.String(length=100), nullable=False),
        sa.Column("memo", sa.String(length=500), nullable=True),
        sa.Column("reverses_seq", sa.Integer(), nullable=True),
        sa.Column("override_reason", sa.String(length=500), nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["cadre_code"],
            ["cadre.code"],
        ),
        sa.ForeignKeyConstraint(
            ["fund_code"],
            ["fund.code"],
        ),
        sa.ForeignKeyConstraint(
            ["household_code"],
            ["household.code"],
        ),
        sa.ForeignKeyConstraint(
            ["reverses_seq"],
            ["ledger_entry.seq"],
        ),
        sa.ForeignKeyConstraint(
            ["visit_id"],
            ["visit.id"],
        ),
        sa.PrimaryKeyConstraint("seq"),
        sa.UniqueConstraint("hash"),
    )
    with op.batch_alter_table("ledger_entry", schema=None) as batch_op:
        batch_op.create_index(
            "ix_ledger_entry_fund_household", ["fund_code", "household_code"], unique=False
        )
        batch_op.create_index(
            "ix_ledger_entry_household_date", ["household_code", "entry_date"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_ledger_entry_reverses_seq"), ["reverses_seq"], unique=False
        )

    create_append_only_triggers()


def create_append_only_triggers() -> None:
    """The database itself refuses to update or delete a ledger entry.

    Re-run this after any later migration that rebuilds ledger_entry (batch mode on SQLite
    drops the table's triggers with it).
    """
    if op.get_bind().dialect.name == "sqlite":
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER ledger_entry_no_{event.lower()} BEFORE {event} ON ledger_entry "
                "BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END"
            )
    else:
        op.execute(
            "CREATE OR REPLACE FUNCTION zoufang_ledger_append_only() RETURNS trigger AS $$ "
            "BEGIN RAISE EXCEPTION 'ledger entries are append-only'; END; $$ LANGUAGE plpgsql"
        )
        op.execute(
            "CREATE TRIGGER ledger_entry_append_only BEFORE UPDATE OR DELETE ON ledger_entry "
            "FOR EACH ROW EXECUTE FUNCTION zoufang_ledger_append_only()"
        )


def downgrade() -> None:
    with op.batch_alter_table("ledger_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ledger_entry_reverses_seq"))
        batch_op.drop_index("ix_ledger_entry_household_date")
        batch_op.drop_index("ix_ledger_entry_fund_household")

    op.drop_table("ledger_entry")
    op.drop_table("fund_category")
    op.drop_table("fund")
