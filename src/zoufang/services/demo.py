"""The demo ledger: a county's villages, households, cadres and a year of visits, made up.

``zoufang demo`` fills an *empty* ledger so that people can try every command on data that
looks like a real 台账: Chinese names, valid resident ID numbers, villages and grids, one
cadre per ~25 households, categories in realistic shares, and about a year of visits before
``today`` that follow each household's cadence — with festival visits, return visits after a
need was raised, commitments in every state, and some households the cadres let slip.

Reproducible: everything is drawn from one ``random.Random(seed)``, so the same seed and the
same ``today`` give the same ledger.

Fast: a county has ~100,000 households and ~1M visits, so rows are not written one by one
through the ORM. The tables are empty, so ids are assigned here; households are generated a
chunk at a time, and each table's rows for the chunk go in with one Core ``INSERT``
executemany, all inside the command's single transaction. The insert targets are the model
tables' columns without their types, and values are already what the driver stores (ISO
text dates on SQLite, exactly as SQLAlchemy writes them; date objects elsewhere): SQLAlchemy's
per-value type processing would otherwise cost more than the database itself. On SQLite the
secondary indexes are rebuilt once at the end instead of being updated a million times.

``last_visit_on`` and ``due_date`` are computed here with the functions
:func:`~zoufang.services.due.refresh_due_dates` uses, and the run writes one audit-log row
(``demo`` / ``ledger``), not one per row.
"""

from __future__ import annotations

import bisect
import datetime as dt
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import column, func, insert, select, table, text
from sqlmodel import Session

from zoufang.db import bulk
from zoufang.errors import RuleViolation
from zoufang.models import (
    HOUSEHOLD_ACTIVE,
    HOUSEHOLD_EXITED,
    Assignment,
    Cadre,
    Category,
    Commitment,
    CommitmentResponse,
    Household,
    HouseholdCategory,
    Member,
    Visit,
    VisitCadre,
    VisitItem,
)
from zoufang.parsing import PROVINCE_CODES, id_check_digit
from zoufang.services import demo_text as words
from zoufang.services.audit_log import record
from zoufang.services.due import compute_due_date, effective_cadence

HOUSEHOLDS_PER_VILLAGE = 40
HOUSEHOLDS_PER_CADRE = 25
#: Households generated and written per batch: bounds memory at any --households.
CHUNK = 2000
#: SQLite page cache for the load (KiB): holds a 100,000-household ledger in memory.
SQLITE_CACHE_KIB = 512 * 1024

#: Share of households whose first category is this one (low-income and elderly-alone are
#: common, honour recipients rare).
PRIMARY_CATEGORY = (
    ("low-income", 30.0),
    ("elderly-alone", 20.0),
    ("illness-poverty", 12.0),
    ("disabled", 11.0),
    ("left-behind-child", 8.0),
    ("veteran-member", 8.0),
    ("hardship-member", 5.0),
    ("retired-cadre", 2.5),
    ("frontline-cadre", 2.0),
    ("bereaved-family", 1.2),
    ("honour-recipient", 0.3),
)
SHARE_SECOND_CATEGORY = 0.3
#: Categories that plausibly come with the first one.
SECOND_CATEGORY = {
    "low-income": ("disabled", "illness-poverty", "elderly-alone"),
    "elderly-alone": ("low-income", "disabled", "veteran-member", "illness-poverty"),
    "illness-poverty": ("low-income", "disabled", "hardship-member"),
    "disabled": ("low-income", "illness-poverty"),
    "left-behind-child": ("low-income", "disabled"),
    "veteran-member": ("elderly-alone", "hardship-member", "illness-poverty"),
    "hardship-member": ("illness-poverty", "low-income"),
    "retired-cadre": ("elderly-alone", "veteran-member"),
    "frontline-cadre": ("illness-poverty",),
    "bereaved-family": ("low-income", "hardship-member"),
    "honour-recipient": ("veteran-member", "elderly-alone"),
}
#: Age range of the household head (the person supported) by category.
HEAD_AGE = {
    "low-income": (28, 80),
    "elderly-alone": (70, 95),
    "illness-poverty": (25, 80),
    "disabled": (20, 80),
    "left-behind-child": (4, 15),
    "veteran-member": (70, 96),
    "hardship-member": (40, 85),
    "retired-cadre": (62, 90),
    "frontline-cadre": (26, 55),
    "bereaved-family": (30, 75),
    "honour-recipient": (78, 98),
}
#: What visits talk about, by first category (keys of demo_text.NOTES and NEEDS).
CARE_GROUP = {
    "low-income": "low-income",
    "elderly-alone": "elderly",
    "illness-poverty": "illness",
    "disabled": "disabled",
    "left-behind-child": "child",
    "veteran-member": "party",
    "hardship-member": "party",
    "retired-cadre": "elderly",
    "frontline-cadre": "general",
    "bereaved-family": "general",
    "honour-recipient": "party",
}
#: Visited before 七一 (1 July).
PARTY_CATEGORIES = frozenset(
    ("veteran-member", "hardship-member", "honour-recipient", "retired-cadre", "bereaved-family")
)
#: Spring Festival (春节) and Double Ninth (重阳); other years use an approximate date.
SPRING_FESTIVAL = {
    2020: (1, 25),
    2021: (2, 12),
    2022: (2, 1),
    2023: (1, 22),
    2024: (2, 10),
    2025: (1, 29),
    2026: (2, 17),
    2027: (2, 6),
    2028: (1, 26),
    2029: (2, 13),
    2030: (2, 3),
}
DOUBLE_NINTH = {
    2020: (10, 25),
    2021: (10, 14),
    2022: (10, 4),
    2023: (10, 23),
    2024: (10, 11),
    2025: (10, 29),
    2026: (10, 18),
}
SHARE_FIRST_ROSTER = 0.65  # enrolled when the roster was first drawn up, about a year ago
SHARE_NEW = 0.01  # enrolled in the last week, perhaps not visited yet
SHARE_EXITED = 0.02
SHARE_NEGLECTED = 0.08  # the cadres stopped visiting some time ago: overdue now

