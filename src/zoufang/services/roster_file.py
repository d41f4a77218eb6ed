"""A roster (花名册) file as read: its cells, its header row, and which column is which.

A roster is a ``.csv`` (UTF-8 with or without BOM, or GB18030 as Chinese Excel saves it) or
an Excel workbook (``.xlsx``/``.xlsm``/``.xls``/``.ods``, first sheet, read with
python-calamine) whose header row names the columns in English (``name``, ``id_number``…)
or with the usual Chinese headers (姓名, 身份证号, 村/社区, 类别…); see :data:`COLUMNS`.
Title rows such as "红星村困难群众花名册" above the header are skipped. Columns zoufang does
not know are reported, never silently dropped. Cells are kept as the file gives them:
checking them is :mod:`zoufang.services.roster_validation`.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from zoufang import i18n
from zoufang.errors import InvalidInput
from zoufang.i18n import _, ngettext

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
            "所属村(社区)",
            "村别",
            "村名",
            "村居名称",
            "所在村居",
            "行政村",
            "村(居)",
            "村(居)委会",
            "村委会",
            "社区名称",
        ),
    ),
    "grid": (
        "网格",
        ("grid", "网格", "所属网格", "网格名称", "组别", "组", "村民小组", "所在组", "小组"),
    ),
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
            "电话号码",
            "联系电话号码",
        ),
    ),
    "categories": (
        "类别",
        ("category", "categories", "类别", "人员类别", "帮扶类别", "对象类别", "困难类别", "类型"),
    ),
    "cadres": (
        "联系干部",
        (
            "cadre",
            "cadres",
            "联系干部",
            "帮扶干部",
            "包联干部",
            "结对干部",
            "责任干部",
            "包保干部",
            "包户干部",
            "包保责任人",
            "帮扶责任人",
            "结对帮扶干部",
        ),
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
    "hardship": (
        "致困原因",
        (
            "hardship",
            "hardship_cause",
            "致困原因",
            "困难原因",
            "致贫原因",
            "困难情况",
            "困难类型",
            "家庭困难情况",
            "主要困难",
            "困难描述",
        ),
    ),
    "cadence": ("走访周期", ("cadence", "cadence_days", "走访周期", "回访周期")),
    "enrolled_on": ("纳入日期", ("enrolled_on", "enrolled", "纳入日期", "入户日期", "登记日期")),
    "status": ("状态", ("status", "状态")),
    # Kept in the household's notes as ``header：value`` (no column of their own).
    "sex": ("性别", ("sex", "gender", "性别")),
    "age": ("年龄", ("age", "年龄", "出生年月", "出生日期", "出生年份")),
    "notes": ("备注", ("notes", "remarks", "note", "备注", "说明", "备注说明")),
}
#: Fields kept, with any column zoufang does not know, in the household's ``notes``.
NOTE_FIELDS = ("sex", "age", "notes")
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
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")

#: The lines that sign a sheet off under its data (填表人：… 审核人：…, 制表日期, 合计): a row
#: whose first filled cell starts so, with nothing but such rows and blank rows after it.
FOOTER = re.compile(
    r"^(填表|填报|制表|审核|审批|复核|统计人|负责人|经办人|联系人|主管领导|分管领导|签字|签名"
    r"|盖章|单位|日期|时间|打印|合计|总计|备注[:：]|说明[:：]|注[:：])"
)
#: What an office types into a cell that has nothing to say: empty, in any optional cell.
DASHES = frozenset({"/", "-", "--", "—", "——", "\\", "_", "－", "／", "、", "."})
#: Words for "none": empty in a cell that holds a code, number, date, phone or name list; kept
#: as written in a description (就业: 无 says something about the household).
NONE_WORDS = frozenset({"无", "暂无", "没有", "n/a", "na", "none", "null", "nil"})
_LONGEST_NOTHING = max(len(word) for word in DASHES | NONE_WORDS)


def dash_or_none(text: str, *, words: bool = True) -> bool:
    """Whether a cell's text means "nothing": a dash or slash, or (``words``) 无 / N/A."""
    known = _DASH_OR_NONE.get(text) if words else None
    if known is not None:
        return known
    if len(text) > _LONGEST_NOTHING and len(text.strip()) > _LONGEST_NOTHING:
        # a note, an address, an ID number: longer than any dash or word for none, and NFKC,
        # strip and lower() never make it shorter (no such word holds a character NFKC
        # composes, or white space), so neither normalised nor remembered
        return False
    # NFKC leaves ASCII as it is: most cells (codes, dates, numbers) skip it
    value = (text if text.isascii() else unicodedata.normalize("NFKC", text)).strip().lower()
    found = value in DASHES or (words and value in NONE_WORDS)
    if words and len(text) <= 16 and len(_DASH_OR_NONE) < 100_000:
        _DASH_OR_NONE[text] = found  # short texts repeat (kinds, villages, names)
    return found


