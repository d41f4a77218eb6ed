"""commitment responses record when they were really written (issue 21: the real clock)

Ledger entries and visits have always stored ``recorded_at``; a commitment response did
not. From this revision every evidence row carries it, from the real clock (the PostgreSQL
server's ``now()``, or the clock of the machine holding a SQLite file), so that `audit
visits` can compare a response's own date with the day it was recorded.

Responses recorded before this revision keep ``recorded_at`` NULL: nothing records when they
were written (the audit log's time is not the response's), and a guess would be evidence
nobody gave. The audit's date checks skip them (docs/guarantees.md).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 18:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("commitment_response") as batch:
        batch.add_column(sa.Column("recorded_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("commitment_response") as batch:
        batch.drop_column("recorded_at")
