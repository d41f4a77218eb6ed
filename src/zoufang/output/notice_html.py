"""The notice as one printable HTML page set: A4 portrait, the table as wide as the page
(fixed column proportions, long text wrapped in its cell: no column ever falls onto another
page), the header row repeated at the top of every page (``thead`` is a
``table-header-group``), no row split between pages, "第 1 页 共 N 页" in the bottom margin of
every page, and the notice period, where to object and the signature block (落款) after the
table. Self-contained: no script, no network, no external font or image.

Page numbers are ``@page`` margin boxes (``counter(page)`` / ``counter(pages)``): the PDF
(:mod:`zoufang.output.pdf`, Chromium ≥ 131) and WeasyPrint draw them; Firefox and older
browsers print without them (and may add their own header and footer: turn those off in the
print dialog).
"""

from __future__ import annotations

import html
import re

from zoufang import i18n
from zoufang.output import notice as words
from zoufang.output.values import Money, cell

FONTS = (
    '"Noto Sans CJK SC", "Noto Serif CJK SC", "Source Han Sans SC", "PingFang SC", '
    '"Microsoft YaHei", "SimSun", "WenQuanYi Micro Hei", sans-serif'
)

CSS = """
@page { size: A4 portrait; margin: 16mm 14mm 18mm 14mm;
        @bottom-center { content: PAGE_NUMBERS; font-family: FONTS; font-size: 9pt; } }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { font-family: FONTS; color: #000; font-size: 10.5pt; line-height: 1.45; margin: 0; }
@media screen { body { max-width: 182mm; margin: 10mm auto; } }
h1 { font-size: 18pt; text-align: center; margin: 0 0 2mm; letter-spacing: 0.05em; }
p.village { text-align: center; font-size: 12pt; margin: 0 0 3mm; }
p.facts { margin: 0 0 3mm; }
table { width: 100%; border-collapse: collapse; table-layout: fixed; }
thead { display: table-header-group; }
tfoot { display: table-row-group; }
tr { break-inside: avoid; page-break-inside: avoid; }
th, td { border: 0.6pt solid #000; padding: 1.2mm 1.5mm; vertical-align: top; }
td { overflow-wrap: anywhere; }
th { background: #eee; font-weight: bold; text-align: center; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
td.c { text-align: center; }
tr.total td { font-weight: bold; }
p.period { margin: 4mm 0 0; break-inside: avoid; }
div.sign { margin: 10mm 0 0 auto; width: 70%; text-align: right; break-inside: avoid;
           page-break-inside: avoid; }
div.sign p { margin: 0 0 1.5mm; }
p.chain { margin: 6mm 0 0; font-size: 8pt; color: #333; word-break: break-all; }
"""


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def css_content(template: str) -> str:
    """``第 {page} 页 共 {pages} 页`` as CSS ``content``: strings and page counters."""
    parts = []
    for piece in re.split(r"(\{page\}|\{pages\})", template):
        if piece == "{page}":
            parts.append("counter(page)")
        elif piece == "{pages}":
            parts.append("counter(pages)")
        elif piece:
            escaped = piece.replace("\\", "\\\\").replace('"', '\\"')
            parts.append(f'"{escaped}"')
    return " ".join(parts) or '""'


def style() -> str:
    return CSS.replace("PAGE_NUMBERS", css_content(words.page_number_template())).replace(
        "FONTS", FONTS
    )


def page(data: dict, rows: list[dict], table: list[tuple[str, str]]) -> str:
    """The whole notice as one printable HTML page set, in the chosen language."""
    keys = [key for key, _header in table]
    widths = words.widths_of(keys)
    span = sum(widths)
    cols = "".join(f'<col style="width:{100 * w / span:.2f}%">' for w in widths)
    head = "".join(f"<th>{_e(header)}</th>" for _key, header in table)
    align = {"no": "c", "amount": "n"}
    body = []
    for row in rows:
        cells = "".join(
            f'<td class="{align[key]}">{_e(cell(row[key]))}</td>'
            if key in align
            else f"<td>{_e(cell(row[key]))}</td>"
            for key in keys
        )
        body.append(f"<tr>{cells}</tr>")
    if not rows:
        body.append(f'<tr><td colspan="{len(keys)}">{_e(i18n._("no recipients"))}</td></tr>')
    elif "amount" in keys:
        total = cell(Money(data["total"]))
        label = i18n.pgettext("notice", "Total")
        body.append(
            f'<tr class="total"><td colspan="{len(keys) - 1}" class="c">{_e(label)}</td>'
            f'<td class="n">{_e(total)}</td></tr>'
        )
    village = words.village_line(data)
    chain = words.chain_line(data)
    title = data["title"]
    out = [
        "<!DOCTYPE html>",
        f'<html lang="{"zh-CN" if i18n.zh() else "en"}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title><style>{style()}</style></head><body>",
        f"<h1>{_e(title)}</h1>",
        f'<p class="village">{_e(village)}</p>' if village else "",
        f'<p class="facts">{_e(words.summary(data))}</p>',
        f"<table><colgroup>{cols}</colgroup><thead><tr>{head}</tr></thead>",
        f"<tbody>{''.join(body)}</tbody></table>",
        f'<p class="period">{_e(words.footer(data))}</p>',
        '<div class="sign">',
        *(f"<p>{_e(line)}</p>" for line in words.signature(data)),
        "</div>",
        f'<p class="chain">{_e(chain)}</p>' if chain else "",
        "</body></html>",
    ]
    return "\n".join(line for line in out if line) + "\n"
