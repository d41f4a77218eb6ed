"""the visit index by household and date carries the kind: `report` counts kinds from it alone

`zoufang report` counts each household's visits of each kind in one pass over the visits in
(household, date) order. With only (household_id, visit_date, id) indexed, SQLite looked up
every visit row for its kind: at county scale a million random reads of the visit table. This
index answers the pass alone. It replaces ix_visit_household_date, which is its prefix, so
what used that index (the due-date refresh, "never visited") uses this one the same way.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 15:10:00
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

VISIT_COLUMNS = ["household_id", "visit_date", "id", "kind"]


def upgrade() -> None:
    op.drop_index("ix_visit_household_date", table_name="visit")
    op.create_index("ix_visit_household_date_kind", "visit", VISIT_COLUMNS, unique=False)


def downgrade() -> None:
    op.drop_index("ix_visit_household_date_kind", table_name="visit")
    op.create_index(
        "ix_visit_household_date", "visit", ["household_id", "visit_date", "id"], unique=False
    )
