"""The campaign report as people read it: titled sections for the listing formats, JSON
with money in yuan, or one printable HTML page (:mod:`zoufang.output.report_html`).

Input is :func:`zoufang.services.report.campaign_report`'s dict; money is in fen under
``*_fen`` keys. Headings and labels are in the chosen language (the catalog's context
``report``), or the report's own ``--lang``; JSON is the same in every language.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any

from zoufang import i18n
from zoufang.i18n import pgettext
from zoufang.labels import CATEGORY, VISIT_KIND, label_of
from zoufang.output.formats import Format, ReportFormat, listing_format
from zoufang.output.text import render_sections, write_json
from zoufang.output.values import Money
from zoufang.parsing import format_money


def _words() -> dict[str, str]:
    """The report's headings and labels in the chosen language (read once per language)."""
    return {
        "title": pgettext("report", "Visiting campaign report"),
        "summary": pgettext("report", "Summary"),
        "period": pgettext("report", "Period"),
        "village": pgettext("report", "Village"),
        "all_villages": pgettext("report", "all"),
        "until_only": pgettext("report", "up to {until}"),
        "generated": pgettext("report", "Generated"),
        "enrolled": pgettext("report", "Households enrolled"),
        "visited": pgettext("report", "Households visited"),
        "coverage": pgettext("report", "Coverage"),
        "not_visited": pgettext("report", "Not visited in the period"),
        "never_visited": pgettext("report", "Never visited"),
        "overdue_visits": pgettext("report", "Overdue for a visit"),
        "visits": pgettext("report", "Visits"),
        "raised": pgettext("report", "Needs raised"),
        "resolved": pgettext("report", "Resolved"),
        "referred": pgettext("report", "Referred"),
        "cannot_resolve": pgettext("report", "Cannot resolve"),
        "open": pgettext("report", "Still open"),
        "overdue": pgettext("report", "Overdue"),
        "open_late": pgettext("report", "open, overdue"),
        "open_in_time": pgettext("report", "open, in time"),
        "resolved_share": pgettext("report", "Resolved share"),
        "suggestions": pgettext("report", "Suggestions heard"),
        "wishes": pgettext("report", "Wishes collected"),
        "wish_households": pgettext("report", "Households with wishes"),
        "gifts": pgettext("report", "Gifts handed over"),
        "paid_in_period": pgettext("report", "Paid in the period"),
        "chain_head": pgettext("report", "Ledger chain head"),
        "by_kind": pgettext("report", "Visits by kind"),
        "by_village": pgettext("report", "Visits by village"),
        "by_category": pgettext("report", "Visits by category"),
        "needs": pgettext("report", "Needs raised and answered"),
        "money_fund": pgettext("report", "Money per fund"),
        "money_category": pgettext("report", "Money per category"),
        "cadres": pgettext("report", "Cadre workload"),
        "never_list": pgettext("report", "Households never visited"),
        "kind": pgettext("report", "kind"),
        "households": pgettext("report", "households"),
        "category": pgettext("report", "category"),
        "fund": pgettext("report", "fund"),
        "name": pgettext("report", "name"),
        "allocated": pgettext("report", "allocated"),
        "paid": pgettext("report", "paid"),
        "left": pgettext("report", "left"),
        "paid_period": pgettext("report", "paid in period"),
        "households_paid": pgettext("report", "households paid"),
        "cadre": pgettext("report", "cadre"),
        "cadre_name": pgettext("report cadre", "name"),
        "overdue_households": pgettext("report", "overdue households"),
        "overdue_commitments": pgettext("report", "overdue commitments"),
        "household": pgettext("report", "household"),
        "head": pgettext("report head of household", "name"),
        "enrolled_on": pgettext("report", "enrolled"),
        "days_waiting": pgettext("report", "days waiting"),
        "coverage_chart": pgettext("report", "Villages with the lowest coverage"),
        "more": pgettext("report", "{n} more not listed (see --format json or household list)"),
        "suggestions_answered": pgettext("report", "Suggestions answered"),
        "suggestions_adopted": pgettext("report", "Suggestions adopted"),
        "suggestions_unanswered": pgettext("report", "Suggestions not yet answered"),
        "suggestions_answered_only": pgettext("report", "answered, not adopted or not stated"),
        "wishes_claimed": pgettext("report", "Wishes claimed"),
        "wishes_fulfilled": pgettext("report", "Wishes fulfilled"),
        "wishes_declined": pgettext("report", "Wishes declined"),
        "wishes_open": pgettext("report", "Wishes not yet claimed"),
        "wishes_in_hand": pgettext("report", "claimed, in hand"),
        "person_visits": pgettext("report", "Person-visits (one per household per visit)"),
        "cadre_visits": pgettext("report", "Cadre visits (one per cadre per visit)"),
        "heard_what": pgettext("report", "status"),
        "heard_count": pgettext("report", "number"),
        "heard_chart": pgettext("report", "Wishes and suggestions by status"),
        "heard_note": pgettext(
            "report",
            "Of the wishes and suggestions heard in the period, what became of them by its "
            "last day.",
        ),
        "sentence": pgettext(
            "report",
            "{scope}: visited {households} households in need, {visits} person-visits "
            "({cadre_visits} cadre visits); paid {yuan} yuan ({wan} ten-thousand yuan) in "
            "relief; helped resolve {resolved} practical difficulties; heard {suggestions} "
            "suggestions ({answered} answered, {adopted} adopted); collected {wishes} small "
            "wishes, {fulfilled} fulfilled.",
        ),
        "sentence_scope": pgettext("report", "{period}, {village}"),
        "sentence_all": pgettext("report", "all villages"),
        "category_note": pgettext("report", "A household in two categories counts in both."),
        "overdue_note": pgettext("report", "Overdue figures are as of the last day of the period."),
        "footer": pgettext("report", "Generated by zoufang"),
        "period_text": pgettext("report", "{since} to {until}"),
    }


