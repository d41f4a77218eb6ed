"""Every row of a roster checked before anything is written.

Each row is parsed by the same function the single ``enroll`` uses
(:func:`~zoufang.services.households.household_in_from_text`), then checked against the
rest of the file and the ledger (duplicate ID numbers and codes, unknown categories and
cadres). Every problem is returned with the row number people see in Excel (the header is
row 1 unless title rows sit above it), the column header and the reason.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlmodel import col, select

from zoufang import i18n, labels, parsing
from zoufang.errors import InvalidInput, no_cadre
from zoufang.i18n import _
from zoufang.models import HOUSEHOLD_ACTIVE, HOUSEHOLD_EXITED, Cadre, Category, Household
from zoufang.services.households import HOUSEHOLD_CODE_RE, HouseholdIn, household_in_from_text
from zoufang.services.lookup import category_words, unknown_category
from zoufang.services.roster_file import (
    NOTE_FIELDS,
    Columns,
    Roster,
    cell_text,
    dash_or_none,
    is_blank,
    map_columns,
    normalise_header,
)

if TYPE_CHECKING:
    from zoufang.db import LedgerSession

#: Several categories or cadres in one cell: 低保户、残疾人 / low-income; disabled.
LIST_SEPARATORS = re.compile(r"[、,;，；/|\s]+")
#: Descriptions, where 无 is an answer (就业: 无) and only a dash or slash means empty.
DESCRIPTIONS = ("housing", "health", "employment", "hardship")
#: Kept as the cell gives them (a name, an ID number and a village are never "none").
AS_GIVEN = ("name", "id_number", "village")
_SPACES = re.compile(r"[\s\u3000]+")
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003ffff]")
_NAME_DOTS = frozenset("·•・.")
_CADRE_CODE = re.compile(r"^[Cc]\d+$")


def clean_name(text: str) -> str:
    """A name as a roster types it, tidied: ``石 磊`` (a space typed to line the column up)
    is 石磊; a name in Latin letters keeps one space between its words (``Ahmet Kaya``);
    ``阿依古丽 · 买买提`` keeps its dot and loses the spaces around it."""
    value = text.strip()
    if not _SPACES.search(value):
        return value
    parts = _SPACES.split(value)
    if all(_HAN.search(p) or set(p) <= _NAME_DOTS for p in parts) and not any(
        c.isascii() and c.isalpha() for c in value
    ):
        return "".join(parts)
    return " ".join(parts)


class Lookup:
    """Categories by code, label or short form (as ``--category`` takes them), cadres by
    code or unique name, from the ledger."""

    def __init__(self, session: LedgerSession) -> None:
        known: dict[str, str] = {}
        self.cadence: dict[str, int] = {}
        for code, label, days in session.execute(
            select(Category.code, Category.label, Category.cadence_days).order_by(
                col(Category.code)
            )
        ):
            self.cadence[code] = days
            known[code] = label
        self.categories = category_words(known)
        self.cadre_ids: dict[str, int] = {}
        self.cadre_by_name: dict[str, list[tuple[str, int]]] = {}
        for cid, code, name in session.execute(select(Cadre.id, Cadre.code, Cadre.name)):
            self.cadre_ids[code] = cid
            self.cadre_by_name.setdefault(name, []).append((code, cid))

    def category(self, token: str) -> str | None:
        return self.categories.get(labels.normalise(token))

    def knows_cadre(self, token: str) -> bool:
        """Whether ``token`` is a cadre's code or the name of at least one cadre."""
        return token in self.cadre_ids or token in self.cadre_by_name

    def cadre(self, token: str) -> tuple[str | None, str | None]:
        """(code, problem): a cadre code, or a name that only one cadre has."""
        if token in self.cadre_ids:
            return token, None
        named = self.cadre_by_name.get(token, [])
        if len(named) == 1:
            return named[0][0], None
        if named:
            return None, _("{count} cadres are named {name} ({codes}); use the cadre code").format(
                count=len(named),
                name=token,
                codes=("、" if i18n.zh() else ", ").join(c for c, _id in named),
            )
        return None, no_cadre(token, "cadres").reason


@dataclass(slots=True)
class Row:
    line: int
    household: HouseholdIn
    enrolled_on: dt.date
    notes: str | None = None
    new_cadres: list[str] | None = None  # names of cadres --create-cadres makes
    exited: tuple[dt.date, str] | None = None  # (exited on, reason): `zoufang import` only


