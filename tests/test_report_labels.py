"""The HTML report's bar charts (issue 20): a label is measured as the page's CJK fonts draw
it (汉字, dashes and ellipses full width) and a long one is shortened at its end with "…",
the whole label kept as the bar's tooltip; nothing is clipped on the left."""

from __future__ import annotations

import html
import re

from hypothesis import given
from hypothesis import strategies as st

from helpers import ok, valid_id
from zoufang.output.report_html import LABEL_MAX, _fit, _width, bar_chart


def test_widths_of_cjk_dashes_and_latin():
    assert _width("红星村") == 36
    assert _width("——") == 24  # an em dash is drawn full width by a CJK font
    assert _width("LSJZ2026") >= 8 * 7
    assert _width("") == 0


def test_a_short_label_is_kept_and_a_long_one_shortened_at_its_end():
    assert _fit("红星村", LABEL_MAX) == "红星村"
    long = "LSJZ2026——临时救助资金（县民政局下达第一批次）"
    shown = _fit(long, LABEL_MAX)
    assert shown.startswith("LSJZ2026") and shown.endswith("…")
    assert _width(shown) <= LABEL_MAX
    assert long.startswith(shown[:-1])


@given(st.text(min_size=1, max_size=60))
def test_every_label_fits_left_of_its_bar(label):
    svg = bar_chart([(label, 1, "1"), ("短", 2, "2")], width=500)
    for x, shown in re.findall(
        r'<text x="([\d.]+)" y="[\d.]+" text-anchor="end">(?:<title>.*?</title>)?([^<]*)<', svg
    ):
        assert float(x) - _width(_unescape(shown)) >= 0, (label, shown)


def _unescape(text: str) -> str:
    return html.unescape(text)


def test_long_village_names_in_the_html_report(zf, tmp_path):
    """The issue: `LSJZ2026…` showed as `SJZ2026…`, clipped on the left."""
    village = "LSJZ2026——红星村第一村民小组东片区临时救助网格"
    ok(zf("enroll", "--name", "陈大爷", "--id-number", valid_id("11010119450307123"),
          "--village", village, "--category", "low-income"))  # fmt: skip
    out = tmp_path / "report.html"
    ok(zf("report", "--format", "html", "--out", out))
    page = out.read_text(encoding="utf-8")
    labels = re.findall(r'text-anchor="end"><title>([^<]*)</title>([^<]*)<', page)
    assert labels, "the long label has its tooltip"
    for full, shown in labels:
        assert full == village
        assert shown.startswith("LSJZ2026") and shown.endswith("…")
