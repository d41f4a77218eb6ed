"""Rosters in and out: `enroll --from FILE` (CSV/xlsx, all or nothing) and `export`."""

from __future__ import annotations

import csv
import json
import shutil

import pytest

import rawdb
from helpers import valid_id

HEADERS = [
    "序号",
    "姓名",
    "身份证号",
    "村/社区",
    "网格",
    "类别",
    "联系电话",
    "家庭人口",
    "年收入（元）",
    "致困原因",
    "联系干部",
]
ZHANG = valid_id("11010119450307123")
LI = valid_id("11010119520611234")
ZHAO = valid_id("37020320120415561")
WU = valid_id("37020319600101002")


def _rows():
    return [
        [
            "1",
            "张桂兰",
            ZHANG,
            "红星村",
            "一组",
            "低保户、独居老人",
            "13912345678",
            "1",
            "9,600",
            "独居",
            "王建国",
        ],
        ["2", "李有福", LI, "红星村", "二组", "disabled", "", "3", "", "残疾", "C0002"],
        ["3", "赵小军", ZHAO, "东风社区", "", "留守儿童", "0531-87654321", "2", "0", "", ""],
    ]


def write_csv(path, rows, *, headers=HEADERS, encoding="utf-8-sig"):
    with open(path, "w", encoding=encoding, newline="") as f:
        writer = csv.writer(f)
        writer.writerow(headers)
        writer.writerows(rows)
    return path


@pytest.fixture
def cadres(zf):
    assert zf("cadre", "add", "--name", "王建国").exit_code == 0
    assert zf("cadre", "add", "--name", "李梅").exit_code == 0


def households(zf, *args):
    result = zf("household", "list", "--reveal", "--format", "json", *args)
    assert result.exit_code == 0, result.stderr
    return result.json()