@dataclass
class Tidied:
    """What the check changed or set aside, for the summary and the audit log."""

    names: list[dict]  # {"row", "from", "to"}: spaces taken out of a name
    new_cadres: dict[str, int]  # name → first row, cadres to create (--create-cadres)
    blank_rows: list[int]


def _split(value: str) -> list[str]:
    return [t for t in LIST_SEPARATORS.split(value) if t]


def validate_roster(
    *,
    session: LedgerSession,
    roster: Roster,
    today: dt.date,
    progress: Callable[[int], None] | None = None,
    create_cadres: bool = False,
    tidied: Tidied | None = None,
    exited_ok: bool = False,
    chunk: Callable[[list[Row]], None] | None = None,
) -> tuple[list[Row], list[dict], Columns, int]:
    """Parse and check every row; return (good rows, errors, column map, households read).

    With ``chunk``, the good rows are handed to it :data:`CHUNK_ROWS` at a time as they are
    checked (against the file so far and against the ledger), less those the ledger check
    refused, and none are returned: a county's 100,000 checked rows are never held at once
    (`import`). The errors are the same, in the same order.

    An unknown cadre name is an error in its row, or (``create_cadres``) a cadre to create,
    listed in ``tidied.new_cadres``; names tidied by :func:`clean_name` and blank rows are
    listed in ``tidied`` too. With ``exited_ok`` (a whole 台账 moving in) a household marked
    exited is read with its 退出日期 and 退出原因, which it then needs."""
    tidied = tidied if tidied is not None else Tidied(names=[], new_cadres={}, blank_rows=[])
    columns = map_columns(roster)
    lookup = Lookup(session)
    errors: list[dict] = []
    good: list[Row] = []
    seen_ids: dict[str, int] = {}
    seen_codes: dict[str, int] = {}
    # the ID numbers and codes seen since the last chunk (``chunk``): its ledger check
    fresh_ids: list[str] = []
    fresh_codes: list[str] = []
    index = columns.index
    households = 0
    cell_keys = [
        (k, i)
        for k, i in index.items()
        if k not in ("categories", "cadres", "enrolled_on", "status", *NOTE_FIELDS)
    ]
    # the 备注 column as it is (it may be an export's notes); the others as ``header：value``
    note_cells = [
        (i, None if k == "notes" else columns.label(k))
        for k, i in index.items()
        if k in NOTE_FIELDS
    ]
    note_cells += [(i, roster.headers[i]) for i in columns.unknown if i >= 0]
    note_cells.sort()
    by_header = {normalise_header(h): i for i, h in enumerate(roster.headers) if h}
    exit_columns = {
        key: next(
            (by_header[normalise_header(n)] for n in names if normalise_header(n) in by_header),
            None,
        )
        for key, names in (
            ("exit_reason", ("exit_reason", "退出原因")),
            ("exited_on", ("exited_on", "退出日期")),
        )
    }

    def fail(line: int, key: str | None, reason: str, field_name: str | None = None) -> None:
        errors.append(
            {"row": line, "field": field_name or columns.label(key or ""), "error": reason}
        )

    for n, (line, cells) in enumerate(roster.rows, 1):
        if progress is not None and n % 2000 == 0:
            progress(n)
        if is_blank(cells):
            tidied.blank_rows.append(line)
            continue  # blank rows (Excel keeps formatted empty rows) are not households
        households += 1
        width = len(cells)

        def raw(key: str, cells=cells, width=width):
            i = index.get(key)
            return cells[i] if i is not None and i < width else None

        values = {
            key: (cells[i].strip() if cells[i].__class__ is str else cell_text(cells[i]))
            if i < width
            else ""
            for key, i in cell_keys
        }
        for key, value in values.items():
            if value and key not in AS_GIVEN and dash_or_none(value, words=key not in DESCRIPTIONS):
                values[key] = ""
        name = values.get("name")
        if name:
            values["name"] = clean_name(name)
            if values["name"] != name:
                tidied.names.append({"row": line, "from": name, "to": values["name"]})
        notes = _notes(cells, note_cells)
        failed = len(errors)
        id_cell = raw("id_number")
        if isinstance(id_cell, str) and "*" in id_cell:
            fail(
                line,
                "id_number",
                _(
                    "{value!r} is masked: export the ledger again with --reveal to move it "
                    "with its ID numbers"
                ).format(value=id_cell.strip()),
            )
            values["id_number"] = None
        elif isinstance(id_cell, int | float) and not isinstance(id_cell, bool):
            fail(
                line,
                "id_number",
                _(
                    "{value!r} was stored by the spreadsheet as a number and has lost digits; "
                    "format the column as text and type the ID number again"
                ).format(value=id_cell),
            )
            values["id_number"] = None
        categories: list[str] = []
        for token in _split(cell_text(raw("categories"))):
            code = lookup.category(token)
            if code is None:
                fail(line, "categories", unknown_category(token))
            elif code not in categories:
                categories.append(code)
        values["categories"] = categories if categories or len(errors) == failed else ["?"]
        cadres: list[str] = []
        new_cadres: list[str] = []
        for token in _split(cell_text(raw("cadres"))):
            if dash_or_none(token):
                continue
            if create_cadres and not lookup.knows_cadre(token) and not _CADRE_CODE.match(token):
                if token not in new_cadres:
                    new_cadres.append(token)
                    tidied.new_cadres.setdefault(token, line)
                continue
            code, problem = lookup.cadre(token)
            if problem:
                fail(line, "cadres", problem)
            elif code not in cadres:
                assert code is not None  # Lookup.cadre gives a code or else a problem
                cadres.append(code)
        values["cadres"] = cadres
        status = cell_text(raw("status")).lower()
        status = "" if dash_or_none(status) else status
        exited = None
        if (
            exited_ok
            and status
            and labels.resolve(labels.HOUSEHOLD_STATUS, status, (HOUSEHOLD_EXITED,)) is not None
        ):
            exited = _exit_of(cells, exit_columns, roster.headers, line, today, fail)
            status = ""
        # empty, or active as people write it (在册, 正常, 在帮…); anything else is refused
        if status and labels.resolve(labels.HOUSEHOLD_STATUS, status, (HOUSEHOLD_ACTIVE,)) is None:
            fail(
                line,
                "status",
                _(
                    "{status!r}: only active households are enrolled; leave the "
                    "row out, or enrol it and then run `zoufang household exit`"
                ).format(status=status),
            )
        enrolled_on = today
        enrolled_text = cell_text(raw("enrolled_on"))
        if enrolled_text and not dash_or_none(enrolled_text):
            try:
                enrolled_on = parsing.parse_date(
                    enrolled_text[:10],
                    field=columns.label("enrolled_on"),
                    today=today,
                    allow_future=False,
                )
            except InvalidInput as exc:
                fail(line, "enrolled_on", exc.reason)
        problems: list[InvalidInput] = []
        household = household_in_from_text(
            values, label=columns.label, errors=problems, today=today
        )
        for invalid in problems:
            if values["id_number"] is None and invalid.field == columns.label("id_number"):
                continue  # already reported as a number-typed cell
            errors.append({"row": line, "field": invalid.field, "error": invalid.reason})
        if household is None or len(errors) > failed:
            _note_duplicate(values.get("id_number"), line, seen_ids, fail)
            continue
        if household.code is not None:
            if not HOUSEHOLD_CODE_RE.match(household.code):
                fail(
                    line,
                    "code",
                    _("{code!r} is not a household code like H000123").format(code=household.code),
                )
                continue
            if household.code in seen_codes:
                fail(
                    line,
                    "code",
                    _("{code} is also used in row {row}").format(
                        code=household.code, row=seen_codes[household.code]
                    ),
                )
                continue
            seen_codes[household.code] = line
            fresh_codes.append(household.code)
        if household.id_number in seen_ids:
            fail(
                line,
                "id_number",
                _("duplicate: the same ID number is in row {row}").format(
                    row=seen_ids[household.id_number]
                ),
            )
            continue
        seen_ids[household.id_number] = line
        fresh_ids.append(household.id_number)
        good.append(
            Row(
                line=line,
                household=household,
                enrolled_on=enrolled_on,
                notes=notes,
                new_cadres=new_cadres or None,
                exited=exited,
            )
        )
        if chunk is not None and len(good) >= CHUNK_ROWS:
            _hand_over(
                session, good, seen_ids, fresh_ids, seen_codes, fresh_codes, errors, fail, chunk
            )
            good = []
    if progress is not None:
        progress(len(roster.rows))
    if chunk is not None:
        _hand_over(session, good, seen_ids, fresh_ids, seen_codes, fresh_codes, errors, fail, chunk)
        good = []
    else:
        _against_ledger(session, good, seen_ids, seen_codes, fail)
    if any(_unnamed_column_used(roster, i) for i in range(len(roster.headers))):
        columns.unknown.append(-1)
    position = {roster.headers[i]: i for i in range(len(roster.headers))}
    errors.sort(key=lambda e: (e["row"], position.get(e["field"], -1)))
    return good, errors, columns, households


