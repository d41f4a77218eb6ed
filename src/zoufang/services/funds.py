"""Ring-fenced funds (专款专用): create, allocate, pay, reverse, and the balances.

Every money movement goes through :func:`zoufang.services.money_chain.append`; payments are
judged by :func:`zoufang.services.fund_rules.payment_violations` first and refused (nothing
written) unless an override reason is given, which is stored with the entry.

Sign conventions: an allocation has no household, a payment has one. A reversal copies the
fund, household and amount of the entry it undoes, so
``allocated = Σ allocate − Σ reverse without household`` and
``disbursed = Σ disburse − Σ reverse with household``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlmodel import case, col, func, select

from zoufang import labels
from zoufang.errors import InvalidInput, NotFound, RuleViolation, not_a_code
from zoufang.i18n import _, pgettext
from zoufang.models import (
    Fund,
    FundCategory,
    LedgerEntry,
)
from zoufang.parsing import format_money, shown
from zoufang.services import fact_history, money_chain
from zoufang.services.audit_log import record
from zoufang.services.categories import require_categories

# every payment is made there, with SQLAlchemy Core; these names stay importable from here
from zoufang.services.fund_payment import disburse as disburse
from zoufang.services.fund_payment import entry_row as entry_row
from zoufang.services.fund_payment import fund_totals, totals_columns
from zoufang.services.fund_payment import household_received as household_received
from zoufang.services.fund_payment import payment_facts as payment_facts
from zoufang.services.lookup import category_labels, category_values

if TYPE_CHECKING:
    from zoufang.db import LedgerSession
    from zoufang.services.money_chain import Entry


#: The kind of :func:`fund_status`'s codes (its words are in the catalog).
FUND_STATUS = "fund status"


@dataclass
class FundIn:
    code: str
    name: str
    categories: list[str]
    cap_fen: int | None = None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    source: str | None = None
    requires_plan: bool = False


def get_fund(*, session: LedgerSession, code: str, field: str = "FUND") -> Fund:
    fund = session.get(Fund, code)
    if fund is None:
        raise not_a_code(code, field) or NotFound(
            field, _("no fund {code!r} (see `zoufang fund list`)").format(code=shown(code))
        )
    return fund


def fund_categories(*, session: LedgerSession, code: str) -> list[str]:
    """The categories a fund is for, in code order (each a :class:`~zoufang.labels.Code`
    that shows its label)."""
    codes = session.execute(
        select(FundCategory.category_code)
        .where(FundCategory.fund_code == code)
        .order_by(FundCategory.category_code)
    ).scalars()
    return list(category_values(codes, category_labels(session=session)))


def create_fund(*, session: LedgerSession, data: FundIn, today: dt.date) -> Fund:
    if data.valid_from and data.valid_to and data.valid_from > data.valid_to:
        raise InvalidInput(
            "--to",
            _("{end} is before --from {start}").format(end=data.valid_to, start=data.valid_from),
        )
    if session.get(Fund, data.code) is not None:
        raise RuleViolation("CODE", _("fund {code} already exists").format(code=data.code))
    categories = require_categories(session=session, codes=data.categories)
    fund = Fund(
        code=data.code,
        name=data.name,
        source=data.source,
        cap_fen=data.cap_fen,
        valid_from=data.valid_from,
        valid_to=data.valid_to,
        created_on=today,
        requires_plan=data.requires_plan,
    )
    session.add(fund)
    session.flush()
    for category in categories:
        session.add(FundCategory(fund_code=fund.code, category_code=category))
    fact_history.append(
        session,
        subject_kind=fact_history.FUND,
        subject=fund.code,
        fact=fact_history.RULES,
        value=fact_history.fund_rules_value(
            categories, data.cap_fen, data.valid_from, data.valid_to
        ),
        effective_from=today,
        origin="opening",
    )
    record(
        session,
        action="create",
        object_type="fund",
        object_key=fund.code,
        after={**fund.model_dump(), "categories": categories},
    )
    return fund


_UNSET: Any = object()


def update_fund(
    *,
    session: LedgerSession,
    code: str,
    today: dt.date,
    categories: list[str] | None = None,
    cap_fen: int | None = _UNSET,
    valid_from: dt.date | None = _UNSET,
    valid_to: dt.date | None = _UNSET,
    effective_from: dt.date | None = None,
    reason: str | None = None,
) -> Fund:
    """Change a fund's rules (categories, cap, period) from ``effective_from`` (default
    today): a new period of the fund's rules. Arguments left out keep their value."""
    fund = get_fund(session=session, code=code)
    if categories is None and cap_fen is _UNSET and valid_from is _UNSET and valid_to is _UNSET:
        raise InvalidInput(
            "FUND", _("nothing to change: give --category, --cap, --valid-from or --to")
        )
    on = effective_from or today
    fact_history.check_from(
        session,
        on=on,
        today=today,
        reason=reason,
        subject_kind=fact_history.FUND,
        subject=fund.code,
        fact=fact_history.RULES,
    )
    before = {**fund.model_dump(), "categories": fund_categories(session=session, code=code)}
    start = fund.valid_from if valid_from is _UNSET else valid_from
    end = fund.valid_to if valid_to is _UNSET else valid_to
    if start and end and start > end:
        raise InvalidInput("--to", _("{end} is before --from {start}").format(end=end, start=start))
    wanted = (
        require_categories(session=session, codes=categories)
        if categories is not None
        else [str(c) for c in before["categories"]]
    )
    if cap_fen is not _UNSET:
        fund.cap_fen = cap_fen
    fund.valid_from, fund.valid_to = start, end
    session.add(fund)
    if categories is not None:
        session.execute(
            FundCategory.__table__.delete().where(col(FundCategory.fund_code) == fund.code)
        )
        for category in wanted:
            session.add(FundCategory(fund_code=fund.code, category_code=category))
    session.flush()
    fact_history.append(
        session,
        subject_kind=fact_history.FUND,
        subject=fund.code,
        fact=fact_history.RULES,
        value=fact_history.fund_rules_value(wanted, fund.cap_fen, start, end),
        effective_from=on,
        reason=reason,
        today=today,
    )
    record(
        session,
        action="update",
        object_type="fund",
        object_key=fund.code,
        before=before,
        after={**fund.model_dump(), "categories": sorted(wanted)},
    )
    return fund


