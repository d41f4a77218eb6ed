"""A long sheet read ahead by a second process (xlsx_stream.XlsxBook.rows, _Ahead): the same
rows as read here, its errors told the same way, and the rest read here if it stops."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from test_xlsx_stream import _raw_book
from zoufang.services import xlsx_stream
from zoufang.services.xlsx_stream import Unreadable, XlsxBook


@pytest.fixture
def small_batches(monkeypatch):
    """Read ahead from 50 rows on, 10 read here first, 7 to a message."""
    monkeypatch.setattr(xlsx_stream, "AHEAD_ROWS", 50)
    monkeypatch.setattr(xlsx_stream, "HERE_ROWS", 10)
    monkeypatch.setattr(xlsx_stream, "AHEAD_BATCH", 7)
    monkeypatch.delenv("ZOUFANG_READ_AHEAD", raising=False)


def _long_book(path: Path, rows: int = 300) -> None:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    dates = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet = book.add_worksheet("走访记录")
    sheet.write_row(0, 0, ["编号", "日期", "金额", "备注"])
    for r in range(1, rows):
        if r % 41 == 0:
            continue  # a blank row now and then
        sheet.write_string(r, 0, f"V{r:05d}")
        sheet.write_datetime(r, 1, dt.datetime(2026, 1, 1) + dt.timedelta(days=r % 60), dates)
        sheet.write_number(r, 2, r * 1.5)
        sheet.write_string(r, 3, "入户走访 & 谈心" if r % 3 else "")
    sheet.write_string(rows + 1, 0, "制表人：张三")
    book.close()


def _spawned(monkeypatch) -> list[int]:
    """How many reading processes were started (their ``after`` rows)."""
    started: list[int] = []
    real = xlsx_stream._Ahead.__init__

    def counting(self, path, member, after):
        started.append(after)
        real(self, path, member, after)

    monkeypatch.setattr(xlsx_stream._Ahead, "__init__", counting)
    return started


def test_a_long_sheet_read_ahead_gives_the_rows_read_here(tmp_path, small_batches, monkeypatch):
    path = tmp_path / "long.xlsx"
    _long_book(path)
    book = XlsxBook(str(path))
    member = book.sheets[0][1]
    started = _spawned(monkeypatch)
    ahead = list(book.rows(member))
    here = list(book.rows_here(member))
    assert started == [here[9][0]]  # started once, after the 10 rows read here
    assert ahead == here
    assert [type(c) for c in ahead[50][1]] == [str, dt.date, float, str]
    assert len(here) > 250


def test_a_pass_that_stops_early_starts_no_process(tmp_path, small_batches, monkeypatch):
    path = tmp_path / "long.xlsx"
    _long_book(path)
    book = XlsxBook(str(path))
    started = _spawned(monkeypatch)
    rows = book.rows(book.sheets[0][1])
    first = [next(rows) for _ in range(5)]
    rows.close()
    assert started == [] and first[0][1][0] == "编号"


def test_a_short_sheet_and_the_switch_read_here(tmp_path, small_batches, monkeypatch):
    path = tmp_path / "long.xlsx"
    _long_book(path, rows=40)  # under AHEAD_ROWS
    started = _spawned(monkeypatch)
    book = XlsxBook(str(path))
    assert list(book.rows(book.sheets[0][1])) == list(book.rows_here(book.sheets[0][1]))
    _long_book(path, rows=300)
    monkeypatch.setenv("ZOUFANG_READ_AHEAD", "0")
    book = XlsxBook(str(path))
    assert list(book.rows(book.sheets[0][1])) == list(book.rows_here(book.sheets[0][1]))
    assert started == []


def test_a_reading_process_that_dies_leaves_the_rest_to_this_one(
    tmp_path, small_batches, monkeypatch
):
    """Killed after its second message: every row still comes, once, in order."""
    path = tmp_path / "long.xlsx"
    _long_book(path)
    dying = xlsx_stream._READER.replace(
        "from zoufang.services.xlsx_stream import serve\n",
        "import os, pickle\n"
        "from zoufang.services import xlsx_stream\n"
        "xlsx_stream.AHEAD_BATCH = 7\n"
        "real, sent = pickle.dump, []\n"
        "def dump(*a, **k):\n"
        "    if len(sent) == 2:\n"
        "        os._exit(9)\n"
        "    sent.append(1)\n"
        "    real(*a, **k)\n"
        "pickle.dump = dump\n"
        "serve = xlsx_stream.serve\n",
    )
    monkeypatch.setattr(xlsx_stream, "_READER", dying)
    book = XlsxBook(str(path))
    member = book.sheets[0][1]
    assert list(book.rows(member)) == list(book.rows_here(member))


def test_a_reading_process_that_cannot_start_leaves_it_all_here(
    tmp_path, small_batches, monkeypatch
):
    import sys

    path = tmp_path / "long.xlsx"
    _long_book(path)
    monkeypatch.setattr(sys, "executable", str(tmp_path / "no-such-python"))
    book = XlsxBook(str(path))
    member = book.sheets[0][1]
    assert list(book.rows(member)) == list(book.rows_here(member))


def _seventy_nine_rows_and(path: Path, last: str) -> tuple[XlsxBook, str]:
    """A hand-made sheet: rows 1–79 holding their number, then the XML ``last``."""
    rows = "".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>' for r in range(1, 80))
    _raw_book(path, rows + last, head='<dimension ref="A1:A80"/>')
    book = XlsxBook(str(path))
    return book, book.sheets[0][1]


def test_its_error_is_told_as_the_one_read_here(tmp_path, small_batches):
    """A cell this reader does not read, far down the sheet: the rows before it, then the
    same Unreadable with the same words, read ahead (the reading process stops, and this one
    reads the rest and meets the error itself) or here."""
    book, member = _seventy_nine_rows_and(
        tmp_path / "odd.xlsx", '<row r="80"><c r="A80"><x>odd</x></c></row>'
    )
    got: dict[str, tuple[list, str]] = {}
    for how, stream in (("ahead", book.rows), ("here", book.rows_here)):
        seen: list = []
        with pytest.raises(Unreadable) as caught:
            for row in stream(member):
                seen.append(row)
        got[how] = (seen, str(caught.value))
    assert got["ahead"] == got["here"]
    assert len(got["here"][0]) == 79 and "row 80" in got["here"][1]


def test_a_row_number_given_again_far_down_is_kept(tmp_path, small_batches):
    """A hand-made sheet that goes back to row 3 after row 79: every row the XML holds, in
    its order, read ahead as read here (rows are counted, not skipped by number)."""
    book, member = _seventy_nine_rows_and(
        tmp_path / "again.xlsx", '<row r="3"><c r="A3"><v>333</v></c></row>'
    )
    here = list(book.rows_here(member))
    assert len(here) == 80 and here[-1] == (3, [333.0])
    assert list(book.rows(member)) == here


def test_the_import_of_a_long_sheet_read_ahead_is_the_import_read_here(
    tmp_path, new_ledger, small_batches, monkeypatch
):
    """The whole command, read ahead and read here: the same answer, the same ledger."""
    import json

    from helpers import cli_env, invoke, ok

    env = cli_env(new_ledger("source"))
    ok(invoke("demo", "--households", "40", "--funds", env=env))
    export = tmp_path / "export.xlsx"
    ok(invoke("export", "--out", export, "--reveal", env=env))
    started = _spawned(monkeypatch)
    answers = {}
    for how in ("1", "0"):
        monkeypatch.setenv("ZOUFANG_READ_AHEAD", how)
        path = new_ledger(f"into-{how}")
        target = cli_env(path)
        answer = json.loads(ok(invoke("import", export, "--format", "json", env=target)).stdout)
        audit = json.loads(ok(invoke("audit", "funds", "--format", "json", env=target)).stdout)
        answers[how] = (answer, audit, _tables(path))
        if how == "1":
            assert started, "no sheet was read ahead"
    assert answers["1"] == answers["0"]


def _tables(ledger) -> dict[str, list]:
    """Every table's rows (by the schema's own tables, on either backend), in id order where
    the table has one; the times of recording left out."""
    from sqlalchemy import select

    from zoufang.db import Ledger
    from zoufang.tables import metadata

    out = {}
    with Ledger(str(ledger)).session(write=False, operator="test", command="test") as s:
        conn = s.connection()
        for table in metadata.sorted_tables:
            columns = [c for c in table.columns if c.key not in ("at", "recorded_at", "txid")]
            query = select(*columns)
            if "id" in table.c:
                query = query.order_by(table.c.id)
            elif "seq" in table.c:
                query = query.order_by(table.c.seq)
            out[table.name] = sorted(map(repr, conn.execute(query)))
    return out
