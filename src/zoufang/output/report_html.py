"""The campaign report as one printable HTML page with inline SVG charts (no network, no
script, no external font or image); the labels and tables are :mod:`zoufang.output.report`'s.
"""

from __future__ import annotations

import datetime as dt
import html
import math
import unicodedata

from zoufang import i18n
from zoufang.output.report import (
    campaign_sentence,
    category_label,
    heard_parts,
    kind_label,
    percent,
    period_text,
    short_head,
    t,
    tables,
    yuan,
)
from zoufang.parsing import visible

COLORS = {
    "bar": "#2f6f9f",
    "good": "#3a8a4f",
    "warn": "#d08a1e",
    "bad": "#c0392b",
    "muted": "#b8c4ce",
    "pale": "#dfe7ee",
}

CSS = """
@page { size: A4; margin: 14mm; }
* { box-sizing: border-box; }
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei",
       "WenQuanYi Micro Hei", "Helvetica Neue", Arial, sans-serif; color: #1d2730;
       margin: 0 auto; padding: 24px; max-width: 1100px; font-size: 14px; line-height: 1.5; }
h1 { font-size: 24px; margin: 0 0 4px; color: #123b5c; }
h2 { font-size: 17px; margin: 28px 0 8px; padding-bottom: 4px; border-bottom: 2px solid #2f6f9f;
     color: #123b5c; }
.meta { color: #5b6b78; margin-bottom: 18px; }
.cards { display: grid; grid-template-columns: repeat(4, 1fr); gap: 10px; }
.card { border: 1px solid #d5dee6; border-radius: 6px; padding: 10px 12px; background: #f7fafc; }
.card .v { font-size: 22px; font-weight: 700; color: #123b5c; }
.card .k { color: #5b6b78; font-size: 12px; }
.card.bad .v { color: #c0392b; }
.grid2 { display: grid; grid-template-columns: 1fr 1fr; gap: 18px; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 4px; font-size: 13px; }
th, td { border: 1px solid #d5dee6; padding: 3px 7px; text-align: left; }
th { background: #e8eef4; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.note { color: #5b6b78; font-size: 12px; margin: 4px 0; }
.summary { font-size: 15px; margin: 16px 0 4px; padding: 10px 12px; border-left: 4px solid #2f6f9f;
           background: #f7fafc; }
h3 { font-size: 14px; margin: 10px 0 4px; color: #123b5c; }
svg { display: block; max-width: 100%; height: auto; }
svg text { font-size: 12px; fill: #1d2730; }
.legend span { display: inline-block; margin-right: 12px; font-size: 12px; }
.legend i { display: inline-block; width: 10px; height: 10px; margin-right: 4px; }
footer { margin-top: 28px; color: #8a98a4; font-size: 11px; }
section { break-inside: avoid; page-break-inside: avoid; }
@media print { body { padding: 0; max-width: none; } .cards { grid-template-columns: repeat(4, 1fr); }
               h2 { break-after: avoid; } tr { break-inside: avoid; } }
"""


def _e(value: object) -> str:
    """Text for the page: HTML-escaped, bidirectional controls shown (``⟨U+202E⟩``)."""
    return html.escape(visible("" if value is None else str(value)), quote=True)


#: Widest label left of the bars, in pixels; a longer one is shortened with an ellipsis.
LABEL_MAX = 190


def _char_width(c: str) -> float:
    """Pixels of one character at 12px in the page's CJK fonts (an upper bound): wide and
    full-width characters (汉字, full-width forms) and the ambiguous ones a CJK font draws
    wide (—, …, ·, “”) 12; capitals, digits and other narrow ones 7.5 or less."""
    if unicodedata.combining(c):
        return 0
    if unicodedata.east_asian_width(c) in "WFA":
        return 12
    if c in "il.,:;'|!":
        return 3.5
    return 8 if c.isupper() or c in "mwMW@%" else 7


def _width(text: str) -> int:
    """Approximate pixels of ``text`` at 12px (never less than a browser draws)."""
    return math.ceil(sum(_char_width(c) for c in text))


def _fit(text: str, limit: int) -> str:
    """``text`` as is if it fits in ``limit`` pixels, else cut at the end with "…"."""
    if _width(text) <= limit:
        return text
    room, kept = limit - _char_width("…"), []
    for c in text:
        room -= _char_width(c)
        if room < 0:
            break
        kept.append(c)
    return "".join(kept).rstrip() + "…"


