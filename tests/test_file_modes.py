"""Every file zoufang writes that can hold personal data is created 0600, its directories
0700 (issue 19, personal data at rest): exports, notices (with and without --reveal), the
report, backups and `db copy` files; a file replaced with --force is narrowed too. Run with a
umask that would otherwise give 0644, through the real CLI."""

from __future__ import annotations

import os
import stat
import sys

import pytest

from helpers import FUND, ok
from zoufang import private_files

pytestmark = pytest.mark.skipif(os.name == "nt", reason="POSIX file modes")


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture(autouse=True)
def _wide_umask():
    """What a default desktop account has: files 0644, directories 0755."""
    old = os.umask(0o022)
    yield
    os.umask(old)


@pytest.fixture
def paid(zf, funded):
    ok(zf("fund", "disburse", FUND, "H000001", "100", "--by", "C0001"))


def test_export_files_are_private(zf, village, tmp_path):
    ok(zf("export", "--out", tmp_path / "ledger.xlsx"))
    assert mode(tmp_path / "ledger.xlsx") == 0o600
    ok(zf("export", "--table", "households", "--out", tmp_path / "households.json"))
    assert mode(tmp_path / "households.json") == 0o600
    ok(zf("export", "--reveal", "--table", "households", "--out", tmp_path / "revealed.json"))
    assert mode(tmp_path / "revealed.json") == 0o600
    ok(zf("export", "--format", "csv", "--out", tmp_path / "tables"))
    assert mode(tmp_path / "tables") == 0o700
    files = list((tmp_path / "tables").iterdir())
    assert files and all(mode(f) == 0o600 for f in files), [(f, oct(mode(f))) for f in files]


def test_forced_export_narrows_a_wide_file(zf, village, tmp_path):
    target = tmp_path / "old.json"
    target.write_text("old", encoding="utf-8")
    target.chmod(0o644)
    ok(zf("export", "--table", "households", "--out", target, "--force"))
    assert mode(target) == 0o600
    assert "H000001" in target.read_text(encoding="utf-8")
    book = tmp_path / "old.xlsx"
    book.write_bytes(b"old")
    book.chmod(0o666)
    ok(zf("export", "--out", book, "--force"))
    assert mode(book) == 0o600


@pytest.mark.parametrize("fmt", ["markdown", "csv", "json", "html", "xlsx"])
@pytest.mark.parametrize("reveal", [False, True])
def test_notice_files_are_private(zf, paid, tmp_path, fmt, reveal):
    target = tmp_path / f"notice.{fmt}"
    ok(zf("notice", FUND, "--format", fmt, "--out", target, *(["--reveal"] if reveal else [])))
    assert mode(target) == 0o600


def test_notice_split_by_village_directory_is_private(zf, paid, tmp_path):
    out = tmp_path / "notices"
    ok(zf("notice", FUND, "--format", "html", "--split-by", "village", "--out", out))
    assert mode(out) == 0o700
    files = list(out.iterdir())
    assert files and all(mode(f) == 0o600 for f in files)


def test_pdf_notice_is_private_whatever_the_browser_writes(zf, paid, tmp_path, monkeypatch):
    browser = tmp_path / "fake-browser"
    browser.write_text(
        f"#!{sys.executable}\n"
        "import os, sys\n"
        "out = [a.split('=', 1)[1] for a in sys.argv if a.startswith('--print-to-pdf=')][0]\n"
        "open(out, 'wb').write(b'%PDF-1.4 fake')\n"
        "os.chmod(out, 0o644)\n",
        encoding="utf-8",
    )
    browser.chmod(0o755)
    monkeypatch.setenv("ZOUFANG_BROWSER", str(browser))
    target = tmp_path / "notice.pdf"
    ok(zf("notice", FUND, "--format", "pdf", "--out", target, "--reveal"))
    assert target.read_bytes() == b"%PDF-1.4 fake"
    assert mode(target) == 0o600


@pytest.mark.parametrize("fmt", ["html", "json", "markdown"])
def test_report_file_is_private(zf, village, tmp_path, fmt):
    target = tmp_path / f"report.{fmt}"
    ok(zf("report", "--format", fmt, "--out", target))
    assert mode(target) == 0o600


def test_backup_and_copy_files_are_private(zf, village, tmp_path):
    ok(zf("db", "backup", tmp_path / "backup.db"))
    assert mode(tmp_path / "backup.db") == 0o600
    ok(zf("db", "copy", "--to", str(tmp_path / "copy.db")))
    assert mode(tmp_path / "copy.db") == 0o600
    for side in tmp_path.glob("*.db-*"):
        if side.is_file():
            assert mode(side) == 0o600, side


def test_open_private_without_chmod_does_not_fail(tmp_path, monkeypatch):
    """Windows: no fchmod (before 3.13) and modes that mean little; writing still works."""
    monkeypatch.delattr(os, "fchmod", raising=False)
    target = tmp_path / "out.txt"
    target.write_text("old", encoding="utf-8")
    with os.fdopen(private_files.open_private(target), "w", encoding="utf-8") as f:
        f.write("new")
    assert target.read_text(encoding="utf-8") == "new"
    fresh = tmp_path / "fresh.txt"
    os.close(private_files.open_private(fresh))
    assert mode(fresh) == 0o600


def test_exclusive_refuses_an_existing_file(tmp_path):
    target = tmp_path / "x"
    target.write_text("keep", encoding="utf-8")
    with pytest.raises(FileExistsError):
        private_files.open_private(target, exclusive=True)
    assert target.read_text(encoding="utf-8") == "keep"
