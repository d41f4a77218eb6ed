"""`suggestion add/answer/list`: suggestions (意见建议) and the answers they got."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from zoufang import parsing
from zoufang.cli.common import FormatOpt, free, named_cadres, opt, past_date, session, today
from zoufang.i18n import N_, _
from zoufang.output import render

if TYPE_CHECKING:
    from zoufang.db import LedgerSession

suggestion_app = typer.Typer(
    help="Suggestions (意见建议) heard at visits, each answered.", no_args_is_help=True
)

SUGGESTION_COLUMNS = [
    ("id", N_("number")),
    ("household", "户号"),
    ("name", "户主"),
    ("text", N_("suggestion")),
    ("heard_on", N_("heard on")),
    ("cadre", "责任人"),
    ("status", "状态"),
    ("answered_on", N_("answered on")),
    ("answer", N_("answer")),
    ("days_waiting", N_("days waiting")),
]


def _id(text: str) -> int:
    return parsing.parse_count(text, field="ID", minimum=1, maximum=2**62)


def _show(s: LedgerSession, sid: int, fmt) -> None:
    from zoufang.services.suggestions import SuggestionFilter, list_suggestions

    rows = list_suggestions(session=s, today=today(), where=SuggestionFilter(id=sid))
    render(named_cadres(rows), SUGGESTION_COLUMNS, fmt, json_value=rows[0] if rows else None)


def suggestion_add(
    household: Annotated[str, typer.Argument(help="Household code.")],
    text: Annotated[str, typer.Option("--text", help="The suggestion, as it was said.")],
    date: Annotated[
        str | None, typer.Option("--date", help="When it was heard (default today).")
    ] = None,
    by: Annotated[
        str | None,
        typer.Option("--by", help="Responsible cadre (default: the household's assigned cadre)."),
    ] = None,
    fmt: FormatOpt = None,
) -> None:
    """Record a suggestion heard outside a visit (`visit log --suggestion` records one at a visit)."""
    from zoufang.services.suggestions import add_suggestion

    values: dict[str, Any] = {
        "household": household,
        "text": free(text, "--text", "suggestion.text"),
        "on": past_date(date, "--date"),
        "cadre": opt(by, parsing.parse_reference, "--by"),
    }
    with session(write=True) as s:
        sid = add_suggestion(session=s, today=today(), **values)
        _show(s, sid, fmt)


def suggestion_answer(
    suggestion: Annotated[str, typer.Argument(metavar="ID", help="Suggestion number.")],
    note: Annotated[str, typer.Option("--note", help="The answer given to the household.")],
    adopted: Annotated[
        bool | None,
        typer.Option("--adopted/--not-adopted", help="Whether the suggestion was adopted."),
    ] = None,
    by: Annotated[
        str | None,
        typer.Option("--by", help="Cadre who answered (default: the responsible cadre)."),
    ] = None,
    amend: Annotated[
        bool, typer.Option("--amend", help="Answer again (the earlier answer stays on record).")
    ] = False,
    date: Annotated[str | None, typer.Option("--date", help="Date (default today).")] = None,
    fmt: FormatOpt = None,
) -> None:
    """Answer a suggestion, saying whether it was adopted."""
    from zoufang.services.suggestions import answer

    sid = _id(suggestion)
    values: dict[str, Any] = {
        "note": free(note, "--note", "suggestion.answer"),
        "adopted": adopted,
        "cadre": opt(by, parsing.parse_reference, "--by"),
        "amend": amend,
        "on": past_date(date, "--date"),
    }
    with session(write=True) as s:
        answer(session=s, suggestion_id=sid, today=today(), **values)
        _show(s, sid, fmt)


def suggestion_list(
    unanswered: Annotated[
        bool, typer.Option("--unanswered", help="Only those not answered yet.")
    ] = False,
    village: Annotated[str | None, typer.Option(help="Only this village.")] = None,
    cadre: Annotated[str | None, typer.Option(help="Only this responsible cadre.")] = None,
    household: Annotated[str | None, typer.Option(help="Only this household.")] = None,
    fmt: FormatOpt = None,
) -> None:
    """Suggestions, oldest first, with their answers and days waiting."""
    from zoufang.services.suggestions import SuggestionFilter, list_suggestions

    where = SuggestionFilter(
        unanswered=unanswered,
        village=village,
        cadre=opt(cadre, parsing.parse_reference, "--cadre"),
        household=household,
    )
    with session(write=False) as s:
        rows = list_suggestions(session=s, today=today(), where=where)
    shown = [
        {**r, "answer": r["answer"] if r["answer"] is None else _answer_cell(r)}
        for r in named_cadres(rows)
    ]
    render(shown, SUGGESTION_COLUMNS, fmt, json_value=rows, empty=N_("no suggestions"))


def _answer_cell(row: dict) -> str:
    earlier = len(row["answers"]) - 1
    if earlier <= 0:
        return row["answer"]
    return _("{answer} (amended {n} times)").format(answer=row["answer"], n=earlier)


def register(app: typer.Typer) -> None:
    suggestion_app.command("add")(suggestion_add)
    suggestion_app.command("answer")(suggestion_answer)
    suggestion_app.command("list")(suggestion_list)
    app.add_typer(suggestion_app, name="suggestion")