def bar_chart(
    items: list[tuple[str, float, str]],
    *,
    color=COLORS["bar"],
    maximum: float | None = None,
    title: str = "",
    width: int = 520,
) -> str:
    """Horizontal bars: (label, value, text shown after the bar). ``color`` is a colour or
    a function of the value."""
    if not items:
        return ""
    labels = [_fit(label, LABEL_MAX) for label, _, _ in items]
    label_w = max(_width(label) for label in labels) + 10
    text_w = max(_width(text) for _, _, text in items) + 10
    top = maximum if maximum else max((v for _, v, _ in items), default=0) or 1
    span = max(60, width - label_w - text_w)
    row = 22
    height = row * len(items) + 6
    parts = [
        f'<svg viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-label="{_e(title)}">'
    ]
    for i, (label, value, text) in enumerate(items):
        y = 3 + i * row
        w = 0 if top <= 0 else max(0.0, span * value / top)
        shown = labels[i]
        hover = f"<title>{_e(label)}</title>" if shown != label else ""
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 14}" text-anchor="end">{hover}{_e(shown)}</text>'
        )
        parts.append(
            f'<rect x="{label_w}" y="{y + 3}" width="{span}" height="14" fill="{COLORS["pale"]}"/>'
        )
        fill = color(value) if callable(color) else color
        parts.append(f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="14" fill="{fill}"/>')
        parts.append(f'<text x="{label_w + span + 6}" y="{y + 14}">{_e(text)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def stacked_bar(parts: list[tuple[str, int, str]], *, title: str, width: int = 520) -> str:
    """One bar split into coloured parts (label, value, colour), with a legend."""
    total = sum(v for _, v, _ in parts)
    x = 0.0
    shapes = [
        f'<svg viewBox="0 0 {width} 26" width="{width}" height="26" role="img" '
        f'aria-label="{_e(title)}">',
        f'<rect x="0" y="3" width="{width}" height="20" fill="{COLORS["pale"]}"/>',
    ]
    for _, value, color in parts:
        if total and value:
            w = width * value / total
            shapes.append(f'<rect x="{x:.1f}" y="3" width="{w:.1f}" height="20" fill="{color}"/>')
            x += w
    shapes.append("</svg>")
    legend = "".join(
        f'<span><i style="background:{c}"></i>{_e(label)} {v:,}</span>' for label, v, c in parts
    )
    return "".join(shapes) + f'<div class="legend">{legend}</div>'


def _coverage_color(percent: float) -> str:
    return COLORS["good"] if percent >= 95 else COLORS["warn"] if percent >= 80 else COLORS["bad"]


def _table(rows: list[dict], columns: list[tuple[str, str]]) -> str:
    if not rows:
        return '<p class="note">—</p>'
    head = "".join(f"<th>{_e(h)}</th>" for _, h in columns)
    body = []
    for r in rows:
        cells = []
        for key, _ in columns:
            value = r.get(key)
            if isinstance(value, dt.date):
                value = value.isoformat()
            numeric = isinstance(value, int | float) or (
                isinstance(value, str)
                and value[:1].isdigit()
                and value.rstrip("%").replace(",", "").replace(".", "").isdigit()
            )
            cells.append(f'<td class="n">{_e(value)}</td>' if numeric else f"<td>{_e(value)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def heard_chart(report: dict) -> str:
    """Wishes and suggestions heard in the period, each one bar split by what became of them."""
    wishes, suggestions = heard_parts(report)
    wish_colors = [COLORS["good"], COLORS["muted"], COLORS["warn"], COLORS["bad"]]
    suggestion_colors = [COLORS["good"], COLORS["bar"], COLORS["bad"]]
    return (
        f"<h3>{_e(t('wishes'))}: {report['heard']['wishes']:,}</h3>"
        + stacked_bar(
            [(label, n, c) for (label, n), c in zip(wishes, wish_colors, strict=True)],
            title=t("wishes"),
            width=900,
        )
        + f"<h3>{_e(t('suggestions'))}: {report['heard']['suggestions']:,}</h3>"
        + stacked_bar(
            [(label, n, c) for (label, n), c in zip(suggestions, suggestion_colors, strict=True)],
            title=t("suggestions"),
            width=900,
        )
    )


def page(report: dict) -> str:
    """The whole report as one self-contained, printable HTML page, in the chosen language."""
    h, n, heard, money = report["households"], report["needs"], report["heard"], report["money"]
    visits = report["visits"]
    title = t("title")
    village = report["period"]["village"]
    cards = [
        (t("enrolled"), f"{h['enrolled']:,}", False),
        (t("visited"), f"{h['visited']:,}", False),
        (t("coverage"), percent(h["coverage"]), False),
        (t("never_visited"), f"{h['never_visited']:,}", h["never_visited"] > 0),
        (t("overdue_visits"), f"{h['overdue']:,}", h["overdue"] > 0),
        (t("visits"), f"{visits['total']:,}", False),
        (t("raised"), f"{n['raised']:,}", False),
        (t("resolved"), f"{n['resolved']:,}", False),
        (t("overdue"), f"{n['overdue']:,}", n["overdue"] > 0),
        (t("person_visits"), f"{visits['person_visits']:,}", False),
        (t("cadre_visits"), f"{visits['cadre_visits']:,}", False),
        (t("suggestions"), f"{heard['suggestions']:,}", False),
        (t("suggestions_answered"), f"{heard['suggestions_answered']:,}", False),
        (t("wishes"), f"{heard['wishes']:,}", False),
        (t("wishes_fulfilled"), f"{heard['wishes_fulfilled']:,}", False),
        (t("gifts"), f"{heard['gifts']:,}", False),
        (t("paid_in_period"), yuan(money["paid_in_period_fen"]), False),
    ]
    out = [
        "<!DOCTYPE html>",
        f'<html lang="{"zh-CN" if i18n.zh() else "en"}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{_e(title)}</h1>",
        f'<div class="meta">{_e(t("period"))}: {_e(period_text(report))} · '
        f"{_e(t('village'))}: {_e(village or t('all_villages'))} · "
        f"{_e(t('generated'))}: {_e(report['period']['generated'].isoformat())}"
        + (
            f" · {_e(t('chain_head'))}: {_e(short_head(report['chain_head']))}"
            if report.get("chain_head")
            else ""
        )
        + "</div>",
        # the campaign sentence, the first paragraph: ready to paste into a report upward
        f'<p class="summary">{_e(campaign_sentence(report))}</p>',
        '<section><div class="cards">',
        *(
            f'<div class="card{" bad" if bad else ""}"><div class="v">{_e(v)}</div>'
            f'<div class="k">{_e(k)}</div></div>'
            for k, v, bad in cards
        ),
        "</div></section>",
    ]
    kind_items = [
        (kind_label(r["kind"]), r["visits"], f"{r['visits']:,}") for r in visits["by_kind"]
    ]
    category_items = [
        (
            category_label(r),
            r["coverage"] or 0,
            f"{percent(r['coverage'])} ({r['visited']:,}/{r['households']:,})",
        )
        for r in visits["by_category"]
    ]
    out += [
        '<section class="grid2"><div>',
        f"<h2>{_e(t('by_kind'))}</h2>",
        bar_chart(kind_items, title=t("by_kind"), width=500),
        "</div><div>",
        f"<h2>{_e(t('needs'))}</h2>",
        stacked_bar(
            [
                (t("resolved"), n["resolved"], COLORS["good"]),
                (t("referred"), n["referred"], COLORS["bar"]),
                (t("cannot_resolve"), n["cannot_resolve"], COLORS["muted"]),
                (t("open_late"), n["overdue"], COLORS["bad"]),
                (t("open_in_time"), n["open"] - n["overdue"], COLORS["warn"]),
            ],
            title=t("needs"),
            width=500,
        ),
        f'<p class="note">{_e(t("resolved_share"))}: {_e(percent(n["resolved_share"]))} · '
        f"{_e(t('suggestions'))}: {heard['suggestions']:,} · {_e(t('wishes'))}: "
        f"{heard['wishes']:,}</p>",
        "</div></section>",
        f"<section><h2>{_e(t('heard_chart'))}</h2>",
        heard_chart(report),
        f'<p class="note">{_e(t("heard_note"))}</p></section>',
        f"<section><h2>{_e(t('by_category'))} — {_e(t('coverage'))}</h2>",
        bar_chart(
            category_items,
            maximum=100,
            color=_coverage_color,
            title=t("by_category"),
            width=900,
        ),
        f'<p class="note">{_e(t("category_note"))}</p></section>',
    ]
    lowest = visits["by_village"][:25]
    if lowest:
        out += [
            f"<section><h2>{_e(t('coverage_chart'))}</h2>",
            bar_chart(
                [
                    (
                        r["village"],
                        r["coverage"] or 0,
                        f"{percent(r['coverage'])} ({r['visited']:,}/{r['households']:,})",
                    )
                    for r in lowest
                ],
                maximum=100,
                color=_coverage_color,
                title=t("coverage_chart"),
                width=900,
            ),
            "</section>",
        ]
    if money["by_fund"]:
        fund_items = []
        for r in money["by_fund"]:
            fund_items.append(
                (
                    f"{r['fund']} {r['name']}",
                    r["paid_fen"],
                    f"{yuan(r['paid_fen'])} / {yuan(r['allocated_fen'])}",
                )
            )
        out += [
            f"<section><h2>{_e(t('money_fund'))}</h2>",
            bar_chart(
                fund_items,
                maximum=max(max(r["allocated_fen"] for r in money["by_fund"]), 1),
                title=t("money_fund"),
                width=900,
            ),
            f'<p class="note">{_e(t("paid"))} / {_e(t("allocated"))}</p></section>',
        ]
    for title_text, rows, columns in tables(report):
        if title_text in (t("never_list"), t("heard_chart")):
            continue
        out += [f"<section><h2>{_e(title_text)}</h2>", _table(rows, columns), "</section>"]
    never_rows = report["never_visited"]
    out += [
        f"<section><h2>{_e(t('never_list'))} ({h['never_visited']:,})</h2>",
        _table(never_rows, tables(report)[-1][2]),
    ]
    if h["never_visited"] > len(never_rows):
        out.append(
            f'<p class="note">{_e(t("more").format(n=h["never_visited"] - len(never_rows)))}</p>'
        )
    out += [
        "</section>",
        f"<footer>{_e(t('footer'))} · {_e(t('overdue_note'))}</footer>",
        "</body></html>",
    ]
    return "\n".join(out) + "\n"