#: Insert order within a chunk: parents first, since foreign keys are checked at once.
TABLES = (
    Household,
    HouseholdCategory,
    Member,
    Assignment,
    Visit,
    VisitCadre,
    VisitItem,
    Commitment,
    CommitmentResponse,
)


def build_demo(
    *,
    session: Session,
    households: int,
    seed: int,
    today: dt.date,
    progress: Callable[[int], None] | None = None,
) -> dict[str, int]:
    """Fill an empty ledger with ``households`` made-up households; return the row counts.

    Refuses (RuleViolation) a ledger that already has a household or a cadre.
    ``progress(n)`` is called with the number of households written so far.
    """
    _require_empty(session)
    cadences = dict(session.execute(select(Category.code, Category.cadence_days)).all())
    missing = sorted({code for code, _ in PRIMARY_CATEGORY} - set(cadences))
    if missing:
        raise RuleViolation("category", f"built-in categories missing from the ledger: {missing}")
    conn = session.connection()
    maker = _Maker(
        rng=random.Random(seed),
        today=today,
        cadences=cadences,
        operator=session.info.get("operator", "unknown"),
        values=_Values(text_dates=conn.dialect.name == "sqlite"),
    )
    villages = maker.villages(households)
    cadres = maker.cadres(villages, households)
    rebuild = _bulk_load_mode(conn)
    with bulk():  # millions of short-lived row dicts: the collector would only slow the load
        counts = _write(conn, maker, villages, cadres, households, progress)
    for statement in rebuild:
        conn.exec_driver_sql(statement)
    if conn.dialect.name == "postgresql":
        _advance_sequences(conn)
    result = {
        "households": counts["household"],
        "cadres": len(cadres),
        "villages": len(villages),
        "members": counts["member"],
        "visits": counts["visit"],
        "visit_items": counts["visit_item"],
        "commitments": counts["commitment"],
        "responses": counts["commitment_response"],
        "overdue": maker.overdue,
    }
    record(
        session,
        action="demo",
        object_type="ledger",
        object_key=f"seed={seed}",
        after={**result, "seed": seed, "today": today.isoformat()},
    )
    return result


def _require_empty(session: Session) -> None:
    held = session.execute(
        select(
            select(func.count()).select_from(Household).scalar_subquery(),
            select(func.count()).select_from(Cadre).scalar_subquery(),
        )
    ).one()
    if any(held):
        url = session.get_bind().url
        name = (
            url.database
            if url.get_backend_name() == "sqlite"
            else url.render_as_string(hide_password=True)
        )
        raise RuleViolation(
            "--db",
            f"the ledger {name} already holds {held[0]} households and {held[1]} cadres; "
            "demo only fills an empty ledger: point --db at a new one",
        )


def _untyped(model) -> object:
    """The model's table as a bare Core table clause: same columns, no type processing."""
    return table(model.__tablename__, *(column(c.name) for c in model.__table__.columns))


