"""A whole 台账 as read for ``zoufang import``: its sheets, each known by its name, and which
column of each is which.

A workbook (``.xlsx``/``.xlsm``/``.xls``/``.ods``) holds one sheet per kind of record, or a
folder holds one CSV file per kind. A sheet is known by its name: the names
``zoufang export`` writes in either language (帮扶对象/``households``, 家庭成员, 走访记录,
承诺事项, 资金流水, 干部名单, 资金项目) and the usual names of hand-made workbooks
(花名册, 走访台账, 诉求办理, 资金发放…: :data:`SHEETS`). A table longer than Excel's limit
continues on ``走访记录 2``: read as one. A sheet with another name is listed as not read.

Each sheet's header row is found as a roster's is (title rows above it are skipped; the lines
under the data that sign it off are set aside), and its columns are matched by
:data:`FIELDS`, headers compared as :func:`~zoufang.services.roster_file.normalise_header`
compares them. The households sheet is a roster, read with the roster's own columns
(:data:`zoufang.services.roster_file.COLUMNS`). Cells are kept as the file gives them.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from zoufang.errors import InvalidInput
from zoufang.i18n import _
from zoufang.services.roster_file import (
    ALIASES as ROSTER_ALIASES,
)
from zoufang.services.roster_file import (
    EXCEL_SUFFIXES,
    FOOTER,
    Roster,
    _csv_cells,
    cell_text,
    normalise_header,
)

#: The kinds of sheet, in the order they are imported (each may refer to those before it).
KINDS = (
    "cadres",
    "funds",
    "households",
    "members",
    "visits",
    "commitments",
    "ledger",
    "wishes",
    "suggestions",
    "history",
)

#: Sheet (or CSV file) names for each kind, compared after NFKC, lower-casing and dropping
#: spaces.
SHEETS: dict[str, tuple[str, ...]] = {
    "cadres": ("cadres", "干部名单", "干部", "干部信息", "帮扶干部", "联系干部"),
    "funds": ("funds", "资金项目", "资金", "专项资金", "资金台账"),
    "households": (
        "households",
        "roster",
        "帮扶对象",
        "花名册",
        "困难群众",
        "困难群众花名册",
        "帮扶对象花名册",
        "农户",
        "户籍信息",
    ),
    "members": ("members", "家庭成员", "成员", "家庭成员信息"),
    "visits": ("visits", "走访记录", "走访", "走访台账", "走访情况"),
    "commitments": ("commitments", "承诺事项", "诉求", "诉求办理", "承诺", "诉求台账"),
    "ledger": ("ledger", "payments", "资金流水", "发放记录", "资金发放", "发放台账", "流水"),
    "wishes": ("wishes", "微心愿", "心愿", "微心愿台账", "心愿清单"),
    "suggestions": ("suggestions", "意见建议", "意见建议台账", "群众意见建议"),
    "history": ("history", "fact changes", "fact_changes", "变更记录", "变更历史"),
}

#: Each kind's columns (the households sheet uses the roster's): field → accepted headers.
FIELDS: dict[str, dict[str, tuple[str, ...]]] = {
    "cadres": {
        "code": ("code", "干部编号", "编号"),
        "name": ("name", "姓名", "干部姓名"),
        "unit": ("unit", "单位", "工作单位", "所在单位", "职务"),
        "phone": ("phone", "联系电话", "电话", "手机", "手机号码"),
        "email": ("email", "电子邮箱", "邮箱"),
    },
    "funds": {
        "code": ("code", "资金编号", "编号", "项目编号"),
        "name": ("name", "资金名称", "名称", "项目名称"),
        "source": ("source", "资金来源", "来源"),
        "categories": ("categories", "适用类别", "类别", "发放对象", "适用对象"),
        "cap": ("cap", "每户上限", "每户限额", "限额"),
        "valid_from": ("valid_from", "发放起始日期", "起始日期", "开始日期"),
        "valid_to": ("valid_to", "发放截止日期", "截止日期", "结束日期"),
        "created_on": ("created_on", "设立日期"),
    },
    "members": {
        "household": ("household", "户号"),
        "household_id_number": ("户主身份证号", "户主身份证号码"),
        "household_name": ("household_name", "户主", "户主姓名"),
        "name": ("name", "姓名", "成员姓名"),
        "relation": ("relation", "与户主关系", "关系"),
        "birth_year": ("birth_year", "出生年份", "出生年"),
        "health": ("health", "健康状况", "健康"),
        "id_number": ("id_number", "身份证号", "身份证号码", "成员身份证号"),
    },
    "visits": {
        "id": ("id", "编号", "走访编号"),
        "date": ("date", "走访日期", "日期", "走访时间"),
        "household": ("household", "户号"),
        "household_id_number": ("户主身份证号", "身份证号", "身份证号码"),
        "household_name": ("name", "户主", "户主姓名", "姓名"),
        "kind": ("kind", "走访类型", "类型", "走访方式"),
        "cadres": ("cadres", "走访干部", "走访人", "走访人员", "干部"),
        "notes": ("notes", "走访情况", "情况", "走访内容", "内容"),
        "needs": ("needs", "诉求", "群众诉求"),
        "suggestions": ("suggestions", "意见建议", "建议"),
        "wishes": ("wishes", "微心愿", "心愿"),
        "gifts": ("gifts", "送达物品", "慰问品", "物品"),
        "next": ("next", "下次走访", "下次走访日期"),
    },
    "commitments": {
        "id": ("id", "编号"),
        "household": ("household", "户号"),
        "household_id_number": ("户主身份证号", "身份证号", "身份证号码"),
        "household_name": ("name", "户主", "户主姓名", "姓名"),
        "text": ("text", "承诺事项", "事项", "诉求内容", "诉求"),
        "cadre": ("cadre", "责任干部", "责任人", "承办干部"),
        "opened_on": ("opened_on", "提出日期", "登记日期"),
        "due_date": ("due_date", "办结期限", "期限", "承诺办结时间"),
        "status": ("status", "状态", "办理状态"),
        "closed_on": ("closed_on", "办结日期"),
        "resolution": ("resolution", "办理结果"),
        "referred_to": ("referred_to", "转交单位"),
        "visit": ("visit", "走访编号"),
        "responses": ("responses", "办理记录", "办理过程"),
    },
    "ledger": {
        "seq": ("seq", "流水号"),
        "date": ("date", "日期", "发放日期"),
        "fund": ("fund", "资金编号"),
        "kind": ("kind", "类型"),
        "amount": ("amount", "金额", "发放金额"),
        "household": ("household", "户号"),
        "household_id_number": ("户主身份证号", "身份证号", "身份证号码"),
        "household_name": ("household_name", "户主", "户主姓名", "姓名"),
        "cadre": ("cadre", "经办干部", "经办人", "发放人"),
        "visit": ("visit", "走访编号"),
        "reverses": ("reverses", "冲销流水号"),
        "memo": ("memo", "备注", "摘要", "用途"),
        "override": ("override", "越权理由", "破例理由"),
    },
    "wishes": {
        "id": ("id", "编号"),
        "household": ("household", "户号"),
        "household_id_number": ("户主身份证号", "身份证号", "身份证号码"),
        "household_name": ("name", "户主", "户主姓名", "姓名"),
        "text": ("text", "微心愿", "心愿", "心愿内容"),
        "heard_on": ("heard_on", "收集日期", "登记日期"),
        "cadre": ("cadre", "责任干部", "责任人"),
        "status": ("status", "状态"),
        "claimed_by": ("claimed_by", "认领人", "认领单位"),
        "claimed_person": ("claimed_person", "联系人"),
        "claimed_phone": ("claimed_phone", "联系电话"),
        "claimed_on": ("claimed_on", "认领日期"),
        "due_date": ("due_date", "完成期限", "期限"),
        "closed_on": ("closed_on", "办结日期", "圆梦日期"),
        "outcome": ("outcome", "办理结果"),
        "entry": ("entry", "流水号"),
        "visit": ("visit", "走访编号"),
    },
    "suggestions": {
        "id": ("id", "编号"),
        "household": ("household", "户号"),
        "household_id_number": ("户主身份证号", "身份证号", "身份证号码"),
        "household_name": ("name", "户主", "户主姓名", "姓名"),
        "text": ("text", "意见建议", "建议内容"),
        "heard_on": ("heard_on", "听取日期", "登记日期"),
        "cadre": ("cadre", "责任干部", "责任人"),
        "status": ("status", "状态"),
        "answered_on": ("answered_on", "答复日期"),
        "answer": ("answer", "答复内容", "答复"),
        "answered_by": ("answered_by", "答复干部"),
        "visit": ("visit", "走访编号"),
        "answers": ("answers", "答复记录"),
    },
    "history": {
        "seq": ("seq", "变更编号"),
        "subject_kind": ("subject_kind", "对象类型"),
        "subject": ("subject", "对象编号"),
        "fact": ("fact", "事项"),
        "effective_from": ("effective_from", "起始日期", "生效日期"),
        "value": ("value", "内容", "变更后"),
        "reason": ("reason", "原因", "理由"),
        "origin": ("origin", "来源"),
        "ledger_seq": ("ledger_seq", "录入时已有流水"),
        "recorded_at": ("recorded_at", "录入时间"),
        "operator": ("operator", "录入人"),
    },
}
#: Columns `export` writes that zoufang computes or records itself: recognised, not read.
COMPUTED: dict[str, tuple[str, ...]] = {
    "cadres": (),
    "funds": (),
    "households": (),
    "members": ("id", "编号"),
    "visits": ("village", "村/社区", "recorded_at", "录入时间", "operator", "录入人"),
    "commitments": ("village", "村/社区", "days_overdue", "逾期天数"),
    "wishes": ("village", "村/社区", "days_overdue", "逾期天数"),
    "suggestions": ("village", "村/社区"),
    "history": (),
    "ledger": (
        "fund_name",
        "资金名称",
        "operator",
        "操作人",
        "recorded_at",
        "录入时间",
        "hash",
        "哈希",
    ),
}
_ALIASES = {
    kind: {normalise_header(a): key for key, names in fields.items() for a in names}
    for kind, fields in FIELDS.items()
}
#: A row counter, in any sheet.
_COUNTERS = ("序号", "no", "no.", "#", "index")
_COMPUTED = {
    kind: {normalise_header(a) for a in (*names, *_COUNTERS)} for kind, names in COMPUTED.items()
}
_SHEET_NAMES = {
    re.sub(r"\s+", "", n.lower()): kind for kind, names in SHEETS.items() for n in names
}
#: ``走访记录 2``: the continuation `export` writes past Excel's row limit.
_CONTINUED = re.compile(r"^(.*\S)\s+\d+$")


#: A sheet's rows from its first, ``(row number, cells)``: a new stream on each call.
RowSource = Callable[[], Iterator[tuple[int, list]]]


@dataclass
class Part:
    """One sheet of a kind (``走访记录``, then its continuation ``走访记录 2``)."""

    name: str
    header_row: int
    source: RowSource
    estimate: int  # rows under the header, as the sheet's dimension says (progress only)


class SheetRows:
    """``(sheet name, line, cells)`` of a kind's data rows, read again from the file on each
    pass (never held); the rows that sign a sheet off (:data:`FOOTER`, blank rows between) are
    set aside in the sheet's ``footer`` as a pass ends, as :func:`split_footer` sets them aside.
    ``len()`` is the count of the last whole pass (before one: the sheets' own estimate)."""

    def __init__(self, sheet: Sheet) -> None:
        self.sheet = sheet

    def __len__(self) -> int:
        if self.sheet.count is not None:
            return self.sheet.count
        return sum(p.estimate for p in self.sheet.parts)

    def __bool__(self) -> bool:
        return any(True for _row in self)

    def __iter__(self) -> Iterator[tuple[str, int, list]]:
        sheet = self.sheet
        footer: list[tuple[str, int, str]] = []
        count = 0
        for part in sheet.parts:
            pending: list[tuple[int, list]] = []  # under the last data row: footer or blank
            for line, cells in part.source():
                if line <= part.header_row:
                    continue
                first = _first_text(cells)
                if not first or FOOTER.match(first):
                    pending.append((line, cells))
                    continue
                for held in pending:
                    count += 1
                    yield part.name, held[0], held[1]
                pending.clear()
                count += 1
                yield part.name, line, cells
            for line, cells in pending:
                texts = [t for t in (cell_text(c) for c in cells) if t]
                if texts:
                    footer.append((part.name, line, " ".join(texts)))
        sheet.footer = footer
        sheet.count = count


def _first_text(cells: list) -> str:
    for c in cells:
        text = cell_text(c)
        if text:
            return text
    return ""


class _RosterRows:
    """The households sheet's rows as a roster's ``(line, cells)``, streamed as the sheet's."""

    def __init__(self, rows: SheetRows) -> None:
        self._rows = rows

    def __len__(self) -> int:
        return len(self._rows)

    def __iter__(self) -> Iterator[tuple[int, list]]:
        for _name, line, cells in self._rows:
            yield line, cells


@dataclass
class Sheet:
    """One kind's rows as read (the sheets of one kind, continuations included, as one). The
    rows are not held: each pass over :attr:`rows` streams them from the file again."""

    kind: str
    name: str  # as the workbook names it (the first, if continued)
    header_row: int
    headers: list[str]
    parts: list[Part]
    footer: list[tuple[str, int, str]] = field(default_factory=list)  # after a whole pass
    index: dict[str, int] = field(default_factory=dict)  # field → column
    unknown: list[str] = field(default_factory=list)
    count: int | None = None  # data rows, once a pass has counted them

    @property
    def rows(self) -> SheetRows:
        return SheetRows(self)

    @property
    def names(self) -> list[str]:
        return [p.name for p in self.parts]

    def label(self, key: str) -> str:
        """The column's header as the file spells it (else the field's first Chinese name)."""
        i = self.index.get(key)
        if i is not None:
            return self.headers[i]
        return FIELDS.get(self.kind, {}).get(key, (key,))[-1]

    def roster(self, file: str, sha256: str) -> Roster:
        """The households sheet as a roster (row numbers as Excel shows them; the rows streamed,
        and its footer is the sheet's once they have been read)."""
        return Roster(
            file=file,
            header_row=self.header_row,
            headers=self.headers,
            rows=_RosterRows(self.rows),  # type: ignore[arg-type]
            encoding=None,
            sha256=sha256,
            footer=None,
        )


@dataclass
class Workbook:
    file: str
    sha256: str
    sheets: dict[str, Sheet]  # kind → sheet
    not_read: list[str]  # sheets of no known kind
    #: the file's (or the folder's CSV files') sizes and times when it was read
    #: (:func:`file_stamp`): its rows are read again as the import goes
    stamp: tuple = ()


def file_stamp(path: Path) -> tuple:
    """What tells a file (or a folder of CSV files) changed: sizes and modification times."""
    stamp = []
    for f in sorted(path.glob("*.csv")) if path.is_dir() else [path]:
        status = f.stat()
        stamp.append((f.name, status.st_size, status.st_mtime_ns))
    return tuple(stamp)


def sheet_kind(name: str) -> str | None:
    """The kind a sheet (or CSV file) holds, from its name; None if none."""
    plain = re.sub(r"\s+", "", name.strip().lower())
    if plain in _SHEET_NAMES:
        return _SHEET_NAMES[plain]
    continued = _CONTINUED.match(name.strip())
    if continued:
        return sheet_kind(continued.group(1))
    return None


def read_workbook(path: Path) -> Workbook:
    """Every sheet of a workbook, or every CSV of a folder; InvalidInput (``FILE``) if the
    file cannot be read or holds no sheet zoufang knows. Only each sheet's top rows are read
    here (its header); its rows are streamed from the file when the import reads them."""
    if not path.exists():
        raise InvalidInput("FILE", _("{path}: no such file").format(path=path))
    stamp = file_stamp(path)
    sources: list[tuple[str, RowSource, int]] = []
    digest = hashlib.sha256()
    if path.is_dir():
        for csv_path in sorted(path.glob("*.csv")):
            digest.update(csv_path.name.encode() + b"\0")
            encoding, delimiter, lines = _csv_check(csv_path, digest)
            sources.append((csv_path.stem, _csv_source(csv_path, encoding, delimiter), lines))
    elif path.suffix.lower() in EXCEL_SUFFIXES:
        with path.open("rb") as f:
            while chunk := f.read(1 << 22):
                digest.update(chunk)
        sources = _excel_sources(path)
    else:
        raise InvalidInput(
            "FILE",
            _("{file}: give a workbook (.xlsx) or a folder of CSV files").format(file=path.name),
        )
    sheets: dict[str, Sheet] = {}
    not_read: list[str] = []
    for name, source, estimate in _guarded(path, sources):
        kind = sheet_kind(name)
        if kind is None:
            if any(any(cell_text(c) for c in cells) for _line, cells in source()):
                not_read.append(name)
            continue
        sheet = _sheet(kind, name, source, estimate)
        if sheet is None:
            continue
        if kind in sheets:
            sheets[kind].parts.extend(sheet.parts)  # 走访记录 2 continues 走访记录
        else:
            sheets[kind] = sheet
    if not sheets:
        raise InvalidInput(
            "FILE",
            _(
                "{file} has no sheet zoufang knows (帮扶对象, 走访记录, 资金流水…; see docs/rosters.md)"
            ).format(file=path.name),
        )
    return Workbook(
        file=path.name, sha256=digest.hexdigest(), sheets=sheets, not_read=not_read, stamp=stamp
    )


def _unreadable(path: Path, exc: Exception) -> InvalidInput:
    return InvalidInput(
        "FILE",
        _("cannot read {file} as a workbook: {reason}").format(
            file=path.name,
            reason=str(exc).splitlines()[0] if str(exc) else type(exc).__name__,
        ),
    )


def _guarded(path: Path, sources: list[tuple[str, RowSource, int]]):
    """The sources, each stream's damage (a broken zip member…) told as the file's."""
    for name, source, estimate in sources:
        yield name, _guard(path, source), estimate


def _guard(path: Path, source: RowSource) -> RowSource:
    def rows() -> Iterator[tuple[int, list]]:
        try:
            yield from source()
        except InvalidInput:
            raise
        except Exception as exc:  # zlib/zip damage, a bad number in the XML
            raise _unreadable(path, exc) from None

    return rows


def _excel_sources(path: Path) -> list[tuple[str, RowSource, int]]:
    """Each sheet's name and row stream: an ``.xlsx`` streamed (:mod:`xlsx_stream`), else (or
    if that reader cannot) calamine, one sheet read whole at a time."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from zoufang.services.xlsx_stream import Unreadable, XlsxBook

        try:
            book = XlsxBook(str(path))
        except Unreadable:
            pass
        else:
            out: list[tuple[str, RowSource, int]] = []
            for name, member in book.sheets:
                last = book.dimension_rows(member) or 0

                def stream(member: str = member) -> Iterator[tuple[int, list]]:
                    return book.rows(member)

                out.append((name, stream, max(last - 1, 0)))
            return out
    from python_calamine import CalamineWorkbook

    try:
        names = CalamineWorkbook.from_path(str(path)).sheet_names
    except Exception as exc:  # calamine's errors: not a workbook, encrypted, damaged
        raise _unreadable(path, exc) from None

    def calamine(name: str) -> Iterator[tuple[int, list]]:
        book = CalamineWorkbook.from_path(str(path))
        grid = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
        del book
        yield from enumerate(grid, 1)

    out = []
    for name in names:

        def whole(name: str = name) -> Iterator[tuple[int, list]]:
            return calamine(name)

        out.append((name, whole, 0))
    return out


def _csv_check(path: Path, digest) -> tuple[str, str, int]:
    """A CSV file's encoding, delimiter and line count, read once in chunks (the digest fed
    as it is read); the same refusals as a roster's CSV (:func:`roster_file._csv_cells`)."""
    import codecs

    with path.open("rb") as f:
        head = f.read(1 << 16)
        if head[:4] == b"PK\x03\x04" or head[:4] == b"\xd0\xcf\x11\xe0":
            _csv_cells(path, head)  # its refusal: an Excel workbook, not CSV
        if head.startswith(b"\xef\xbb\xbf"):
            candidates = ["utf-8-sig"]
        elif head[:2] in (b"\xff\xfe", b"\xfe\xff"):
            candidates = ["utf-16"]
        else:
            candidates = ["utf-8", "gb18030"]
        decoders = {e: codecs.getincrementaldecoder(e)() for e in candidates}
        first_line = ""
        lines = 0
        chunk = head
        while True:
            for e in list(decoders):
                try:
                    text = decoders[e].decode(chunk, final=not chunk)
                except UnicodeDecodeError:
                    del decoders[e]
                    if not decoders:
                        return (*_csv_refused(path, head), 0)
                    continue
                if e == next(iter(decoders)):
                    if "\x00" in text:
                        _csv_cells(path, b"\x00")  # its refusal: binary data
                    if not first_line or "\n" not in first_line:
                        first_line += text.split("\n", 1)[0] if "\n" not in first_line else ""
                        if "\n" in text:
                            first_line += "\n"
                    lines += text.count("\n")
            if not chunk:
                break
            digest.update(chunk)
            chunk = f.read(1 << 22)
    encoding = next(iter(decoders))
    delimiter = max((",", "\t", ";"), key=first_line.count)
    return encoding, delimiter, lines