_WORDS: dict[str, dict[str, str]] = {}


def t(key: str) -> str:
    """The heading or label ``key`` in the chosen language."""
    lang = i18n.current()
    words = _WORDS.get(lang)
    if words is None:
        words = _WORDS[lang] = _words()
    return words[key]


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}%"


def yuan(fen: int) -> str:
    return format_money(fen)


def kind_label(code: str) -> str:
    return label_of(VISIT_KIND, code)


def category_label(row: dict) -> str:
    """A category by its ledger label (its code in English)."""
    return label_of(CATEGORY, row["category"], row["label"])


def short_head(head: dict) -> str:
    """``519:9f86d081884c``: the chain head's short form, as notices print it."""
    return f"{head['seq']}:{head['hash'][:12]}"


def period_text(report: dict) -> str:
    p = report["period"]
    if not p["since"]:  # the whole ledger: 截至 the last day, not "from the start"
        return t("until_only").format(until=p["until"].isoformat())
    return t("period_text").format(since=p["since"].isoformat(), until=p["until"].isoformat())


def wan(fen: int) -> str:
    """Fen as 万元 (ten thousand yuan), to at most four decimals (one yuan), no trailing
    zeros: 1,250,000 fen → ``1.25``."""
    from decimal import Decimal

    text = f"{(Decimal(fen) / Decimal(1_000_000)).quantize(Decimal('0.0001')):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def campaign_sentence(report: dict) -> str:
    """The campaign sentence sent upward, in the chosen language, from the report's own
    figures: 走访困难群众 N 户 M 人次，发放慰问金 X 万元，帮助解决实际困难 A 个，听取意见建议
    B 条（已答复 C 条、采纳 D 条），收集微心愿 E 个、已圆梦 F 个。"""
    h, n, heard = report["households"], report["needs"], report["heard"]
    visits, paid = report["visits"], report["money"]["paid_in_period_fen"]
    scope = t("sentence_scope").format(
        period=period_text(report), village=report["period"]["village"] or t("sentence_all")
    )
    return t("sentence").format(
        scope=scope,
        households=h["visited"],
        visits=visits["person_visits"],
        cadre_visits=visits["cadre_visits"],
        yuan=yuan(paid),
        wan=wan(paid),
        resolved=n["resolved"],
        suggestions=heard["suggestions"],
        answered=heard["suggestions_answered"],
        adopted=heard["suggestions_adopted"],
        wishes=heard["wishes"],
        fulfilled=heard["wishes_fulfilled"],
        claimed=heard["wishes_claimed"],
        declined=heard["wishes_declined"],
    )