#: :func:`dash_or_none` of short texts already seen (an import asks for a million cells).
_DASH_OR_NONE: dict[str, bool] = {}


def normalise_header(header: object) -> str:
    value = unicodedata.normalize("NFKC", str(header or "")).strip().lower()
    value = re.sub(r"\([^)]*\)$", "", value)
    value = value.lstrip("*").strip()
    return re.sub(r"[\s_\-]+", "_", value).strip("_")


ALIASES = {normalise_header(a): key for key, (_header, names) in COLUMNS.items() for a in names}
IGNORED_HEADERS = {normalise_header(a) for a in IGNORED}


@dataclass
class Roster:
    """A roster as read from its file: the header row and the data rows, cells as given."""

    file: str
    header_row: int  # as numbered in Excel (1-based)
    headers: list[str]
    rows: list[tuple[int, list]]  # (row number in Excel, cells)
    encoding: str | None
    sha256: str
    footer: list[tuple[int, str]] | None = None  # (row, text) of the rows that sign it off


def read_roster(path: Path) -> Roster:
    """Read a roster file's cells; raises InvalidInput (``--from``) if it cannot be read."""
    if not path.exists():
        raise InvalidInput("--from", _("{path}: no such file").format(path=path))
    if path.is_dir():
        raise InvalidInput(
            "--from", _("{path} is a directory, not a roster file").format(path=path)
        )
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    suffix = path.suffix.lower()
    if suffix in EXCEL_SUFFIXES:
        grid, encoding = _excel_cells(path), None
    elif suffix in (".csv", ".txt", ".tsv"):
        grid, encoding = _csv_cells(path, data)
    else:
        raise InvalidInput(
            "--from", _("{file}: a roster is a .csv or .xlsx file").format(file=path.name)
        )
    header_index = _header_index(grid)
    if header_index is None:
        raise InvalidInput("--from", _("{file} is empty: no header row").format(file=path.name))
    headers = [cell_text(h) for h in grid[header_index]]
    rows = [
        (i + 1, cells) for i, cells in enumerate(grid[header_index + 1 :], start=header_index + 1)
    ]
    rows, footer = split_footer(rows)
    return Roster(
        file=path.name,
        header_row=header_index + 1,
        headers=headers,
        rows=rows,
        encoding=encoding,
        sha256=digest,
        footer=footer,
    )


def split_footer(rows: list[tuple[int, list]]) -> tuple[list[tuple[int, list]], list]:
    """The data rows and the footer under them (:data:`FOOTER` rows, blank rows between)."""
    end = len(rows)
    footer: list[tuple[int, str]] = []
    while end > 0:
        line, cells = rows[end - 1]
        texts = [cell_text(c) for c in cells]
        texts = [t for t in texts if t]
        if texts and not FOOTER.match(texts[0]):
            break
        if texts:
            footer.append((line, " ".join(texts)))
        end -= 1
    return rows[:end], footer[::-1]


