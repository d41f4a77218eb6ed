"""Bulk enrolment from a roster (花名册): ``zoufang enroll --from FILE``.

A roster is a ``.csv`` (UTF-8 with or without BOM, or GB18030 as Chinese Excel saves it) or
an Excel workbook (``.xlsx``/``.xlsm``/``.xls``/``.ods``, first sheet, read with
python-calamine) whose header row names the columns in English (``name``, ``id_number``…)
or with the usual Chinese headers (姓名, 身份证号, 村/社区, 类别…); see :data:`COLUMNS`.

All or nothing: every row is parsed by the same function the single ``enroll`` uses
(:func:`~zoufang.services.households.household_in_from_text`), then checked against the
rest of the file and the ledger (duplicate ID numbers and codes, unknown categories and
cadres). If any row is bad, nothing is written and every problem is returned with the row
number people see in Excel (the header is row 1 unless title rows sit above it), the
column header and the reason. Columns zoufang does not know are reported, never silently
dropped; they do not block the import.

Fast: rows are validated in Python and written with one Core ``INSERT`` executemany per
table, inside the command's single transaction; the due date of a never-visited household
is its enrolment date, computed here with :func:`~zoufang.services.due.compute_due_date`
rather than by a query per household. The import writes one audit-log row (the file, its
SHA-256 and the counts), not one per household.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import column, func, insert, select, table, text
from sqlmodel import Session

from zoufang import parsing
from zoufang.errors import InvalidInput
from zoufang.models import (
    HOUSEHOLD_ACTIVE,
    Assignment,
    Cadre,
    Category,
    Household,
    HouseholdCategory,
)
from zoufang.services.audit_log import record
from zoufang.services.due import compute_due_date, effective_cadence
from zoufang.services.households import HOUSEHOLD_CODE_RE, household_in_from_text, next_code

#: Roster columns: field key → (the header zoufang writes in Chinese, accepted headers).
#: Headers are compared after NFKC, lower-casing, and dropping spaces, ``_``/``-``, a
#: trailing ``(…)`` unit and a leading ``*`` required-marker: ``年收入（元）`` is ``年收入``.
COLUMNS: dict[str, tuple[str, tuple[str, ...]]] = {
    "code": ("户号", ("code", "household_code", "户号", "户编号", "家庭编号")),
    "name": ("户主", ("name", "head_name", "head", "姓名", "户主", "户主姓名", "户主名")),
    "id_number": (
        "身份证号",
        (
            "id_number",
            "idnumber",
            "id_no",
            "id",
            "身份证号",
            "身份证号码",
            "身份证",
            "户主身份证号",
            "户主身份证号码",
            "公民身份号码",
        ),
    ),
    "village": (
        "村/社区",
        (
            "village",
            "community",
            "村/社区",
            "村",
            "社区",
            "村社区",
            "村(社区)",
            "所在村",
            "所属村",
            "村居",
            "所在村(社区)",
        ),
    ),
    "grid": ("网格", ("grid", "网格", "所属网格", "网格名称")),
    "address": ("住址", ("address", "住址", "地址", "家庭住址", "详细地址", "现住址")),
    "phone": (
        "联系电话",
        (
            "phone",
            "mobile",
            "tel",
            "telephone",
            "联系电话",
            "电话",
            "手机",
            "手机号",
            "手机号码",
            "联系方式",
        ),
    ),
    "categories": (
        "类别",
        ("category", "categories", "类别", "人员类别", "帮扶类别", "对象类别", "困难类别", "类型"),
    ),
    "cadres": (
        "联系干部",
        ("cadre", "cadres", "联系干部", "帮扶干部", "包联干部", "结对干部", "责任干部"),
    ),
    "members": (
        "家庭人口",
        (
            "members",
            "members_count",
            "household_size",
            "家庭人口",
            "家庭人口数",
            "人口",
            "人口数",
            "家庭人数",
        ),
    ),
    "income": ("年收入", ("income", "annual_income", "年收入", "家庭年收入")),
    "housing": ("住房", ("housing", "住房", "住房情况", "住房状况")),
    "health": ("健康状况", ("health", "健康状况", "健康情况", "身体状况", "健康")),
    "employment": ("就业", ("employment", "就业", "就业情况", "就业状况")),
    "hardship": ("致困原因", ("hardship", "hardship_cause", "致困原因", "困难原因", "致贫原因")),
    "cadence": ("走访周期", ("cadence", "cadence_days", "走访周期", "回访周期")),
    "enrolled_on": ("纳入日期", ("enrolled_on", "enrolled", "纳入日期", "入户日期", "登记日期")),
    "status": ("状态", ("status", "状态")),
}
REQUIRED = ("name", "id_number", "village", "categories")
#: Recognised and deliberately not imported: a row counter, and what zoufang computes.
IGNORED = (
    "序号",
    "no",
    "no.",
    "#",
    "index",
    "exit_reason",
    "退出原因",
    "exited_on",
    "退出日期",
    "last_visit",
    "上次走访",
    "due_date",
    "应访日期",
)
#: Values of a status column that mean an active household (anything else is refused).
ACTIVE_STATUS = ("", "active", "在册", "正常", "在帮")
#: Several categories or cadres in one cell: 低保户、残疾人 / low-income; disabled.
LIST_SEPARATORS = re.compile(r"[、,;，；/|\s]+")
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
#: Rows written per INSERT executemany.
CHUNK = 5000


def normalise_header(header: object) -> str:
    value = unicodedata.normalize("NFKC", str(header or "")).strip().lower()
    value = re.sub(r"\([^)]*\)$", "", value)
    value = value.lstrip("*").strip()
    return re.sub(r"[\s_\-]+", "_", value).strip("_")


_ALIASES = {normalise_header(a): key for key, (_, names) in COLUMNS.items() for a in names}
_IGNORED = {normalise_header(a) for a in IGNORED}


@dataclass
class Roster:
    """A roster as read from its file: the header row and the data rows, cells as given."""

    file: str
    header_row: int  # as numbered in Excel (1-based)
    headers: list[str]
    rows: list[tuple[int, list]]  # (row number in Excel, cells)
    encoding: str | None
    sha256: str


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
        }


# ------------------------------------------------------------------ reading files


def read_roster(path: Path) -> Roster:
    """Read a roster file's cells; raises InvalidInput (``--from``) if it cannot be read."""
    if not path.exists():
        raise InvalidInput("--from", f"{path}: no such file")
    if path.is_dir():
        raise InvalidInput("--from", f"{path} is a directory, not a roster file")
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    suffix = path.suffix.lower()
    if suffix in EXCEL_SUFFIXES:
        grid, encoding = _excel_cells(path), None
    elif suffix in (".csv", ".txt", ".tsv"):
        grid, encoding = _csv_cells(path, data)
    else:
        raise InvalidInput("--from", f"{path.name}: a roster is a .csv or .xlsx file")
    header_index = _header_index(grid)
    if header_index is None:
        raise InvalidInput("--from", f"{path.name} is empty: no header row")
    headers = [_cell_text(h) for h in grid[header_index]]
    rows = [
        (i + 1, cells) for i, cells in enumerate(grid[header_index + 1 :], start=header_index + 1)
    ]
    return Roster(
        file=path.name,
        header_row=header_index + 1,
        headers=headers,
        rows=rows,
        encoding=encoding,
        sha256=digest,
    )


