"""The demo ledger: a county's villages, households, cadres and a year of visits, made up.

``zoufang demo`` fills an *empty* ledger so that people can try every command on data that
looks like a real 台账. The people are drawn in :mod:`zoufang.services.demo_people` (Chinese
names, valid resident ID numbers, villages and grids, one cadre per ~25 households,
categories in realistic shares), their history in :mod:`zoufang.services.demo_history`
(about a year of visits before ``today`` that follow each household's cadence — with
festival visits, return visits after a need was raised, commitments in every state, and
some households the cadres let slip); this module puts each household together and writes
the rows.

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

import datetime as dt
import random
from collections.abc import Callable
from typing import TYPE_CHECKING

from sqlalchemy import func, insert, select, text
from sqlmodel import col

from zoufang.db import bulk
from zoufang.db.writing import indexes_built_after
from zoufang.errors import RuleViolation
from zoufang.i18n import _
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
    Suggestion,
    SuggestionAnswer,
    Visit,
    VisitCadre,
    VisitItem,
    Wish,
    WishEvent,
)
from zoufang.parsing import MAINLAND_PROVINCES, division_codes
from zoufang.services import demo_text as words
from zoufang.services import fact_history
from zoufang.services.audit_log import record
from zoufang.services.demo_history import DriverDates, HistoryMaker
from zoufang.services.demo_people import (
    PRIMARY_CATEGORY,
    SECOND_CATEGORY,
    SHARE_SECOND_CATEGORY,
    PeopleMaker,
    Village,
    cumulative,
    head_age_range,
)
from zoufang.services.due import compute_due_date, effective_cadence
from zoufang.tables import without_types

if TYPE_CHECKING:
    from zoufang.db import LedgerSession

#: Households generated and written per batch: bounds memory at any --households.
CHUNK = 2000
#: SQLite page cache for the load (KiB): holds a 100,000-household ledger in memory.
SQLITE_CACHE_KIB = 512 * 1024
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
    Wish,
    WishEvent,
    Suggestion,
    SuggestionAnswer,
)


def build_demo(
    *,
    session: LedgerSession,
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
    cadences: dict[str, int] = dict(
        session.execute(select(col(Category.code), col(Category.cadence_days))).all()
    )
    missing = sorted({code for code, _ in PRIMARY_CATEGORY} - set(cadences))
    if missing:
        raise RuleViolation(
            "category",
            _("built-in categories missing from the ledger: {missing}").format(missing=missing),
        )
    conn = session.connection()
    maker = _Maker(
        rng=random.Random(seed),
        today=today,
        cadences=cadences,
        operator=session.info.get("operator", "unknown"),
        values=DriverDates(text_dates=conn.dialect.name == "sqlite"),
    )
    villages = maker.villages(households)
    cadres = maker.cadres(villages, households)
    if conn.dialect.name == "sqlite":
        # a large page cache keeps the transaction's pages in memory instead of spilling
        # them into the WAL; the indexes are built after the rows (one sort each instead of
        # a million random B-tree inserts), in the command's transaction
        conn.exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    # millions of short-lived row dicts: the collector would only slow the load
    with indexes_built_after(conn, [model.__table__ for model in TABLES]), bulk():
        counts = _write(conn, maker, villages, cadres, households, progress)
    if conn.dialect.name == "postgresql":
        _advance_sequences(conn)
    fact_history.append_many(session, fact_history.current_facts(conn))
    result = {
        "households": counts["household"],
        "cadres": len(cadres),
        "villages": len(villages),
        "members": counts["member"],
        "visits": counts["visit"],
        "visit_items": counts["visit_item"],
        "commitments": counts["commitment"],
        "responses": counts["commitment_response"],
        "wishes": counts["wish"],
        "suggestions": counts["suggestion"],
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


def _require_empty(session: LedgerSession) -> None:
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
            _(
                "the ledger {name} already holds {households} households and {cadres} cadres; "
                "demo only fills an empty ledger: point --db at a new one"
            ).format(name=name, households=held[0], cadres=held[1]),
        )


def _write(
    conn,
    maker: _Maker,
    villages: list[Village],
    cadres: list[dict],
    households: int,
    progress: Callable[[int], None] | None,
) -> dict[str, int]:
    """Generate and insert the households a chunk at a time; return rows written per table."""
    conn.execute(insert(without_types(Cadre.__table__)), cadres)
    targets = [(model.__table__.name, insert(without_types(model.__table__))) for model in TABLES]
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
        "wish",
        "wish_event",
        "suggestion",
        "suggestion_answer",
    ):
        conn.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {name}), 0) + 1, false)"
            )
        )


class _Maker(PeopleMaker, HistoryMaker):
    """Draws the whole ledger from one seeded random stream, household by household."""

    def __init__(
        self,
        *,
        rng: random.Random,
        today: dt.date,
        cadences: dict[str, int],
        operator: str,
        values: DriverDates,
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
            "wish": 0,
            "wish_event": 0,
            "suggestion": 0,
            "suggestion_answer": 0,
        }
        self.used_id_numbers: set[str] = set()
        self.overdue = 0
        # parse_id_number refuses a birth date after the real date, so never make one.
        self.latest_birth = min(today, dt.date.today()).toordinal() - 1
        self.provinces = sorted(MAINLAND_PROVINCES)
        # real county codes (parse_id_number checks them), drawn as before from the numbers
        self.counties = {
            p: sorted(c for c in division_codes() if c[:2] == p and not c.endswith("00"))
            for p in self.provinces
        }
        self.region = self.county(
            self.pick(self.provinces), self.between(1, 9) * 10 + self.between(21, 29)
        )
        self.surname_weights = cumulative(words.SURNAME_WEIGHTS)
        self.category_weights = cumulative([weight for _, weight in PRIMARY_CATEGORY])
        self.festivals = self._festivals()

    def household(self, hid: int, villages: list[Village], rows: dict[str, list[dict]]) -> None:
        """Household ``hid``: its head, members and history, and its due date; the rows go
        into ``rows`` (table name → rows)."""
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
        head_born = self._birth(*head_age_range(categories))
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

        phone: str | None
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
