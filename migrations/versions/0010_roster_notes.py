"""a household's notes, and 特困供养人员 and 空巢老人 built in (issue 17: the whole 台账 in)

* ``household.notes``: what a roster says about a household that has no column of its own
  (性别, 年龄, 备注 and columns zoufang does not know), kept as ``header：value`` lines rather
  than dropped.
* Two built-in categories (SPEC §7): ``destitute`` 特困供养人员 (the former 五保户) and
  ``empty-nest`` 空巢老人, both visited every 30 days. A ledger that already has a category
  with one of these codes keeps its own.

The downgrade drops the column and removes the two categories where nothing refers to them;
one a household or fund still names is kept, as a category of the ledger's own.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 18:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

#: Frozen as of this revision (later changes need a migration of their own).
NEW_CATEGORIES = [
    ("destitute", "特困供养人员", 30),
    ("empty-nest", "空巢老人", 30),
]


def upgrade() -> None:
    with op.batch_alter_table("household", schema=None) as batch_op:
        batch_op.add_column(sa.Column("notes", sa.Text(), nullable=True))
    conn = op.get_bind()
    category = sa.table(
        "category",
        sa.column("code", sa.String),
        sa.column("label", sa.String),
        sa.column("cadence_days", sa.Integer),
        sa.column("builtin", sa.Boolean),
    )
    taken = {code for (code,) in conn.execute(sa.select(category.c.code))}
    op.bulk_insert(
        category,
        [
            {"code": code, "label": label, "cadence_days": days, "builtin": True}
            for code, label, days in NEW_CATEGORIES
            if code not in taken
        ],
    )


def downgrade() -> None:
    conn = op.get_bind()
    for code, _label, _days in NEW_CATEGORIES:
        used = conn.execute(
            sa.text(
                "SELECT (SELECT COUNT(*) FROM household_category WHERE category_code = :code)"
                " + (SELECT COUNT(*) FROM fund_category WHERE category_code = :code)"
            ),
            {"code": code},
        ).scalar()
        if used:
            conn.execute(
                sa.text("UPDATE category SET builtin = :no WHERE code = :code"),
                {"code": code, "no": False},
            )
        else:
            conn.execute(sa.text("DELETE FROM category WHERE code = :code"), {"code": code})
    if conn.dialect.name == "sqlite":
        # SQLite 3.35+ drops a column in place; a batch rebuild of `household` would delete
        # the rows other tables refer to while foreign keys are on.
        conn.exec_driver_sql("ALTER TABLE household DROP COLUMN notes")
    else:
        op.drop_column("household", "notes")