def _excel_cells(path: Path) -> list[list]:
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
        # Row 1 of the sheet is index 0 even when the sheet's first rows are empty.
        return book.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except Exception as exc:  # calamine's errors: not a workbook, encrypted, damaged
        raise InvalidInput(
            "--from",
            f"cannot read {path.name} as a workbook: "
            f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}",
        ) from None


def _csv_cells(path: Path, data: bytes) -> tuple[list[list], str]:
    if data[:4] == b"PK\x03\x04" or data[:4] == b"\xd0\xcf\x11\xe0":
        raise InvalidInput(
            "--from",
            f"{path.name} is an Excel workbook, not CSV text: rename it to .xlsx (or .xls)",
        )
    if data.startswith(b"\xef\xbb\xbf"):
        content, encoding = data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    elif data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        content, encoding = data.decode("utf-16"), "utf-16"  # Excel's "Unicode text"
    else:
        try:
            content, encoding = data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            try:
                content, encoding = data.decode("gb18030"), "gb18030"
            except UnicodeDecodeError:
                raise InvalidInput(
                    "--from",
                    f"{path.name} is neither UTF-8 nor GB18030 text; save it from "
                    "Excel as 'CSV UTF-8' or as .xlsx",
                ) from None
    if "\x00" in content:
        raise InvalidInput(
            "--from",
            f"{path.name} holds binary data, not CSV text; save it "
            "from Excel as 'CSV UTF-8' or as .xlsx",
        )
    first_line = content.split("\n", 1)[0]
    delimiter = max((",", "\t", ";"), key=first_line.count)
    return list(csv.reader(io.StringIO(content, newline=""), delimiter=delimiter)), encoding


