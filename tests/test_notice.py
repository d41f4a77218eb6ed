"""`notice FUND`: the public notice of recipients, masked, in the formats offices post."""

from __future__ import annotations

import re

import pytest

import rawdb
from helpers import refused
from zoufang.services.notice import mask_name


@pytest.fixture
def paid(zf, village):
    assert (
        zf(
            "fund",
            "create",
            "CJ2026",
            "--name",
            "2026年春节慰问金",
            "--category",
            "veteran-member",
            "--category",
            "low-income",
            "--source",
            "代管党费",
        ).exit_code
        == 0
    )
    assert zf("fund", "allocate", "CJ2026", "10,000").exit_code == 0
    assert (
        zf(
            "visit",
            "log",
            "H000001",
            "--by",
            "C0001",
            "--notes",
            "慰问",
            "--cash",
            "500",
            "--fund",
            "CJ2026",
        ).exit_code
        == 0
    )
    assert zf("fund", "disburse", "CJ2026", "H000002", "300", "--by", "C0002").exit_code == 0
    return village


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("陈大爷", "陈*爷"),
        ("王五", "王*"),
        ("欧阳小明", "欧**明"),
        ("李", "李"),
    ],
)
def test_mask_name(name, masked):
    assert mask_name(name) == masked


def test_notice_json_masks_and_totals(zf, paid):
    result = zf("notice", "CJ2026", "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = result.json()
    assert data["households"] == 2
    assert data["total"] == "800.00"
    names = {r["name"] for r in data["recipients"]}
    assert names == {"陈*爷", "王*奶"}
    assert all("********" in r["id_number"] for r in data["recipients"])
    assert {r["amount"] for r in data["recipients"]} == {"500.00", "300.00"}


def test_notice_markdown_has_title_and_table(zf, paid, chinese):
    result = zf("notice", "CJ2026", "--format", "markdown", "--contact", "镇纪委 0531-1234567")
    assert result.exit_code == 0
    assert result.stdout.startswith("# 2026年春节慰问金 发放公示")
    assert "| 1 " in result.stdout and "镇纪委 0531-1234567" in result.stdout
    assert "陈大爷" not in result.stdout


def test_reversed_payment_leaves_the_notice(zf, paid):
    entries = zf("fund", "show", "CJ2026", "--format", "json").json()["entries"]
    paid_to_wang = next(e for e in entries if e["household"] == "H000002")
    assert zf("fund", "reverse", str(paid_to_wang["id"]), "--reason", "发错").exit_code == 0
    data = zf("notice", "CJ2026", "--format", "json").json()
    assert [r["village"] for r in data["recipients"]] == ["红星村"]


def test_notice_xlsx_reads_back(zf, paid, tmp_path):
    import openpyxl

    out = tmp_path / "notice.xlsx"
    result = zf("notice", "CJ2026", "--format", "xlsx", "--out", str(out))
    assert result.exit_code == 0, result.stderr
    sheet = openpyxl.load_workbook(out).active
    rows = [r for r in sheet.iter_rows(values_only=True) if r[0] in (1, 2)]
    assert sorted(r[5] for r in rows) == [300, 500]
    assert all("*" in r[2] for r in rows)


def test_notice_xlsx_needs_out(zf, paid):
    result = zf("notice", "CJ2026", "--format", "xlsx")
    assert result.exit_code == 2
    assert result.stderr.strip() == "error: --out: an xlsx notice needs --out FILE.xlsx"


def test_notice_unknown_fund(zf, paid):
    result = zf("notice", "NOPE")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: FUND: no fund 'NOPE'")


def test_reveal_is_audit_logged(zf, paid, ledger_path):
    result = zf("notice", "CJ2026", "--format", "json", "--reveal")
    assert "陈大爷" in result.stdout
    con = rawdb.connect(ledger_path)
    actions = [r[0] for r in con.execute("SELECT object_key FROM audit_log WHERE action='reveal'")]
    assert actions == ["notice CJ2026"]


def test_notice_csv_to_a_file_has_a_bom_for_excel(zf, paid, tmp_path):
    out = tmp_path / "notice.csv"
    assert zf("notice", "CJ2026", "--format", "csv", "--out", str(out)).exit_code == 0
    stdout = zf("notice", "CJ2026", "--format", "csv").stdout
    assert out.read_bytes() == "\ufeff".encode() + stdout.encode()


def test_notice_xlsx_writes_text_never_a_formula(zf, village, tmp_path, chinese):
    import openpyxl

    created = zf("fund", "create", "F1", "--name", "=SUM(1) 慰问金", "--category", "veteran-member")
    assert created.exit_code == 0
    assert zf("fund", "allocate", "F1", "1,000").exit_code == 0
    assert zf("fund", "disburse", "F1", "H000001", "100", "--by", "C0001").exit_code == 0
    out = tmp_path / "notice.xlsx"
    assert zf("notice", "F1", "--format", "xlsx", "--out", str(out)).exit_code == 0
    sheet = openpyxl.load_workbook(out).active
    assert sheet["A1"].data_type == "s"
    # a text cell holding exactly the title: no formula, and no apostrophe added (issue 21)
    assert sheet["A1"].value == "=SUM(1) 慰问金 发放公示"
    assert sheet["A1"].number_format == "@"


# ---------------------------------------------------------------- a notice for the wall


@pytest.fixture
def three_paid(zf, village):
    """A fund that paid all three households, in an order unlike the roster's: 刘小明
    (H000003, 红星村) first, then 王奶奶 (H000002, 东风社区), then 陈大爷 (H000001, 红星村)."""
    args = ["fund", "create", "F3", "--name", "2026年春节慰问金", "--source", "代管党费"]
    for category in ("veteran-member", "low-income", "left-behind-child"):
        args += ["--category", category]
    assert zf(*args).exit_code == 0
    assert zf("fund", "allocate", "F3", "10,000").exit_code == 0
    for household, amount in (("H000003", "200"), ("H000002", "300"), ("H000001", "500")):
        paid = zf("fund", "disburse", "F3", household, amount, "--by", "C0002")
        assert paid.exit_code == 0, paid.stderr
    return village


def test_rows_follow_the_roster_village_then_household_code(zf, three_paid):
    data = zf("notice", "F3", "--format", "json").json()
    # 红星村 holds the roster's first household (H000001), so it comes first, although
    # 东风社区 sorts before it by code point
    assert [(r["village"], r["household"]) for r in data["recipients"]] == [
        ("红星村", "H000001"),
        ("红星村", "H000003"),
        ("东风社区", "H000002"),
    ]
    assert [r["no"] for r in data["recipients"]] == [1, 2, 3]


def test_village_order_is_the_rosters(zf, three_paid):
    from zoufang.services.notice import Line, Settings, Subject, compose

    def line(code, village):
        return Line(code, village, "陈大爷", None, [], 100)

    notices = compose(
        subject=Subject(fund="F", fund_name="F", source=None),
        lines=[line("H3", "乙村"), line("H1", "甲村"), line("H2", "乙村"), line("H0", "丙村")],
        order={"乙村": 0, "甲村": 1},  # 丙村 not in the roster: last
        settings=Settings(date=__import__("datetime").date(2026, 2, 1)),
        split=True,
    )
    assert [n["village"] for n in notices] == ["乙村", "甲村", "丙村"]
    assert [r["household"] for r in notices[0]["recipients"]] == ["H2", "H3"]


def test_header_facts_period_contact_issuer(zf, three_paid):
    result = zf(
        "notice",
        "F3",
        "--format",
        "json",
        "--date",
        "2026-02-10",
        "--days",
        "7",
        "--contact",
        "镇纪委 0531-1234567",
        "--issuer",
        "中共某某镇委员会",
    )
    assert result.exit_code == 0, result.stderr
    data = result.json()
    assert data["notice_period"] == {
        "days": 7,
        "first_day": "2026-02-10",
        "last_day": "2026-02-16",
    }
    assert data["date"] == "2026-02-10"
    assert data["kind"] == "after"
    assert data["contact"] == "镇纪委 0531-1234567"
    assert data["issuer"] == "中共某某镇委员会"
    assert data["village"] is None
    assert set(data["chain_head"]) == {"seq", "hash"}  # the ledger's head, as printed
    assert data["plan"] is None
    assert data["amounts_hidden"] is False
    assert data["source"] == "代管党费"
    assert data["households"] == 3 and data["total"] == "1000.00"
    assert "2026-02-16" in data["note"]


def test_default_period_is_seven_days_from_today(zf, three_paid):
    data = zf("notice", "F3", "--format", "json").json()
    first = __import__("datetime").date.fromisoformat(data["notice_period"]["first_day"])
    last = __import__("datetime").date.fromisoformat(data["notice_period"]["last_day"])
    assert data["notice_period"]["days"] == 7 and (last - first).days == 6


def test_markdown_in_chinese_has_period_signature_and_village(zf, three_paid, chinese):
    result = zf(
        "notice",
        "F3",
        "--village",
        "红星村",
        "--format",
        "markdown",
        "--date",
        "2026-02-10",
        "--issuer",
        "某某镇人民政府",
    )
    assert result.exit_code == 0, result.stderr
    text = result.stdout
    assert text.startswith("# 2026年春节慰问金 发放公示")
    assert "村（社区）：红星村" in text
    assert "2026年2月10日至2026年2月16日" in text
    # the signature, then the ledger's chain head (a witness, issue 21)
    assert "某某镇人民政府  \n2026年2月10日" in text
    assert re.search(r"资金流水链头：\d+:[0-9a-f]{12}$", text.rstrip())
    assert "王*奶" not in text and "陈*爷" in text and "刘*明" in text


def test_one_village(zf, three_paid):
    data = zf("notice", "F3", "--village", "东风社区", "--format", "json").json()
    assert data["village"] == "东风社区"
    assert [r["name"] for r in data["recipients"]] == ["王*奶"]
    assert data["households"] == 1 and data["total"] == "300.00"


def test_split_by_village_writes_one_file_each(zf, three_paid, tmp_path):
    out = tmp_path / "notices"
    result = zf("notice", "F3", "--split-by", "village", "--out", str(out), "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["F3-东风社区.json", "F3-红星村.json"]
    import json

    red = json.loads((out / "F3-红星村.json").read_text())
    assert red["village"] == "红星村" and red["households"] == 2 and red["total"] == "700.00"
    assert [r["no"] for r in red["recipients"]] == [1, 2]
    assert "F3-红星村.json" in result.stderr


def test_split_refuses_existing_files_without_force(zf, three_paid, tmp_path, snapshot_db):
    out = tmp_path / "notices"
    out.mkdir()
    (out / "F3-红星村.md").write_text("old")
    line = refused(
        zf,
        snapshot_db,
        "notice",
        "F3",
        "--split-by",
        "village",
        "--out",
        str(out),
        "--format",
        "markdown",
        code=2,
        starts="--out: ",
    )
    assert "already exists" in line
    assert sorted(p.name for p in out.iterdir()) == ["F3-红星村.md"]
    assert (out / "F3-红星村.md").read_text() == "old"
    forced = zf(
        "notice", "F3", "--split-by", "村", "--out", str(out), "--format", "markdown", "--force"
    )
    assert forced.exit_code == 0, forced.stderr
    assert (out / "F3-红星村.md").read_text().startswith("# ")
    assert (out / "F3-东风社区.md").exists()


def test_hide_amounts_keeps_totals(zf, three_paid):
    data = zf("notice", "F3", "--hide-amounts", "--format", "json").json()
    assert data["amounts_hidden"] is True
    assert all("amount" not in r and "amount_fen" not in r for r in data["recipients"])
    assert data["total"] == "1000.00"
    text = zf("notice", "F3", "--hide-amounts", "--format", "csv").stdout
    assert text.splitlines()[0] == "no,village,name,id_number,categories"
    assert "500" not in text


def test_masking_in_every_format(zf, three_paid, chinese):
    for fmt in ("markdown", "csv", "json", "plain", "html"):
        text = zf("notice", "F3", "--format", fmt).stdout
        assert "陈大爷" not in text and "陈*爷" in text, fmt
        assert "11010119450307" not in text, fmt


def test_english_notice(zf, three_paid):
    text = zf("--lang", "en", "notice", "F3", "--format", "markdown", "--date", "2026-02-10").stdout
    assert text.startswith("# 2026年春节慰问金: public notice of payments")
    assert "Notice period: 7 days, from 2026-02-10 to 2026-02-16." in text


@pytest.mark.parametrize(
    ("args", "starts", "reason"),
    [
        (("--village", "无此村"), "--village: ", "no household is in the village"),
        (("--days", "0"), "--days: ", "must be at least 1"),
        (("--days", "91"), "--days: ", "must be at most 90"),
        (("--days", "七"), "--days: ", "is not a whole number"),
        (("--date", "2026-13-01"), "--date: ", ""),
        (("--split-by", "grid"), "--split-by: ", "is not village"),
        (("--split-by", "village"), "--out: ", "--split-by writes one file per village"),
        (("--village", "红星村", "--split-by", "village"), "--split-by: ", "not both"),
        (("--after", "--before"), "--before: ", "not both"),
        (("--before",), "--before: ", "a plan's list"),
        (("--format", "docx"), "--format: ", "is not one of"),
        (("--format", "pdf"), "--out: ", "a pdf notice needs --out FILE.pdf"),
        (("--issuer", "  "), "--issuer: ", "must not be empty"),
        (("--lang", "fr"), "--lang: ", "is not zh or en"),
    ],
)
def test_bad_input_exits_2_and_writes_nothing(zf, three_paid, snapshot_db, args, starts, reason):
    line = refused(zf, snapshot_db, "notice", "F3", *args, code=2, starts=starts)
    assert reason in line


def test_out_existing_needs_force(zf, three_paid, tmp_path, snapshot_db):
    out = tmp_path / "notice.html"
    out.write_text("old")
    line = refused(
        zf,
        snapshot_db,
        "notice",
        "F3",
        "--format",
        "html",
        "--out",
        str(out),
        code=2,
        starts="--out: ",
    )
    assert "already exists" in line and out.read_text() == "old"
    assert zf("notice", "F3", "--format", "html", "--out", str(out), "--force").exit_code == 0
    assert out.read_text().startswith("<!DOCTYPE html>")


def test_split_out_must_be_a_directory(zf, three_paid, tmp_path, snapshot_db):
    out = tmp_path / "a-file"
    out.write_text("x")
    refused(
        zf,
        snapshot_db,
        "notice",
        "F3",
        "--split-by",
        "village",
        "--out",
        str(out),
        code=2,
        starts="--out: ",
    )
    missing = tmp_path / "no" / "such"
    refused(
        zf,
        snapshot_db,
        "notice",
        "F3",
        "--split-by",
        "village",
        "--out",
        str(missing),
        code=2,
        starts="--out: ",
    )
    assert not (tmp_path / "no").exists()


def test_a_plans_list_renders_through_the_same_path(chinese):
    """What the lead connects for ``notice PLAN --before``: a plan's lines and its fund as a
    Subject, kind before: the title says 拟发放, the period defaults to 5 days, and a chain
    head given in the settings is printed on the notice."""
    import datetime as dt
    import io

    from zoufang.output import NoticeFormat
    from zoufang.output.notice import write_notice
    from zoufang.services.notice import BEFORE, Line, Settings, Subject, compose

    (notice,) = compose(
        subject=Subject(fund="CJ2026", fund_name="春节慰问金", source="代管党费", plan="CJ2026-1"),
        lines=[Line("H000001", "红星村", "陈大爷", "110101194503071237", ["老党员"], 50000)],
        order={"红星村": 0},
        settings=Settings(
            date=dt.date(2026, 1, 20), kind=BEFORE, chain_head={"seq": 12, "hash": "ab34" * 16}
        ),
    )
    assert notice["kind"] == "before" and notice["plan"] == "CJ2026-1"
    assert notice["notice_period"]["last_day"] == dt.date(2026, 1, 24)
    out = io.StringIO()
    assert write_notice(notice, NoticeFormat.markdown, out=out) == 1
    text = out.getvalue()
    assert text.startswith("# 春节慰问金 拟发放公示")
    assert "拟发放户数：1" in text and "陈*爷" in text and "陈大爷" not in text
    assert "2026年1月20日至2026年1月24日" in text
    assert text.rstrip().endswith("资金流水链头：12:ab34ab34ab34")


def test_split_with_nobody_paid_writes_nothing(zf, village, tmp_path):
    assert (
        zf("fund", "create", "F1", "--name", "慰问", "--category", "veteran-member").exit_code == 0
    )
    out = tmp_path / "notices"
    result = zf("notice", "F1", "--split-by", "village", "--out", str(out), "-f", "html")
    assert result.exit_code == 0, result.stderr
    assert "nobody is on the notice" in result.stderr
    assert not out.exists()


def test_html_without_amounts_keeps_the_total_in_the_summary(zf, three_paid, chinese):
    html = zf("notice", "F3", "--format", "html", "--hide-amounts").stdout
    assert html.count("<th>") == 5 and "金额" not in html.split("<table>")[1]
    assert "合计：1,000.00 元" in html
    assert "500.00" not in html
