"""Under --lang en, the column headings (written in Chinese in the source) are English."""

from __future__ import annotations

import re
from pathlib import Path

from helpers import ok

SRC = Path(__file__).resolve().parents[1] / "src" / "zoufang"
#: ("key", "中文") and ("key", N_("中文")): a column of a table, a CSV file or a sheet.
HEADING = re.compile(r'\("[a-z_]+",\s*(?:N_\()?"([^"\n]*[\u4e00-\u9fff][^"\n]*)"')


def headings() -> set[str]:
    found = set()
    for path in SRC.rglob("*.py"):
        found.update(HEADING.findall(path.read_text(encoding="utf-8")))
    return found


def test_every_chinese_heading_has_its_english_word():
    from zoufang.english import ENGLISH

    assert len(headings()) > 50
    assert sorted(headings() - set(ENGLISH)) == []


def test_tables_and_csv_have_english_headings_in_english(zf, village):
    table = ok(zf("--lang", "en", "due", "--days", "400")).stdout.splitlines()[0].split()
    assert table[:3] == ["household", "head", "village"]
    csv = ok(zf("--lang", "en", "visit", "list", "--format", "csv")).stdout.splitlines()[0]
    assert csv.startswith("id,date,household,name,village,kind") and "户号" not in csv
    chinese = ok(zf("--lang", "zh", "due", "--days", "400")).stdout.splitlines()[0].split()
    assert chinese[:3] == ["户号", "户主", "村/社区"]
