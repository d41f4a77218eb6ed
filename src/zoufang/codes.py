"""The codes the ledger stores for statuses and kinds, in one module that imports nothing.

:mod:`zoufang.models` re-exports them; services that run on SQLAlchemy Core to start fast
(`due`, `report`) import them from here, so that they never load SQLModel for a constant.
"""

from __future__ import annotations

HOUSEHOLD_ACTIVE = "active"
HOUSEHOLD_EXITED = "exited"
VISIT_KINDS = ("routine", "festival", "return", "unannounced", "verification")
COMMITMENT_STATUSES = ("open", "in-progress", "resolved", "referred", "cannot-resolve")
COMMITMENT_CLOSED = ("resolved", "referred", "cannot-resolve")
VISIT_ITEM_KINDS = ("suggestion", "wish", "gift")