def _write(
    conn,
    maker: _Maker,
    villages: list[_Village],
    cadres: list[dict],
    households: int,
    progress: Callable[[int], None] | None,
) -> dict[str, int]:
    """Generate and insert the households a chunk at a time; return rows written per table."""
    conn.execute(insert(_untyped(Cadre)), cadres)
    targets = [(model.__tablename__, insert(_untyped(model))) for model in TABLES]
    counts = {name: 0 for name, _ in targets}
    for start in range(0, households, CHUNK):
        rows: dict[str, list[dict]] = {name: [] for name, _ in targets}
        for hid in range(start + 1, min(households, start + CHUNK) + 1):
            maker.household(hid, villages, rows)
        for name, statement in targets:
            if rows[name]:
                conn.execute(statement, rows[name])
                counts[name] += len(rows[name])
        if progress is not None:
            progress(min(households, start + CHUNK))
    return counts


def _bulk_load_mode(conn) -> list[str]:
    """On SQLite, prepare for a bulk load; return the statements that end it.

    A large page cache keeps the transaction's pages in memory instead of spilling them into
    the WAL, and the secondary indexes of the tables being filled are dropped and built again
    at the end (one sort instead of a million random B-tree inserts) — inside the command's
    transaction, so a crash or a kill leaves them exactly as they were.
    """
    if conn.dialect.name != "sqlite":
        return []
    conn.exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    names = tuple(model.__tablename__ for model in TABLES)
    indexes = conn.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
        f"AND tbl_name IN ({', '.join('?' * len(names))}) ORDER BY name",
        names,
    ).all()
    for name, _ in indexes:
        conn.exec_driver_sql(f'DROP INDEX "{name}"')
    return [sql for _, sql in indexes]


def _advance_sequences(conn) -> None:
    """Ids were given explicitly; move PostgreSQL's sequences past them for later inserts."""
    for name in (
        "household",
        "member",
        "cadre",
        "visit",
        "visit_item",
        "commitment",
        "commitment_response",
    ):
        conn.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {name}), 0) + 1, false)"
            )
        )


class _Values:
    """Dates as the driver takes them: on SQLite the ISO text SQLAlchemy's Date and DateTime
    types store (``2026-11-23``, ``2026-11-23 09:00:00.000000``), elsewhere date objects."""

    def __init__(self, *, text_dates: bool) -> None:
        self.text_dates = text_dates
        self._days: dict[int, object] = {}

    def day(self, ordinal: int):
        value = self._days.get(ordinal)
        if value is None:
            date = dt.date.fromordinal(ordinal)
            value = self._days[ordinal] = date.isoformat() if self.text_dates else date
        return value

    def stamp(self, ordinal: int, hour: int):
        if self.text_dates:
            return f"{self.day(ordinal)} {hour:02d}:00:00.000000"
        return dt.datetime.fromordinal(ordinal).replace(hour=hour)


@dataclass
class _Village:
    name: str
    town: str
    community: bool
    grids: int
    weight: float
    cadres: list[int] = field(default_factory=list)
    town_cadres: list[int] = field(default_factory=list)