def allocate(
    *, session: LedgerSession, code: str, amount_fen: int, on: dt.date, memo: str | None = None
) -> Entry:
    """Put money into a fund."""
    fund = get_fund(session=session, code=code)
    entry = money_chain.append(
        session,
        fund_code=fund.code,
        kind="allocate",
        amount_fen=amount_fen,
        entry_date=on,
        memo=memo,
    )
    record(
        session,
        action="allocate",
        object_type="ledger_entry",
        object_key=str(entry.seq),
        after=entry,
    )
    return entry


def reverse(*, session: LedgerSession, seq: int, reason: str, on: dt.date) -> Entry:
    """Undo an entry by appending its reversal; an entry is reversed at most once."""
    # Lock before looking: two clerks reversing the same entry at once must not both succeed.
    money_chain.lock_for_append(session)
    original = session.get(LedgerEntry, seq)
    if original is None:
        raise NotFound("ENTRY", _("no ledger entry {seq}").format(seq=seq))
    if original.kind == "reverse":
        raise RuleViolation(
            "ENTRY", _("entry {seq} is itself a reversal and cannot be reversed").format(seq=seq)
        )
    # .first(), not one_or_none(): a ledger tampered with may hold two reversals of one entry.
    already = (
        session.execute(
            select(LedgerEntry.seq)
            .where(LedgerEntry.reverses_seq == seq)
            .order_by(col(LedgerEntry.seq))
        )
        .scalars()
        .first()
    )
    if already is not None:
        raise RuleViolation(
            "ENTRY",
            _("entry {seq} was already reversed by entry {by}").format(seq=seq, by=already),
        )
    if on < original.entry_date:
        raise InvalidInput(
            "--date",
            _("{date} is before the entry's date {entry_date}").format(
                date=on, entry_date=original.entry_date
            ),
        )
    if original.kind == "allocate":
        allocated, disbursed = fund_totals(session=session, code=original.fund_code)
        if allocated - original.amount_fen < disbursed:
            raise RuleViolation(
                "overspend",
                _(
                    "reversing allocation {seq} ({amount}) would leave fund {fund} at {after}"
                ).format(
                    seq=seq,
                    amount=format_money(original.amount_fen),
                    fund=original.fund_code,
                    after=format_money(allocated - disbursed - original.amount_fen),
                ),
            )
    entry = money_chain.append(
        session,
        fund_code=original.fund_code,
        kind="reverse",
        amount_fen=original.amount_fen,
        entry_date=on,
        household_code=original.household_code,
        visit_id=original.visit_id,
        cadre_code=original.cadre_code,
        memo=reason,
        reverses_seq=seq,
    )
    record(
        session,
        action="reverse",
        object_type="ledger_entry",
        object_key=str(entry.seq),
        after=entry,
    )
    return entry


