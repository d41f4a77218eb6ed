"""corrections: visit and member status, and the append-only correction table

A visit recorded by mistake is voided or amended, never deleted (`visit void`, `visit amend`):
the row stays, its ``status`` says whether it still counts, and a row of ``correction`` says
who changed it, when, why and what changed. ``correction`` is append-only like
``ledger_entry``: triggers refuse UPDATE and DELETE on SQLite and PostgreSQL.

A member removed by mistake-correction (`member remove --reason`) stays, ``status`` removed.
Every visit and member already in the ledger is ``current``. The (household, date, id, kind) index that
`report` counts from carries the status too, so that only the visits that count are counted
without reading the visit rows. The status has no index of its own: an index SQLite could
seek on ``status = 'current'`` would tempt it (without statistics) away from the household
index, onto nearly every visit; "is any visit not counted?" asks ``correction`` instead.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 18:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

OLD_INDEX = ["household_id", "visit_date", "id", "kind"]


def upgrade() -> None:
    op.add_column(
        "visit",
        sa.Column(
            "status", sa.String(length=12), nullable=False, server_default=sa.text("'current'")
        ),
    )
    op.add_column(
        "member",
        sa.Column(
            "status", sa.String(length=10), nullable=False, server_default=sa.text("'current'")
        ),
    )
    op.drop_index("ix_visit_household_date_kind", table_name="visit")
    op.create_index(
        "ix_visit_household_date_kind_status", "visit", [*OLD_INDEX, "status"], unique=False
    )
    op.create_table(
        "correction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("object_type", sa.String(length=20), nullable=False),
        sa.Column("object_key", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("replaced_by", sa.String(length=100), nullable=True),
        sa.Column("household_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("changes", sa.Text(), nullable=True),
        sa.Column("operator", sa.String(length=100), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["household_id"], ["household.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_correction_household_id", "correction", ["household_id"], unique=False)
    op.create_index(
        "ix_correction_object", "correction", ["object_type", "object_key"], unique=False
    )
    create_append_only_triggers()


def create_append_only_triggers() -> None:
    """The database itself refuses to update or delete a correction (as a ledger entry)."""
    if op.get_bind().dialect.name == "sqlite":
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER correction_no_{event.lower()} BEFORE {event} ON correction "
                "BEGIN SELECT RAISE(ABORT, 'corrections are append-only'); END"
            )
    else:
        op.execute(
            "CREATE OR REPLACE FUNCTION zoufang_correction_append_only() RETURNS trigger AS $$ "
            "BEGIN RAISE EXCEPTION 'corrections are append-only'; END; $$ LANGUAGE plpgsql"
        )
        op.execute(
            "CREATE TRIGGER correction_append_only BEFORE UPDATE OR DELETE ON correction "
            "FOR EACH ROW EXECUTE FUNCTION zoufang_correction_append_only()"
        )


def downgrade() -> None:
    op.drop_index("ix_correction_object", table_name="correction")
    op.drop_index("ix_correction_household_id", table_name="correction")
    op.drop_table("correction")  # its triggers go with it
    if op.get_bind().dialect.name != "sqlite":
        op.execute("DROP FUNCTION IF EXISTS zoufang_correction_append_only()")
    op.drop_index("ix_visit_household_date_kind_status", table_name="visit")
    for table in ("visit", "member"):
        _drop_status(table)
    op.create_index("ix_visit_household_date_kind", "visit", OLD_INDEX, unique=False)


def _drop_status(table: str) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        op.drop_column(table, "status")
    elif bind.dialect.dbapi.sqlite_version_info >= (3, 35):
        # in place: a batch rebuild would drop the table, which other rows refer to
        # (visit_cadre, visit_item, commitment and ledger_entry refer to a visit)
        op.execute(f"ALTER TABLE {table} DROP COLUMN status")
    else:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("status")
