"""Every `--out` that refuses an existing file (report, export, notice) has `--force` to
replace it (issue 20): refused without it (exit 2, the file untouched, the way through named),
replaced with it."""

from __future__ import annotations

import pytest

from helpers import FUND, error_line, ok


@pytest.fixture
def existing(tmp_path):
    def make(name: str):
        path = tmp_path / name
        path.write_text("keep me", encoding="utf-8")
        return path

    return make


def refused_then_forced(zf, path, *args):
    result = zf(*args, "--out", path)
    assert result.exit_code == 2
    assert error_line(result) == (
        f"error: --out: {path} already exists; choose a new file, or give --force to replace it"
    )
    assert path.read_text(encoding="utf-8") == "keep me"
    ok(zf(*args, "--out", path, "--force"))
    assert path.read_bytes() != b"keep me"


def test_report_out_force(zf, village, existing):
    path = existing("report.html")
    refused_then_forced(zf, path, "report", "--format", "html")
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_export_out_force(zf, village, existing):
    refused_then_forced(zf, existing("ledger.xlsx"), "export")
    refused_then_forced(zf, existing("households.json"), "export", "--table", "households")


def test_export_csv_directory_force(zf, village, tmp_path):
    (tmp_path / "visits.csv").write_text("keep me", encoding="utf-8")
    result = zf("export", "--format", "csv", "--out", tmp_path)
    assert result.exit_code == 2
    assert error_line(result).endswith(
        "visits.csv already exist in " + str(tmp_path) + "; choose a new directory, or give "
        "--force to replace them"
    )
    ok(zf("export", "--format", "csv", "--out", tmp_path, "--force"))
    assert (tmp_path / "visits.csv").read_text(encoding="utf-8-sig") != "keep me"


def test_notice_out_force(zf, funded, existing):
    ok(zf("fund", "disburse", FUND, "H000001", "100", "--by", "C0001"))
    refused_then_forced(zf, existing("notice.md"), "notice", FUND, "--format", "markdown")


def test_force_is_translated(zf, village, existing):
    path = existing("r.md")
    result = zf("--lang", "zh", "report", "--format", "markdown", "--out", path)
    assert result.exit_code == 2
    assert "--force" in result.stderr and "已存在" in result.stderr
