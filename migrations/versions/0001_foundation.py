"""foundation: categories, households, members, cadres, visits, commitments, audit log

Revision ID: 0001
Revises:
Create Date: 2026-11-23 10:37:48.342587
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("operator", sa.String(length=100), nullable=False),
        sa.Column("command", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("object_type", sa.String(length=40), nullable=False),
        sa.Column("object_key", sa.String(length=100), nullable=False),
        sa.Column("before", sa.Text(), nullable=True),
        sa.Column("after", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_log_object_key"), ["object_key"], unique=False)

    op.create_table(
        "cadre",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("unit", sa.String(length=200), nullable=True),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("email", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_table(
        "category",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("cadence_days", sa.Integer(), nullable=False),
        sa.Column("builtin", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_table(
        "household",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("head_name", sa.String(length=100), nullable=False),
        sa.Column("id_number", sa.String(length=18), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("village", sa.String(length=100), nullable=False),
        sa.Column("grid", sa.String(length=100), nullable=True),
        sa.Column("address", sa.String(length=300), nullable=True),
        sa.Column("members_count", sa.Integer(), nullable=True),
        sa.Column("income_fen", sa.BigInteger(), nullable=True),
        sa.Column("housing", sa.String(length=300), nullable=True),
        sa.Column("health", sa.String(length=300), nullable=True),
        sa.Column("employment", sa.String(length=300), nullable=True),
        sa.Column("hardship", sa.String(length=500), nullable=True),
        sa.Column("cadence_days", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("exit_reason", sa.String(length=500), nullable=True),
        sa.Column("exited_on", sa.Date(), nullable=True),
        sa.Column("enrolled_on", sa.Date(), nullable=False),
        sa.Column("last_visit_on", sa.Date(), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
        sa.UniqueConstraint("id_number"),
    )
    with op.batch_alter_table("household", schema=None) as batch_op:
        batch_op.create_index("ix_household_status_due", ["status", "due_date"], unique=False)
        batch_op.create_index(batch_op.f("ix_household_village"), ["village"], unique=False)

    op.create_table(
        "assignment",
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("cadre_id", sa.Integer(), nullable=False),
        sa.Column("assigned_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cadre_id"],
            ["cadre.id"],
        ),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["household.id"],
        ),
        sa.PrimaryKeyConstraint("household_id", "cadre_id"),
    )
    with op.batch_alter_table("assignment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assignment_cadre_id"), ["cadre_id"], unique=False)

    op.create_table(
        "cadre_relative",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cadre_id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=True),
        sa.Column("id_number", sa.String(length=18), nullable=True),
        sa.Column("relation", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["cadre_id"],
            ["cadre.id"],
        ),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["household.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("cadre_relative", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cadre_relative_cadre_id"), ["cadre_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_cadre_relative_household_id"), ["household_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_cadre_relative_id_number"), ["id_number"], unique=False
        )

    op.create_table(
        "household_category",
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("category_code", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["category_code"],
            ["category.code"],
        ),
        sa.ForeignKeyConstraint(["household_id"], ["household.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("household_id", "category_code"),
    )
    with op.batch_alter_table("household_category", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_household_category_category_code"), ["category_code"], unique=False
        )

    op.create_table(
        "member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("relation", sa.String(length=40), nullable=False),
        sa.Column("birth_year", sa.Integer(), nullable=True),
        sa.Column("health", sa.String(length=300), nullable=True),
        sa.Column("id_number", sa.String(length=18), nullable=True),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["household.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_member_household_id"), ["household_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_member_id_number"), ["id_number"], unique=False)

    op.create_table(
        "visit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("visit_date", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("next_date", sa.Date(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("operator", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["household.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("visit", schema=None) as batch_op:
        batch_op.create_index(
            "ix_visit_household_date", ["household_id", "visit_date", "id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_visit_visit_date"), ["visit_date"], unique=False)

    op.create_table(
        "commitment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("visit_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.String(length=2000), nullable=False),
        sa.Column("cadre_id", sa.Integer(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("resolution", sa.String(length=2000), nullable=True),
        sa.Column("referred_to", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["cadre_id"],
            ["cadre.id"],
        ),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["household.id"],
        ),
        sa.ForeignKeyConstraint(
            ["visit_id"],
            ["visit.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("commitment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_commitment_cadre_id"), ["cadre_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_commitment_household_id"), ["household_id"], unique=False
        )
        batch_op.create_index("ix_commitment_status_due", ["status", "due_date"], unique=False)
        batch_op.create_index(batch_op.f("ix_commitment_visit_id"), ["visit_id"], unique=False)

    op.create_table(
        "visit_cadre",
        sa.Column("visit_id", sa.Integer(), nullable=False),
        sa.Column("cadre_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cadre_id"],
            ["cadre.id"],
        ),
        sa.ForeignKeyConstraint(
            ["visit_id"],
            ["visit.id"],
        ),
        sa.PrimaryKeyConstraint("visit_id", "cadre_id"),
    )
    with op.batch_alter_table("visit_cadre", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_visit_cadre_cadre_id"), ["cadre_id"], unique=False)

    op.create_table(
        "visit_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("visit_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("text", sa.String(length=2000), nullable=False),
        sa.ForeignKeyConstraint(
            ["visit_id"],
            ["visit.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("visit_item", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_visit_item_visit_id"), ["visit_id"], unique=False)

    op.create_table(
        "commitment_response",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("commitment_id", sa.Integer(), nullable=False),
        sa.Column("response_date", sa.Date(), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("note", sa.String(length=2000), nullable=False),
        sa.Column("operator", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["commitment_id"],
            ["commitment.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("commitment_response", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_commitment_response_commitment_id"), ["commitment_id"], unique=False
        )

    categories = sa.table(
        "category",
        sa.column("code", sa.String),
        sa.column("label", sa.String),
        sa.column("cadence_days", sa.Integer),
        sa.column("builtin", sa.Boolean),
    )
    op.bulk_insert(
        categories,
        [
            {"code": code, "label": label, "cadence_days": days, "builtin": True}
            for code, label, days in BUILTIN_CATEGORIES
        ],
    )


#: SPEC §5, frozen as of this revision (later changes need a migration of their own).
BUILTIN_CATEGORIES = [
    ("honour-recipient", "党内功勋荣誉表彰获得者", 90),
    ("hardship-member", "生活困难党员", 30),
    ("veteran-member", "老党员", 60),
    ("retired-cadre", "老干部", 90),
    ("bereaved-family", "因公牺牲党员干部家属", 30),
    ("illness-poverty", "因病致贫特困群众", 30),
    ("low-income", "低保户", 60),
    ("disabled", "残疾人", 60),
    ("elderly-alone", "独居老人", 30),
    ("left-behind-child", "留守儿童", 30),
    ("frontline-cadre", "一线干部", 90),
]


def downgrade() -> None:
    # ### commands auto generated by Alembic - please adjust! ###
    with op.batch_alter_table("commitment_response", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_commitment_response_commitment_id"))

    op.drop_table("commitment_response")
    with op.batch_alter_table("visit_item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_visit_item_visit_id"))

    op.drop_table("visit_item")
    with op.batch_alter_table("visit_cadre", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_visit_cadre_cadre_id"))

    op.drop_table("visit_cadre")
    with op.batch_alter_table("commitment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_commitment_visit_id"))
        batch_op.drop_index("ix_commitment_status_due")
        batch_op.drop_index(batch_op.f("ix_commitment_household_id"))
        batch_op.drop_index(batch_op.f("ix_commitment_cadre_id"))

    op.drop_table("commitment")
    with op.batch_alter_table("visit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_visit_visit_date"))
        batch_op.drop_index("ix_visit_household_date")

    op.drop_table("visit")
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_member_id_number"))
        batch_op.drop_index(batch_op.f("ix_member_household_id"))

    op.drop_table("member")
    with op.batch_alter_table("household_category", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_household_category_category_code"))

    op.drop_table("household_category")
    with op.batch_alter_table("cadre_relative", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cadre_relative_id_number"))
        batch_op.drop_index(batch_op.f("ix_cadre_relative_household_id"))
        batch_op.drop_index(batch_op.f("ix_cadre_relative_cadre_id"))

    op.drop_table("cadre_relative")
    with op.batch_alter_table("assignment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assignment_cadre_id"))

    op.drop_table("assignment")
    with op.batch_alter_table("household", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_household_village"))
        batch_op.drop_index("ix_household_status_due")

    op.drop_table("household")
    op.drop_table("category")
    op.drop_table("cadre")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_object_key"))
        batch_op.drop_index(batch_op.f("ix_audit_log_at"))

    op.drop_table("audit_log")
    # ### end Alembic commands ###
