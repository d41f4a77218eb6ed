"""The streamed ``.xlsx`` reader (services/xlsx_stream) gives every cell as calamine does
(issue 17: a county's workbook read row by row, never whole)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import cli_env, invoke, ok
from zoufang.services import xlsx_stream
from zoufang.services.roster_file import cell_text
from zoufang.services.workbook_file import read_workbook
from zoufang.services.xlsx_stream import XlsxBook, is_date_format


def _trimmed(rows) -> dict[int, list]:
    """Row number → cells, trailing empty cells and empty rows left out (calamine pads every
    row to the sheet's width and lists empty rows; the stream gives the rows the XML has)."""
    out = {}
    for line, cells in rows:
        cells = list(cells)
        while cells and cells[-1] == "":
            cells.pop()
        if cells:
            out[line] = cells
    return out


def _calamine(path: Path) -> dict[str, dict[int, list]]:
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(path))
    return {
        name: _trimmed(enumerate(book.get_sheet_by_name(name).to_python(skip_empty_area=False), 1))
        for name in book.sheet_names
    }


def _streamed(path: Path) -> dict[str, dict[int, list]]:
    book = XlsxBook(str(path))
    return {name: _trimmed(book.rows(member)) for name, member in book.sheets}


def _same(path: Path) -> None:
    theirs, mine = _calamine(path), _streamed(path)
    assert list(mine) == list(theirs)
    for name in theirs:
        assert mine[name] == theirs[name], name
        # and the same types (a date stays a date, a number a float)
        for line, cells in theirs[name].items():
            assert [type(c) for c in mine[name][line]] == [type(c) for c in cells]


@pytest.fixture
def exports(tmp_path, new_ledger) -> list[Path]:
    """A demo ledger's export in Chinese and English, and the Chinese one as an office's
    spreadsheet program saves it again (shared strings, its own attributes)."""
    import openpyxl

    tmp = tmp_path
    env = cli_env(new_ledger("source"))
    ok(invoke("demo", "--households", "30", "--funds", env=env))
    out = []
    for lang in ("zh", "en"):
        path = tmp / f"export-{lang}.xlsx"
        ok(invoke("export", "--out", path, "--reveal", "--lang", lang, env=env))
        out.append(path)
    resaved = tmp / "resaved.xlsx"
    openpyxl.load_workbook(out[0]).save(resaved)
    out.append(resaved)
    return out


def test_every_export_reads_as_calamine_reads_it(exports):
    for path in exports:
        _same(path)


def test_the_import_reads_the_same_rows_streamed(exports, monkeypatch):
    """read_workbook over the stream and over calamine (the stream refused): same sheets,
    same headers, same rows, same footers."""
    streamed = read_workbook(exports[0])

    def refuse(path):
        raise xlsx_stream.Unreadable("refused for the test")

    monkeypatch.setattr(xlsx_stream, "XlsxBook", refuse)
    whole = read_workbook(exports[0])
    assert list(streamed.sheets) == list(whole.sheets)
    for kind, sheet in streamed.sheets.items():
        other = whole.sheets[kind]
        assert (sheet.headers, sheet.header_row, sheet.index) == (
            other.headers,
            other.header_row,
            other.index,
        )
        mine = [(n, line, [cell_text(c) for c in cells]) for n, line, cells in sheet.rows]
        theirs = [(n, line, [cell_text(c) for c in cells]) for n, line, cells in other.rows]
        assert _texts(mine) == _texts(theirs)
        assert len(sheet.rows) == sum(1 for _ in sheet.rows)
        assert sheet.footer == other.footer


def _texts(rows):
    """The rows that hold text, trailing empty cells left out."""
    out = []
    for name, line, cells in rows:
        while cells and cells[-1] == "":
            cells = cells[:-1]
        if cells:
            out.append((name, line, cells))
    return out


def _gaps_book(path: Path) -> None:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("走访记录")
    sheet.write_string(2, 0, "编号")  # rows 1-2 empty
    sheet.write_string(2, 3, "日期")  # columns B, C empty
    sheet.write_string(5, 27, "AB")  # a far column, rows between missing
    sheet.write_string(6, 0, "制表人：张三")
    book.close()


