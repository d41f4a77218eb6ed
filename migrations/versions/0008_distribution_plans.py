"""distribution plans (慰问名单): plan, plan_line, plan_event and plan_payment (append-only:
triggers refuse UPDATE/DELETE), and fund.requires_plan

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 18:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

#: The tables whose rows are evidence: never updated or deleted.
APPEND_ONLY = ("plan_event", "plan_payment")


def upgrade() -> None:
    with op.batch_alter_table("fund", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("requires_plan", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "plan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=50), nullable=False),
        sa.Column("fund_code", sa.String(length=40), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("planned_on", sa.Date(), nullable=True),
        sa.Column("from_plan_id", sa.Integer(), nullable=True),
        sa.Column("drafted_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["from_plan_id"], ["plan.id"]),
        sa.ForeignKeyConstraint(["fund_code"], ["fund.code"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    with op.batch_alter_table("plan", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_fund_code"), ["fund_code"], unique=False)
    op.create_table(
        "plan_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("household_code", sa.String(length=20), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["household_code"], ["household.code"]),
        sa.ForeignKeyConstraint(["plan_id"], ["plan.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("plan_id", "household_code", name="uq_plan_line_plan_household"),
    )
    op.create_table(
        "plan_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("household_code", sa.String(length=20), nullable=True),
        sa.Column("amount_fen", sa.BigInteger(), nullable=True),
        sa.Column("decision", sa.String(length=10), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("operator", sa.String(length=100), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["plan_id"], ["plan.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("plan_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_event_plan_id"), ["plan_id"], unique=False)
    op.create_table(
        "plan_payment",
        sa.Column("entry_seq", sa.Integer(), nullable=False),
        sa.Column("plan_line_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["entry_seq"], ["ledger_entry.seq"]),
        sa.ForeignKeyConstraint(["plan_line_id"], ["plan_line.id"]),
        sa.PrimaryKeyConstraint("entry_seq"),
    )
    with op.batch_alter_table("plan_payment", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_plan_payment_plan_line_id"), ["plan_line_id"], unique=False
        )
    create_append_only_triggers()


def create_append_only_triggers() -> None:
    """The database refuses to update or delete a plan's events and payment links, as it
    does a ledger entry (migration 0002)."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    if not sqlite:
        op.execute(
            "CREATE OR REPLACE FUNCTION zoufang_plan_append_only() RETURNS trigger AS $$ "
            "BEGIN RAISE EXCEPTION 'plan events and payments are append-only'; END; $$ "
            "LANGUAGE plpgsql"
        )
    for table in APPEND_ONLY:
        if sqlite:
            for event in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table} "
                    "BEGIN SELECT RAISE(ABORT, 'plan events and payments are append-only'); END"
                )
        else:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION zoufang_plan_append_only()"
            )


def downgrade() -> None:
    # Dropping the tables drops their triggers too.
    with op.batch_alter_table("plan_payment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_payment_plan_line_id"))
    op.drop_table("plan_payment")
    with op.batch_alter_table("plan_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_event_plan_id"))
    op.drop_table("plan_event")
    op.drop_table("plan_line")
    with op.batch_alter_table("plan", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_fund_code"))
    op.drop_table("plan")
    if op.get_bind().dialect.name != "sqlite":
        op.execute("DROP FUNCTION IF EXISTS zoufang_plan_append_only()")
    # In place (SQLite ≥ 3.35): a batch table rebuild would drop and re-create `fund`, which
    # the ledger's entries and plans reference, and fail on a ledger holding data.
    op.execute("ALTER TABLE fund DROP COLUMN requires_plan")
