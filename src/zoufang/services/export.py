"""The 台账 as files people open in Excel or feed to programs: ``zoufang export``.

Tables: ``households``, ``members``, ``visits``, ``commitments`` and ``ledger`` (the money
entries), each a fixed list of :class:`Col` with an English key (the JSON key and the
English header) and a Chinese header. Formats:

* ``xlsx`` — one sheet per table, written by xlsxwriter in constant-memory mode; dates are
  real dates, money is a number with two decimals, columns are as wide as their text
  (Chinese characters count double). A table longer than Excel's 1,048,576 rows continues
  on a second sheet.
* ``csv`` — UTF-8 with a BOM so that Excel reads Chinese correctly; one file per table.
* ``json`` — one array per table, written object by object.

Streaming: rows come from the database in batches (``yield_per``; server-side cursors on
PostgreSQL) and go straight to the file. A visit's cadres, suggestions, wishes, gifts and
needs are not fetched per visit: the detail tables are read in the same order as the visits
(by visit id) and merged as they go, so a million visits never sit in memory at once.

ID numbers are masked unless revealed. Cells that start with ``=``, ``+``, ``-``, ``@``, a
tab or a carriage return would be taken by a spreadsheet as a formula (CSV/formula
injection); :func:`safe_cell` prefixes them with a single quote so they stay text. JSON is
not neutralised: it is data for programs, not a spreadsheet.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path
from typing import IO, Any

from zoufang.codes import HOUSEHOLD_ACTIVE

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_TRIGGER_CHARS = frozenset(FORMULA_TRIGGERS)  # each trigger is one character
TABLE_NAMES = ("households", "members", "visits", "commitments", "ledger")
#: Rows fetched per round trip to the database.
BATCH = 5000
#: Excel's limit is 1,048,576 rows a sheet, the header included.
XLSX_MAX_ROWS = 1_048_575
#: Column widths are measured on the header and this many rows (the rest is streamed).
WIDTH_SAMPLE = 2000


def safe_cell(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_TRIGGERS) else value


@dataclass(frozen=True)
class Col:
    key: str
    zh: str
    kind: str = "text"  # text, int, money (fen), date, datetime

    def header(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.key


COLUMNS: dict[str, list[Col]] = {
    "households": [
        Col("code", "户号"),
        Col("name", "户主"),
        Col("id_number", "身份证号"),
        Col("village", "村/社区"),
        Col("grid", "网格"),
        Col("address", "住址"),
        Col("phone", "联系电话"),
        Col("categories", "类别"),
        Col("cadres", "联系干部"),
        Col("members", "家庭人口", "int"),
        Col("income", "年收入(元)", "money"),
        Col("housing", "住房"),
        Col("health", "健康状况"),
        Col("employment", "就业"),
        Col("hardship", "致困原因"),
        Col("cadence", "走访周期(天)", "int"),
        Col("status", "状态"),
        Col("exit_reason", "退出原因"),
        Col("exited_on", "退出日期", "date"),
        Col("enrolled_on", "纳入日期", "date"),
        Col("last_visit", "上次走访", "date"),
        Col("due_date", "应访日期", "date"),
    ],
    "members": [
        Col("household", "户号"),
        Col("household_name", "户主"),
        Col("id", "编号", "int"),
        Col("name", "姓名"),
        Col("relation", "与户主关系"),
        Col("birth_year", "出生年份", "int"),
        Col("health", "健康状况"),
        Col("id_number", "身份证号"),
    ],
    "visits": [
        Col("id", "编号", "int"),
        Col("date", "走访日期", "date"),
        Col("household", "户号"),
        Col("name", "户主"),
        Col("village", "村/社区"),
        Col("kind", "走访类型"),
        Col("cadres", "走访干部"),
        Col("notes", "走访情况"),
        Col("needs", "诉求"),
        Col("suggestions", "意见建议"),
        Col("wishes", "微心愿"),
        Col("gifts", "送达物品"),
        Col("next", "下次走访", "date"),
        Col("recorded_at", "录入时间", "datetime"),
        Col("operator", "录入人"),
    ],
    "commitments": [
        Col("id", "编号", "int"),
        Col("household", "户号"),
        Col("name", "户主"),
        Col("village", "村/社区"),
        Col("text", "承诺事项"),
        Col("cadre", "责任干部"),
        Col("opened_on", "提出日期", "date"),
        Col("due_date", "办结期限", "date"),
        Col("status", "状态"),
        Col("days_overdue", "逾期天数", "int"),
        Col("closed_on", "办结日期", "date"),
        Col("resolution", "办理结果"),
        Col("referred_to", "转交单位"),
        Col("visit", "走访编号", "int"),
        Col("responses", "办理记录"),
    ],
    "ledger": [
        Col("seq", "流水号", "int"),
        Col("date", "日期", "date"),
        Col("fund", "资金编号"),
        Col("fund_name", "资金名称"),
        Col("kind", "类型"),
        Col("amount", "金额(元)", "money"),
        Col("household", "户号"),
        Col("household_name", "户主"),
        Col("cadre", "经办干部"),
        Col("visit", "走访编号", "int"),
        Col("reverses", "冲销流水号", "int"),
        Col("memo", "备注"),
        Col("override", "越权理由"),
        Col("operator", "操作人"),
        Col("recorded_at", "录入时间", "datetime"),
        Col("hash", "哈希"),
    ],
}
SHEET_ZH = {
    "households": "帮扶对象",
    "members": "家庭成员",
    "visits": "走访记录",
    "commitments": "承诺事项",
    "ledger": "资金流水",
}


# ------------------------------------------------------------------ reading rows


class _Details:
    """A detail table's rows grouped by their parent id, read in parent-id order and taken
    for ascending parent ids: a streaming merge join. ``fold`` turns one parent's rows
    (the id first) into the value the export shows; :meth:`take` gives ``empty`` for a
    parent without rows."""

    __slots__ = ("_groups", "_fold", "_key", "_rows")
    _key: Any  # the parent id of the group at hand; None when the rows are used up
    _rows: Any

    def __init__(self, result, fold: Callable[[Iterator[Any]], Any]) -> None:
        self._groups = itertools.groupby(result, key=itemgetter(0))
        self._fold = fold
        self._key, self._rows = next(self._groups, (None, None))

    def take(self, key: int, empty: Any) -> Any:
        while self._key is not None and self._key < key:
            self._key, self._rows = next(self._groups, (None, None))
        if self._key != key:
            return empty
        value = self._fold(self._rows)  # before moving on: that invalidates the group
        self._key, self._rows = next(self._groups, (None, None))
        return value


class _CadreNames(dict):
    """Cadre ids to what the export shows; an id with no cadre (none should) shows as is."""

    def __missing__(self, cadre_id: int) -> str:
        return str(cadre_id)


class _Reader:
    """Each table's rows, in the columns' order, as plain Python values.

    Read with SQLAlchemy Core on the session's connection, not through the ORM: for a
    million visits the ORM's result machinery cost more than the query itself.
    """

    def __init__(self, session, *, lang: str, reveal: bool, today: dt.date) -> None:
        from sqlalchemy import select

        from zoufang.models import Cadre, Category

        self.connection = session.connection()
        self.lang, self.reveal, self.today = lang, reveal, today
        self.sep = "、" if lang == "zh" else "; "
        cadres = self.connection.execute(select(Cadre.id, Cadre.code, Cadre.name)).all()
        # Chinese sheets name cadres (a code means nothing to a reader); English ones give
        # codes. `enroll --from` accepts either.
        self.cadre_by_id = _CadreNames(
            {i: (name if lang == "zh" else code) for i, code, name in cadres}
        )
        self.cadre_by_code = {code: (name if lang == "zh" else code) for _, code, name in cadres}
        self.category = (
            {
                c: label
                for c, label in self.connection.execute(select(Category.code, Category.label))
            }
            if lang == "zh"
            else {}
        )

    def _stream(self, statement):
        return self.connection.execute(statement.execution_options(yield_per=BATCH))

    def _id_number(self, value: str | None) -> str | None:
        if value is None or self.reveal:
            return value
        from zoufang.parsing import mask_id_number

        return mask_id_number(value)

    def _label(self, mapping: dict[str, str], code: str | None) -> str | None:
        from zoufang.labels import label

        return label(mapping, code, self.lang)

    def rows(self, table: str) -> Iterator[tuple]:
        return getattr(self, "_" + table)()

    def count(self, table: str) -> int:
        from sqlalchemy import func, select

        from zoufang import models

        model = {
            "households": models.Household,
            "members": models.Member,
            "visits": models.Visit,
            "commitments": models.Commitment,
            "ledger": models.LedgerEntry,
        }[table]
        return self.connection.execute(select(func.count()).select_from(model)).scalar_one()

    def _households(self) -> Iterator[tuple]:
        from sqlalchemy import select

        from zoufang.labels import HOUSEHOLD_STATUS_ZH
        from zoufang.models import Assignment, Household, HouseholdCategory

        H = Household
        label, cadre, sep = self.category, self.cadre_by_id, self.sep
        categories = _Details(
            self._stream(
                select(HouseholdCategory.household_id, HouseholdCategory.category_code).order_by(
                    HouseholdCategory.household_id, HouseholdCategory.category_code
                )
            ),
            lambda rows: sep.join(label.get(c, c) for _, c in rows),
        )
        cadres = _Details(
            self._stream(
                select(Assignment.household_id, Assignment.cadre_id).order_by(
                    Assignment.household_id, Assignment.cadre_id
                )
            ),
            lambda rows: sep.join(cadre[c] for _, c in rows),
        )
        for h in self._stream(
            select(
                H.id,
                H.code,
                H.head_name,
                H.id_number,
                H.village,
                H.grid,
                H.address,
                H.phone,
                H.members_count,
                H.income_fen,
                H.housing,
                H.health,
                H.employment,
                H.hardship,
                H.cadence_days,
                H.status,
                H.exit_reason,
                H.exited_on,
                H.enrolled_on,
                H.last_visit_on,
                H.due_date,
            ).order_by(H.id)
        ):
            yield (
                h.code,
                h.head_name,
                self._id_number(h.id_number),
                h.village,
                h.grid,
                h.address,
                h.phone,
                categories.take(h.id, ""),
                cadres.take(h.id, ""),
                h.members_count,
                h.income_fen,
                h.housing,
                h.health,
                h.employment,
                h.hardship,
                h.cadence_days,
                self._label(HOUSEHOLD_STATUS_ZH, h.status),
                h.exit_reason,
                h.exited_on,
                h.enrolled_on,
                h.last_visit_on,
                h.due_date if h.status == HOUSEHOLD_ACTIVE else None,  # never due once exited
            )

    def _members(self) -> Iterator[tuple]:
        from sqlalchemy import select

        from zoufang.models import Household, Member

        M = Member
        for m in self._stream(
            select(
                Household.code,
                Household.head_name,
                M.id,
                M.name,
                M.relation,
                M.birth_year,
                M.health,
                M.id_number,
            )
            .join(Household, Household.id == M.household_id)
            .order_by(M.id)
        ):
            yield (*m[:7], self._id_number(m.id_number))

    def _visits(self) -> Iterator[tuple]:
        from sqlalchemy import select

        from zoufang.labels import VISIT_KIND_ZH
        from zoufang.models import Commitment, Household, Visit, VisitCadre, VisitItem

        V = Visit
        cadre, sep = self.cadre_by_id, self.sep
        kinds = VISIT_KIND_ZH if self.lang == "zh" else {}

        def heard(rows) -> tuple[str, str, str]:
            said: dict[str, list[str]] = {"suggestion": [], "wish": [], "gift": []}
            for _, kind, text in rows:
                said.setdefault(kind, []).append(text)
            return sep.join(said["suggestion"]), sep.join(said["wish"]), sep.join(said["gift"])

        cadres = _Details(
            self._stream(
                select(VisitCadre.visit_id, VisitCadre.cadre_id).order_by(
                    VisitCadre.visit_id, VisitCadre.cadre_id
                )
            ),
            lambda rows: sep.join([cadre[c] for _, c in rows]),
        )
        items = _Details(
            self._stream(
                select(VisitItem.visit_id, VisitItem.kind, VisitItem.text).order_by(
                    VisitItem.visit_id, VisitItem.id
                )
            ),
            heard,
        )
        needs = _Details(
            self._stream(
                select(Commitment.visit_id, Commitment.text)
                .where(Commitment.visit_id.is_not(None))
                .order_by(Commitment.visit_id, Commitment.id)
            ),
            lambda rows: sep.join([t for _, t in rows]),
        )
        nothing_heard = ("", "", "")
        for (
            visit_id,
            date,
            code,
            name,
            village,
            kind,
            notes,
            next_date,
            recorded_at,
            operator,
        ) in self._stream(
            select(
                V.id,
                V.visit_date,
                Household.code,
                Household.head_name,
                Household.village,
                V.kind,
                V.notes,
                V.next_date,
                V.recorded_at,
                V.operator,
            )
            .join(Household, Household.id == V.household_id)
            .order_by(V.id)
        ):
            suggestions, wishes, gifts = items.take(visit_id, nothing_heard)
            yield (
                visit_id,
                date,
                code,
                name,
                village,
                kinds.get(kind, kind),
                cadres.take(visit_id, ""),
                notes,
                needs.take(visit_id, ""),
                suggestions,
                wishes,
                gifts,
                next_date,
                recorded_at,
                operator,
            )

    def _commitments(self) -> Iterator[tuple]:
        from sqlalchemy import select

        from zoufang.labels import COMMITMENT_STATUS_ZH
        from zoufang.models import COMMITMENT_CLOSED, Commitment, CommitmentResponse, Household

        C = Commitment
        cadre, today = self.cadre_by_id, self.today
        statuses = COMMITMENT_STATUS_ZH if self.lang == "zh" else {}
        responses = _Details(
            self._stream(
                select(
                    CommitmentResponse.commitment_id,
                    CommitmentResponse.response_date,
                    CommitmentResponse.action,
                    CommitmentResponse.note,
                ).order_by(
                    CommitmentResponse.commitment_id,
                    CommitmentResponse.response_date,
                    CommitmentResponse.id,
                )
            ),
            lambda rows: "\n".join(
                f"{d.isoformat()} {statuses.get(a, a)}: {n}" for _, d, a, n in rows
            ),
        )
        for c in self._stream(
            select(
                C.id,
                Household.code,
                Household.head_name,
                Household.village,
                C.text,
                C.cadre_id,
                C.opened_on,
                C.due_date,
                C.status,
                C.closed_on,
                C.resolution,
                C.referred_to,
                C.visit_id,
            )
            .join(Household, Household.id == C.household_id)
            .order_by(C.id)
        ):
            overdue = None if c.status in COMMITMENT_CLOSED else (today - c.due_date).days
            yield (
                c.id,
                c.code,
                c.head_name,
                c.village,
                c.text,
                cadre.get(c.cadre_id),
                c.opened_on,
                c.due_date,
                statuses.get(c.status, c.status),
                overdue,
                c.closed_on,
                c.resolution,
                c.referred_to,
                c.visit_id,
                responses.take(c.id, ""),
            )

    def _ledger(self) -> Iterator[tuple]:
        from sqlalchemy import select

        from zoufang.labels import LEDGER_KIND_ZH
        from zoufang.models import Fund, Household, LedgerEntry

        E = LedgerEntry
        kinds = LEDGER_KIND_ZH if self.lang == "zh" else {}
        cadre = self.cadre_by_code
        for e in self._stream(
            select(
                E.seq,
                E.entry_date,
                E.fund_code,
                Fund.name,
                E.kind,
                E.amount_fen,
                E.household_code,
                Household.head_name,
                E.cadre_code,
                E.visit_id,
                E.reverses_seq,
                E.memo,
                E.override_reason,
                E.operator,
                E.recorded_at,
                E.hash,
            )
            .join(Fund, Fund.code == E.fund_code)
            .outerjoin(Household, Household.code == E.household_code)
            .order_by(E.seq)
        ):
            yield (
                e.seq,
                e.entry_date,
                e.fund_code,
                e.name,
                kinds.get(e.kind, e.kind),
                e.amount_fen,
                e.household_code,
                e.head_name,
                None if e.cadre_code is None else cadre.get(e.cadre_code, e.cadre_code),
                e.visit_id,
                e.reverses_seq,
                e.memo,
                e.override_reason,
                e.operator,
                e.recorded_at,
                e.hash,
            )


# ------------------------------------------------------------------ writing files


def _json_converters(columns: list[Col]) -> list[Callable[[Any], Any]]:
    """Per column: the value as a JSON value."""
    from zoufang.parsing import format_money

    def text(v):
        return v if v else None  # an empty list (no cadres, no gifts) is null, like no value

    def plain(v):
        return v

    def money(v):
        return None if v is None else format_money(v, grouping=False)

    def date(v):
        return None if v is None else v.isoformat()

    def stamp(v):
        return None if v is None else v.isoformat(sep=" ", timespec="seconds")

    by_kind = {"text": text, "int": plain, "money": money, "date": date, "datetime": stamp}
    return [by_kind[c.kind] for c in columns]


def _write_csv(
    out: IO[str], columns: list[Col], rows: Iterator[tuple], lang: str, tick: Callable[[], None]
) -> int:
    """Rows as CSV: text neutralised (as :func:`safe_cell`), dates ISO, money in yuan with
    two decimals, ``None`` an empty cell and numbers as ``str``.

    A million visits go through this loop, so it does no more than it must per cell: no
    function call per cell, and what the csv module does itself is left to it (it writes
    ``None`` as an empty cell and a number as its ``str``). Rows are written a batch at a
    time, and reach ``out`` in one piece each.
    """
    from zoufang.parsing import format_money

    def where(kind: str) -> list[int]:
        return [i for i, c in enumerate(columns) if c.kind == kind]

    texts, dates, stamps, money = where("text"), where("date"), where("datetime"), where("money")
    width, triggers = len(columns), _TRIGGER_CHARS
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([c.header(lang) for c in columns])
    batch: list[list] = []
    n = 0
    for n, row in enumerate(rows, 1):
        cells = list(row)
        if len(cells) != width:
            raise ValueError(f"a row of {len(cells)} cells for {width} columns")
        for i in texts:
            v = cells[i]
            if v and v[0] in triggers:
                cells[i] = "'" + v
        for i in dates:
            v = cells[i]
            if v is not None:
                cells[i] = v.isoformat()
        for i in stamps:
            v = cells[i]
            if v is not None:
                cells[i] = v.isoformat(sep=" ", timespec="seconds")
        for i in money:
            v = cells[i]
            if v is not None:
                cells[i] = format_money(v, grouping=False)
        batch.append(cells)
        if n % BATCH == 0:
            writer.writerows(batch)
            batch.clear()
            out.write(buffer.getvalue())
            buffer.seek(0)
            buffer.truncate()
            tick()
    writer.writerows(batch)
    out.write(buffer.getvalue())
    return n


def _write_json_array(
    out: IO[str],
    columns: list[Col],
    rows: Iterator[tuple],
    tick: Callable[[], None],
    indent: str = "",
) -> int:
    keys = [c.key for c in columns]
    convert = _json_converters(columns)
    out.write("[")
    n = 0
    for n, row in enumerate(rows, 1):
        obj = {k: f(v) for k, f, v in zip(keys, convert, row, strict=True)}
        out.write(("\n" if n == 1 else ",\n") + indent + "  " + json.dumps(obj, ensure_ascii=False))
        if n % BATCH == 0:
            tick()
    out.write(("\n" + indent + "]") if n else "]")
    return n


def _display_width(text: str) -> int:
    """Columns a text takes in Excel: CJK characters (3 bytes in UTF-8) count double."""
    return (len(text.encode("utf-8")) + len(text)) // 2


class _Xlsx:
    """A workbook in constant-memory mode: rows go to disk as they are written."""

    def __init__(self, path: Path) -> None:
        import xlsxwriter

        self.book = xlsxwriter.Workbook(
            str(path),
            {
                "constant_memory": True,
                "strings_to_numbers": False,
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "default_date_format": "yyyy-mm-dd",
            },
        )
        self.head = self.book.add_format(
            {"bold": True, "bg_color": "#E8EEF4", "border": 1, "text_wrap": True, "valign": "top"}
        )
        self.formats = {
            "money": self.book.add_format({"num_format": "#,##0.00"}),
            "date": self.book.add_format({"num_format": "yyyy-mm-dd"}),
            "datetime": self.book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"}),
        }

    def table(
        self,
        name: str,
        columns: list[Col],
        rows: Iterator[tuple],
        lang: str,
        tick: Callable[[], None],
    ) -> int:
        title = SHEET_ZH[name] if lang == "zh" else name
        sheet, part, r, n = None, 0, 0, 0
        widths = [_display_width(c.header(lang)) for c in columns]
        kinds = [c.kind for c in columns]
        money, date, stamp = self.formats["money"], self.formats["date"], self.formats["datetime"]
        for row in rows:
            if sheet is None or r > XLSX_MAX_ROWS:
                if sheet is not None:
                    self._finish(sheet, columns, widths, r)
                part += 1
                sheet = self.book.add_worksheet(title if part == 1 else f"{title} {part}")
                sheet.freeze_panes(1, 0)
                for col, c in enumerate(columns):
                    sheet.write_string(0, col, c.header(lang), self.head)
                r = 1
            for col, (kind, value) in enumerate(zip(kinds, row, strict=True)):
                if value is None or value == "":
                    continue  # an empty cell costs nothing; most visits hear no wish
                if kind == "text":
                    sheet.write_string(r, col, safe_cell(value))
                    if n < WIDTH_SAMPLE:
                        widths[col] = max(widths[col], _display_width(value))
                elif kind == "money":
                    sheet.write_number(r, col, value / 100, money)
                elif kind == "int":
                    sheet.write_number(r, col, value)
                elif kind == "date":
                    sheet.write_datetime(r, col, value, date)
                else:
                    sheet.write_datetime(r, col, value, stamp)
            r += 1
            n += 1
            if n % BATCH == 0:
                tick()
        if sheet is None:  # an empty table still gets its sheet and headers
            sheet = self.book.add_worksheet(title)
            for col, c in enumerate(columns):
                sheet.write_string(0, col, c.header(lang), self.head)
            r = 1
        self._finish(sheet, columns, widths, r)
        return n

    def _finish(self, sheet, columns: list[Col], widths: list[int], rows: int) -> None:
        fixed = {"date": 11, "datetime": 19, "money": 13, "int": 8}
        for col, c in enumerate(columns):
            width = max(fixed.get(c.kind, 0), widths[col]) + 2
            sheet.set_column(col, col, min(width, 60))
        sheet.autofilter(0, 0, max(rows - 1, 0), len(columns) - 1)

    def close(self) -> None:
        self.book.close()


def export_tables(
    *,
    session,
    tables: list[str],
    fmt: str,
    out: Path | IO[str],
    lang: str,
    reveal: bool,
    today: dt.date,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, int]:
    """Write ``tables`` to ``out`` in ``fmt``; return the number of rows written per table.

    ``out`` is a file path, or for csv with several tables a directory (one
    ``<table>.csv`` each), or an open text stream (json, or csv of one table).
    """
    reader = _Reader(session, lang=lang, reveal=reveal, today=today)
    total = sum(reader.count(t) for t in tables) if progress else 0
    done = [0]

    def tick() -> None:
        done[0] += BATCH
        if progress:
            progress(min(done[0], total), total)

    counts: dict[str, int] = {}
    if fmt == "xlsx":
        book = _Xlsx(Path(out))  # type: ignore[arg-type]
        try:
            for t in tables:
                counts[t] = book.table(t, COLUMNS[t], reader.rows(t), lang, tick)
        finally:
            book.close()
    elif fmt == "csv":
        for t in tables:
            if isinstance(out, Path):
                target = out / f"{t}.csv" if out.is_dir() else out
                with open(target, "w", encoding="utf-8-sig", newline="") as f:
                    counts[t] = _write_csv(f, COLUMNS[t], reader.rows(t), lang, tick)
            else:
                counts[t] = _write_csv(out, COLUMNS[t], reader.rows(t), lang, tick)
    elif fmt == "json":
        f = open(out, "w", encoding="utf-8") if isinstance(out, Path) else out  # noqa: SIM115
        try:
            if len(tables) == 1:
                counts[tables[0]] = _write_json_array(
                    f, COLUMNS[tables[0]], reader.rows(tables[0]), tick
                )
            else:
                f.write("{")
                for i, t in enumerate(tables):
                    f.write(("\n" if i == 0 else ",\n") + f"  {json.dumps(t)}: ")
                    counts[t] = _write_json_array(f, COLUMNS[t], reader.rows(t), tick, indent="  ")
                f.write("\n}")
            f.write("\n")
        finally:
            if isinstance(out, Path):
                f.close()
    else:
        raise ValueError(f"unknown export format {fmt!r}")
    if progress:
        progress(total, total)
    return counts