def test_gaps_in_rows_and_columns_keep_their_places(tmp_path):
    path = tmp_path / "gaps.xlsx"
    _gaps_book(path)
    _same(path)
    rows = dict(XlsxBook(str(path)).rows(XlsxBook(str(path)).sheets[0][1]))
    assert rows[3] == ["编号", "", "", "日期"]
    assert rows[6][27] == "AB" and len(rows[6]) == 28


def test_a_footer_under_the_rows_is_set_aside_after_a_pass(tmp_path):
    import xlsxwriter

    path = tmp_path / "f.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("走访记录")
    for col, header in enumerate(("编号", "走访日期", "户号")):
        sheet.write_string(0, col, header)
    sheet.write_row(1, 0, ["1", "2026-01-02", "H1"])
    sheet.write_row(3, 0, ["备注：下面有数据"])  # a footer-like row with data under it
    sheet.write_row(4, 0, ["2", "2026-01-03", "H2"])
    sheet.write_row(6, 0, ["制表人：张三"])
    sheet.write_row(7, 0, ["审核人：李四"])
    book.close()
    visits = read_workbook(path).sheets["visits"]
    lines = [line for _n, line, _c in visits.rows]
    assert lines == [2, 4, 5]
    assert visits.footer == [("走访记录", 7, "制表人：张三"), ("走访记录", 8, "审核人：李四")]
    assert len(visits.rows) == 3


@pytest.mark.parametrize(
    ("code", "date"),
    [
        ("yyyy-mm-dd", True),
        ('yyyy"年"m"月"d"日"', True),
        ("[$-804]yyyy年m月d日", True),
        ("hh:mm:ss", True),
        ("#,##0.00", False),
        ("0.00_);[Red](0.00)", False),
        ('"days"0', False),
        ("@", False),
    ],
)
def test_custom_number_formats_that_show_dates(code, date):
    assert is_date_format(code) is date


# Cell values: text with XML's special characters, CJK, spaces, control characters Excel
# escapes (_xHHHH_), numbers, whole-day dates, date-times to the second, booleans.
_TEXT = (
    st.lists(
        st.sampled_from(
            [*"ab <>&\"'走访记录帮扶_x0D;&#\t\n12\x01", "_x000D_", "&amp;", "\U00020000"]
        ),
        min_size=1,
        max_size=10,
    )
    .map("".join)
    .filter(lambda t: t.strip() == t and t)
)
_CELL = st.one_of(
    st.none(),
    _TEXT,
    # as xlsxwriter writes them (%.16G): 15 significant digits survive it
    st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False).map(
        lambda f: float(f"{f:.15g}")
    ),
    st.integers(min_value=-(10**9), max_value=10**9),
    st.dates(min_value=dt.date(1901, 1, 1), max_value=dt.date(2099, 12, 31)),
    st.datetimes(min_value=dt.datetime(1901, 1, 1), max_value=dt.datetime(2099, 12, 31)).map(
        lambda d: d.replace(microsecond=0)
    ),
    st.booleans(),
)
_GRID = st.lists(st.lists(_CELL, min_size=1, max_size=6), min_size=1, max_size=6)


def _write(path: Path, grid, writer: str) -> None:
    if writer == "openpyxl":
        import openpyxl

        wb = openpyxl.Workbook()
        ws = wb.create_sheet("data")
        wb.remove(wb.active)
        for r, row in enumerate(grid, 1):
            for c, value in enumerate(row, 1):
                if value is not None:
                    cell = ws.cell(row=r, column=c, value=value)
                    if isinstance(value, dt.datetime):
                        cell.number_format = "yyyy-mm-dd hh:mm:ss"
                    elif isinstance(value, dt.date):
                        cell.number_format = "yyyy-mm-dd"
        wb.save(path)
        return
    import xlsxwriter

    book = xlsxwriter.Workbook(
        str(path), {"constant_memory": writer == "xlsxwriter-stream", "strings_to_numbers": False}
    )
    sheet = book.add_worksheet("data")
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    moment = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    for r, row in enumerate(grid):
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, bool):
                sheet.write_boolean(r, c, value)
            elif isinstance(value, dt.datetime):
                sheet.write_datetime(r, c, value, moment)
            elif isinstance(value, dt.date):
                sheet.write_datetime(r, c, value, day)
            elif isinstance(value, str):
                sheet.write_string(r, c, value)
            else:
                sheet.write_number(r, c, value)
    book.close()


