"""Bulk enrolment from a roster (花名册): ``zoufang enroll --from FILE``.

All or nothing: the file is read (:mod:`zoufang.services.roster_file`) and every row checked
(:mod:`zoufang.services.roster_validation`); if any row is bad, nothing is written and every
problem is returned.

Rows are written with one Core ``INSERT`` executemany per table, inside the command's single
transaction; the due date of a never-visited household is its enrolment date, computed here
with :func:`~zoufang.services.due.compute_due_date` rather than by a query per household.
The import writes one audit-log row (the file, its SHA-256 and the counts), not one per
household.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select, text

from zoufang.db.writing import insert_many
from zoufang.i18n import _
from zoufang.models import (
    HOUSEHOLD_ACTIVE,
    Assignment,
    Household,
    HouseholdCategory,
)
from zoufang.services import fact_history
from zoufang.services.audit_log import record
from zoufang.services.cadres import add_cadre
from zoufang.services.due import compute_due_date, effective_cadence
from zoufang.services.households import next_code
from zoufang.services.roster_file import NOTE_FIELDS, read_roster
from zoufang.services.roster_validation import Lookup, Row, Tidied, validate_roster
from zoufang.tables import without_types

if TYPE_CHECKING:
    from zoufang.db import LedgerSession

#: Rows written per INSERT executemany.
CHUNK = 5000


@dataclass
class RosterResult:
    file: str
    rows: int
    enrolled: int
    errors: list[dict] = field(default_factory=list)
    unknown_columns: list[str] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)
    dry_run: bool = False
    encoding: str | None = None
    notes_columns: list[str] = field(default_factory=list)
    footer: list[dict] = field(default_factory=list)
    blank_rows: list[int] = field(default_factory=list)
    names_tidied: list[dict] = field(default_factory=list)
    new_cadres: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        """The JSON shape: ``{"enrolled": n, "errors": [{"row", "field", "error"}], …}``."""
        return {
            "enrolled": self.enrolled,
            "errors": self.errors,
            "file": self.file,
            "rows": self.rows,
            "dry_run": self.dry_run,
            "unknown_columns": self.unknown_columns,
            "first": self.codes[0] if self.codes else None,
            "last": self.codes[-1] if self.codes else None,
            "notes_columns": self.notes_columns,
            "footer_rows": self.footer,
            "blank_rows": self.blank_rows,
            "names_tidied": self.names_tidied,
            "cadres_created": self.new_cadres,
        }


def import_roster(
    *,
    session: LedgerSession,
    path: Path,
    today: dt.date,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
    create_cadres: bool = False,
) -> RosterResult:
    """Validate a roster and, if every row is good and it is not a dry run, enrol it all.

    ``progress(done, total)`` is called as rows are validated and written. With
    ``create_cadres`` a cadre name the ledger does not know is a new cadre (else an error).
    """
    roster = read_roster(path)
    total = len(roster.rows)
    report = (lambda done: progress(done, total * 2)) if progress else None
    tidied = Tidied(names=[], new_cadres={}, blank_rows=[])
    good, errors, columns, households = validate_roster(
        session=session,
        roster=roster,
        today=today,
        progress=report,
        create_cadres=create_cadres,
        tidied=tidied,
    )
    unknown = [
        roster.headers[i] if i >= 0 else _("(columns without a header)") for i in columns.unknown
    ]
    notes_columns = [
        roster.headers[i]
        for i in sorted(
            [i for k, i in columns.index.items() if k in NOTE_FIELDS]
            + [i for i in columns.unknown if i >= 0]
        )
    ]
    result = RosterResult(
        file=roster.file,
        rows=households,
        enrolled=0,
        errors=errors,
        unknown_columns=unknown,
        dry_run=dry_run,
        encoding=roster.encoding,
        notes_columns=notes_columns,
        footer=[{"row": line, "text": text} for line, text in roster.footer or []],
        blank_rows=tidied.blank_rows,
        names_tidied=tidied.names,
        new_cadres=[{"code": None, "name": n, "row": r} for n, r in tidied.new_cadres.items()],
    )
    if errors or dry_run or not good:
        return result
    for made in result.new_cadres:
        made["code"] = add_cadre(session=session, name=made["name"]).code
    codes = _write(
        session, good, today, lambda done: progress(total + done, total * 2) if progress else None
    )
    result.enrolled, result.codes = len(good), codes
    record(
        session,
        action="import",
        object_type="roster",
        object_key=roster.file[:100],
        after={
            "file": roster.file,
            "sha256": roster.sha256,
            "households": len(good),
            "first": codes[0],
            "last": codes[-1],
            "unknown_columns": unknown,
            "notes_columns": notes_columns,
            "encoding": roster.encoding,
            "footer_rows": result.footer,
            "blank_rows": result.blank_rows,
            # the names as the file typed them, before their spaces were taken out
            "names_tidied": result.names_tidied,
            "cadres_created": result.new_cadres,
        },
    )
    return result


def _write(
    session: LedgerSession, good: list[Row], today: dt.date, progress: Callable[[int], None]
) -> list[str]:
    """Insert the households with their categories and cadres; return their codes."""
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        # Ids are assigned here: keep other writers out until this transaction ends.
        conn.execute(text("LOCK TABLE household IN SHARE ROW EXCLUSIVE MODE"))
    next_id = (session.execute(select(func.max(Household.id))).scalar() or 0) + 1
    highest = int(next_code(session=session, prefix="H", model=Household, width=6)[1:]) - 1
    for row in good:
        if row.household.code:
            highest = max(highest, int(row.household.code[1:]))
    lookup = Lookup(session)
    cadre_ids = lookup.cadre_ids
    # Values as the driver stores them (ISO text dates on SQLite, as SQLAlchemy's Date type
    # writes them): per-value type processing would cost more than the inserts.
    day = dt.date.isoformat if conn.dialect.name == "sqlite" else (lambda d: d)
    assigned_on = day(today)
    codes: list[str] = []
    done = 0
    # A chunk at a time (the same rows in the same order as all at once: each table's rows
    # in household order, the fact chain read from its head on each append): a county's
    # 100,000 households as dicts would be held whole otherwise.
    for start in range(0, len(good), CHUNK):
        part = good[start : start + CHUNK]
        households: list[dict[str, Any]] = []
        categories: list[dict[str, Any]] = []
        assignments: list[dict[str, Any]] = []
        part_codes: list[str] = []
        for row in part:
            h = row.household
            if h.code:
                code = h.code
            else:
                highest += 1
                code = f"H{highest:06d}"
            part_codes.append(code)
            hid = next_id
            next_id += 1
            names = {name: lookup.cadre(name)[0] for name in row.new_cadres or ()}
            cadence = effective_cadence(h.cadence_days, [lookup.cadence[c] for c in h.categories])
            households.append(
                {
                    "id": hid,
                    "code": code,
                    "head_name": h.name,
                    "id_number": h.id_number,
                    "phone": h.phone,
                    "village": h.village,
                    "grid": h.grid,
                    "address": h.address,
                    "members_count": h.members,
                    "income_fen": h.income_fen,
                    "housing": h.housing,
                    "health": h.health,
                    "employment": h.employment,
                    "hardship": h.hardship,
                    "cadence_days": h.cadence_days,
                    "notes": row.notes,
                    "status": HOUSEHOLD_ACTIVE,
                    "exit_reason": None,
                    "exited_on": None,
                    "enrolled_on": day(row.enrolled_on),
                    "last_visit_on": None,
                    "due_date": day(
                        compute_due_date(
                            enrolled_on=row.enrolled_on,
                            last_visit_on=None,
                            next_date=None,
                            cadence_days=cadence,
                        )
                    ),
                }
            )
            categories.extend({"household_id": hid, "category_code": c} for c in h.categories)
            assignments.extend(
                {"household_id": hid, "cadre_id": cadre_ids[c], "assigned_on": assigned_on}
                for c in [*h.cadres, *(code for code in names.values() if code not in h.cadres)]
                if c is not None
            )
        # values already as stored, so no type processing: plain tuples to the driver on
        # SQLite (db.writing), SQLAlchemy's executemany elsewhere
        insert_many(conn, without_types(Household.__table__), households)
        for model, rows in ((HouseholdCategory, categories), (Assignment, assignments)):
            insert_many(conn, without_types(model.__table__), rows)
        fact_history.append_many(
            session,
            [
                change
                for code, row in zip(part_codes, part, strict=True)
                for change in fact_history.household_opening(
                    code, row.household.categories, [row.household.id_number], row.enrolled_on
                )
            ],
        )
        codes += part_codes
        done += len(part)
        progress(done)
    if conn.dialect.name == "postgresql":
        conn.execute(
            text(
                "SELECT setval(pg_get_serial_sequence('household', 'id'), "
                "(SELECT MAX(id) FROM household))"
            )
        )
    return codes