def _header_index(grid: list[list]) -> int | None:
    """The header row: the first of the top rows naming two known columns (title rows such as
    "红星村困难群众花名册" above it are skipped), else the first row that is not empty."""
    first = None
    for i, cells in enumerate(grid[:20]):
        names = [normalise_header(c) for c in cells if _cell_text(c)]
        if not names:
            continue
        if first is None:
            first = i
        if sum(n in _ALIASES for n in names) >= 2:
            return i
    return first


def _blank(cells: list) -> bool:
    try:
        return not "".join(cells).strip()  # CSV rows: all text
    except TypeError:  # workbook rows hold numbers and dates too
        return not any(_cell_text(c) for c in cells)


def _cell_text(value: object) -> str:
    """A cell as text: whole numbers without ``.0``, dates as ISO, empty as ''."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


# ------------------------------------------------------------------ validating


@dataclass
class _Columns:
    """Which cell holds which field, and each field's header as the file spells it."""

    index: dict[str, int]
    header: dict[str, str]
    unknown: list[int]

    def label(self, key: str) -> str:
        return self.header.get(key) or COLUMNS[key][0]


def _map_columns(roster: Roster) -> _Columns:
    index: dict[str, int] = {}
    header: dict[str, str] = {}
    unknown: list[int] = []
    for i, raw in enumerate(roster.headers):
        if not raw:
            continue
        name = normalise_header(raw)
        key = _ALIASES.get(name)
        if key is None:
            if name not in _IGNORED:
                unknown.append(i)
            continue
        if key in index:
            raise InvalidInput(
                "--from",
                f"{roster.file}: columns {header[key]!r} and {raw!r} "
                f"both give {COLUMNS[key][0]}; keep one of them",
            )
        index[key], header[key] = i, raw
    missing = [COLUMNS[key][0] for key in REQUIRED if key not in index]
    if missing:
        found = ", ".join(h for h in roster.headers if h) or "none"
        hint = (
            " (the file was read as GB18030: if these look garbled, save it as 'CSV UTF-8')"
            if roster.encoding == "gb18030"
            else ""
        )
        raise InvalidInput(
            "--from",
            f"{roster.file}: required column{'s' if len(missing) > 1 else ''} missing: "
            f"{', '.join(missing)} (row {roster.header_row} has: {found}){hint}",
        )
    return _Columns(index=index, header=header, unknown=unknown)


class _Lookup:
    """Categories by code or Chinese label, cadres by code or unique name, from the ledger."""

    def __init__(self, session: Session) -> None:
        self.categories: dict[str, str] = {}
        self.cadence: dict[str, int] = {}
        for code, label, days in session.execute(
            select(Category.code, Category.label, Category.cadence_days)
        ):
            self.cadence[code] = days
            self.categories[code.lower()] = code
            self.categories.setdefault(label, code)
            if len(label) > 2 and label[-1] in "户人":  # 低保户 → 低保, 残疾人 → 残疾
                self.categories.setdefault(label[:-1], code)
        self.cadre_ids: dict[str, int] = {}
        self.cadre_by_name: dict[str, list[tuple[str, int]]] = {}
        for cid, code, name in session.execute(select(Cadre.id, Cadre.code, Cadre.name)):
            self.cadre_ids[code] = cid
            self.cadre_by_name.setdefault(name, []).append((code, cid))

    def category(self, token: str) -> str | None:
        return self.categories.get(token) or self.categories.get(token.lower())

    def cadre(self, token: str) -> tuple[str | None, str | None]:
        """(code, problem): a cadre code, or a name that only one cadre has."""
        if token in self.cadre_ids:
            return token, None
        named = self.cadre_by_name.get(token, [])
        if len(named) == 1:
            return named[0][0], None
        if named:
            return None, (
                f"{len(named)} cadres are named {token} "
                f"({', '.join(c for c, _ in named)}); use the cadre code"
            )
        return None, f"no cadre {token!r} (see `zoufang cadre list`)"


