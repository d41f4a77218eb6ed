"""The notice printed and pinned up: the HTML page set printed to PDF by a real headless
browser (pages counted, the header row and the page number on every page), and the xlsx
page's print settings read back with openpyxl."""

from __future__ import annotations

import re

import pytest

from zoufang.output.pdf import find_browser

BROWSER = find_browser()
needs_browser = pytest.mark.skipif(
    BROWSER is None,
    reason="no headless browser (chromium) on this machine and none could be installed: "
    "scripts/browser.sh installs Debian's chromium and fonts-noto-cjk as root",
)


@pytest.fixture
def township(zf):
    """The demo township (ten villages, its festival fund CJ2026 paid to about a hundred
    households): a notice several A4 pages long."""
    made = zf("demo", "--households", "200", "--funds")
    assert made.exit_code == 0, made.stderr
    return zf("notice", "CJ2026", "--format", "json").json()


def pdf_pages(path) -> list[str]:
    import pypdf

    return [page.extract_text() for page in pypdf.PdfReader(path).pages]


def test_html_is_a_printable_page_set(zf, township, chinese):
    html = zf("notice", "CJ2026", "--format", "html", "--issuer", "某某镇人民政府").stdout
    assert html.startswith("<!DOCTYPE html>") and '<html lang="zh-CN">' in html
    assert "size: A4 portrait" in html
    assert "thead { display: table-header-group; }" in html
    assert "table-layout: fixed" in html and "break-inside: avoid" in html
    assert '@bottom-center { content: "第 " counter(page) " 页 共 " counter(pages) " 页"' in html
    assert html.count("<thead>") == 1
    assert html.count("<tr>") == township["households"] + 1  # the header and one per household
    assert "<script" not in html and "http" not in html
    assert '<div class="sign">\n<p>某某镇人民政府</p>' in html


def test_html_escapes_what_it_shows(zf, village, chinese):
    created = zf("fund", "create", "F1", "--name", "<b>慰问</b>", "--category", "veteran-member")
    assert created.exit_code == 0
    assert zf("fund", "allocate", "F1", "1,000").exit_code == 0
    assert zf("fund", "disburse", "F1", "H000001", "100", "--by", "C0001").exit_code == 0
    html = zf("notice", "F1", "--format", "html", "--contact", 'a"<script>').stdout
    assert "<b>" not in html and "&lt;b&gt;慰问&lt;/b&gt;" in html
    assert "<script>" not in html


@needs_browser
def test_pdf_printed_by_a_headless_browser(zf, township, tmp_path):
    """Each page: A4, the header row at its top, "Page i of N" at its foot; every household
    on exactly one page, its row whole (ID number and amount on one line)."""
    out = tmp_path / "notice.pdf"
    result = zf(
        "--lang", "en", "notice", "CJ2026", "--format", "pdf", "--out", str(out),
        "--issuer", "Township Government", "--date", "2026-02-10",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    import pypdf

    reader = pypdf.PdfReader(out)
    pages = [page.extract_text() for page in reader.pages]
    n = len(pages)
    assert n >= 3, "the township's notice should run over several pages"
    for i, (page, text) in enumerate(zip(reader.pages, pages, strict=True), 1):
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)
        assert f"Page {i} of {n}" in text, (i, text[:200])
        header = re.search(
            r"No\.\s+Village\s+Head\s+of\s+household\s+ID\s+number\s+Categories\s+Amount\s+\(yuan\)",
            text,
        )
        assert header, (i, text[:300])
    whole = "\n".join(pages)
    for r in township["recipients"]:  # each row whole on one page: its ID number and amount
        (text,) = [text for text in pages if r["id_number"] in text]
        row = text[text.index(r["id_number"]) :].split(f"\n{r['no'] + 1} ")[0]
        amount = re.escape(f"{float(r['amount']):,.2f}")
        assert re.search(rf"(^|\s){amount}(\s|$)", row), row
    numbers = [r["no"] for r in township["recipients"]]
    found = [int(m) for m in re.findall(r"^(\d+) ", whole, flags=re.M)]
    assert [x for x in found if x in numbers][: len(numbers)] == numbers
    assert "Township Government" in pages[-1] and "2026-02-16" in pages[-1]
    assert "Township Government" not in "".join(pages[:-1])


@needs_browser
def test_pdf_in_chinese_numbers_every_page(zf, township, tmp_path, chinese):
    out = tmp_path / "notice.pdf"
    result = zf("notice", "CJ2026", "--format", "pdf", "--out", str(out))
    assert result.exit_code == 0, result.stderr
    pages = pdf_pages(out)
    n = len(pages)
    for i, text in enumerate(pages, 1):
        # the font's 页 comes back as a radical-block look-alike (U+2EDA): any one character
        found = re.search(r"第 (\d+) \S 共 (\d+) \S", text)
        assert found and found.groups() == (str(i), str(n)), (i, text[:80])
        assert "序号" in text and "身份证号" in text.replace("\u2f9d", "身")


