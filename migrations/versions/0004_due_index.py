"""covering index for `due`: active households in due-date order with what the list shows

`zoufang due` reads every active household due by a date, in (due date, code) order, with
its code, head, village and last visit. With only (status, due_date) indexed, SQLite looked up
each household row and sorted by code in a temporary B-tree; at county scale (60,000 rows
due) that was two thirds of the query. This index answers it alone, in order. It replaces
ix_household_status_due, which is its prefix.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 12:30:00
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

DUE_COLUMNS = ["status", "due_date", "code", "head_name", "village", "last_visit_on"]


def upgrade() -> None:
    op.drop_index("ix_household_status_due", table_name="household")
    op.create_index("ix_household_due", "household", DUE_COLUMNS, unique=False)


def downgrade() -> None:
    op.drop_index("ix_household_due", table_name="household")
    op.create_index("ix_household_status_due", "household", ["status", "due_date"], unique=False)
