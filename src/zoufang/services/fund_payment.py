"""Paying a household from a fund: :func:`disburse` and the facts it is judged by.

Every payment goes through here: `fund disburse`, `visit log --cash`, a distribution plan's
lines and a workbook's payments. Written with SQLAlchemy Core on the command's connection
(:mod:`zoufang.tables`), not the SQLModel classes: a payment is one of the writes cadres run
most, importing SQLModel, pydantic and the models was more than half of its time, and every
other writer waits while a payment holds the write lock (docs/benchmarks.md).

The rules are :func:`zoufang.services.fund_rules.payment_violations`, judged by the facts in
force on the payment's day by :func:`zoufang.services.fact_history.payment_as_of` — the one
as-of rule `audit funds` judges by too. Only this household's, this fund's and these
cadres' facts are read: nothing here grows with the ledger but the fund's balance (one
indexed sum over the fund's entries).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy import and_, bindparam, case, exists, func, select, text

from zoufang import labels
from zoufang.codes import VISIT_CURRENT
from zoufang.errors import InvalidInput, NotFound, RuleViolation, no_household, not_a_code
from zoufang.i18n import N_, _
from zoufang.parsing import fold, shown
from zoufang.services import fact_history, money_chain
from zoufang.services.audit_log import record
from zoufang.services.fund_rules import PaymentFacts, payment_violations
from zoufang.services.lookup import category_labels, category_values, resolve_cadre
from zoufang.tables import cadre as C
from zoufang.tables import fund as F
from zoufang.tables import household as H
from zoufang.tables import ledger_entry as E
from zoufang.tables import member as M
from zoufang.tables import visit as V
from zoufang.tables import visit_cadre as VC

if TYPE_CHECKING:
    from zoufang.chain import ChainHead
    from zoufang.db import LedgerSession
    from zoufang.services.money_chain import Entry


class FundRef(NamedTuple):
    code: str
    requires_plan: bool


class HouseholdRef(NamedTuple):
    """What a payment needs of a household (an ORM ``Household`` has the same attributes)."""

    id: int
    code: str
    head_name: str
    id_number: str


def find_fund(*, session: LedgerSession, code: str, field: str = "FUND") -> FundRef:
    """The fund ``code`` (exactly as :func:`zoufang.services.funds.get_fund` finds it)."""
    kept = session.info.get(FACTS_KEPT)
    if kept is not None and code in kept.funds:
        return kept.funds[code]
    session.flush()  # a fund the ORM holds back is in the ledger too
    row = session.connection().execute(_queries().fund, {"code": code}).first()
    if row is None:
        raise not_a_code(code, field) or NotFound(
            field, _("no fund {code!r} (see `zoufang fund list`)").format(code=shown(code))
        )
    found = FundRef(row.code, bool(row.requires_plan))
    if kept is not None:
        kept.funds[code] = found
    return found


def find_household(*, session: LedgerSession, code: str, field: str) -> HouseholdRef:
    code = fold(code)  # Ｈ０００００１, typed with a Chinese input method, is H000001
    kept = session.info.get(FACTS_KEPT)
    if kept is not None and code in kept.households:
        return kept.households[code]
    row = session.connection().execute(_queries().household, {"code": code}).first()
    if row is None:
        raise no_household(code, field)
    return HouseholdRef(row.id, row.code, row.head_name, row.id_number)


def totals_columns() -> tuple:
    """(allocated, disbursed) of ledger entries, net of reversals: the one definition the
    payment path and `fund list` sum by."""
    return (
        func.coalesce(
            func.sum(
                case(
                    (E.c.kind == "allocate", E.c.amount_fen),
                    (and_(E.c.kind == "reverse", E.c.household_code.is_(None)), -E.c.amount_fen),
                    else_=0,
                )
            ),
            0,
        ).label("allocated"),
        func.coalesce(
            func.sum(
                case(
                    (E.c.kind == "disburse", E.c.amount_fen),
                    (
                        and_(E.c.kind == "reverse", E.c.household_code.is_not(None)),
                        -E.c.amount_fen,
                    ),
                    else_=0,
                )
            ),
            0,
        ).label("disbursed"),
    )


def fund_totals(*, session: LedgerSession, code: str) -> tuple[int, int]:
    """(allocated, disbursed) in fen, net of reversals. Inside a bulk write
    (:func:`zoufang.services.money_chain.keep_totals`) each fund's are summed once and then
    kept up to date by every entry appended, instead of summed again for every payment."""
    kept = session.info.get(money_chain.TOTALS)
    if kept is not None and code in kept:
        return kept[code][0], kept[code][1]
    session.flush()
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        # the same sums, through migration 0015's SECURITY DEFINER function: a cadre login
        # reads only its villages' entries, and a fund's balance is every village's
        row = conn.execute(_queries().totals_pg, {"fund": code}).one()
    else:
        row = conn.execute(select(*totals_columns()).where(E.c.fund_code == code)).one()
    if kept is not None:
        kept[code] = [int(row.allocated), int(row.disbursed)]
    return int(row.allocated), int(row.disbursed)


def household_received(*, session: LedgerSession, fund_code: str, household_code: str) -> int:
    """Net fen a household has received from a fund."""
    session.flush()
    return int(
        session.connection()
        .execute(_queries().received, {"fund": fund_code, "household": household_code})
        .scalar_one()
    )


class _Queries(NamedTuple):
    members: Any
    same_day: Any
    heads_sharing: Any
    members_sharing: Any
    codes_of: Any
    received: Any
    fund: Any
    household: Any
    visit: Any
    code_of: Any
    visit_cadres: Any
    totals_pg: Any
    sharing_pg: Any
    paid_sharing_pg: Any
    relatives_pg: Any


@functools.cache
def _queries() -> _Queries:
    """A payment's statements, built once with their values as parameters: SQLAlchemy then
    neither builds nor keys a statement again for every payment (half of a payment's time
    in a county import, docs/benchmarks.md)."""
    R = E.alias("reversal")
    persons: Any = bindparam("persons", expanding=True)
    return _Queries(
        members=select(M.c.id_number).where(
            M.c.household_id == bindparam("household_id"), M.c.id_number.is_not(None)
        ),
        same_day=select(func.count())
        .select_from(E)
        .where(
            E.c.fund_code == bindparam("fund"),
            E.c.household_code == bindparam("household"),
            E.c.kind == "disburse",
            E.c.entry_date == bindparam("on", type_=E.c.entry_date.type),
            ~exists().where(R.c.reverses_seq == E.c.seq),
        ),
        heads_sharing=select(H.c.id).where(
            H.c.id_number.in_(persons), H.c.id != bindparam("household_id")
        ),
        members_sharing=select(M.c.household_id).where(
            M.c.id_number.in_(bindparam("persons", expanding=True)),
            M.c.household_id != bindparam("household_id"),
        ),
        codes_of=select(H.c.code)
        .where(H.c.id.in_(bindparam("ids", expanding=True)))
        .order_by(H.c.code),
        received=select(
            func.coalesce(
                func.sum(case((E.c.kind == "disburse", E.c.amount_fen), else_=-E.c.amount_fen)),
                0,
            )
        ).where(E.c.fund_code == bindparam("fund"), E.c.household_code == bindparam("household")),
        fund=select(F.c.code, F.c.requires_plan).where(F.c.code == bindparam("code")),
        household=select(H.c.id, H.c.code, H.c.head_name, H.c.id_number).where(
            H.c.code == bindparam("code")
        ),
        visit=select(V.c.status, V.c.household_id).where(V.c.id == bindparam("id")),
        code_of=select(H.c.code).where(H.c.id == bindparam("id")),
        visit_cadres=select(C.c.code)
        .join(VC, VC.c.cadre_id == C.c.id)
        .where(VC.c.visit_id == bindparam("visit_id"))
        .order_by(C.c.code),
        totals_pg=text("SELECT allocated, disbursed FROM zoufang_fund_totals(:fund)"),
        sharing_pg=text(
            "SELECT seq, subject_kind, subject, fact, value, effective_from, ledger_seq "
            "FROM zoufang_sharing(:household)"
        ),
        paid_sharing_pg=text("SELECT zoufang_paid_sharing(:fund, :household)"),
        relatives_pg=text(
            "SELECT seq, subject_kind, subject, fact, value, effective_from, ledger_seq "
            "FROM zoufang_relatives(:household, CAST(:cadres AS text[]))"
        ),
    )


def payment_facts(
    *,
    session: LedgerSession,
    fund: Any,
    household: Any,
    amount_fen: int,
    on: dt.date,
    cadre_codes: list[str],
) -> PaymentFacts:
    """Gather what the rules need to judge this payment: the balances and totals as the
    ledger stands, and the facts in force on ``on`` by the history
    (:func:`zoufang.services.fact_history.payment_as_of`, which `audit funds` judges by too).

    ``fund`` has a ``code``; ``household`` an ``id``, ``code``, ``head_name`` and
    ``id_number`` (a :class:`FundRef` and :class:`HouseholdRef`, or the ORM's objects)."""
    session.flush()  # what the ORM holds back is in the ledger too
    conn = session.connection()
    allocated, disbursed = fund_totals(session=session, code=fund.code)
    kept = session.info.get(FACTS_KEPT)
    if kept is not None:
        return _judged(
            kept.facts(conn, fund=fund, household=household, on=on, cadre_codes=cadre_codes),
            kept.known,
            fund=fund,
            household=household,
            amount_fen=amount_fen,
            on=on,
            balance=allocated - disbursed,
            received=lambda code: kept.received.get((fund.code, code), 0),
            same_day=kept.same_day.get((fund.code, household.code, on), 0),
        )
    q = _queries()
    # Not reversed: asked only of the few entries of this household, fund and day (NOT IN a
    # list of every reversal read the whole ledger for each payment: quadratic in a county
    # import).
    same_day = conn.execute(
        q.same_day, {"fund": fund.code, "household": household.code, "on": on}
    ).scalar_one()
    subjects = [(fact_history.HOUSEHOLD, household.code), (fact_history.FUND, fund.code)]
    paid_elsewhere: set[str] | None = None
    if conn.dialect.name == "postgresql":
        # Through migration 0015's SECURITY DEFINER functions (a cadre login sees only its
        # villages' households and no cadre's facts): every village's households sharing a
        # person, their member_ids facts cut down to this household's people — the rule
        # intersects the two, so it judges the same — and which of them the fund paid; the
        # present cadres' relatives facts cut down to this household's relatives.
        args = {"household": household.code, "fund": fund.code}
        shared = [tuple(row) for row in conn.execute(q.sharing_pg, args)]
        others = sorted({row[2] for row in shared})
        paid_elsewhere = set(conn.execute(q.paid_sharing_pg, args).scalars()) if others else set()
        history = fact_history.load_history(conn, subjects)
        history.add(shared)
        if cadre_codes:
            history.add(
                tuple(row)
                for row in conn.execute(
                    q.relatives_pg, {"household": household.code, "cadres": list(cadre_codes)}
                )
            )
    else:
        subjects += [(fact_history.CADRE, c) for c in cadre_codes]
        # Households holding one of these people (as head or member): members are only
        # ever added, so the households that ever shared a person with this one are among
        # these.
        persons = {household.id_number}
        persons.update(conn.execute(q.members, {"household_id": household.id}).scalars())
        same = {"persons": sorted(persons), "household_id": household.id}
        other_ids = set(conn.execute(q.heads_sharing, same).scalars()) | set(
            conn.execute(q.members_sharing, same).scalars()
        )
        others = (
            list(conn.execute(q.codes_of, {"ids": sorted(other_ids)}).scalars())
            if other_ids
            else []
        )
        subjects += [(fact_history.HOUSEHOLD, o) for o in others]
        history = fact_history.load_history(conn, subjects)
    facts = fact_history.payment_as_of(
        history,
        fund=fund.code,
        household=household.code,
        on=on,
        before=None,
        cadres=cadre_codes,
        others=others,
    )
    return _judged(
        facts,
        category_labels(session=session),
        fund=fund,
        household=household,
        amount_fen=amount_fen,
        on=on,
        balance=allocated - disbursed,
        received=lambda code: (
            household_received(session=session, fund_code=fund.code, household_code=code)
            if paid_elsewhere is None or code == household.code
            else int(code in paid_elsewhere)  # only "> 0" is asked of another household
        ),
        same_day=same_day,
    )


def _judged(
    facts: fact_history.PaymentAsOf,
    known: dict[str, str],
    *,
    fund: Any,
    household: Any,
    amount_fen: int,
    on: dt.date,
    balance: int,
    received,
    same_day: int,
) -> PaymentFacts:
    """The facts the rules judge a payment by, from the facts in force on its day and the
    ledger's sums (``received``: net fen a household code has had from this fund)."""
    also_paid = [code for code in facts.sharing if received(code) > 0]
    return PaymentFacts(
        fund_code=fund.code,
        household_code=household.code,
        household_name=household.head_name,
        amount_fen=amount_fen,
        on=on,
        household_status=facts.status,
        household_exited_on=facts.exited_on,
        # codes that show their labels in the rules' messages
        household_categories=set(category_values(sorted(facts.categories), known)),
        fund_categories=set(category_values(sorted(facts.fund_categories), known)),
        valid_from=facts.valid_from,
        valid_to=facts.valid_to,
        cap_fen=facts.cap_fen,
        received_before_fen=received(household.code),
        balance_before_fen=balance,
        related_cadres=facts.related_cadres,
        same_day_payments=same_day,
        also_paid_households=also_paid,
    )


#: ``session.info`` key of the facts a bulk write (`import`'s money sheet) has read once
#: for every payment it judges (:func:`keep_facts`).
FACTS_KEPT = "payment_facts_kept"


def keep_facts(session: LedgerSession, visit_ids: Iterable[int] = ()) -> None:
    """From now on in this session, :func:`payment_facts` reads the ledger's facts once — the
    whole fact history, every household and member ID number, each household's net receipts
    and same-day payments per fund — instead of ~10 statements for every payment, and
    :func:`zoufang.services.money_chain.append` keeps the sums up to date. The rules and the
    as-of reading are the same (:func:`zoufang.services.fact_history.payment_as_of`).

    Only for a write that adds no household or member and changes no category through the
    everyday commands while it is kept (`import` keeps it for its money sheet alone); fact
    changes it writes meanwhile (the file's history) go to :func:`facts_appended`; stop
    with :func:`forget_facts`. ``visit_ids``: the visits the payments will name, read at once
    (their status, household and cadres) instead of with three statements a payment."""
    session.flush()
    kept = _KeptFacts(session, visit_ids)
    kept.held = money_chain.HeldEntries(session.connection())
    session.info[FACTS_KEPT] = kept


def forget_facts(session: LedgerSession, *, write: bool = True) -> None:
    """Stop keeping the facts; the entries appended meanwhile and still held are written
    (``write``), or dropped when the caller is about to roll back after an error."""
    kept = session.info.pop(FACTS_KEPT, None)
    if kept is not None and kept.held is not None:
        kept.held.close(write=write)


def kept_chain_seq(session: LedgerSession) -> int | None:
    """While the facts are kept and an entry was appended meanwhile: the chain head's seq
    (its entry may still be held, not yet written: :class:`money_chain.HeldEntries`)."""
    kept = session.info.get(FACTS_KEPT)
    return kept.head.seq if kept is not None and kept.head is not None else None


def facts_appended(session: LedgerSession, rows: list[dict]) -> None:
    """Fact changes were written (stored rows, as ``fact_history.build_rows`` makes them):
    the facts kept by :func:`keep_facts`, if any, hold them from now on."""
    kept = session.info.get(FACTS_KEPT)
    if kept is not None and rows:
        columns = fact_history.HISTORY_COLUMNS
        kept.history.add([tuple(row[c] for c in columns) for row in rows])


class _KeptFacts:
    """What :func:`payment_facts` would read, read once (see :func:`keep_facts`)."""

    #: the entries appended meanwhile, written a batch at a time (set by keep_facts)
    held: money_chain.HeldEntries | None = None

    def __init__(self, session: LedgerSession, visit_ids: Iterable[int] = ()) -> None:
        from zoufang.db import driver_rows_streamed

        conn = session.connection()
        self.head: ChainHead | None = None  # the last entry appended meanwhile
        self.funds: dict[str, FundRef] = {}  # funds found so far (none is added meanwhile)
        self.history = fact_history.load_history(conn)
        self.known = category_labels(session=session)
        # Held compactly (a county: 100,000 households, ~300,000 ID numbers, ~230,000
        # entries): each code, ID number and day one object shared by every key naming it;
        # a person held by one household (nearly all) maps to its id, not to a set.
        self.households: dict[str, HouseholdRef] = {}
        self.code_of: dict[int, str] = {}
        self.persons: dict[int, tuple[str, ...]] = {}  # household id → its members' ID numbers
        self.holders: dict[str, int | set[int]] = {}  # ID number → the household(s) holding it
        holders = self.holders

        def hold(number: str, hid: int) -> None:
            known = holders.get(number)
            if known is None:
                holders[number] = hid
            elif type(known) is int:
                if known != hid:
                    holders[number] = {known, hid}
            else:
                known.add(hid)  # type: ignore[union-attr]

        for hid, code, name, number in driver_rows_streamed(
            conn, select(H.c.id, H.c.code, H.c.head_name, H.c.id_number)
        ):
            self.households[code] = HouseholdRef(hid, code, name, number)
            self.code_of[hid] = code
            if number is not None:
                hold(number, hid)
        people: dict[int, list[str]] = {}
        for hid, number in driver_rows_streamed(
            conn, select(M.c.household_id, M.c.id_number).where(M.c.id_number.is_not(None))
        ):
            people.setdefault(hid, []).append(number)
            hold(number, hid)
        self.persons = {hid: tuple(numbers) for hid, numbers in people.items()}
        del people
        # visit id → (status, its household's code, its cadres' codes in code order), each
        # text and each set of cadres one object shared by every visit naming it (a county's
        # payments name ~230,000 visits: ~90 MiB held as separate strings and lists)
        self.visits: dict[int, tuple[str, str | None, tuple[str, ...]]] = {}
        shared: dict[Any, Any] = {}
        wanted = sorted(set(visit_ids))
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            found: dict[int, tuple[str, str | None]] = {}
            for vid, status, code in conn.execute(
                select(V.c.id, V.c.status, H.c.code)
                .select_from(V.outerjoin(H, H.c.id == V.c.household_id))
                .where(V.c.id.in_(chunk))
            ):
                household = self.households.get(code) if code is not None else None
                found[vid] = (
                    shared.setdefault(status, status),
                    household.code if household is not None else code,
                )
            cadres: dict[int, list[str]] = {}
            for vid, cadre in conn.execute(
                select(VC.c.visit_id, C.c.code)
                .join(C, VC.c.cadre_id == C.c.id)
                .where(VC.c.visit_id.in_(chunk))
                .order_by(VC.c.visit_id, C.c.code)
            ):
                cadres.setdefault(vid, []).append(shared.setdefault(cadre, cadre))
            for vid, (status, code) in found.items():
                team = tuple(cadres.get(vid, ()))
                self.visits[vid] = (status, code, shared.setdefault(team, team))
        #: each entry day one object, shared by the kept sums' keys
        self.days: dict[dt.date, dt.date] = {}
        funds: dict[str, str] = {}
        days = self.days

        def code_(code: str) -> str:
            found = self.households.get(code)
            return found.code if found is not None else code

        def fund_(code: str) -> str:
            return funds.setdefault(code, code)

        received = _queries().received.selected_columns[0]
        self.received: dict[tuple[str, str], int] = {
            (fund_(fund), code_(code)): int(total)
            for fund, code, total in conn.execute(
                select(E.c.fund_code, E.c.household_code, received)
                .where(E.c.household_code.is_not(None))
                .group_by(E.c.fund_code, E.c.household_code)
            )
        }
        R = E.alias("reversal")
        self.same_day: dict[tuple[str, str, dt.date], int] = {
            (fund_(fund), code_(code), days.setdefault(on, on)): int(n)
            for fund, code, on, n in conn.execute(
                select(E.c.fund_code, E.c.household_code, E.c.entry_date, func.count())
                .where(E.c.kind == "disburse", ~exists().where(R.c.reverses_seq == E.c.seq))
                .group_by(E.c.fund_code, E.c.household_code, E.c.entry_date)
            )
        }

    def facts(
        self, conn, *, fund: Any, household: Any, on: dt.date, cadre_codes: list[str]
    ) -> fact_history.PaymentAsOf:
        """:func:`fact_history.payment_as_of` of this payment, its households sharing a
        person found as :func:`payment_facts` finds them (heads and members, any status)."""
        other_ids: set[int] = set()
        for person in (household.id_number, *self.persons.get(household.id, ())):
            held = self.holders.get(person)
            if isinstance(held, int):
                other_ids.add(held)
            elif held is not None:
                other_ids |= held
        other_ids.discard(household.id)
        return fact_history.payment_as_of(
            self.history,
            fund=fund.code,
            household=household.code,
            on=on,
            before=None,
            cadres=cadre_codes,
            others=sorted(self.code_of[i] for i in other_ids),
        )

    def appended(self, conn, fields: dict) -> None:
        """An entry was appended: the sums a payment is judged by, kept up to date."""
        code = fields["household_code"]
        if code is None:
            return  # an allocation, or its reversal: the fund's totals (money_chain) only
        key = (fields["fund_code"], code)
        if fields["kind"] == "disburse":
            self.received[key] = self.received.get(key, 0) + fields["amount_fen"]
            on = fields["entry_date"]
            day = (*key, self.days.setdefault(on, on))
            self.same_day[day] = self.same_day.get(day, 0) + 1
            return
        self.received[key] = self.received.get(key, 0) - fields["amount_fen"]
        if fields["reverses_seq"] is not None:
            original = conn.execute(
                select(E.c.kind, E.c.entry_date).where(E.c.seq == fields["reverses_seq"])
            ).first()
            if original is not None and original.kind == "disburse":
                day = (*key, original.entry_date)
                self.same_day[day] = self.same_day.get(day, 1) - 1


def disburse(
    *,
    session: LedgerSession,
    fund: str,
    household: str,
    amount_fen: int,
    cadres: list[str],
    on: dt.date,
    visit_id: int | None = None,
    memo: str | None = None,
    override: str | None = None,
    planned: bool = False,
) -> Entry:
    """Pay a household from a fund, if every rule allows it (or with an override reason).

    ``visit_id`` names the visit at which the cash was handed over: it must be a visit to
    this household. ``planned``: the payment pays a line of an approved distribution plan
    (:mod:`zoufang.services.plan_payments`); a fund created with ``--requires-plan`` pays
    nothing else."""
    session.flush()  # what the ORM holds back (a plan's rows) is in the ledger too
    from zoufang.services.rights import require

    # every path that pays comes here (fund disburse, visit log --cash, wish fulfil --cash,
    # import): a plan's line needs the right to pay plan lines, any other payment the right
    # to pay; a plan line's override was a finance login's
    require(session, "pay-plan" if planned else "pay")
    if override and not planned:
        require(session, "override")
    if visit_id is not None:
        _require_visit_to(session, visit_id, household)
    f = find_fund(session=session, code=fund)
    if f.requires_plan and not planned:
        raise RuleViolation(
            labels.Code("unplanned", labels.CHECK),
            _(
                "fund {fund} pays only the lines of an approved distribution plan: pay with "
                "`zoufang fund plan pay` or `zoufang visit log H --plan PLAN`"
            ).format(fund=f.code),
        )
    h = find_household(session=session, code=household, field="HOUSEHOLD")
    # a cadre named twice (by code and by name) pays once
    paying = list(
        dict.fromkeys(resolve_cadre(session=session, text=c, field="--by").code for c in cadres)
    )
    if not paying:
        raise InvalidInput("--by", _("the paying cadre is required"))
    money_chain.lock_for_append(session)  # judge and write against the same ledger state
    # Cash handed over at a visit is handed over by everyone who made the visit: the audit
    # judges conflict of interest against all of them, so the write path must too.
    present = paying + [c for c in _visit_cadres(session, visit_id) if c not in paying]
    facts = payment_facts(
        session=session, fund=f, household=h, amount_fen=amount_fen, on=on, cadre_codes=present
    )
    violations = payment_violations(facts)
    overdraft = [v for v in violations if v.check == "overspend"]
    if overdraft:
        # Money that is not in a ring-fenced fund cannot be paid from it: no override.
        raise RuleViolation(
            labels.Code("overspend", labels.CHECK),
            overdraft[0].detail.label()
            + _(
                "; nothing was paid: a ring-fenced fund is never overdrawn, not even with "
                "--override (allocate the money first; an advance paid from elsewhere is an "
                "allocation with its source)"
            ),
        )
    if violations and not override:
        first = violations[0]
        more = (
            labels.Message(
                N_(" (also breaks: {checks})"),
                checks=[labels.Code(v.check, labels.CHECK) for v in violations[1:]],
            ).label()
            if len(violations) > 1
            else ""
        )
        raise RuleViolation(
            labels.Code(first.check, labels.CHECK),
            first.detail.label()
            + more
            + _("; nothing was paid (use --override REASON to pay anyway)"),
        )
    entry = money_chain.append(
        session,
        fund_code=f.code,
        kind="disburse",
        amount_fen=amount_fen,
        entry_date=on,
        household_code=h.code,
        visit_id=visit_id,
        cadre_code=paying[0],
        memo=memo,
        override_reason=override,
    )
    record(
        session,
        action="disburse",
        object_type="ledger_entry",
        object_key=str(entry.seq),
        after={**entry.model_dump(), "overridden": [v.check for v in violations]},
    )
    return entry


def _require_visit_to(session: LedgerSession, visit_id: int, household: str) -> None:
    conn = session.connection()
    kept = session.info.get(FACTS_KEPT)
    known = kept.visits.get(visit_id) if kept is not None else None
    if known is not None:
        status, visited = known[0], known[1]
    else:
        visit = conn.execute(_queries().visit, {"id": visit_id}).first()
        if visit is None:
            raise NotFound("--visit", _("no visit {id}").format(id=visit_id))
        status = visit.status
        visited = conn.execute(_queries().code_of, {"id": visit.household_id}).scalar()
    if status != VISIT_CURRENT:  # void, or replaced by an amended version
        raise RuleViolation(
            "--visit",
            _("visit {id} is {status}: it no longer counts").format(
                id=visit_id, status=labels.Code(status, labels.VISIT_STATUS).label()
            ),
        )
    if visited is None or visited != fold(household):
        raise RuleViolation(
            "--visit",
            _("visit {id} was not to household {household}").format(
                id=visit_id, household=household
            ),
        )


def _visit_cadres(session: LedgerSession, visit_id: int | None) -> list[str]:
    if visit_id is None:
        return []
    kept = session.info.get(FACTS_KEPT)
    if kept is not None and visit_id in kept.visits:
        return list(kept.visits[visit_id][2])
    return list(
        session.connection().execute(_queries().visit_cadres, {"visit_id": visit_id}).scalars()
    )


def entry_row(e: Entry | dict) -> dict:
    """The public shape of a ledger entry (SPEC §3 keys first)."""
    g = (lambda k: e[k]) if isinstance(e, dict) else (lambda k: getattr(e, k))
    return {
        "id": g("seq"),
        "fund": g("fund_code"),
        "kind": labels.Code(g("kind"), labels.ENTRY_KIND),
        "amount_fen": g("amount_fen"),
        "household": g("household_code"),
        "date": g("entry_date"),
        "cadre": g("cadre_code"),
        "visit": g("visit_id"),
        "memo": g("memo"),
        "reverses": g("reverses_seq"),
        "override": g("override_reason"),
        "operator": g("operator"),
        "hash": g("hash"),
    }