@needs_browser
def test_pdf_split_by_village(zf, township, tmp_path):
    out = tmp_path / "villages"
    result = zf("notice", "CJ2026", "--split-by", "village", "--out", str(out), "-f", "pdf")
    assert result.exit_code == 0, result.stderr
    villages = list(dict.fromkeys(r["village"] for r in township["recipients"]))
    assert sorted(p.name for p in out.iterdir()) == sorted(f"CJ2026-{v}.pdf" for v in villages)
    first = pdf_pages(out / f"CJ2026-{villages[0]}.pdf")
    assert f"Page {len(first)} of {len(first)}" in first[-1]
    text = "".join(first)
    for r in township["recipients"]:
        assert (r["id_number"] in text) == (r["village"] == villages[0])


def test_pdf_without_a_browser_writes_nothing(zf, village, tmp_path, monkeypatch, snapshot_db):
    from helpers import refused

    monkeypatch.setenv("ZOUFANG_BROWSER", "no-such-browser-here")
    out = tmp_path / "n.pdf"
    assert (
        zf("fund", "create", "F1", "--name", "慰问", "--category", "veteran-member").exit_code == 0
    )
    line = refused(
        zf, snapshot_db, "notice", "F1", "--format", "pdf", "--out", str(out),
        code=1, starts="--format: ",
    )  # fmt: skip
    assert "headless browser" in line
    assert not out.exists()


def test_xlsx_print_settings_read_back(zf, township, tmp_path, chinese):
    """A4 portrait, one page wide and as long as it takes, the header row on every page, the
    print area the whole notice, page numbers in the footer; the same content as the page."""
    import openpyxl

    out = tmp_path / "notice.xlsx"
    result = zf(
        "notice", "CJ2026", "--format", "xlsx", "--out", str(out), "--date", "2026-02-10",
        "--issuer", "某某镇人民政府", "--contact", "镇纪委 0531-1234567",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    sheet = openpyxl.load_workbook(out).active
    rows = list(sheet.iter_rows(values_only=True))
    header = next(i for i, r in enumerate(rows, 1) if r[0] == "序号")
    assert rows[header - 1] == ("序号", "村/社区", "户主", "身份证号", "类别", "金额(元)")
    assert sheet.print_title_rows == f"${header}:${header}"
    assert sheet.print_area == f"'{sheet.title}'!$A$1:$F${len(rows)}"
    setup = sheet.page_setup
    assert setup.paperSize == 9 or setup.paperSize == "9"  # A4
    assert setup.orientation == "portrait"
    assert sheet.sheet_properties.pageSetUpPr.fitToPage is True
    assert (setup.fitToWidth or 1) == 1  # 1 is the file format's default, left unwritten
    assert setup.fitToHeight == 0  # as many pages long as it takes
    assert sheet.oddFooter.center.text == "第 &P 页 共 &N 页"
    texts = [r[0] for r in rows if isinstance(r[0], str)]
    assert texts[0] == "2026年春节走访慰问金 发放公示"
    assert any(t.startswith("资金来源：") and "合计：" in t for t in texts)
    assert any("2026年2月10日至2026年2月16日" in t and "镇纪委 0531-1234567" in t for t in texts)
    assert texts[-3:-1] == ["某某镇人民政府", "2026年2月10日"]
    assert texts[-1].startswith("资金流水链头：")  # the witness, under the signature
    listed = [r for r in rows[header:] if isinstance(r[0], int)]
    assert [r[0] for r in listed] == list(range(1, township["households"] + 1))
    assert [r[3] for r in listed] == [r["id_number"] for r in township["recipients"]]
    for cell in sheet[header + 1]:  # text stays text: ID numbers are never numbers
        assert cell.data_type in ("s", "n")
    assert all(sheet.cell(row=header + 1 + i, column=4).data_type == "s" for i in range(3))


def test_xlsx_one_village_without_amounts(zf, township, tmp_path, chinese):
    import openpyxl

    village = township["recipients"][0]["village"]
    out = tmp_path / "v.xlsx"
    result = zf(
        "notice", "CJ2026", "--village", village, "--hide-amounts", "-f", "xlsx", "--out", str(out)
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    sheet = openpyxl.load_workbook(out).active
    rows = list(sheet.iter_rows(values_only=True))
    assert max(len([c for c in r if c is not None]) for r in rows) == 5
    assert rows[1][0] == f"村（社区）：{village}"
    assert sheet.print_area.endswith(f"$A$1:$E${len(rows)}")
    assert all(r[1] == village for r in rows if isinstance(r[0], int))
