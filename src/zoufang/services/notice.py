"""The public notice (公示) of a fund's recipients, as posted on a village notice board.

Names and ID numbers are masked (陈*爷, 110101********1237) so the list can withstand public
scrutiny without exposing anyone; amounts are net of reversals; households whose payments
were all reversed do not appear. The title is in the chosen language (the notice's text
is the document people read, in JSON too); categories are the ledger's labels.

A notice is built in two steps, so that any list of households and amounts can be posted
the same way:

1. **Lines**: where the list comes from. :func:`fund_lines` reads what a fund paid (the
   notice after payment, 发放公示); a distribution plan's lines (拟发放公示, ``--before``)
   are the same shape: one :class:`Line` per household.
2. **Notices**: :func:`compose` orders the lines, masks them, keeps one village or splits
   them per village, and adds the header facts (title, source, totals, the notice period
   with its first and last day, where to object, the signature block). Its dicts are what
   :mod:`zoufang.output.notice` renders; their keys are listed in :func:`compose`.

Order: villages in the order of the roster (the village of the lowest household code
first: the order they were enrolled, which is the order the office keeps its 台账 in), then
households by code within a village. Unicode order of village names means nothing to
anyone; the roster's order is the one the office already uses, and needs no pinyin table.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlmodel import case, col

from zoufang.errors import InvalidInput, RuleViolation
from zoufang.i18n import _
from zoufang.models import Household, HouseholdCategory, LedgerEntry
from zoufang.parsing import mask_id_number
from zoufang.services.funds import get_fund

if TYPE_CHECKING:
    from zoufang.db import LedgerSession

#: after payment (发放公示: what was paid) or before it (拟发放公示: a plan's list).
AFTER, BEFORE = "after", "before"
#: The notice period in days when --days is not given.
DEFAULT_DAYS = {AFTER: 7, BEFORE: 5}


def mask_name(name: str) -> str:
    """陈大爷 → 陈*爷, 王五 → 王*, 欧阳小明 → 欧**明."""
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


@dataclasses.dataclass(frozen=True)
class Line:
    """One household on a notice, unmasked (:func:`compose` masks it)."""

    household: str  # its code: the roster's order within a village
    village: str
    head_name: str
    id_number: str | None
    categories: Sequence[str]  # labels
    amount_fen: int


@dataclasses.dataclass(frozen=True)
class Subject:
    """What a notice is about: the fund (and, for a plan's notice, the plan)."""

    fund: str
    fund_name: str
    source: str | None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    plan: str | None = None  # the plan's code, for a plan's notice
    plan_name: str | None = None  # its name (春节慰问名单): the notice's title


@dataclasses.dataclass(frozen=True)
class Settings:
    """How the notice is posted: ``--after``/``--before``, ``--date`` (the first day of the
    notice period and the date of the signature), ``--days``, ``--contact``, ``--issuer``,
    ``--hide-amounts``; ``chain_head`` (``{"seq", "hash"}``) is printed on the notice when
    given."""

    date: dt.date
    kind: str = AFTER
    days: int | None = None  # None: DEFAULT_DAYS[kind]
    contact: str | None = None
    issuer: str | None = None
    hide_amounts: bool = False
    reveal: bool = False
    chain_head: dict | None = None

    @property
    def period_days(self) -> int:
        return self.days if self.days is not None else DEFAULT_DAYS[self.kind]

    @property
    def last_day(self) -> dt.date:
        """The last day of the notice period (the first is ``date``): 7 days from 2 Feb
        end on 8 Feb."""
        return self.date + dt.timedelta(days=self.period_days - 1)


def village_order(*, session: LedgerSession) -> dict[str, int]:
    """Each village's place in the roster: villages ordered by their lowest household code."""
    rows = session.execute(
        select(col(Household.village), func.min(col(Household.code)).label("first"))
        .group_by(col(Household.village))
        .order_by("first")
    ).all()
    return {village: i for i, (village, _first) in enumerate(rows)}


def check_village(village: str | None, order: dict[str, int]) -> str | None:
    """``--village`` as a village of the roster; otherwise invalid input (exit 2)."""
    if village is None:
        return None
    name = village.strip()
    if name not in order:
        raise InvalidInput(
            "--village",
            _("no household is in the village {village!r} (see `zoufang household list`)").format(
                village=village
            ),
        )
    return name


def fund_subject(*, session: LedgerSession, code: str) -> Subject:
    fund = get_fund(session=session, code=code)
    return Subject(
        fund=fund.code,
        fund_name=fund.name,
        source=fund.source,
        valid_from=fund.valid_from,
        valid_to=fund.valid_to,
    )


def fund_lines(*, session: LedgerSession, code: str) -> list[Line]:
    """What a fund paid each household, net of reversals (households with nothing left
    after reversals are not listed)."""
    E = LedgerEntry
    net = func.sum(case((E.kind == "disburse", E.amount_fen), else_=-E.amount_fen))
    rows = session.execute(
        select(
            col(Household.id),
            col(Household.code),
            col(Household.village),
            col(Household.head_name),
            col(Household.id_number),
            net.label("amount"),
        )
        .join(Household, col(Household.code) == E.household_code)
        .where(col(E.fund_code) == code, col(E.household_code).is_not(None))
        .group_by(
            col(Household.id),
            col(Household.code),
            col(Household.village),
            col(Household.head_name),
            col(Household.id_number),
        )
        .having(net > 0)
    ).all()
    categories = household_categories(session=session, ids=[r.id for r in rows])
    return [
        Line(
            household=r.code,
            village=r.village,
            head_name=r.head_name,
            id_number=r.id_number,
            categories=categories.get(r.id, []),
            amount_fen=int(r.amount),
        )
        for r in rows
    ]


def household_categories(*, session: LedgerSession, ids: Iterable[int]) -> dict[int, list[str]]:
    """Each household's category labels, in label order."""
    wanted = list(ids)
    found: dict[int, list[str]] = {}
    if not wanted:
        return found
    from zoufang.models import Category

    for hid, label in session.execute(
        select(col(HouseholdCategory.household_id), col(Category.label))
        .join(Category, col(Category.code) == HouseholdCategory.category_code)
        .where(col(HouseholdCategory.household_id).in_(wanted))
        .order_by(Category.label)
    ):
        found.setdefault(hid, []).append(label)
    return found


def title(subject: Subject, kind: str) -> str:
    name = subject.plan_name or subject.fund_name
    if kind == BEFORE:
        return _("{fund}: public notice of planned payments").format(fund=name)
    return _("{fund}: public notice of payments").format(fund=name)


def compose(
    *,
    subject: Subject,
    lines: Iterable[Line],
    order: dict[str, int],
    settings: Settings,
    village: str | None = None,
    split: bool = False,
) -> list[dict]:
    """The notices of ``lines``: one, or only ``village``'s, or one per village (``split``:
    villages with nobody on the list get none), each ordered as the roster is.

    Each notice is a dict: ``fund``, ``title``, ``source``, ``period`` (the fund's
    [valid_from, valid_to]), ``households``, ``total_fen``, ``date`` (as before) and
    ``kind`` (after/before), ``fund_name``, ``plan``, ``village`` (null for the whole
    township), ``notice_period`` (``days``, ``first_day``, ``last_day``), ``contact``,
    ``issuer``, ``amounts_hidden``, ``chain_head``, and ``recipients``: ``no``, ``village``,
    ``household``, ``name``, ``id_number``, ``categories``, ``amount_fen`` (masked unless
    ``reveal``; the amount still here with ``hide_amounts``: the renderer drops it).
    """
    ordered = sorted(lines, key=lambda line: (order.get(line.village, len(order)), line.household))
    if village is not None:
        ordered = [line for line in ordered if line.village == village]
    groups: list[tuple[str | None, list[Line]]]
    if split:
        groups = []
        for line in ordered:
            if not groups or groups[-1][0] != line.village:
                groups.append((line.village, []))
            groups[-1][1].append(line)
    else:
        groups = [(village, ordered)]
    return [_notice(subject, rows, settings, where) for where, rows in groups]


def _notice(subject: Subject, lines: list[Line], settings: Settings, village: str | None) -> dict:
    reveal = settings.reveal
    recipients = [
        {
            "no": i,
            "village": line.village,
            "household": line.household,
            "name": line.head_name if reveal else mask_name(line.head_name),
            "id_number": line.id_number if reveal else mask_id_number(line.id_number),
            "categories": list(line.categories),
            "amount_fen": line.amount_fen,
        }
        for i, line in enumerate(lines, 1)
    ]
    return {
        "fund": subject.fund,
        "title": title(subject, settings.kind),
        "source": subject.source,
        "period": [subject.valid_from, subject.valid_to],
        "households": len(recipients),
        "total_fen": sum(r["amount_fen"] for r in recipients),
        "date": settings.date,
        "kind": settings.kind,
        "fund_name": subject.fund_name,
        "plan": subject.plan,
        "village": village,
        "notice_period": {
            "days": settings.period_days,
            "first_day": settings.date,
            "last_day": settings.last_day,
        },
        "contact": settings.contact,
        "issuer": settings.issuer,
        "amounts_hidden": settings.hide_amounts,
        "chain_head": settings.chain_head,
        "recipients": recipients,
    }


def fund_notices(
    *,
    session: LedgerSession,
    code: str,
    settings: Settings,
    village: str | None = None,
    split: bool = False,
) -> list[dict]:
    """The notice(s) of what fund ``code`` paid (``notice FUND``): see :func:`compose`."""
    subject = fund_subject(session=session, code=code)
    order = village_order(session=session)
    where = check_village(village, order)
    lines = fund_lines(session=session, code=code)
    return compose(
        subject=subject, lines=lines, order=order, settings=settings, village=where, split=split
    )


def plan_notices(
    *,
    session: LedgerSession,
    code: str,
    settings: Settings,
    village: str | None = None,
    split: bool = False,
) -> list[dict]:
    """The notice(s) of distribution plan ``code`` (``notice FUND/N``): with ``--before``
    (拟发放公示) every line still planned, at its planned amount; after payment the lines
    paid, at what was paid. A draft is not posted: it is posted once approved."""
    from zoufang.services.plan_payments import plan_sheet

    sheet = plan_sheet(session=session, code=code)
    if sheet["status"] == "draft":
        raise RuleViolation(
            "PLAN",
            _("plan {plan} is a draft: it is posted once approved").format(plan=sheet["plan"]),
        )
    before = settings.kind == BEFORE
    wanted = ("unpaid", "paid", "objected") if before else ("paid",)
    chosen = [x for x in sheet["lines"] if x["status"] in wanted]
    categories = household_categories(session=session, ids=[x["household_id"] for x in chosen])
    lines = [
        Line(
            household=x["household"],
            village=x["village"],
            head_name=x["name"],
            id_number=x["id_number"],
            categories=categories.get(x["household_id"], []),
            amount_fen=x["amount_fen"] if before else x["paid_fen"],
        )
        for x in chosen
    ]
    subject = Subject(
        fund=sheet["fund"],
        fund_name=sheet["fund_name"],
        source=sheet["source"],
        plan=sheet["plan"],
        plan_name=sheet["name"],
    )
    order = village_order(session=session)
    where = check_village(village, order)
    return compose(
        subject=subject, lines=lines, order=order, settings=settings, village=where, split=split
    )