# ------------------------------------------------------------------ import


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gb18030"])
def test_csv_roster_with_chinese_headers_is_enrolled(zf, cadres, tmp_path, encoding):
    path = write_csv(tmp_path / "名册.csv", _rows(), encoding=encoding)
    result = zf("enroll", "--from", path, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert result.json()["enrolled"] == 3
    assert result.json()["errors"] == []
    rows = {h["name"]: h for h in households(zf)}
    assert rows["张桂兰"]["categories"] == ["elderly-alone", "low-income"]
    assert rows["张桂兰"]["cadres"] == ["C0001"]  # by the cadre's name
    assert rows["张桂兰"]["income"] == "9600.00"
    assert rows["张桂兰"]["id_number"] == ZHANG
    assert rows["李有福"]["cadres"] == ["C0002"]  # by code
    assert rows["赵小军"]["phone"] == "0531-87654321"
    assert rows["赵小军"]["income"] == "0.00"
    assert [h["code"] for h in households(zf)] == ["H000001", "H000002", "H000003"]
    # never visited: due from the enrolment date, as a single enrol would make it
    assert rows["赵小军"]["due_date"] == "2026-11-23"


def test_import_writes_one_audit_row(zf, cadres, tmp_path, ledger_path):
    path = write_csv(tmp_path / "r.csv", _rows())
    assert zf("enroll", "--from", path).exit_code == 0
    con = rawdb.connect(ledger_path)
    rows = con.execute(
        "SELECT action, object_type, object_key, after FROM audit_log WHERE command = 'enroll'"
    ).fetchall()
    assert [(a, t, k) for a, t, k, _ in rows] == [("import", "roster", "r.csv")]
    after = json.loads(rows[0][3])
    assert after["households"] == 3 and after["first"] == "H000001" and after["last"] == "H000003"
    assert len(after["sha256"]) == 64


def test_unknown_columns_are_kept_in_the_notes_and_said_so(zf, cadres, tmp_path):
    headers = HEADERS + ["备注", "出生日期", "低保证号"]
    rows = [r + ["重点户", "1945-03-07", "LB-0012"] for r in _rows()]
    rows[1][-3:] = ["无", "", "/"]  # nothing to keep: no notes
    path = write_csv(tmp_path / "r.csv", rows, headers=headers)
    result = zf("enroll", "--from", path, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert result.json()["unknown_columns"] == ["低保证号"]
    assert result.json()["notes_columns"] == ["备注", "出生日期", "低保证号"]
    assert result.stderr.splitlines() == [
        "warning: r.csv: columns zoufang does not know, kept in each household's notes: 低保证号",
        "r.csv: kept in each household's notes: 备注, 出生日期",
    ]
    notes = [h["notes"] for h in households(zf)]
    assert notes == ["重点户；出生日期：1945-03-07；低保证号：LB-0012", None, notes[0]]


def test_bad_row_in_the_middle_enrols_nothing_and_names_row_and_column(
    zf, cadres, tmp_path, snapshot_db
):
    rows = _rows()
    rows.insert(
        1,
        [
            "2",
            "钱多多",
            ZHANG[:-1] + ("0" if ZHANG[-1] != "0" else "1"),
            "红星村",
            "",
            "低保",
            "12345",
            "0",
            "-5",
            "",
            "张三",
        ],
    )
    path = write_csv(tmp_path / "r.csv", rows)
    before = snapshot_db()
    result = zf("enroll", "--from", path, "--format", "json")
    assert result.exit_code == 2
    assert snapshot_db() == before
    out = result.json()
    assert out["enrolled"] == 0
    assert [(e["row"], e["field"]) for e in out["errors"]] == [
        (3, "身份证号"),
        (3, "联系电话"),
        (3, "家庭人口"),
        (3, "年收入（元）"),
        (3, "联系干部"),
    ]
    assert "wrong check digit" in out["errors"][0]["error"]
    assert "no cadre '张三'" in out["errors"][4]["error"]
    assert result.stderr.splitlines()[-1] == (
        "error: --from: r.csv: 5 problems in 1 row; nothing was enrolled"
    )


def test_table_output_lists_every_bad_row(zf, cadres, tmp_path):
    rows = _rows()
    rows[0][5] = "外星人"
    rows[2][3] = ""
    path = write_csv(tmp_path / "r.csv", rows)
    result = zf("enroll", "--from", path, "--format", "csv")
    assert result.exit_code == 2
    assert list(csv.reader(result.stdout.splitlines())) == [
        ["row", "field", "error"],
        ["2", "类别", "unknown category '外星人' (see `zoufang category list`)"],
        ["4", "村/社区", "must not be empty"],
    ]


def test_duplicates_within_the_file_and_against_the_ledger(zf, cadres, tmp_path, snapshot_db):
    assert (
        zf(
            "enroll",
            "--name",
            "李有福",
            "--id-number",
            LI,
            "--village",
            "红星村",
            "--category",
            "disabled",
        ).exit_code
        == 0
    )
    rows = _rows() + [["4", "张桂兰", ZHANG, "红星村", "", "低保户", "", "", "", "", ""]]
    path = write_csv(tmp_path / "r.csv", rows)
    before = snapshot_db()
    result = zf("enroll", "--from", path, "--format", "json")
    assert result.exit_code == 2
    assert snapshot_db() == before
    assert result.json()["errors"] == [
        {"row": 3, "field": "身份证号", "error": "already enrolled as household H000001 (李有福)"},
        {"row": 5, "field": "身份证号", "error": "duplicate: the same ID number is in row 2"},
    ]


def test_missing_required_column_is_one_clear_error(zf, cadres, tmp_path, snapshot_db):
    headers = [h for h in HEADERS if h != "身份证号"]
    rows = [[c for i, c in enumerate(r) if HEADERS[i] != "身份证号"] for r in _rows()]
    path = write_csv(tmp_path / "r.csv", rows, headers=headers)
    before = snapshot_db()
    result = zf("enroll", "--from", path)
    assert result.exit_code == 2
    assert snapshot_db() == before
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(
        "error: --from: r.csv: required column missing: 身份证号 (row 1 has: 序号, 姓名,"
    )


def test_wrong_encoding_is_refused(zf, tmp_path, snapshot_db):
    path = tmp_path / "r.csv"
    path.write_bytes("姓名,身份证号\n".encode() + b"\xff\xfe\x80\n")
    before = snapshot_db()
    result = zf("enroll", "--from", path)
    assert result.exit_code == 2
    assert snapshot_db() == before
    assert result.stderr.splitlines() == [
        "error: --from: r.csv is neither UTF-8 nor GB18030 text; save it from Excel as "
        "'CSV UTF-8' or as .xlsx"
    ]


def test_workbook_saved_as_csv_is_named(zf, tmp_path):
    import xlsxwriter

    book = xlsxwriter.Workbook(str(tmp_path / "r.xlsx"))
    book.add_worksheet().write(0, 0, "姓名")
    book.close()
    shutil.copy(tmp_path / "r.xlsx", tmp_path / "r.csv")
    result = zf("enroll", "--from", tmp_path / "r.csv")
    assert result.exit_code == 2
    assert "is an Excel workbook, not CSV text: rename it to .xlsx" in result.stderr


def _write_xlsx(path, rows, *, title=None, number_ids=False):
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("名册")
    top = 0
    if title:
        sheet.write(0, 0, title)
        top = 2  # a title, an empty row, then the header: header is row 3 in Excel
    for col, header in enumerate(HEADERS):
        sheet.write_string(top, col, header)
    for r, row in enumerate(rows, start=top + 1):
        for col, value in enumerate(row):
            if HEADERS[col] == "身份证号" and number_ids and value[:-1].isdigit():
                sheet.write_number(r, col, int(value[:17] + "0"))
            elif HEADERS[col] in ("家庭人口", "序号") and value:
                sheet.write_number(r, col, int(value))
            elif HEADERS[col] == "联系电话" and value.isdigit():
                sheet.write_number(r, col, int(value))
            else:
                sheet.write_string(r, col, value)
    book.close()
    return path


def test_xlsx_roster_with_number_cells_and_a_title_row(zf, cadres, tmp_path):
    path = _write_xlsx(tmp_path / "名册.xlsx", _rows(), title="红星村困难群众花名册")
    result = zf("enroll", "--from", path, "--format", "json")
    assert result.exit_code == 0, result.stdout + result.stderr
    rows = {h["name"]: h for h in households(zf)}
    assert rows["张桂兰"]["phone"] == "13912345678"  # a number cell, read back as text
    assert rows["李有福"]["members"] == 3


def test_xlsx_number_typed_id_column_is_refused_with_a_hint(zf, cadres, tmp_path, snapshot_db):
    path = _write_xlsx(tmp_path / "名册.xlsx", _rows(), title="花名册", number_ids=True)
    before = snapshot_db()
    result = zf("enroll", "--from", path, "--format", "json")
    assert result.exit_code == 2
    assert snapshot_db() == before
    errors = result.json()["errors"]
    assert [(e["row"], e["field"]) for e in errors] == [
        (4, "身份证号"),
        (5, "身份证号"),
        (6, "身份证号"),
    ]
    assert all("format the column as text" in e["error"] for e in errors)


def test_dry_run_checks_and_writes_nothing(zf, cadres, tmp_path, snapshot_db):
    path = write_csv(tmp_path / "r.csv", _rows())
    before = snapshot_db()
    result = zf("enroll", "--from", path, "--dry-run", "--format", "json")
    assert result.exit_code == 0
    assert result.json()["enrolled"] == 0 and result.json()["rows"] == 3
    assert result.json()["dry_run"] is True
    assert snapshot_db() == before
    assert "dry run: 3 households in r.csv can be enrolled; nothing was written" in result.stderr


def test_from_cannot_be_mixed_with_single_household_options(zf, tmp_path):
    path = write_csv(tmp_path / "r.csv", _rows())
    result = zf("enroll", "--from", path, "--name", "张三", "--category", "low-income")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "error: --from: cannot be combined with --name, --category: the roster gives every "
        "household's fields"
    ]
    result = zf("enroll", "--dry-run", "--name", "张三")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == ["error: --dry-run: goes with --from FILE"]


def test_missing_file_and_wrong_suffix(zf, tmp_path):
    result = zf("enroll", "--from", tmp_path / "nope.csv")
    assert result.exit_code == 2 and "no such file" in result.stderr
    (tmp_path / "r.pdf").write_bytes(b"%PDF")
    result = zf("enroll", "--from", tmp_path / "r.pdf")
    assert result.exit_code == 2 and "a roster is a .csv or .xlsx file" in result.stderr


def test_example_roster_imports(zf, tmp_path):
    from pathlib import Path

    example = Path(__file__).resolve().parents[1] / "examples" / "roster.csv"
    result = zf("enroll", "--from", example, "--dry-run", "--format", "json")
    assert result.exit_code == 0, result.stdout
    assert result.json()["rows"] >= 20


# ------------------------------------------------------------------ export


@pytest.fixture
def hamlet(zf, cadres):
    """Households with every profile field, a visit, a need and a payment."""
    args = [
        (
            "张桂兰",
            ZHANG,
            "红星村",
            ["low-income", "elderly-alone"],
            [
                "--phone",
                "13912345678",
                "--members",
                "1",
                "--income",
                "9,600.50",
                "--grid",
                "一组",
                "--address",
                "红星村3组12号",
                "--housing",
                "砖混",
                "--health",
                "高血压",
                "--employment",
                "无",
                "--hardship",
                "独居",
                "--cadence",
                "20",
                "--cadre",
                "C0001",
            ],
        ),
        ("李有福", LI, "东风社区", ["disabled"], ["--cadre", "C0001", "--cadre", "C0002"]),
        ("赵小军", ZHAO, "东风社区", ["left-behind-child"], []),
    ]
    for name, number, village, cats, extra in args:
        cmd = ["enroll", "--name", name, "--id-number", number, "--village", village, *extra]
        for c in cats:
            cmd += ["--category", c]
        result = zf(*cmd)
        assert result.exit_code == 0, result.stderr
    assert (
        zf(
            "member",
            "add",
            "H000002",
            "--name",
            "李小花",
            "--relation",
            "女儿",
            "--birth-year",
            "2001",
            "--id-number",
            WU,
        ).exit_code
        == 0
    )
    assert (
        zf(
            "visit",
            "log",
            "H000001",
            "--by",
            "C0001",
            "--date",
            "2026-11-01",
            "--need",
            "修缮屋顶",
            "--wish",
            "收音机",
            "--gift",
            "米面油",
            "--suggestion",
            "增设公交站",
        ).exit_code
        == 0
    )
    assert (
        zf("fund", "create", "F1", "--name", "春节慰问金", "--category", "low-income").exit_code
        == 0
    )
    assert zf("fund", "allocate", "F1", "5,000").exit_code == 0
    assert zf("fund", "disburse", "F1", "H000001", "800.5", "--by", "C0002").exit_code == 0


def test_export_then_import_into_an_empty_ledger_gives_the_same_households(
    zf, hamlet, tmp_path, new_ledger
):
    original = households(zf)
    for lang, fmt in (("zh", "xlsx"), ("en", "csv"), ("zh", "csv")):
        out = tmp_path / f"households-{lang}.{fmt}"
        result = zf("export", "--table", "households", "--out", out, "--lang", lang, "--reveal")
        assert result.exit_code == 0, result.stderr
        empty = new_ledger(f"empty-{lang}-{fmt}")
        for name in ("王建国", "李梅"):
            assert zf("--db", empty, "cadre", "add", "--name", name).exit_code == 0
        result = zf("--db", empty, "enroll", "--from", out, "--format", "json")
        assert result.exit_code == 0, result.stdout + result.stderr
        assert result.json()["enrolled"] == 3
        # the export's own computed columns are recognised, not reported as unknown
        assert result.json()["unknown_columns"] == []
        again = _list(zf, empty)
        ignore = ("last_visit", "due_date")
        assert [{k: v for k, v in h.items() if k not in ignore} for h in again] == [
            {k: v for k, v in h.items() if k not in ignore} for h in original
        ]


def _list(zf, db):
    result = zf("--db", db, "household", "list", "--reveal", "--format", "json")
    assert result.exit_code == 0, result.stderr
    return result.json()


def test_export_xlsx_has_real_dates_money_and_chinese_headers(zf, hamlet, tmp_path):
    import datetime as dt

    import openpyxl

    out = tmp_path / "台账.xlsx"
    result = zf("export", "--out", out, "--lang", "zh")
    assert result.exit_code == 0, result.stderr
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == [
        "帮扶对象",
        "家庭成员",
        "走访记录",
        "承诺事项",
        "微心愿",
        "意见建议",
        "资金流水",
        "干部名单",
        "资金项目",
        "变更记录",
    ]
    sheet = book["帮扶对象"]
    headers = [c.value for c in sheet[1]]
    assert headers[:4] == ["户号", "户主", "身份证号", "村/社区"]
    row = {h: c for h, c in zip(headers, sheet[2], strict=True)}
    assert row["身份证号"].value == "110101********1237"  # masked without --reveal
    assert row["类别"].value == "独居老人、低保户"  # in code order, like household list
    assert row["联系干部"].value == "王建国"
    assert row["年收入(元)"].value == 9600.5 and row["年收入(元)"].number_format == "#,##0.00"
    assert row["纳入日期"].value == dt.datetime(2026, 11, 23)
    assert row["纳入日期"].number_format == "yyyy-mm-dd"
    assert sheet.column_dimensions["H"].width >= 18  # 低保户、独居老人 fits
    ledger = book["资金流水"]
    amounts = [r[5].value for r in ledger.iter_rows(min_row=2)]
    assert amounts == [5000, 800.5]
    visits = book["走访记录"]
    visit = {h.value: c.value for h, c in zip(visits[1], visits[2], strict=True)}
    assert (
        visit["诉求"] == "修缮屋顶"
        and visit["微心愿"] == "收音机"
        and visit["走访类型"] == "日常走访"
    )


def test_export_reveal_is_audit_logged(zf, hamlet, tmp_path, ledger_path):
    out = tmp_path / "h.csv"
    assert zf("export", "--table", "households", "--out", out, "--reveal").exit_code == 0
    assert ZHANG in out.read_text(encoding="utf-8-sig")
    con = rawdb.connect(ledger_path)
    assert con.execute(
        "SELECT action, object_key FROM audit_log WHERE command = 'export'"
    ).fetchall() == [("reveal", f"export households to {out}")]


def test_formula_injection_is_neutralised_in_csv_and_xlsx(zf, cadres, tmp_path):
    import openpyxl

    assert (
        zf(
            "enroll",
            "--name",
            "张桂兰",
            "--id-number",
            ZHANG,
            "--village",
            '=HYPERLINK("http://x","点我")',
            "--grid",
            "+一组",
            "--address",
            "@SUM(A1)",
            "--hardship",
            "-2+3",
            "--category",
            "low-income",
        ).exit_code
        == 0
    )
    out = tmp_path / "all"
    assert zf("export", "--format", "csv", "--out", out, "--lang", "en").exit_code == 0
    raw = (out / "households.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM for Excel
    row = next(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    assert row["village"] == '\'=HYPERLINK("http://x","点我")'
    assert row["grid"] == "'+一组" and row["address"] == "'@SUM(A1)"
    assert row["hardship"] == "'-2+3"
    xlsx = tmp_path / "h.xlsx"
    assert zf("export", "--out", xlsx, "--table", "households", "--lang", "en").exit_code == 0
    sheet = openpyxl.load_workbook(xlsx)["households"]
    headers = [c.value for c in sheet[1]]
    cells = dict(zip(headers, sheet[2], strict=True))
    # text cells, exactly as typed: no formula, and no apostrophe that survives a round trip
    for key, text in (
        ("village", '=HYPERLINK("http://x","点我")'),
        ("grid", "+一组"),
        ("address", "@SUM(A1)"),
        ("hardship", "-2+3"),
    ):
        assert cells[key].data_type == "s"
        assert cells[key].value == text
        assert cells[key].number_format == "@"  # stays text when edited in Excel


def test_export_visits_csv_merges_each_visits_cadres_needs_and_items(zf, hamlet, tmp_path):
    # the visit's cadres in cadre order, its needs and items in the order recorded, each
    # kind of item in its own column, neutralised like any text; a visit without them is empty
    assert (
        zf(
            "visit",
            "log",
            "H000002",
            "--by",
            "C0002",
            "--by",
            "C0001",
            "--date",
            "2026-11-02",
            "--kind",
            "festival",
            "--notes",
            "=1+1 坐了坐",
            "--need",
            "修路",
            "--need",
            "装路灯",
            "--suggestion",
            "多来",
            "--gift",
            "-米面",
            "--suggestion",
            "早点来",
            "--next",
            "2026-12-01",
        ).exit_code
        == 0
    )
    assert zf("visit", "log", "H000003", "--by", "C0002", "--date", "2026-11-03").exit_code == 0
    rows = {}
    for lang in ("en", "zh"):
        out = tmp_path / f"visits-{lang}.csv"
        result = zf("export", "--table", "visits", "--out", out, "--lang", lang)
        assert result.exit_code == 0, result.stderr
        with open(out, encoding="utf-8-sig", newline="") as f:
            rows[lang] = list(csv.reader(f))
    header, first, second, third = rows["en"]
    assert header[:13] == [
        "id",
        "date",
        "household",
        "name",
        "village",
        "kind",
        "cadres",
        "notes",
        "needs",
        "suggestions",
        "wishes",
        "gifts",
        "next",
    ]
    assert first[:12] == [
        "1",
        "2026-11-01",
        "H000001",
        "张桂兰",
        "红星村",
        "routine",
        "C0001",
        "",
        "修缮屋顶",
        "增设公交站",
        "收音机",
        "米面油",
    ]
    assert second[:13] == [
        "2",
        "2026-11-02",
        "H000002",
        "李有福",
        "东风社区",
        "festival",
        "C0001; C0002",
        "'=1+1 坐了坐",
        "修路\n装路灯",  # one a line: an item may hold 、 itself
        "多来\n早点来",
        "",
        "'-米面",
        "2026-12-01",
    ]
    assert third[:12] == [
        "3",
        "2026-11-03",
        "H000003",
        "赵小军",
        "东风社区",
        "routine",
        "C0002",
        "",
        "",
        "",
        "",
        "",
    ]
    assert len(third) == 15 and third[13].startswith("20") and third[14]
    assert rows["zh"][0][:3] == ["编号", "走访日期", "户号"]
    assert rows["zh"][2][5:10] == [
        "节日慰问",
        "王建国、李梅",
        "'=1+1 坐了坐",
        "修路\n装路灯",
        "多来\n早点来",
    ]


def test_export_json_streams_arrays(zf, hamlet, tmp_path):
    out = tmp_path / "all.json"
    assert zf("export", "--out", out).exit_code == 0
    data = json.loads(out.read_text())
    assert list(data) == [
        "households",
        "members",
        "visits",
        "commitments",
        "wishes",
        "suggestions",
        "ledger",
        "cadres",
        "funds",
        "history",
    ]
    assert data["history"][0]["fact"] in ("categories", "rules", "relatives")
    assert data["members"][0]["id_number"] == WU[:6] + "********" + WU[-4:]
    assert data["ledger"][1]["amount"] == "800.50"
    assert data["commitments"][0]["days_overdue"] == -8
    one = zf("export", "--out", "-", "--format", "json", "--table", "visits")
    assert one.exit_code == 0
    assert json.loads(one.stdout)[0]["suggestions"] == "增设公交站"


def test_export_refuses_existing_files_and_bad_options(zf, tmp_path):
    (tmp_path / "x.xlsx").write_text("")
    result = zf("export", "--out", tmp_path / "x.xlsx")
    assert result.exit_code == 2 and "already exists" in result.stderr
    result = zf("export", "--out", tmp_path / "x.pdf")
    assert result.exit_code == 2 and result.stderr.startswith("error: --format:")
    result = zf("export", "--out", tmp_path / "y.xlsx", "--table", "relatives")
    assert result.exit_code == 2 and result.stderr.startswith("error: --table:")
    result = zf("export", "--out", "-", "--format", "xlsx")
    assert result.exit_code == 2


def test_export_shows_no_due_date_for_an_exited_household(zf, hamlet, tmp_path):
    """Exited households are never due; the sheet agrees with `household list`."""
    code = households(zf)[0]["code"]
    assert zf("household", "exit", code, "--reason", "迁出").exit_code == 0
    out = tmp_path / "h.csv"
    assert (
        zf(
            "export", "--table", "households", "--format", "csv", "--out", out, "--lang", "en"
        ).exit_code
        == 0
    )
    rows = {r["code"]: r for r in csv.DictReader(out.read_text("utf-8-sig").splitlines())}
    assert rows[code]["status"] == "exited" and rows[code]["due_date"] == ""
    assert all(r["due_date"] for c, r in rows.items() if c != code)