def summary(report: dict) -> dict:
    """The headline figures, labelled."""
    h, n, heard = report["households"], report["needs"], report["heard"]
    pairs = [
        ("period", period_text(report)),
        ("village", report["period"]["village"] or t("all_villages")),
        ("enrolled", h["enrolled"]),
        ("visited", h["visited"]),
        ("coverage", percent(h["coverage"])),
        ("not_visited", h["not_visited"]),
        ("never_visited", h["never_visited"]),
        ("overdue_visits", h["overdue"]),
        ("visits", report["visits"]["total"]),
        ("raised", n["raised"]),
        ("resolved", n["resolved"]),
        ("referred", n["referred"]),
        ("cannot_resolve", n["cannot_resolve"]),
        ("open", n["open"]),
        ("overdue", n["overdue"]),
        ("person_visits", report["visits"]["person_visits"]),
        ("cadre_visits", report["visits"]["cadre_visits"]),
        ("suggestions", heard["suggestions"]),
        ("suggestions_answered", heard["suggestions_answered"]),
        ("suggestions_adopted", heard["suggestions_adopted"]),
        ("wishes", heard["wishes"]),
        ("wishes_claimed", heard["wishes_claimed"]),
        ("wishes_fulfilled", heard["wishes_fulfilled"]),
        ("wishes_declined", heard["wishes_declined"]),
        ("wish_households", heard["wish_households"]),
        ("gifts", heard["gifts"]),
        ("paid_in_period", yuan(report["money"]["paid_in_period_fen"])),
    ]
    if report.get("chain_head"):
        pairs.append(("chain_head", short_head(report["chain_head"])))
    return {t(key): value for key, value in pairs}


def tables(report: dict) -> list[tuple[str, list[dict], list[tuple[str, str]]]]:
    """(title, rows, columns) for each table of the report, values ready to print."""

    def cols(*keys: tuple[str, str]) -> list[tuple[str, str]]:
        return [(key, t(text)) for key, text in keys]

    visits = report["visits"]
    kinds = [{**r, "kind": kind_label(r["kind"])} for r in visits["by_kind"]]
    villages = [{**r, "coverage": percent(r["coverage"])} for r in visits["by_village"]]
    categories = [
        {
            **r,
            "category": category_label(r),
            "coverage": percent(r["coverage"]),
        }
        for r in visits["by_category"]
    ]
    funds = [
        {
            "fund": r["fund"],
            "name": r["name"],
            "allocated": yuan(r["allocated_fen"]),
            "paid": yuan(r["paid_fen"]),
            "left": yuan(r["left_fen"]),
            "paid_period": yuan(r["paid_in_period_fen"]),
            "households": r["households"],
        }
        for r in report["money"]["by_fund"]
    ]
    money_categories = [
        {
            "category": category_label(r),
            "paid": yuan(r["paid_fen"]),
            "households": r["households"],
        }
        for r in report["money"]["by_category"]
    ]
    return [
        (
            t("by_kind"),
            kinds,
            cols(("kind", "kind"), ("visits", "visits"), ("households", "households")),
        ),
        (
            t("by_village"),
            villages,
            cols(
                ("village", "village"),
                ("households", "enrolled"),
                ("visited", "visited"),
                ("coverage", "coverage"),
                ("visits", "visits"),
            ),
        ),
        (
            t("by_category"),
            categories,
            cols(
                ("category", "category"),
                ("households", "enrolled"),
                ("visited", "visited"),
                ("coverage", "coverage"),
                ("visits", "visits"),
            ),
        ),
        (
            t("heard_chart"),
            heard_rows(report),
            cols(("what", "heard_what"), ("count", "heard_count")),
        ),
        (
            t("money_fund"),
            funds,
            cols(
                ("fund", "fund"),
                ("name", "name"),
                ("allocated", "allocated"),
                ("paid", "paid"),
                ("left", "left"),
                ("paid_period", "paid_period"),
                ("households", "households_paid"),
            ),
        ),
        (
            t("money_category"),
            money_categories,
            cols(
                ("category", "category"), ("paid", "paid_period"), ("households", "households_paid")
            ),
        ),
        (
            t("cadres"),
            report["cadres"],
            cols(
                ("cadre", "cadre"),
                ("name", "cadre_name"),
                ("households", "households"),
                ("visits", "visits"),
                ("overdue_households", "overdue_households"),
                ("overdue_commitments", "overdue_commitments"),
            ),
        ),
        (
            t("never_list"),
            report["never_visited"],
            cols(
                ("household", "household"),
                ("name", "head"),
                ("village", "village"),
                ("enrolled_on", "enrolled_on"),
                ("days_waiting", "days_waiting"),
            ),
        ),
    ]


