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
from dataclasses import dataclass, field
from pathlib import Path

from zoufang.errors import InvalidInput
from zoufang.i18n import _
from zoufang.services.roster_file import (
    ALIASES as ROSTER_ALIASES,
)
from zoufang.services.roster_file import (
    EXCEL_SUFFIXES,
    Roster,
    cell_text,
    normalise_header,
    split_footer,
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


@dataclass
class Sheet:
    """One kind's rows as read (the sheets of one kind, continuations included, as one)."""

    kind: str
    name: str  # as the workbook names it (the first, if continued)
    header_row: int
    headers: list[str]
    rows: list[tuple[str, int, list]]  # (sheet name, row number in Excel, cells)
    footer: list[tuple[str, int, str]] = field(default_factory=list)
    index: dict[str, int] = field(default_factory=dict)  # field → column
    unknown: list[str] = field(default_factory=list)

    def label(self, key: str) -> str:
        """The column's header as the file spells it (else the field's first Chinese name)."""
        i = self.index.get(key)
        if i is not None:
            return self.headers[i]
        return FIELDS.get(self.kind, {}).get(key, (key,))[-1]

    def roster(self, file: str, sha256: str) -> Roster:
        """The households sheet as a roster (row numbers as Excel shows them)."""
        return Roster(
            file=file,
            header_row=self.header_row,
            headers=self.headers,
            rows=[(line, cells) for _sheet, line, cells in self.rows],
            encoding=None,
            sha256=sha256,
            footer=[(line, text) for _sheet, line, text in self.footer],
        )


@dataclass
class Workbook:
    file: str
    sha256: str
    sheets: dict[str, Sheet]  # kind → sheet
    not_read: list[str]  # sheets of no known kind


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
    file cannot be read or holds no sheet zoufang knows."""
    if not path.exists():
        raise InvalidInput("FILE", _("{path}: no such file").format(path=path))
    grids: list[tuple[str, list[list]]] = []
    digest = hashlib.sha256()
    if path.is_dir():
        from zoufang.services.roster_file import _csv_cells

        for csv_path in sorted(path.glob("*.csv")):
            data = csv_path.read_bytes()
            digest.update(csv_path.name.encode() + b"\0" + data)
            grids.append((csv_path.stem, _csv_cells(csv_path, data)[0]))
    elif path.suffix.lower() in EXCEL_SUFFIXES:
        digest.update(path.read_bytes())
        grids = _excel_sheets(path)
    else:
        raise InvalidInput(
            "FILE",
            _("{file}: give a workbook (.xlsx) or a folder of CSV files").format(file=path.name),
        )
    sheets: dict[str, Sheet] = {}
    not_read: list[str] = []
    for name, grid in grids:
        kind = sheet_kind(name)
        if kind is None:
            if any(any(cell_text(c) for c in row) for row in grid):
                not_read.append(name)
            continue
        sheet = _sheet(kind, name, grid)
        if sheet is None:
            continue
        if kind in sheets:
            _continue(sheets[kind], sheet)
        else:
            sheets[kind] = sheet
    if not sheets:
        raise InvalidInput(
            "FILE",
            _(
                "{file} has no sheet zoufang knows (帮扶对象, 走访记录, 资金流水…; see docs/rosters.md)"
            ).format(file=path.name),
        )
    return Workbook(file=path.name, sha256=digest.hexdigest(), sheets=sheets, not_read=not_read)


def _excel_sheets(path: Path) -> list[tuple[str, list[list]]]:
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
        return [
            (name, book.get_sheet_by_name(name).to_python(skip_empty_area=False))
            for name in book.sheet_names
        ]
    except Exception as exc:  # calamine's errors: not a workbook, encrypted, damaged
        raise InvalidInput(
            "FILE",
            _("cannot read {file} as a workbook: {reason}").format(
                file=path.name,
                reason=str(exc).splitlines()[0] if str(exc) else type(exc).__name__,
            ),
        ) from None


def _known(kind: str, header: str) -> bool:
    name = normalise_header(header)
    aliases = ROSTER_ALIASES if kind == "households" else _ALIASES[kind]
    return name in aliases


def _sheet(kind: str, name: str, grid: list[list]) -> Sheet | None:
    header_index = None
    first = None
    for i, cells in enumerate(grid[:20]):
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
    headers = [cell_text(h) for h in grid[header_index]]
    rows = [
        (i + 1, cells) for i, cells in enumerate(grid[header_index + 1 :], start=header_index + 1)
    ]
    rows, footer = split_footer(rows)
    sheet = Sheet(
        kind=kind,
        name=name,
        header_row=header_index + 1,
        headers=headers,
        rows=[(name, line, cells) for line, cells in rows],
        footer=[(name, line, text) for line, text in footer],
    )
    if kind != "households":
        for i, header in enumerate(headers):
            key = _ALIASES[kind].get(normalise_header(header))
            if key is not None and key not in sheet.index:
                sheet.index[key] = i
            elif header and normalise_header(header) not in _COMPUTED[kind] and key is None:
                sheet.unknown.append(header)
    return sheet


def _continue(first: Sheet, more: Sheet) -> None:
    """``走访记录 2`` continues ``走访记录``: same columns, more rows."""
    first.rows.extend(more.rows)
    first.footer.extend(more.footer)