def _plain(value):
    if not isinstance(value, str):
        return value
    value = value.replace("\x01", "").replace("_x000D_", "").strip()
    return value or None


def _expected(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return value
    if isinstance(value, dt.datetime):
        return value.date() if value.time() == dt.time() else value
    if isinstance(value, (int, float)):
        return float(value)
    return value


@pytest.mark.parametrize("writer", ["xlsxwriter-stream", "xlsxwriter", "openpyxl"])
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(grid=_GRID)
def test_cells_read_as_calamine_reads_them(tmp_path, writer, grid):
    path = tmp_path / f"{writer}.xlsx"
    if writer == "openpyxl":  # it refuses control characters, does not escape "_x000D_"
        grid = [[_plain(v) for v in row] for row in grid]
    _write(path, grid, writer)
    _same(path)
    mine = _streamed(path)["data"]
    for r, row in enumerate(grid, 1):
        want = [_expected(v) for v in row]
        while want and want[-1] == "":
            want.pop()
        assert mine.get(r, []) == want


def _raw_book(path: Path, sheet_xml: str, head: str = "") -> None:
    """A minimal workbook whose one sheet's XML is ``sheet_xml`` (``head`` before its
    ``<sheetData>``: a ``<dimension>``), as a hand-made tool writes."""
    import zipfile

    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats'
            '.org/package/2006/content-types"><Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType='
            '"application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName='
            '"/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.worksheet+xml"/></Types>'
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
            'schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats'
            '.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships"><sheets><sheet name="走访记录" sheetId="1" '
            'r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
            'schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
            'Target="worksheets/sheet1.xml"/></Relationships>'
        ),
        "xl/worksheets/sheet1.xml": (
            '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.'
            'openxmlformats.org/spreadsheetml/2006/main">'
            + head
            + "<sheetData>"
            + sheet_xml
            + "</sheetData></worksheet>"
        ),
    }
    with zipfile.ZipFile(path, "w") as z:
        for name, text in parts.items():
            z.writestr(name, text)


@pytest.mark.parametrize(
    "loose",
    [
        '<row r="1"><c r="A1">\n  <v>42</v>\n</c></row>',  # white space between elements
        '<row r="1"><c r="A1"><v xml:space="preserve">42</v></c></row>',  # <v> with attributes
        "<row r='1'><c r='A1'><v>42</v></c></row>",  # attributes in single quotes
    ],
)
def test_a_layout_the_reader_does_not_read_goes_to_calamine_whole(tmp_path, loose):
    from zoufang.services.xlsx_stream import Unreadable

    path = tmp_path / "loose.xlsx"
    _raw_book(path, loose)
    with pytest.raises(Unreadable):
        XlsxBook(str(path))
    assert _streamed_or_calamine(path) == {"走访记录": {1: [42.0]}} == _calamine(path)


def _streamed_or_calamine(path: Path) -> dict[str, dict[int, list]]:
    from zoufang.services.workbook_file import _excel_sources

    return {name: _trimmed(source()) for name, source, _n in _excel_sources(path)}


def test_errors_entities_and_booleans_read_as_calamine_reads_them(tmp_path):
    path = tmp_path / "cells.xlsx"
    _raw_book(
        path,
        '<row r="1"><c r="A1" t="e"><f>1/0</f><v>#DIV/0!</v></c>'
        '<c r="B1" t="inlineStr"><is><t>a&#150;b&amp;c&lt;&#x4E2D;</t></is></c>'
        '<c r="C1" t="b"><v>TRUE</v></c><c r="D1" t="b"><v>0</v></c></row>',
    )
    assert _streamed(path) == _calamine(path)
    assert _streamed(path)["走访记录"][1] == ["", "a\x96b&c<中", True, False]


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="reads /proc")
def test_no_file_stays_open_after_a_pass(tmp_path):
    import os

    path = tmp_path / "gaps.xlsx"
    _gaps_book(path)
    book = XlsxBook(str(path))
    for _name, member in book.sheets:
        list(book.rows(member))
    opened = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            opened.append(os.readlink(f"/proc/self/fd/{fd}"))
        except OSError:
            continue  # the listing's own descriptor, closed by now
    assert str(path) not in opened