@dataclass
class _Row:
    line: int
    household: object  # HouseholdIn
    enrolled_on: dt.date


def _split(value: str) -> list[str]:
    return [t for t in LIST_SEPARATORS.split(value) if t]


def validate_roster(
    *,
    session: Session,
    roster: Roster,
    today: dt.date,
    progress: Callable[[int], None] | None = None,
) -> tuple[list[_Row], list[dict], _Columns, int]:
    """Parse and check every row; return (good rows, errors, column map, households read)."""
    columns = _map_columns(roster)
    lookup = _Lookup(session)
    errors: list[dict] = []
    good: list[_Row] = []
    seen_ids: dict[str, int] = {}
    seen_codes: dict[str, int] = {}
    index = columns.index
    households = 0
    cell_keys = [
        (k, i)
        for k, i in index.items()
        if k not in ("categories", "cadres", "enrolled_on", "status")
    ]

    def fail(line: int, key: str | None, reason: str, field_name: str | None = None) -> None:
        errors.append(
            {"row": line, "field": field_name or columns.label(key or ""), "error": reason}
        )

    for n, (line, cells) in enumerate(roster.rows, 1):
        if progress is not None and n % 2000 == 0:
            progress(n)
        if _blank(cells):
            continue  # blank rows (Excel keeps formatted empty rows) are not households
        households += 1
        width = len(cells)

        def raw(key: str, cells=cells, width=width):
            i = index.get(key)
            return cells[i] if i is not None and i < width else None

        values = {
            key: (cells[i].strip() if cells[i].__class__ is str else _cell_text(cells[i]))
            if i < width
            else ""
            for key, i in cell_keys
        }
        failed = len(errors)
        id_cell = raw("id_number")
        if isinstance(id_cell, int | float) and not isinstance(id_cell, bool):
            fail(
                line,
                "id_number",
                f"{id_cell!r} was stored by the spreadsheet as a number and has lost digits; "
                "format the column as text and type the ID number again",
            )
            values["id_number"] = None
        categories: list[str] = []
        for token in _split(_cell_text(raw("categories"))):
            code = lookup.category(token)
            if code is None:
                fail(
                    line, "categories", f"unknown category {token!r} (see `zoufang category list`)"
                )
            elif code not in categories:
                categories.append(code)
        values["categories"] = categories if categories or len(errors) == failed else ["?"]
        cadres: list[str] = []
        for token in _split(_cell_text(raw("cadres"))):
            code, problem = lookup.cadre(token)
            if problem:
                fail(line, "cadres", problem)
            elif code not in cadres:
                cadres.append(code)
        values["cadres"] = cadres
        status = _cell_text(raw("status")).lower()
        if status not in ACTIVE_STATUS:
            fail(
                line,
                "status",
                f"{status!r}: only active households are enrolled; leave the "
                "row out, or enrol it and then run `zoufang household exit`",
            )
        enrolled_on = today
        enrolled_text = _cell_text(raw("enrolled_on"))
        if enrolled_text:
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
        for exc in problems:
            if values["id_number"] is None and exc.field == columns.label("id_number"):
                continue  # already reported as a number-typed cell
            errors.append({"row": line, "field": exc.field, "error": exc.reason})
        if household is None or len(errors) > failed:
            _note_duplicate(values.get("id_number"), line, seen_ids, fail)
            continue
        if household.code is not None:
            if not HOUSEHOLD_CODE_RE.match(household.code):
                fail(line, "code", f"{household.code!r} is not a household code like H000123")
                continue
            if household.code in seen_codes:
                fail(
                    line,
                    "code",
                    f"{household.code} is also used in row {seen_codes[household.code]}",
                )
                continue
            seen_codes[household.code] = line
        if household.id_number in seen_ids:
            fail(
                line,
                "id_number",
                f"duplicate: the same ID number is in row {seen_ids[household.id_number]}",
            )
            continue
        seen_ids[household.id_number] = line
        good.append(_Row(line=line, household=household, enrolled_on=enrolled_on))
    if progress is not None:
        progress(len(roster.rows))
    _against_ledger(session, good, seen_ids, seen_codes, fail)
    if any(_unnamed_column_used(roster, i) for i in range(len(roster.headers))):
        columns.unknown.append(-1)
    position = {roster.headers[i]: i for i in range(len(roster.headers))}
    errors.sort(key=lambda e: (e["row"], position.get(e["field"], -1)))
    return good, errors, columns, households


