"""`commitment add/list/respond/resolve/refer/void`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from zoufang import parsing
from zoufang.cli.common import FormatOpt, free, free_opt, line, past_date, session, today
from zoufang.i18n import N_, _, pgettext
from zoufang.output import render

if TYPE_CHECKING:
    from zoufang.db import LedgerSession

commitment_app = typer.Typer(
    help="Promises and needs taken on, each with a deadline.", no_args_is_help=True
)

COMMITMENT_COLUMNS = [
    ("id", "编号"),
    ("household", "户号"),
    ("name", "户主"),
    ("text", "事项"),
    ("cadre", "责任人"),
    ("due_date", "期限"),
    ("status", "状态"),
    ("referred_to", "转交单位"),  # where a referred need went
    ("days_overdue", "逾期天数"),
    ("responses", "回应"),
]


def _id(text: str) -> int:
    return parsing.parse_count(text, field="ID", minimum=1, maximum=2**62)


def _fetch(s: LedgerSession, commitment_id: int) -> dict:
    from zoufang.services.commitments import CommitmentFilter, list_commitments

    rows = list_commitments(session=s, today=today(), where=CommitmentFilter(id=commitment_id))
    return rows[0]


def _text_row(row: dict) -> dict:
    return {
        **row,
        "responses": [
            _("{date} {action}: {note}").format(
                date=x["date"], action=_action(x["action"]), note=x["note"]
            )
            for x in row["responses"]
        ],
    }


def _action(code: str) -> str:
    """What was done, as a response line says it: the code in English, a word in Chinese."""
    words = {
        "open": pgettext("commitment action", "open"),
        "respond": pgettext("commitment action", "respond"),
        "resolved": pgettext("commitment action", "resolved"),
        "cannot-resolve": pgettext("commitment action", "cannot-resolve"),
        "refer": pgettext("commitment action", "refer"),
    }
    return words.get(code, code)


def _show(row: dict, fmt) -> None:
    """Print one commitment, after its transaction committed."""
    render([_text_row(row)], COMMITMENT_COLUMNS, fmt, json_value=row)


def commitment_add(
    household: Annotated[str, typer.Argument(help="Household code.")],
    text: Annotated[str, typer.Argument(help="What was promised.")],
    cadre: Annotated[str, typer.Option("--cadre", help="Responsible cadre code.")],
    due: Annotated[str, typer.Option("--due", help="Deadline (YYYY-MM-DD).")],
    fmt: FormatOpt = None,
) -> None:
    """Record a promise with a responsible cadre and a deadline."""
    from zoufang.services.commitments import add_commitment

    values: dict[str, Any] = {  # parsed before the ledger is opened
        "household": household,
        "text": free(text, "TEXT", "commitment.text"),
        "cadre": parsing.parse_reference(cadre, field="--cadre"),
        "due": parsing.parse_date(due, field="--due"),
    }
    with session(write=True) as s:
        commitment = add_commitment(session=s, today=today(), **values)
        assert commitment.id is not None  # add_commitment flushed it
        row = _fetch(s, commitment.id)
    _show(row, fmt)


def commitment_list(
    status: Annotated[
        str | None,
        typer.Option(help="open, in-progress, resolved, referred, cannot-resolve or void."),
    ] = None,
    overdue: Annotated[
        bool, typer.Option("--overdue", help="Only unfinished ones past their deadline.")
    ] = False,
    cadre: Annotated[str | None, typer.Option(help="Only this responsible cadre.")] = None,
    household: Annotated[str | None, typer.Option(help="Only this household.")] = None,
    fmt: FormatOpt = None,
) -> None:
    """Commitments by deadline, with days overdue and every response."""
    from zoufang.services.commitments import CommitmentFilter, list_commitments

    with session(write=False) as s:
        rows = list_commitments(
            session=s,
            today=today(),
            where=CommitmentFilter(
                status=status, overdue=overdue, cadre=cadre, household=household
            ),
        )
    render(
        [_text_row(r) for r in rows],
        COMMITMENT_COLUMNS,
        fmt,
        json_value=rows,
        empty=N_("no commitments"),
    )


def commitment_respond(
    commitment_id: Annotated[str, typer.Argument(metavar="ID", help="Commitment id.")],
    note: Annotated[str, typer.Option("--note", help="What was done or said.")],
    date: Annotated[
        str | None, typer.Option("--date", help="Date of the response (default today).")
    ] = None,
    fmt: FormatOpt = None,
) -> None:
    """Record progress on a commitment (it becomes in-progress)."""
    from zoufang.services.commitments import respond

    cid, text, on = (
        _id(commitment_id),
        free(note, "--note", "commitment_response.note"),
        past_date(date, "--date"),
    )
    with session(write=True) as s:
        respond(session=s, commitment_id=cid, note=text, on=on)
        row = _fetch(s, cid)
    _show(row, fmt)


def commitment_resolve(
    commitment_id: Annotated[str, typer.Argument(metavar="ID", help="Commitment id.")],
    note: Annotated[str, typer.Option("--note", help="How it was resolved (or why it cannot be).")],
    cannot: Annotated[
        bool, typer.Option("--cannot-resolve", help="Close it as cannot-resolve instead.")
    ] = False,
    date: Annotated[str | None, typer.Option("--date", help="Date (default today).")] = None,
    fmt: FormatOpt = None,
) -> None:
    """Close a commitment as resolved (or --cannot-resolve, with the reason)."""
    from zoufang.services.commitments import resolve

    cid, text, on = (
        _id(commitment_id),
        free(note, "--note", "commitment_response.note"),
        past_date(date, "--date"),
    )
    with session(write=True) as s:
        resolve(session=s, commitment_id=cid, note=text, on=on, cannot=cannot)
        row = _fetch(s, cid)
    _show(row, fmt)


def commitment_refer(
    commitment_id: Annotated[str, typer.Argument(metavar="ID", help="Commitment id.")],
    to: Annotated[
        str,
        typer.Option(
            "--to", metavar="ORGANISATION", help="Organisation it is handed to (民政办, 卫生院…)."
        ),
    ],
    note: Annotated[str | None, typer.Option("--note", help="Details.")] = None,
    date: Annotated[str | None, typer.Option("--date", help="Date (default today).")] = None,
    fmt: FormatOpt = None,
) -> None:
    """Refer a commitment to another organisation (closes it here)."""
    from zoufang.services.commitments import refer

    cid = _id(commitment_id)
    org = line(to, "--to", "commitment.referred_to")
    with session(write=True) as s:
        refer(
            session=s,
            commitment_id=cid,
            to=org,
            note=free_opt(note, "--note", "commitment_response.note"),
            on=past_date(date, "--date"),
        )
        row = _fetch(s, cid)
    _show(row, fmt)


def commitment_void(
    commitment_id: Annotated[str, typer.Argument(metavar="ID", help="Commitment number.")],
    reason: Annotated[
        str, typer.Option("--reason", help="Why it was recorded by mistake (kept with it).")
    ],
    fmt: FormatOpt = None,
) -> None:
    """Void a commitment recorded by mistake (not once it has a response); it stays, void."""
    from zoufang.services.corrections import parse_reason
    from zoufang.services.record_corrections import void_commitment

    cid, why = _id(commitment_id), parse_reason(reason)
    with session(write=True) as s:
        void_commitment(session=s, commitment_id=cid, reason=why, today=today())
        row = _fetch(s, cid)
    _show(row, fmt)


def register(app: typer.Typer) -> None:
    commitment_app.command("add")(commitment_add)
    commitment_app.command("list")(commitment_list)
    commitment_app.command("respond")(commitment_respond)
    commitment_app.command("resolve")(commitment_resolve)
    commitment_app.command("refer")(commitment_refer)
    commitment_app.command("void")(commitment_void)
    app.add_typer(commitment_app, name="commitment")
