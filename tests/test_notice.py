"""`notice FUND`: the public notice of recipients, masked, in the formats offices post."""

from __future__ import annotations

import pytest

import rawdb
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