def _note_duplicate(id_text: str | None, line: int, seen_ids: dict[str, int], fail) -> None:
    """A row that is bad for another reason may still repeat an ID number: say so too."""
    try:
        number = parsing.parse_id_number(id_text or "")
    except InvalidInput:
        return
    if number in seen_ids:
        fail(line, "id_number", f"duplicate: the same ID number is in row {seen_ids[number]}")
    else:
        seen_ids[number] = line


def _unnamed_column_used(roster: Roster, i: int) -> bool:
    if roster.headers[i]:
        return False
    return any(i < len(cells) and _cell_text(cells[i]) for _, cells in roster.rows)


def _against_ledger(
    session: Session, good: list[_Row], seen_ids: dict[str, int], seen_codes: dict[str, int], fail
) -> None:
    """ID numbers and codes that the ledger already holds."""
    ids, codes = list(seen_ids), list(seen_codes)
    for start in range(0, len(ids), 500):
        for number, code, name in session.execute(
            select(Household.id_number, Household.code, Household.head_name).where(
                Household.id_number.in_(ids[start : start + 500])
            )
        ):
            fail(seen_ids[number], "id_number", f"already enrolled as household {code} ({name})")
    for start in range(0, len(codes), 500):
        for (code,) in session.execute(
            select(Household.code).where(Household.code.in_(codes[start : start + 500]))
        ):
            fail(seen_codes[code], "code", f"household code {code} is already taken")


# ------------------------------------------------------------------ writing


def import_roster(
    *,
    session: Session,
    path: Path,
    today: dt.date,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> RosterResult:
    """Validate a roster and, if every row is good and it is not a dry run, enrol it all.

    ``progress(done, total)`` is called as rows are validated and written.
    """
    roster = read_roster(path)
    total = len(roster.rows)
    report = (lambda done: progress(done, total * 2)) if progress else None
    good, errors, columns, households = validate_roster(
        session=session, roster=roster, today=today, progress=report
    )
    unknown = [
        roster.headers[i] if i >= 0 else "(columns without a header)" for i in columns.unknown
    ]
    result = RosterResult(
        file=roster.file,
        rows=households,
        enrolled=0,
        errors=errors,
        unknown_columns=unknown,
        dry_run=dry_run,
        encoding=roster.encoding,
    )
    if errors or dry_run or not good:
        return result
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
            "encoding": roster.encoding,
        },
    )
    return result


def _write(
    session: Session, good: list[_Row], today: dt.date, progress: Callable[[int], None]
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
    lookup = _Lookup(session)
    cadre_ids = lookup.cadre_ids
    # Values as the driver stores them (ISO text dates on SQLite, as SQLAlchemy's Date type
    # writes them): per-value type processing would cost more than the inserts.
    day = dt.date.isoformat if conn.dialect.name == "sqlite" else (lambda d: d)
    assigned_on = day(today)
    households, categories, assignments, codes = [], [], [], []
    for row in good:
        h = row.household
        if h.code:
            code = h.code
        else:
            highest += 1
            code = f"H{highest:06d}"
        codes.append(code)
        hid = next_id
        next_id += 1
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
            for c in h.cadres
        )
    done = 0
    for start in range(0, len(households), CHUNK):
        chunk = households[start : start + CHUNK]
        conn.execute(insert(_untyped(Household)), chunk)
        done += len(chunk)
        progress(done)
    for model, rows in ((HouseholdCategory, categories), (Assignment, assignments)):
        for start in range(0, len(rows), CHUNK):
            conn.execute(insert(_untyped(model)), rows[start : start + CHUNK])
    if conn.dialect.name == "postgresql":
        conn.execute(
            text(
                "SELECT setval(pg_get_serial_sequence('household', 'id'), "
                "(SELECT MAX(id) FROM household))"
            )
        )
    return codes


def _untyped(model) -> object:
    """The model's table as a bare Core table clause: same columns, no type processing."""
    return table(model.__tablename__, *(column(c.name) for c in model.__table__.columns))
