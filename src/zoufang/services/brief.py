"""The pre-visit brief (`household show`): everything a cadre should know before knocking.

Profile, members, categories, assigned cadres, the visit timeline with what was heard and
given, open commitments with days overdue, open wishes and unanswered suggestions, and the money received from each fund.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from zoufang import tables
from zoufang.codes import WISH_CLAIMED, WISH_OPEN
from zoufang.services import figures
from zoufang.services.commitments import CommitmentFilter, list_commitments
from zoufang.services.corrections import corrections_of_household
from zoufang.services.fact_history import CATEGORIES, HOUSEHOLD, latest_change
from zoufang.services.funds import received_by_household
from zoufang.services.households import describe_household, get_household, members_of
from zoufang.services.suggestions import SuggestionFilter, list_suggestions
from zoufang.services.visit_history import VisitFilter, list_visits
from zoufang.services.wishes import WishFilter, list_wishes

if TYPE_CHECKING:
    from zoufang.db import LedgerSession


def household_brief(*, session: LedgerSession, code: str, today: dt.date) -> dict:
    household = describe_household(session=session, code=code)
    hid = get_household(session=session, code=code).id
    assert hid is not None  # read from the ledger
    # as of today, as `due`, `audit visits` and `report` count it (figures.household_due)
    due = figures.household_due(session.connection(), today, [tables.household.c.id == hid])
    if due:
        household["last_visit"] = due[0].last_visit_on
        household["due_date"] = due[0].due_date
        household["days_overdue"] = due[0].days_overdue
    else:
        household["due_date"] = household["days_overdue"] = None
    commitments = list_commitments(
        session=session, today=today, where=CommitmentFilter(household=code)
    )
    changed = latest_change(session, HOUSEHOLD, household["code"], CATEGORIES)
    return {
        **household,
        # the day the categories in force took effect (their history: `household history`)
        "categories_since": changed[0] if changed else None,
        "member_list": members_of(session=session, household_id=hid),
        "visits": list_visits(session=session, where=VisitFilter(household=code, until=today)),
        "open_commitments": [c for c in commitments if c["days_overdue"] is not None],
        "closed_commitments": [c for c in commitments if c["days_overdue"] is None],
        "open_wishes": [
            w
            for w in list_wishes(session=session, today=today, where=WishFilter(household=code))
            if w["status"] in (WISH_OPEN, WISH_CLAIMED)
        ],
        "unanswered_suggestions": list_suggestions(
            session=session,
            today=today,
            where=SuggestionFilter(household=code, unanswered=True),
        ),
        "money_received": received_by_household(session=session, household_code=code, today=today),
        "corrections": corrections_of_household(session, code),
    }