def list_funds(*, session: LedgerSession, today: dt.date) -> list[dict]:
    if session.get_bind().dialect.name == "postgresql":
        # every village's sums, fund by fund (a cadre login reads only its villages'
        # entries: migration 0015's zoufang_fund_totals)
        totals = {
            code: fund_totals(session=session, code=code)
            for code in session.execute(select(Fund.code)).scalars()
        }
    else:
        allocated, disbursed = totals_columns()
        totals = {
            row.fund_code: (int(row.allocated), int(row.disbursed))
            for row in session.execute(
                select(LedgerEntry.fund_code, allocated, disbursed).group_by(LedgerEntry.fund_code)
            )
        }
    cats: dict[str, list[str]] = {}
    for code, cat in session.execute(
        select(FundCategory.fund_code, FundCategory.category_code).order_by(
            FundCategory.category_code
        )
    ):
        cats.setdefault(code, []).append(cat)
    known = category_labels(session=session)
    rows = []
    for fund in session.execute(select(Fund).order_by(Fund.code)).scalars():
        a, d = totals.get(fund.code, (0, 0))
        rows.append(fund_row(fund, category_values(cats.get(fund.code, []), known), a, d, today))
    return rows


def fund_status(fund: Fund, today: dt.date) -> labels.Code:
    """Whether the fund's payment period has begun or ended: the code in JSON, its words in
    a Chinese table."""
    if fund.valid_from and today < fund.valid_from:
        code, word = "not-yet-open", pgettext("fund status", "not yet open")
    elif fund.valid_to and today > fund.valid_to:
        code, word = "closed", pgettext("fund status", "closed")
    else:
        code, word = "open", pgettext("fund status", "open")
    return labels.Code(code, FUND_STATUS, word=word)


def fund_row(
    fund: Fund, categories: Sequence[str], allocated: int, disbursed: int, today: dt.date
) -> dict:
    return {
        "code": fund.code,
        "name": fund.name,
        "source": fund.source,
        "categories": categories,
        "cap_fen": fund.cap_fen,
        "from": fund.valid_from,
        "to": fund.valid_to,
        "status": fund_status(fund, today),
        "allocated_fen": allocated,
        "disbursed_fen": disbursed,
        "balance_fen": allocated - disbursed,
        "requires_plan": fund.requires_plan,
    }


def show_fund(*, session: LedgerSession, code: str, today: dt.date) -> dict:
    """A fund with every entry and the running balance, and the chain head."""
    fund = get_fund(session=session, code=code)
    allocated, disbursed = fund_totals(session=session, code=code)
    entries = []
    balance = 0
    for e in session.execute(
        select(LedgerEntry).where(LedgerEntry.fund_code == code).order_by(col(LedgerEntry.seq))
    ).scalars():
        if e.kind == "allocate" or (e.kind == "reverse" and e.household_code is not None):
            balance += e.amount_fen
        else:
            balance -= e.amount_fen
        entries.append({**entry_row(e), "balance_fen": balance})
    return {
        **fund_row(fund, fund_categories(session=session, code=code), allocated, disbursed, today),
        "entries": entries,
        "head": money_chain.chain_head(session).as_dict(),
    }


def received_by_household(
    *, session: LedgerSession, household_code: str, today: dt.date | None = None
) -> list[dict]:
    """Money a household received, per fund, net of reversals (for the pre-visit brief);
    with ``today``, what was paid on or before it (money paid in a period, services.figures)."""
    E = LedgerEntry
    rows = session.execute(
        select(
            E.fund_code,
            Fund.name,
            func.sum(case((E.kind == "disburse", E.amount_fen), else_=-E.amount_fen)),
            func.max(E.entry_date),
        )
        .join(Fund, col(Fund.code) == E.fund_code)
        .where(
            E.household_code == household_code,
            *([col(E.entry_date) <= today] if today is not None else []),
        )
        .group_by(E.fund_code, Fund.name)
        .order_by(E.fund_code)
    ).all()
    return [{"fund": c, "name": n, "received_fen": int(t), "last_paid": d} for c, n, t, d in rows]