#: Good rows handed over at a time by :func:`validate_roster` with ``chunk``.
CHUNK_ROWS = 5000


def _hand_over(
    session, good, seen_ids, fresh_ids, seen_codes, fresh_codes, errors, fail, chunk
) -> None:
    """The ledger check of the ID numbers and codes seen since the last chunk (together,
    every one the file's whole check would look up), then the good rows it did not refuse
    to ``chunk``."""
    before = len(errors)
    _against_ledger(
        session,
        good,
        {k: seen_ids[k] for k in fresh_ids},
        {k: seen_codes[k] for k in fresh_codes},
        fail,
    )
    refused = {e["row"] for e in errors[before:]}
    fresh_ids.clear()
    fresh_codes.clear()
    if good:
        chunk([row for row in good if row.line not in refused])


def _exit_of(cells, columns, headers, line, today, fail) -> tuple[dt.date, str] | None:
    """(exited on, reason) of a household the file marks exited; both are required."""
    found: dict[str, str] = {}
    for key, word in (("exited_on", "退出日期"), ("exit_reason", "退出原因")):
        i = columns[key]
        text = cell_text(cells[i]) if i is not None and i < len(cells) else ""
        if not text or dash_or_none(text):
            name = headers[i] if i is not None else (word if i18n.zh() else key)
            fail(line, None, _("an exited household needs its {column}").format(column=name), name)
            return None
        found[key] = text
    label = headers[columns["exited_on"]]
    try:
        on = parsing.parse_date(
            found["exited_on"][:10], field=label, today=today, allow_future=False
        )
    except InvalidInput as exc:
        fail(line, None, exc.reason, label)
        return None
    return on, found["exit_reason"]