def _excel_cells(path: Path) -> list[list]:
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
        # Row 1 of the sheet is index 0 even when the sheet's first rows are empty.
        return book.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except Exception as exc:  # calamine's errors: not a workbook, encrypted, damaged
        raise InvalidInput(
            "--from",
            _("cannot read {file} as a workbook: {reason}").format(
                file=path.name,
                reason=str(exc).splitlines()[0] if str(exc) else type(exc).__name__,
            ),
        ) from None


def _csv_cells(path: Path, data: bytes) -> tuple[list[list], str]:
    if data[:4] == b"PK\x03\x04" or data[:4] == b"\xd0\xcf\x11\xe0":
        raise InvalidInput(
            "--from",
            _("{file} is an Excel workbook, not CSV text: rename it to .xlsx (or .xls)").format(
                file=path.name
            ),
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
                    _(
                        "{file} is neither UTF-8 nor GB18030 text; save it from "
                        "Excel as 'CSV UTF-8' or as .xlsx"
                    ).format(file=path.name),
                ) from None
    if "\x00" in content:
        raise InvalidInput(
            "--from",
            _(
                "{file} holds binary data, not CSV text; save it "
                "from Excel as 'CSV UTF-8' or as .xlsx"
            ).format(file=path.name),
        )
    first_line = content.split("\n", 1)[0]
    delimiter = max((",", "\t", ";"), key=first_line.count)
    return list(csv.reader(io.StringIO(content, newline=""), delimiter=delimiter)), encoding


def _header_index(grid: list[list]) -> int | None:
    """The header row: the first of the top rows naming two known columns (title rows such as
    "红星村困难群众花名册" above it are skipped), else the first row that is not empty."""
    first = None
    for i, cells in enumerate(grid[:20]):
        names = [normalise_header(c) for c in cells if cell_text(c)]
        if not names:
            continue
        if first is None:
            first = i
        if sum(n in ALIASES for n in names) >= 2:
            return i
    return first


def is_blank(cells: list) -> bool:
    """Whether a row holds nothing (Excel keeps formatted empty rows)."""
    for c in cells:  # text (all of a CSV row), or numbers and dates in a workbook
        if (c.strip() if c.__class__ is str else cell_text(c)) != "":
            return False
    return True


def cell_text(value: object) -> str:
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


@dataclass
class Columns:
    """Which cell holds which field, and each field's header as the file spells it."""

    index: dict[str, int]
    header: dict[str, str]
    unknown: list[int]

    def label(self, key: str) -> str:
        return self.header.get(key) or COLUMNS[key][0]


def map_columns(roster: Roster) -> Columns:
    """Which cell of a row holds which field; InvalidInput (``--from``) if a header is given twice
    or a required one is missing."""
    index: dict[str, int] = {}
    header: dict[str, str] = {}
    unknown: list[int] = []
    for i, raw in enumerate(roster.headers):
        if not raw:
            continue
        name = normalise_header(raw)
        key = ALIASES.get(name)
        if key is None:
            if name not in IGNORED_HEADERS:
                unknown.append(i)
            continue
        if key in index:
            raise InvalidInput(
                "--from",
                _(
                    "{file}: columns {first!r} and {second!r} both give {field}; keep one of them"
                ).format(file=roster.file, first=header[key], second=raw, field=COLUMNS[key][0]),
            )
        index[key], header[key] = i, raw
    missing = [COLUMNS[key][0] for key in REQUIRED if key not in index]
    if missing:
        separator = "、" if i18n.zh() else ", "
        found = separator.join(h for h in roster.headers if h) or _("none")
        hint = (
            _(" (the file was read as GB18030: if these look garbled, save it as 'CSV UTF-8')")
            if roster.encoding == "gb18030"
            else ""
        )
        raise InvalidInput(
            "--from",
            ngettext(
                "{file}: required column missing: {missing} (row {row} has: {found}){hint}",
                "{file}: required columns missing: {missing} (row {row} has: {found}){hint}",
                len(missing),
            ).format(
                file=roster.file,
                missing=separator.join(missing),
                row=roster.header_row,
                found=found,
                hint=hint,
            ),
        )
    return Columns(index=index, header=header, unknown=unknown)