def heard_parts(report: dict) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    """The wishes heard in the period by what became of them (fulfilled, declined, claimed
    and in hand, not yet claimed), and the suggestions (adopted, answered otherwise, not yet
    answered): (label, count) pairs, for the chart and its table."""
    heard = report["heard"]
    fulfilled, declined = heard["wishes_fulfilled"], heard["wishes_declined"]
    in_hand = heard["wishes_in_hand"]
    unclaimed = heard["wishes"] - fulfilled - declined - in_hand
    wishes = [
        (t("wishes_fulfilled"), fulfilled),
        (t("wishes_declined"), declined),
        (t("wishes_in_hand"), in_hand),
        (t("wishes_open"), unclaimed),
    ]
    adopted, answered = heard["suggestions_adopted"], heard["suggestions_answered"]
    suggestions = [
        (t("suggestions_adopted"), adopted),
        (t("suggestions_answered_only"), answered - adopted),
        (t("suggestions_unanswered"), heard["suggestions"] - answered),
    ]
    return wishes, suggestions


def heard_rows(report: dict) -> list[dict]:
    wishes, suggestions = heard_parts(report)
    return [{"what": f"{t('wishes')} · {label}", "count": n} for label, n in wishes] + [
        {"what": f"{t('suggestions')} · {label}", "count": n} for label, n in suggestions
    ]


def sections(report: dict) -> list:
    """For :func:`~zoufang.output.text.render_sections`: the summary, then every table."""
    return [(f"{t('title')} — {t('summary')}", summary(report))] + [
        (title, (rows, columns)) for title, rows, columns in tables(report)
    ]


def write_report(
    report: dict, fmt: ReportFormat, *, lang: str | None = None, out: IO[str] | Path | None
) -> None:
    """Write the report in ``fmt`` to ``out`` (a new UTF-8 file if a path; stdout if None),
    in ``lang`` (default: the chosen language, :func:`zoufang.i18n.current`)."""
    from zoufang.output.files import opened

    with opened(out) as stream, i18n.speaking(lang):
        listing = listing_format(fmt)
        if listing is None:
            from zoufang.output.report_html import page

            stream.write(page(report))
        elif listing is Format.json:
            write_json(with_money({"summary": campaign_sentence(report), **report}), stream)
        elif listing is Format.csv:
            first = (t("summary"), {"summary": campaign_sentence(report)})
            render_sections([first, *sections(report)], listing, json_value=None, out=stream)
        else:
            # the campaign sentence first, a paragraph ready to paste into a report upward
            sentence = campaign_sentence(report)
            print(sentence, file=stream)
            print(file=stream)
            render_sections(sections(report), listing, json_value=None, out=stream)


def with_money(value: Any) -> Any:
    """``*_fen`` integers → Money under the key without the suffix, all the way down."""
    if isinstance(value, dict):
        return {
            (k[:-4] if k.endswith("_fen") else k): (
                Money(v) if k.endswith("_fen") and v is not None else with_money(v)
            )
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [with_money(v) for v in value]
    return value