def _notes(cells: list, note_cells: list[tuple[int, str | None]]) -> str | None:
    """``性别：男；年龄：56；入党50年``: the cells that have no column of their own, each as
    ``header：value`` but the 备注 column's, which is kept as it is."""
    parts = []
    for i, header in note_cells:
        if i >= len(cells):
            continue
        text = " ".join(cell_text(cells[i]).split())  # line breaks in a cell: one line
        if text and not dash_or_none(text):
            parts.append(text if header is None else f"{header}：{text}")
    return "；".join(parts) or None


def _note_duplicate(id_text: str | None, line: int, seen_ids: dict[str, int], fail) -> None:
    """A row that is bad for another reason may still repeat an ID number: say so too."""
    try:
        number = parsing.parse_id_number(id_text or "")
    except InvalidInput:
        return
    if number in seen_ids:
        fail(
            line,
            "id_number",
            _("duplicate: the same ID number is in row {row}").format(row=seen_ids[number]),
        )
    else:
        seen_ids[number] = line


def _unnamed_column_used(roster: Roster, i: int) -> bool:
    if roster.headers[i]:
        return False
    return any(i < len(cells) and cell_text(cells[i]) for _, cells in roster.rows)


def _against_ledger(
    session: LedgerSession,
    good: list[Row],
    seen_ids: dict[str, int],
    seen_codes: dict[str, int],
    fail,
) -> None:
    """ID numbers and codes that the ledger already holds."""
    ids, codes = list(seen_ids), list(seen_codes)
    for start in range(0, len(ids), 500):
        for number, code, name in session.execute(
            select(Household.id_number, Household.code, Household.head_name).where(
                col(Household.id_number).in_(ids[start : start + 500])
            )
        ):
            fail(
                seen_ids[number],
                "id_number",
                _("already enrolled as household {code} ({name})").format(code=code, name=name),
            )
    for start in range(0, len(codes), 500):
        for (code,) in session.execute(
            select(Household.code).where(col(Household.code).in_(codes[start : start + 500]))
        ):
            fail(
                seen_codes[code],
                "code",
                _("household code {code} is already taken").format(code=code),
            )
