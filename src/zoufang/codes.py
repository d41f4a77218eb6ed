"""The codes the ledger stores for statuses and kinds, in one module that imports nothing.

:mod:`zoufang.models` re-exports them; services that run on SQLAlchemy Core to start fast
(`due`, `report`) import them from here, so that they never load SQLModel for a constant.
"""

from __future__ import annotations

HOUSEHOLD_ACTIVE = "active"
HOUSEHOLD_EXITED = "exited"
#: A household enrolled by mistake and voided (``household void``): on no roster, in no figure.
HOUSEHOLD_VOID = "void"
VISIT_KINDS = ("routine", "festival", "return", "unannounced", "verification")
COMMITMENT_VOID = "void"  # recorded by mistake (`commitment void`, or its visit voided)
COMMITMENT_STATUSES = ("open", "in-progress", "resolved", "referred", "cannot-resolve", "void")
#: No longer open: nothing more is done on it, no reminder is sent.
COMMITMENT_CLOSED = ("resolved", "referred", "cannot-resolve", "void")
#: A visit's version: the current one counts; a voided one and one replaced by an amended
#: version (``visit void`` / ``visit amend``) stay in the ledger and count nowhere.
VISIT_CURRENT = "current"
VISIT_VOID = "void"
VISIT_SUPERSEDED = "superseded"
VISIT_STATUSES = (VISIT_CURRENT, VISIT_VOID, VISIT_SUPERSEDED)
#: A household member: current, or removed by `member remove --reason` (kept, shown so).
MEMBER_CURRENT = "current"
MEMBER_REMOVED = "removed"
VISIT_ITEM_KINDS = ("suggestion", "wish", "gift")
#: A small wish (微心愿): open (待认领) until claimed (已认领), then fulfilled (已圆梦) or
#: declined (未能实现); void with the visit it was heard at.
WISH_OPEN = "open"
WISH_CLAIMED = "claimed"
WISH_FULFILLED = "fulfilled"
WISH_DECLINED = "declined"
WISH_VOID = "void"
WISH_STATUSES = (WISH_OPEN, WISH_CLAIMED, WISH_FULFILLED, WISH_DECLINED, WISH_VOID)
#: A suggestion (意见建议): unanswered until answered — adopted, not adopted, or answered
#: without either; void with the visit it was heard at.
SUGGESTION_UNANSWERED = "unanswered"
SUGGESTION_VOID = "void"
SUGGESTION_ANSWERED = ("answered", "adopted", "not-adopted")
SUGGESTION_STATUSES = (SUGGESTION_UNANSWERED, *SUGGESTION_ANSWERED, SUGGESTION_VOID)

#: The role kinds of a PostgreSQL ledger's logins (`zoufang user add --role`; docs/security.md).
USER_ROLES = ("cadre", "officer", "finance", "auditor", "admin")