class _Maker:
    """Draws the whole ledger from one seeded random stream, household by household."""

    def __init__(
        self,
        *,
        rng: random.Random,
        today: dt.date,
        cadences: dict[str, int],
        operator: str,
        values: _Values,
    ) -> None:
        self.rng = rng
        self.random = rng.random
        self.today = today.toordinal()
        self.cadences = cadences
        self.operator = operator
        self.values = values
        self.next_id = {
            "member": 0,
            "visit": 0,
            "visit_item": 0,
            "commitment": 0,
            "commitment_response": 0,
        }
        self.used_id_numbers: set[str] = set()
        self.overdue = 0
        # parse_id_number refuses a birth date after the real date, so never make one.
        self.latest_birth = min(today, dt.date.today()).toordinal() - 1
        self.provinces = sorted(PROVINCE_CODES - {"71", "81", "82", "83", "91"})
        self.region = (
            f"{self.pick(self.provinces)}{self.between(1, 9):02d}{self.between(21, 29):02d}"
        )
        self.surname_weights = _cumulative(words.SURNAME_WEIGHTS)
        self.category_weights = _cumulative([weight for _, weight in PRIMARY_CATEGORY])
        self.festivals = self._festivals()

    # Faster than Random.choice/randint and as reproducible: everything comes from random().
    def pick(self, items: Sequence):
        return items[int(self.random() * len(items))]

    def between(self, low: int, high: int) -> int:
        return low + int(self.random() * (high - low + 1))

    def weighted(self, items: Sequence, cumulative: list[float]):
        return items[bisect.bisect(cumulative, self.random() * cumulative[-1])]

    # ------------------------------------------------------------------ places and cadres

    def villages(self, households: int) -> list[_Village]:
        """~1 village or community per 40 households, ~12 to a township."""
        count = max(1, round(households / HOUSEHOLDS_PER_VILLAGE))
        towns = _unique_names(self, max(1, -(-count // 12)), words.TOWN_NAMES, self._town_name)
        seat = len(towns) >= 3  # then the first township is the county seat's 街道 of 社区
        towns = [
            name + ("街道" if seat and i == 0 else "乡" if self.random() < 0.3 else "镇")
            for i, name in enumerate(towns)
        ]
        result = []
        for i, name in enumerate(
            _unique_names(self, count, words.CLASSIC_PLACES, self._place_name)
        ):
            town = i * len(towns) // count
            community = (seat and town == 0) or self.random() < (0.15 if seat else 0.3)
            result.append(
                _Village(
                    name=name + ("社区" if community else "村"),
                    town=towns[town],
                    community=community,
                    grids=self.between(2, 4),
                    weight=0.5 + self.random(),
                )
            )
        self.village_weights = _cumulative([v.weight for v in result])
        return result

    def _place_name(self, attempt: int) -> str:
        name = self.pick(words.SURNAMES)[0] + self.pick(words.PLACE_ENDINGS)
        if attempt > 2000:
            name = self.pick(words.PLACE_PREFIXES) + name
        if attempt > 20000:
            name += self.pick(words.CHINESE_NUMERALS)
        return name

    def _town_name(self, attempt: int) -> str:
        name = self.pick(words.SURNAMES)[0] + self.pick(("集", "店", "庄", "桥", "湾"))
        return name if attempt < 500 else self.pick(words.PLACE_PREFIXES) + name

    def cadres(self, villages: list[_Village], households: int) -> list[dict]:
        """~1 cadre per 25 households: at least one per village, the rest by village size."""
        count = max(len(villages), round(households / HOUSEHOLDS_PER_CADRE))
        total_weight = sum(v.weight for v in villages)
        shares = [v.weight / total_weight * (count - len(villages)) for v in villages]
        extra = [int(s) for s in shares]
        by_remainder = sorted(range(len(villages)), key=lambda i: extra[i] - shares[i])
        for i in by_remainder[: count - len(villages) - sum(extra)]:
            extra[i] += 1
        rows: list[dict] = []
        emails: set[str] = set()
        for village, more in zip(villages, extra, strict=True):
            for _ in range(1 + more):
                rows.append(self._cadre(len(rows) + 1, village, emails))
        return rows

    def _cadre(self, cid: int, village: _Village, emails: set[str]) -> dict:
        male = self.random() < 0.6
        surname, surname_py = self.weighted(words.SURNAMES, self.surname_weights)
        born = self.today - self.between(24 * 365, 58 * 365)
        given, given_py = self.pick(_given_pool(dt.date.fromordinal(born).year, male, True))
        email = surname_py + given_py
        if email in emails:
            email += str(cid)
        emails.add(email)
        village.cadres.append(cid)
        if self.random() < 0.7:
            unit = village.name + ("党委" if village.community else "党支部")
        else:  # a township cadre who looks after (包) this village
            unit = village.town + self.pick(words.CADRE_UNITS_TOWN)
            village.town_cadres.append(cid)
        return {
            "id": cid,
            "code": f"C{cid:04d}",
            "name": surname + given,
            "unit": unit,
            "phone": self._mobile(),
            "email": f"{email}@gov.example",
        }

    # ------------------------------------------------------------------ people

    def _name(self, born: int, male: bool, surname: str | None = None) -> str:
        if surname is None:
            surname = self.weighted(words.SURNAMES, self.surname_weights)[0]
        return surname + self.pick(_given_pool(dt.date.fromordinal(born).year, male, False))

    def _mobile(self) -> str:
        return self.pick(words.MOBILE_PREFIXES) + f"{int(self.random() * 10**8):08d}"

    def _birth(self, min_age: int, max_age: int) -> int:
        born = self.today - self.between(min_age * 365 + 20, max_age * 365 + 340)
        return min(born, self.latest_birth)

    def _id_number(self, born: int, male: bool) -> str:
        """A unique, valid 18-digit number: region, birth date, sequence (odd for men), check."""
        birth = dt.date.fromordinal(born).strftime("%Y%m%d")
        region = self.region
        if self.random() < 0.08:  # married in or moved here from another province
            region = f"{self.pick(self.provinces)}01{self.between(2, 28):02d}"
        while True:
            first17 = f"{region}{birth}{self.between(0, 499) * 2 + male:03d}"
            number = first17 + id_check_digit(first17)
            if number not in self.used_id_numbers:
                self.used_id_numbers.add(number)
                return number

    def _members(
        self,
        hid: int,
        primary: str,
        categories: list[str],
        surname: str,
        male: bool,
        head_age: int,
        rows: dict[str, list[dict]],
    ) -> int:
        """The people living with the head; returns the household size (head included)."""
        if "elderly-alone" in categories:
            return 1
        chance, birth, pick = self.random, self._birth, self.pick
        people: list[tuple[str, int, bool, str | None, str]] = []
        if primary == "left-behind-child":
            for _ in range(self.between(1, 2)):
                people.append(
                    (
                        "祖父母",
                        birth(head_age + 48, head_age + 68),
                        chance() < 0.5,
                        surname,
                        pick(words.MEMBER_HEALTH),
                    )
                )
            for parent_male in (True, False):
                if chance() < 0.6:
                    people.append(
                        (
                            "父母",
                            birth(head_age + 22, head_age + 35),
                            parent_male,
                            surname if parent_male else None,
                            "健康（外出务工）",
                        )
                    )
            if chance() < 0.4:
                people.append(
                    (
                        "兄弟姐妹",
                        birth(max(1, head_age - 4), head_age + 5),
                        chance() < 0.5,
                        surname,
                        "健康",
                    )
                )
        else:
            if chance() < (0.65 if head_age >= 60 else 0.75):
                people.append(
                    (
                        "配偶",
                        birth(max(20, head_age - 5), head_age + 4),
                        not male,
                        None,
                        pick(words.MEMBER_HEALTH),
                    )
                )
            child_surname = surname if male else None
            children = self.between(0, 2 if head_age >= 60 else 3) if head_age >= 22 else 0
            for _ in range(children):
                people.append(
                    (
                        "子女",
                        birth(max(0, head_age - 38), head_age - 22),
                        chance() < 0.5,
                        child_surname,
                        pick(words.MEMBER_HEALTH),
                    )
                )
            if head_age >= 55 and children and chance() < 0.5:
                people.append(
                    (
                        "孙子女",
                        birth(max(0, head_age - 62), head_age - 45),
                        chance() < 0.5,
                        child_surname,
                        "健康",
                    )
                )
            if head_age < 50 and chance() < 0.35:
                people.append(
                    (
                        "父母",
                        birth(head_age + 22, head_age + 35),
                        chance() < 0.5,
                        surname,
                        pick(words.OLD_HEALTH),
                    )
                )
            if not people:  # only the elderly-alone live alone
                people.append(
                    ("子女", birth(0, max(0, head_age - 22)), chance() < 0.5, child_surname, "健康")
                )
        people = people[:4]
        for relation, born, is_male, member_surname, health in people:
            self.next_id["member"] += 1
            adult = self.today - born >= 18 * 365
            number = self._id_number(born, is_male) if chance() < (0.7 if adult else 0.4) else None
            rows["member"].append(
                {
                    "id": self.next_id["member"],
                    "household_id": hid,
                    "name": self._name(born, is_male, member_surname),
                    "relation": relation,
                    "birth_year": dt.date.fromordinal(born).year,
                    "health": health,
                    "id_number": number,
                }
            )
        return 1 + len(people)

    # ------------------------------------------------------------------ households

    def household(self, hid: int, villages: list[_Village], rows: dict[str, list[dict]]) -> None:
        chance, between, pick, day = self.random, self.between, self.pick, self.values.day
        today = self.today
        village = self.weighted(villages, self.village_weights)
        primary = self.weighted(PRIMARY_CATEGORY, self.category_weights)[0]
        categories = [primary]
        if chance() < SHARE_SECOND_CATEGORY:
            categories.append(pick(SECOND_CATEGORY[primary]))
        own_cadence = pick((14, 21, 45)) if chance() < 0.05 else None
        cadence = effective_cadence(own_cadence, [self.cadences[c] for c in categories])

        male = chance() < {"elderly-alone": 0.4, "veteran-member": 0.75}.get(primary, 0.55)
        head_born = self._birth(*_head_age(categories))
        head_age = (today - head_born) // 365
        surname = self.weighted(words.SURNAMES, self.surname_weights)[0]
        size = self._members(hid, primary, categories, surname, male, head_age, rows)

        roll = chance()
        if roll < SHARE_FIRST_ROSTER:
            enrolled = today - 365 + between(0, 45)
        elif roll < 1 - SHARE_NEW:
            enrolled = today - 365 + between(46, 358)
        else:
            enrolled = today - between(0, 6)
        exited = None
        if chance() < SHARE_EXITED and enrolled + 60 < today:
            exited = between(enrolled + 60, today - 1)
        neglected = chance() < SHARE_NEGLECTED

        cadre_ids = [pick(village.cadres)]
        if village.town_cadres and chance() < 0.15:
            other = pick(village.town_cadres)
            if other != cadre_ids[0]:
                cadre_ids.append(other)
        last, next_visit = self._visits(
            hid,
            primary,
            categories,
            head_age,
            cadence,
            enrolled,
            exited,
            neglected,
            cadre_ids,
            village,
            rows,
        )
        due = compute_due_date(
            enrolled_on=dt.date.fromordinal(enrolled),
            last_visit_on=None if last is None else dt.date.fromordinal(last),
            next_date=None if next_visit is None else dt.date.fromordinal(next_visit),
            cadence_days=cadence,
        ).toordinal()
        if exited is None and due < today:
            self.overdue += 1

        if primary == "left-behind-child":
            phone = self._mobile()  # the guardian's
            employment = "学龄前" if head_age < 6 else "小学在读" if head_age < 12 else "初中在读"
            health = pick(words.DISABLED_HEALTH) if "disabled" in categories else "健康"
        else:
            phone = self._mobile() if chance() < 0.88 else None
            employment = pick(
                words.EMPLOYMENT[
                    "cadre"
                    if primary == "frontline-cadre"
                    else "retired"
                    if primary == "retired-cadre"
                    else "old"
                    if head_age >= 65
                    else "adult"
                ]
            )
            health = pick(
                words.ILLNESS_HEALTH
                if "illness-poverty" in categories
                else words.DISABLED_HEALTH
                if "disabled" in categories
                else words.OLD_HEALTH
                if head_age >= 60
                else words.ADULT_HEALTH
            )
        if village.community:
            address = (
                f"{village.town}{village.name}{between(1, 30)}栋{between(1, 4)}单元"
                f"{between(1, 6)}0{between(1, 4)}室"
            )
        else:
            address = f"{village.town}{village.name}{between(1, 9)}组{between(1, 80)}号"
        income_yuan = 100 * (
            between(400, 900)
            if primary == "retired-cadre"
            else between(500, 1200)
            if primary == "frontline-cadre"
            else between(40, 180)
            if "low-income" in categories
            else between(30, 150)
            if primary == "elderly-alone"
            else between(60, 400)
        )
        rows["household"].append(
            {
                "id": hid,
                "code": f"H{hid:06d}",
                "head_name": self._name(head_born, male, surname),
                "id_number": self._id_number(head_born, male),
                "phone": phone,
                "village": village.name,
                "grid": f"{village.name}第{words.CHINESE_NUMERALS[between(0, village.grids - 1)]}网格",
                "address": address,
                "members_count": size,
                "income_fen": income_yuan * 100,
                "housing": pick(words.HOUSING),
                "health": health,
                "employment": employment,
                "hardship": "；".join(words.HARDSHIP[c] for c in categories),
                "cadence_days": own_cadence,
                "status": HOUSEHOLD_EXITED if exited else HOUSEHOLD_ACTIVE,
                "exit_reason": pick(words.EXIT_REASONS) if exited else None,
                "exited_on": day(exited) if exited else None,
                "enrolled_on": day(enrolled),
                "last_visit_on": None if last is None else day(last),
                "due_date": day(due),
            }
        )
        for code in categories:
            rows["household_category"].append({"household_id": hid, "category_code": code})
        for cadre_id in cadre_ids:
            rows["assignment"].append(
                {"household_id": hid, "cadre_id": cadre_id, "assigned_on": day(enrolled)}
            )

    # ------------------------------------------------------------------ visits

    def _festivals(self) -> list[tuple[int, str]]:
        """(ordinal, key) of the festivals from a little over a year before today."""
        result = []
        today = dt.date.fromordinal(self.today)
        for year in range(today.year - 2, today.year + 1):
            month, mday = SPRING_FESTIVAL.get(year, (2, 1))
            result.append((dt.date(year, month, mday).toordinal(), "spring"))
            result.append((dt.date(year, 7, 1).toordinal(), "july"))
            month, mday = DOUBLE_NINTH.get(year, (10, 15))
            result.append((dt.date(year, month, mday).toordinal(), "double-ninth"))
        return sorted(result)

    def _visits(
        self,
        hid: int,
        primary: str,
        categories: list[str],
        head_age: int,
        cadence: int,
        enrolled: int,
        exited: int | None,
        neglected: bool,
        cadre_ids: list[int],
        village: _Village,
        rows: dict[str, list[dict]],
    ) -> tuple[int | None, int | None]:
        """About a year of visits driven by the cadence; returns (last visit, its --next)."""
        chance, between, pick = self.random, self.between, self.pick
        day_value, stamp = self.values.day, self.values.stamp
        end = exited if exited is not None else self.today
        stop = end - cadence - between(1, 90) if neglected else end
        party = not PARTY_CATEGORIES.isdisjoint(categories)
        # This household's festival visits fall a few days before each festival it is due.
        festivals = [
            (date - (between(2, 14) if key == "spring" else between(0, 8)), key)
            for date, key in self.festivals
            if date > enrolled
            and (
                key == "spring"
                or (key == "july" and party)
                or (key == "double-ninth" and head_age >= 60)
            )
        ]
        group = CARE_GROUP[primary]
        notes, needs_pool = words.NOTES[group], words.NEEDS[group]
        wishes = words.WISHES["child" if group == "child" else "adult"]
        partners = cadre_ids[1:] or [c for c in village.cadres if c != cadre_ids[0]]
        visits, visit_cadres, items = rows["visit"], rows["visit_cadre"], rows["visit_item"]
        ids = self.next_id
        day = enrolled + between(0, min(10, cadence // 3))
        kind, festival, upcoming = "verification", "", 0
        last = next_visit = None
        while day <= stop:
            ids["visit"] += 1
            vid = ids["visit"]
            cadres = [cadre_ids[0]]
            if partners and chance() < 0.25:
                cadres.append(pick(partners))
            checkin = kind == "routine" and chance() < 0.03  # nothing heard: 打卡式走访
            if checkin:
                note = None
            elif kind == "routine":
                note = pick(notes) if chance() < 0.7 else pick(words.NOTES["general"])
            elif kind == "festival":
                note = words.FESTIVAL_NOTES[festival]
            elif kind == "verification":
                note = pick(words.VERIFICATION_NOTES)
            elif kind == "return":
                note = pick(words.RETURN_NOTES)
            else:
                note = pick(words.UNANNOUNCED_NOTES)
            needs = []
            if not checkin and chance() < (0.12 if kind in ("routine", "verification") else 0.05):
                needs.append(pick(needs_pool) if chance() < 0.7 else pick(words.NEEDS["general"]))
                if chance() < 0.15:
                    needs.append(pick(words.NEEDS["general"]))
            if not checkin and chance() < 0.07:
                items.append(self._item(vid, "suggestion", pick(words.SUGGESTIONS)))
            if not checkin and chance() < (0.25 if kind == "festival" else 0.03):
                items.append(self._item(vid, "wish", pick(wishes)))
            if kind == "festival":
                gifts = words.FESTIVAL_GIFTS[festival]
                for gift in dict.fromkeys(pick(gifts) for _ in range(between(1, 2))):
                    items.append(self._item(vid, "gift", gift))
            elif chance() < (0.5 if checkin else 0.1):
                items.append(self._item(vid, "gift", pick(words.ROUTINE_GIFTS)))
            next_date = day + between(7, 20) if needs and chance() < 0.4 else None
            need_due = day + pick((15, 20, 30, 30, 30, 45, 60))
            for need in dict.fromkeys(needs):
                self._commitment(hid, vid, need, cadres[0], day, need_due, end, neglected, rows)
            visits.append(
                {
                    "id": vid,
                    "household_id": hid,
                    "visit_date": day_value(day),
                    "kind": kind,
                    "notes": note,
                    "next_date": None if next_date is None else day_value(next_date),
                    "recorded_at": stamp(day, 1 + vid % 10),
                    "operator": self.operator,
                }
            )
            for cadre_id in cadres:
                visit_cadres.append({"visit_id": vid, "cadre_id": cadre_id})
            last, next_visit = day, next_date
            # The next visit: on the promised return date, else a little before the cadence
            # runs out, unless a festival visit comes first.
            if next_date is not None:
                day, kind = next_date + between(0, 3), "return"
            else:
                day += max(7, int(cadence * (0.7 + 0.35 * chance())))
                roll = chance()
                kind = (
                    "unannounced" if roll < 0.03 else "verification" if roll < 0.06 else "routine"
                )
            while upcoming < len(festivals) and festivals[upcoming][0] <= last + 3:
                upcoming += 1
            if upcoming < len(festivals) and festivals[upcoming][0] <= day and chance() < 0.85:
                (day, festival), kind = festivals[upcoming], "festival"
                upcoming += 1
        return last, next_visit

    def _item(self, visit_id: int, kind: str, text: str) -> dict:
        self.next_id["visit_item"] += 1
        return {"id": self.next_id["visit_item"], "visit_id": visit_id, "kind": kind, "text": text}

    def _commitment(
        self,
        hid: int,
        vid: int,
        need: tuple[str, str],
        cadre_id: int,
        opened: int,
        due: int,
        end: int,
        neglected: bool,
        rows: dict[str, list[dict]],
    ) -> None:
        """A need taken on at a visit, and what became of it by ``end`` (today, or exit)."""
        chance, between, pick, day = self.random, self.between, self.pick, self.values.day
        self.next_id["commitment"] += 1
        cid = self.next_id["commitment"]
        span = due - opened
        took = between(2, span) if chance() < 0.8 else between(span + 1, 2 * span)
        status, closed, resolution, referred = "open", None, None, None
        steps: list[tuple[int, str, str]] = []  # (day, action, note)
        if took <= end - opened and chance() < (0.3 if neglected else 0.95):
            closed = opened + took
            if took > 4 and chance() < 0.5:
                steps.append((opened + between(1, took - 1), "respond", pick(words.RESPONSE_NOTES)))
            roll = chance()
            if roll < 0.85:
                status, action = "resolved", "resolved"
                resolution = need[1] + pick(words.RESOLVE_ENDINGS)
            elif roll < 0.95:
                status, action, referred = "referred", "refer", pick(words.REFER_TO)
                resolution = f"已转交{referred}办理"
            else:
                status = action = "cannot-resolve"
                resolution = pick(words.CANNOT_NOTES)
            steps.append((closed, action, resolution))
        elif end - opened >= 3 and chance() < 0.6:
            status = "in-progress"
            steps.append(
                (
                    opened + between(1, min(end - opened, span)),
                    "respond",
                    pick(words.RESPONSE_NOTES),
                )
            )
        if end != self.today and status in ("open", "in-progress"):
            status = "cannot-resolve"  # the household left the programme
            closed, resolution = end, "户已退出帮扶，事项终止"
            steps.append((end, "cannot-resolve", resolution))
        rows["commitment"].append(
            {
                "id": cid,
                "household_id": hid,
                "visit_id": vid,
                "text": need[0],
                "cadre_id": cadre_id,
                "due_date": day(due),
                "status": status,
                "opened_on": day(opened),
                "closed_on": None if closed is None else day(closed),
                "resolution": resolution,
                "referred_to": referred,
            }
        )
        for when, action, note in steps:
            self.next_id["commitment_response"] += 1
            rows["commitment_response"].append(
                {
                    "id": self.next_id["commitment_response"],
                    "commitment_id": cid,
                    "response_date": day(when),
                    "action": action,
                    "note": note,
                    "operator": self.operator,
                }
            )


def _head_age(categories: list[str]) -> tuple[int, int]:
    """Ages that fit every category (an elderly-alone low-income head is 70+), or the first
    category's when they cannot all fit (a left-behind child in a low-income household)."""
    low = max(HEAD_AGE[c][0] for c in categories)
    high = min(HEAD_AGE[c][1] for c in categories)
    return (low, high) if low <= high else HEAD_AGE[categories[0]]


def _cumulative(weights: Sequence[float]) -> list[float]:
    total, result = 0.0, []
    for weight in weights:
        total += weight
        result.append(total)
    return result


def _names_only(pairs: Sequence[tuple[str, str]]) -> tuple[str, ...]:
    return tuple(name for name, _ in pairs)


#: Given names by (era of birth, male), without pinyin: for households.
_GIVEN = {
    ("old", True): tuple(words.GIVEN_OLD_MALE),
    ("old", False): tuple(words.GIVEN_OLD_FEMALE),
    ("mid", True): _names_only(words.GIVEN_MID_MALE),
    ("mid", False): _names_only(words.GIVEN_MID_FEMALE),
    ("young", True): _names_only(words.GIVEN_YOUNG_MALE),
    ("young", False): _names_only(words.GIVEN_YOUNG_FEMALE),
}


def _given_pool(year: int, male: bool, with_pinyin: bool) -> Sequence:
    """Given names in fashion in the year of birth; (name, pinyin) pairs for cadres."""
    era = "old" if year < 1965 else "mid" if year < 1990 else "young"
    if not with_pinyin:
        return _GIVEN[era, male]
    if era == "young":
        return words.GIVEN_YOUNG_MALE if male else words.GIVEN_YOUNG_FEMALE
    return words.GIVEN_MID_MALE if male else words.GIVEN_MID_FEMALE


def _unique_names(
    maker: _Maker, count: int, classic: Sequence[str], invent: Callable[[int], str]
) -> list[str]:
    """``count`` distinct names: the classic ones first (in random order), then invented."""
    names = list(classic)
    maker.rng.shuffle(names)
    names = names[:count]
    seen = set(names)
    attempt = 0
    while len(names) < count:
        attempt += 1
        name = invent(attempt)
        if name not in seen:
            seen.add(name)
            names.append(name)
    return names