def _csv_refused(path: Path, head: bytes) -> tuple[str, str]:
    # neither UTF-8 nor GB18030: the roster reader's own refusal
    _csv_cells(path, b"\xff\xff\xff")
    raise AssertionError("unreachable")


def _csv_source(path: Path, encoding: str, delimiter: str) -> RowSource:
    import csv

    def rows() -> Iterator[tuple[int, list]]:
        with path.open(encoding=encoding, newline="") as f:
            yield from enumerate(csv.reader(f, delimiter=delimiter), 1)

    return rows


def _known(kind: str, header: str) -> bool:
    name = normalise_header(header)
    aliases = ROSTER_ALIASES if kind == "households" else _ALIASES[kind]
    return name in aliases


def _sheet(kind: str, name: str, source: RowSource, estimate: int) -> Sheet | None:
    """The sheet's header (the top 20 rows read; the rest is streamed when imported)."""
    top: list[list] = []
    for line, cells in source():
        if line > 20:
            break
        top.extend([] for _gap in range(line - 1 - len(top)))
        top.append(cells)
    header_index = None
    first = None
    for i, cells in enumerate(top):
        texts = [cell_text(c) for c in cells if cell_text(c)]
        if not texts:
            continue
        if first is None:
            first = i
        if sum(_known(kind, t) for t in texts) >= 2:
            header_index = i
            break
    header_index = header_index if header_index is not None else first
    if header_index is None:
        return None  # an empty sheet
    headers = [cell_text(h) for h in top[header_index]]
    sheet = Sheet(
        kind=kind,
        name=name,
        header_row=header_index + 1,
        headers=headers,
        parts=[Part(name, header_index + 1, source, max(estimate - header_index, 0))],
    )
    if kind != "households":
        for i, header in enumerate(headers):
            key = _ALIASES[kind].get(normalise_header(header))
            if key is not None and key not in sheet.index:
                sheet.index[key] = i
            elif header and normalise_header(header) not in _COMPUTED[kind] and key is None:
                sheet.unknown.append(header)
    return sheet
