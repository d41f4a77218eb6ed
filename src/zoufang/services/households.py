"""Households: enrolment, profile changes, exit, members, listing and the pre-visit brief."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, overload

from sqlmodel import col, func, or_, select

from zoufang import labels, parsing
from zoufang.codes import MEMBER_CURRENT
from zoufang.errors import InvalidInput, RuleViolation, no_household
from zoufang.i18n import _
from zoufang.models import (
    HOUSEHOLD_ACTIVE,
    HOUSEHOLD_EXITED,
    Assignment,
    Cadre,
    Household,
    HouseholdCategory,
    Member,
)
from zoufang.parsing import fold
from zoufang.services import fact_history
from zoufang.services.audit_log import record
from zoufang.services.categories import require_categories
from zoufang.services.due import refresh_due_dates
from zoufang.services.lookup import category_labels, category_values, resolve_cadre
from zoufang.tables import household as household_table
from zoufang.tables import max_length

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement

    from zoufang.db import LedgerSession

HOUSEHOLD_CODE_RE = re.compile(r"^H\d{6,9}$")
#: What each text field of a household as entered holds: its column's length (tables.py).
_HOUSEHOLD_LIMITS = {
    key: max_length(household_table, column)
    for key, column in {
        "name": "head_name",
        "village": "village",
        "grid": "grid",
        "address": "address",
        "housing": "housing",
        "health": "health",
        "employment": "employment",
        "hardship": "hardship",
        "code": "code",
    }.items()
}


@dataclass(slots=True)
class HouseholdIn:
    """A household as entered (already parsed by :mod:`zoufang.parsing`)."""

    name: str
    id_number: str
    village: str
    categories: list[str]
    phone: str | None = None
    address: str | None = None
    grid: str | None = None
    members: int | None = None
    income_fen: int | None = None
    housing: str | None = None
    health: str | None = None
    employment: str | None = None
    hardship: str | None = None
    cadence_days: int | None = None
    cadres: list[str] = field(default_factory=list)
    code: str | None = None


def get_household(*, session: LedgerSession, code: str, field: str = "household") -> Household:
    code = fold(code)  # Ｈ０００００１, typed with a Chinese input method, is H000001
    household = session.execute(
        select(Household).where(Household.code == code)
    ).scalar_one_or_none()
    if household is None:
        raise no_household(code, field)
    return household


def get_cadre(*, session: LedgerSession, code: str, field: str = "cadre") -> Cadre:
    """The cadre named by its code or by a name only one cadre has (see
    :func:`zoufang.services.lookup.resolve_cadre`)."""
    cadre = session.get(Cadre, resolve_cadre(session=session, text=code, field=field).id)
    assert cadre is not None  # just found
    return cadre


def household_by_id_number(*, session: LedgerSession, id_number: str) -> Household | None:
    return session.execute(
        select(Household).where(Household.id_number == id_number)
    ).scalar_one_or_none()


def next_code(*, session: LedgerSession, prefix: str, model, width: int) -> str:
    """The next free ``prefix`` + number code after the highest numbered one.

    A PostgreSQL login scoped to its villages sees only their households: the highest codes
    of every village come from ``zoufang_household_codes`` (migration 0012)."""
    highest = 0
    if model is Household and session.info.get("role") not in (None, "owner", "unmanaged"):
        from sqlalchemy import text

        for (code,) in session.execute(
            text("SELECT zoufang_household_codes(:prefix)"), {"prefix": prefix}
        ):
            highest = max(highest, int(code[len(prefix) :]))
        return f"{prefix}{highest + 1:0{width}d}"
    # Only prefix+digits codes: user-given codes that merely start with the prefix (cadre
    # "cun-12", "chen") would otherwise fill the 50 rows and hide the numbered ones.
    numbered = func.rtrim(model.code, "0123456789") == prefix
    for (code,) in session.execute(
        select(model.code)
        .where(model.code.like(f"{prefix}%"), numbered)
        .order_by(func.length(model.code).desc(), model.code.desc())
        .limit(50)
    ):
        digits = code[len(prefix) :]
        if digits.isdigit():
            highest = max(highest, int(digits))
    return f"{prefix}{highest + 1:0{width}d}"


def enroll(*, session: LedgerSession, data: HouseholdIn, today: dt.date) -> Household:
    """Enrol one household; refuses a duplicate ID number, naming the household that has it."""
    categories = require_categories(session=session, codes=data.categories)
    existing = household_by_id_number(session=session, id_number=data.id_number)
    if existing is not None:
        raise RuleViolation(
            "--id-number",
            _("already enrolled as household {code} ({name}, {village})").format(
                code=existing.code, name=existing.head_name, village=existing.village
            ),
        )
    cadres = list(
        {
            c.code: c
            for c in (get_cadre(session=session, code=t, field="--cadre") for t in data.cadres)
        }.values()
    )  # a cadre named twice (by code and by name) is assigned once
    if data.code:
        if not HOUSEHOLD_CODE_RE.match(data.code):
            raise InvalidInput(
                "--code",
                _("{code!r} is not a household code like H000123").format(code=data.code),
            )
        if session.execute(select(Household.id).where(Household.code == data.code)).first():
            raise RuleViolation(
                "--code", _("household code {code} is already taken").format(code=data.code)
            )
        code = data.code
    else:
        code = next_code(session=session, prefix="H", model=Household, width=6)
    household = Household(
        code=code,
        head_name=data.name,
        id_number=data.id_number,
        phone=data.phone,
        village=data.village,
        grid=data.grid,
        address=data.address,
        members_count=data.members,
        income_fen=data.income_fen,
        housing=data.housing,
        health=data.health,
        employment=data.employment,
        hardship=data.hardship,
        cadence_days=data.cadence_days,
        status=HOUSEHOLD_ACTIVE,
        enrolled_on=today,
    )
    session.add(household)
    session.flush()
    assert household.id is not None  # the flush stored it
    for category in categories:
        session.add(HouseholdCategory(household_id=household.id, category_code=category))
    for cadre in cadres:
        assert cadre.id is not None  # read from the ledger
        session.add(Assignment(household_id=household.id, cadre_id=cadre.id, assigned_on=today))
    refresh_due_dates(session=session, household_ids=[household.id])
    fact_history.append_many(
        session, fact_history.household_opening(code, categories, [data.id_number], today)
    )
    # the categories and assigned cadres are part of what was enrolled (`assign` and
    # `household update` audit them too)
    record(
        session,
        action="enroll",
        object_type="household",
        object_key=code,
        after={
            **household.model_dump(),
            "categories": categories,
            "cadres": [c.code for c in cadres],
        },
    )
    return household


#: Fields `household update` may change, mapped to the model's attribute names.
UPDATABLE = {
    "name": "head_name",
    "phone": "phone",
    "village": "village",
    "grid": "grid",
    "address": "address",
    "members": "members_count",
    "income_fen": "income_fen",
    "housing": "housing",
    "health": "health",
    "employment": "employment",
    "hardship": "hardship",
    "cadence_days": "cadence_days",
}


def update_household(
    *,
    session: LedgerSession,
    code: str,
    changes: dict,
    categories: list[str] | None = None,
    clear_cadence: bool = False,
    effective_from: dt.date | None = None,
    reason: str | None = None,
    today: dt.date | None = None,
) -> Household:
    """Change profile fields (and optionally replace the categories, from
    ``effective_from``, default ``today``: a new period of the household's categories);
    refresh the due date."""
    household = get_household(session=session, code=code)
    assert household.id is not None  # read from the ledger
    today = today or dt.date.today()
    on = effective_from or today
    if effective_from is not None and categories is None:
        raise InvalidInput("--from", _("--from dates a change of --category; give --category"))
    before = household.model_dump()
    before["categories"] = category_codes(session=session, household_id=household.id)
    unknown = set(changes) - set(UPDATABLE)
    if unknown:
        raise InvalidInput(sorted(unknown)[0], _("cannot be changed with household update"))
    if not changes and categories is None and not clear_cadence:
        raise InvalidInput("household", _("nothing to change: give at least one field option"))
    for key, value in changes.items():
        setattr(household, UPDATABLE[key], value)
    if clear_cadence:
        household.cadence_days = None
    if categories is not None:
        wanted = require_categories(session=session, codes=categories)
        fact_history.check_from(
            session,
            on=on,
            today=today,
            reason=reason,
            subject_kind=fact_history.HOUSEHOLD,
            subject=household.code,
            fact=fact_history.CATEGORIES,
            enrolled_on=household.enrolled_on,
        )
        if sorted(set(wanted)) != before["categories"]:
            fact_history.append(
                session,
                subject_kind=fact_history.HOUSEHOLD,
                subject=household.code,
                fact=fact_history.CATEGORIES,
                value=sorted(set(wanted)),
                effective_from=on,
                reason=reason,
                today=today,
            )
        session.execute(
            HouseholdCategory.__table__.delete().where(
                col(HouseholdCategory.household_id) == household.id
            )
        )
        for category in wanted:
            session.add(HouseholdCategory(household_id=household.id, category_code=category))
    session.add(household)
    refresh_due_dates(session=session, household_ids=[household.id])
    after = household.model_dump()
    after["categories"] = category_codes(session=session, household_id=household.id)
    record(
        session,
        action="update",
        object_type="household",
        object_key=code,
        before=before,
        after=after,
    )
    return household


def exit_household(
    *,
    session: LedgerSession,
    code: str,
    reason: str,
    today: dt.date,
    effective_from: dt.date | None = None,
) -> Household:
    """Mark a household exited (moved away, died, no longer eligible) from
    ``effective_from`` (default today): never due again. A backdated exit's reason is the
    exit reason."""
    household = get_household(session=session, code=code)
    on = effective_from or today
    fact_history.check_from(
        session,
        on=on,
        today=today,
        reason=reason,
        subject_kind=fact_history.HOUSEHOLD,
        subject=household.code,
        fact=fact_history.STATUS,
        enrolled_on=household.enrolled_on,
    )
    if household.status == HOUSEHOLD_EXITED:
        raise RuleViolation(
            "household",
            _("{code} already exited on {date}").format(code=code, date=household.exited_on),
        )
    before = household.model_dump()
    household.status = HOUSEHOLD_EXITED
    household.exit_reason = reason
    household.exited_on = on
    fact_history.append(
        session,
        subject_kind=fact_history.HOUSEHOLD,
        subject=household.code,
        fact=fact_history.STATUS,
        value=HOUSEHOLD_EXITED,
        effective_from=on,
        reason=reason,
        today=today,
    )
    session.add(household)
    record(
        session,
        action="exit",
        object_type="household",
        object_key=code,
        before=before,
        after=household,
    )
    return household


def refuse_member_id(
    code: str, head_id_number: str | None, id_number: str, is_current_member: Callable[[], bool]
) -> None:
    """A member's ID number may be neither the head's nor a current member's of the same
    household (the one place of this rule: `member add` and `import`)."""
    if id_number == head_id_number:
        raise RuleViolation(
            "--id-number", _("{code}'s head already has this ID number").format(code=code)
        )
    if is_current_member():
        raise RuleViolation("--id-number", _("already a member of {code}").format(code=code))


def add_member(
    *,
    session: LedgerSession,
    code: str,
    name: str,
    relation: str,
    birth_year: int | None = None,
    health: str | None = None,
    id_number: str | None = None,
    today: dt.date | None = None,
) -> Member:
    """Add a member; one with an ID number is a new period of the household's people
    (from ``today``)."""
    household = get_household(session=session, code=code)
    if id_number is not None:
        refuse_member_id(
            code,
            household.id_number,
            id_number,
            lambda: (
                session.execute(
                    select(Member.id).where(
                        Member.household_id == household.id,
                        Member.id_number == id_number,
                        Member.status == MEMBER_CURRENT,
                    )
                ).first()
                is not None
            ),
        )
    assert household.id is not None  # read from the ledger
    member = Member(
        household_id=household.id,
        name=name,
        relation=relation,
        birth_year=birth_year,
        health=health,
        id_number=id_number,
    )
    session.add(member)
    session.flush()
    numbers = {household.id_number} | set(
        n
        for n in session.execute(
            select(Member.id_number).where(
                Member.household_id == household.id, col(Member.id_number).is_not(None)
            )
        ).scalars()
        if n
    )
    if id_number is not None:
        fact_history.append(
            session,
            subject_kind=fact_history.HOUSEHOLD,
            subject=household.code,
            fact=fact_history.MEMBER_IDS,
            value=sorted(numbers),
            effective_from=max(today or household.enrolled_on, household.enrolled_on),
        )
    record(
        session, action="add", object_type="member", object_key=f"{code}/{member.id}", after=member
    )
    return member


def category_codes(*, session: LedgerSession, household_id: int) -> list[str]:
    return list(
        session.execute(
            select(HouseholdCategory.category_code)
            .where(HouseholdCategory.household_id == household_id)
            .order_by(HouseholdCategory.category_code)
        ).scalars()
    )


def cadre_codes(*, session: LedgerSession, household_id: int) -> list[str]:
    return list(
        session.execute(
            select(Cadre.code)
            .join(Assignment, col(Assignment.cadre_id) == Cadre.id)
            .where(Assignment.household_id == household_id)
            .order_by(Cadre.code)
        ).scalars()
    )


@dataclass(frozen=True)
class HouseholdFilter:
    village: str | None = None
    category: str | None = None
    cadre: str | None = None
    status: str | None = None
    search: str | None = None


def list_households(
    *, session: LedgerSession, where: HouseholdFilter = HouseholdFilter()
) -> list[dict]:
    """Households with their categories and cadres, in code order.

    A filter naming an unknown category or cadre is a mistake (NotFound), not an empty list.
    """
    conditions: list[ColumnElement[bool]] = []
    if where.village:
        conditions.append(col(Household.village) == where.village)
    if where.status:
        status = parsing.parse_choice(
            where.status,
            kind=labels.HOUSEHOLD_STATUS,
            codes=(HOUSEHOLD_ACTIVE, HOUSEHOLD_EXITED),
            field="--status",
        )
        conditions.append(col(Household.status) == status)
    if where.search:
        # autoescape: a % or _ typed in the search is that character, not a wildcard
        conditions.append(
            or_(
                col(Household.head_name).contains(where.search, autoescape=True),
                col(Household.address).contains(where.search, autoescape=True),
            )
        )
    if where.category:
        (category,) = require_categories(session=session, codes=[where.category])
        conditions.append(
            col(Household.id).in_(
                select(HouseholdCategory.household_id).where(
                    HouseholdCategory.category_code == category
                )
            )
        )
    if where.cadre:
        cadre = resolve_cadre(session=session, text=where.cadre, field="--cadre")
        conditions.append(
            col(Household.id).in_(
                select(Assignment.household_id).where(Assignment.cadre_id == cadre.id)
            )
        )
    households = (
        session.execute(select(Household).where(*conditions).order_by(Household.code))
        .scalars()
        .all()
    )
    ids = select(Household.id).where(*conditions).scalar_subquery()
    categories: dict[int, list[str]] = {}
    for hid, code in session.execute(
        select(HouseholdCategory.household_id, HouseholdCategory.category_code)
        .where(col(HouseholdCategory.household_id).in_(ids))
        .order_by(HouseholdCategory.category_code)
    ):
        categories.setdefault(hid, []).append(code)
    cadres: dict[int, list[str]] = {}
    for hid, code in session.execute(
        select(Assignment.household_id, Cadre.code)
        .join(Cadre, col(Cadre.id) == Assignment.cadre_id)
        .where(col(Assignment.household_id).in_(ids))
        .order_by(Cadre.code)
    ):
        cadres.setdefault(hid, []).append(code)
    known = category_labels(session=session)
    return [
        household_row(h, category_values(categories.get(h.id, []), known), cadres.get(h.id, []))
        for h in households
    ]


def household_row(h: Household, categories: Sequence[str], cadres: list[str]) -> dict:
    """The public shape of a household (JSON keys of the CLI contract)."""
    return {
        "code": h.code,
        "name": h.head_name,
        "id_number": h.id_number,
        "village": h.village,
        "grid": h.grid,
        "address": h.address,
        "phone": h.phone,
        "categories": categories,
        "cadres": cadres,
        "members": h.members_count,
        "income_fen": h.income_fen,
        "housing": h.housing,
        "health": h.health,
        "employment": h.employment,
        "hardship": h.hardship,
        "notes": h.notes,
        "cadence": h.cadence_days,
        "status": labels.Code(h.status, labels.HOUSEHOLD_STATUS),
        "exit_reason": h.exit_reason,
        "exited_on": h.exited_on,
        "enrolled_on": h.enrolled_on,
        "last_visit": h.last_visit_on,
        # an exited household is never due again: its stored due date means nothing
        "due_date": h.due_date if h.status == HOUSEHOLD_ACTIVE else None,
    }


def describe_household(*, session: LedgerSession, code: str) -> dict:
    """One household's row with categories and cadres."""
    h = get_household(session=session, code=code)
    assert h.id is not None  # read from the ledger
    return household_row(
        h,
        category_values(
            category_codes(session=session, household_id=h.id), category_labels(session=session)
        ),
        cadre_codes(session=session, household_id=h.id),
    )


def members_of(*, session: LedgerSession, household_id: int) -> list[dict]:
    return [
        {
            "id": m.id,
            "name": m.name,
            "relation": m.relation,
            "birth_year": m.birth_year,
            "health": m.health,
            "id_number": m.id_number,
            "status": labels.Code(m.status, labels.MEMBER_STATUS),
        }
        for m in session.execute(
            select(Member).where(Member.household_id == household_id).order_by(col(Member.id))
        ).scalars()
    ]


@overload
def household_in_from_text(
    values: dict, *, label: Callable[[str], str], errors: None = None, today: dt.date | None = None
) -> HouseholdIn: ...


@overload
def household_in_from_text(
    values: dict,
    *,
    label: Callable[[str], str],
    errors: list[InvalidInput],
    today: dt.date | None = None,
) -> HouseholdIn | None: ...


def household_in_from_text(
    values: dict,
    *,
    label: Callable[[str], str],
    errors: list[InvalidInput] | None = None,
    today: dt.date | None = None,
) -> HouseholdIn | None:
    """Build a :class:`HouseholdIn` from text values (CLI options or roster cells).

    ``label(key)`` names the field in errors: ``--id-number`` on the command line, the
    column header in a roster. Used by ``enroll`` and by roster import alike.

    Without ``errors`` the first bad field raises :class:`InvalidInput`. With a list, every
    bad field of the row is appended to it (so a roster reports them all) and None is
    returned when there was any. ``today`` bounds birth dates in ID numbers.
    """
    from zoufang import parsing as p

    found: list[InvalidInput] = []

    def checked(parse):
        try:
            return parse()
        except InvalidInput as exc:
            if errors is None:
                raise
            found.append(exc)
            return None

    def text(key: str, required: bool = False, parse=p.parse_line) -> str | None:
        """One line (or a name, ``parse=p.parse_name``) that fits the household's column."""

        def parse_cell():
            value = values.get(key)
            if value is None or (not required and str(value).strip() == ""):
                if required:
                    raise InvalidInput(label(key), _("is required"))
                return None
            return parse(value, field=label(key), max_len=_HOUSEHOLD_LIMITS[key])

        return checked(parse_cell)

    def number(key: str, parse, **kw):
        value = values.get(key)
        if value is None or str(value).strip() == "":
            return None
        return checked(lambda: parse(value, field=label(key), **kw))

    def require_categories() -> list[str]:
        given = [c.strip() for c in values.get("categories") or [] if c and c.strip()]
        if not given:
            raise InvalidInput(label("categories"), _("at least one category is required"))
        return given

    categories = checked(require_categories) or []

    name = text("name", required=True, parse=p.parse_name)
    id_number = checked(
        lambda: p.parse_id_number(
            values.get("id_number") or "", field=label("id_number"), today=today
        )
    )
    village = text("village", required=True)
    optional: dict[str, Any] = dict(
        phone=number("phone", p.parse_phone),
        address=text("address"),
        grid=text("grid"),
        members=number("members", p.parse_count, minimum=1, maximum=100),
        income_fen=number("income", p.parse_income),
        housing=text("housing"),
        health=text("health"),
        employment=text("employment"),
        hardship=text("hardship"),
        cadence_days=number("cadence", p.parse_count, minimum=1, maximum=3660),
        cadres=[c.strip() for c in values.get("cadres") or [] if c and c.strip()],
        code=text("code"),
    )
    if found:
        assert errors is not None  # `checked` collects errors only into a given list
        errors.extend(found)
        return None
    # A required field is None only when its error was collected (returned above).
    assert name is not None and village is not None
    return HouseholdIn(
        name=name, id_number=id_number, village=village, categories=categories, **optional
    )


class MemberBatch:
    """Members added in bulk (`import`): each judged as :func:`add_member` judges it
    (:func:`refuse_member_id`) and written with the same rows, the same fact change (the
    household's ID numbers after it, one change a member with an ID number, on the fact
    chain in the same order) and the same audit row, a batch at a time: one ``executemany``
    for the members, one for their fact changes. The households and their members' ID
    numbers are read once (nothing else adds members while the batch is open)."""

    def __init__(self, session: LedgerSession, size: int = 2000) -> None:
        from zoufang.db import driver_rows
        from zoufang.tables import member as M

        self.s, self.size = session, size
        conn = session.connection()
        H = household_table
        self.households: dict[str, tuple] = {}  # code → (id, code, id_number, enrolled_on)
        for row in conn.execute(select(H.c.id, H.c.code, H.c.id_number, H.c.enrolled_on)):
            self.households[row.code] = tuple(row)
        self.numbers: dict[int, set[str]] = {}  # household id → every member's ID number
        self.current: dict[int, set[str]] = {}  # household id → current members' numbers
        for hid, number, status in driver_rows(
            conn,
            select(M.c.household_id, M.c.id_number, M.c.status).where(M.c.id_number.is_not(None)),
        ):
            if number:
                self.numbers.setdefault(hid, set()).add(number)
            if status == MEMBER_CURRENT:
                self.current.setdefault(hid, set()).add(number)
        self.pending: list[tuple[dict, str, tuple | None]] = []

    def add(
        self,
        *,
        code: str,
        name: str,
        relation: str,
        birth_year: int | None = None,
        health: str | None = None,
        id_number: str | None = None,
    ) -> None:
        given = code  # the audit row names the household as the caller did, as add_member's
        household = self.households.get(fold(code))
        if household is None:
            raise no_household(fold(code), "household")
        hid, code, head_number, enrolled_on = household
        if id_number is not None:
            refuse_member_id(
                given, head_number, id_number, lambda: id_number in self.current.get(hid, ())
            )
        row = {
            "household_id": hid,
            "name": name,
            "relation": relation,
            "birth_year": birth_year,
            "health": health,
            "id_number": id_number,
            "status": MEMBER_CURRENT,
        }
        change = None
        if id_number is not None:
            self.current.setdefault(hid, set()).add(id_number)
            numbers = self.numbers.setdefault(hid, set())
            numbers.add(id_number)
            change = (
                fact_history.HOUSEHOLD,
                code,
                fact_history.MEMBER_IDS,
                sorted({head_number} | numbers),
                _day(enrolled_on),
                None,
            )
        self.pending.append((row, given, change))
        if len(self.pending) >= self.size:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        from zoufang.services.visit_record import inserted_ids
        from zoufang.tables import member as M

        pending, self.pending = self.pending, []
        rows = [row for row, _code, _change in pending]
        conn = self.s.connection()
        for row, new_id in zip(rows, inserted_ids(conn, M, rows), strict=True):
            row["id"] = new_id
        fact_history.append_many(
            self.s, [c for _r, _code, c in pending if c is not None], origin="change"
        )
        for row, code, _change in pending:
            record(
                self.s,
                action="add",
                object_type="member",
                object_key=f"{code}/{row['id']}",
                after={
                    "id": row["id"],
                    **{k: v for k, v in row.items() if k != "id"},
                },
            )


def _day(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])
