"""`zoufang import FILE [--dry-run] [--create-cadres] [--quiet]`: a whole 台账 moved in, all or nothing."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from zoufang import i18n
from zoufang.cli.common import FormatOpt, progress_bar, session, today
from zoufang.errors import InvalidInput
from zoufang.i18n import N_, _, ngettext
from zoufang.output import Format, default_format, render, render_sections, write_json

ERROR_COLUMNS = [("sheet", "工作表"), ("row", "行"), ("column", "列"), ("error", "问题")]


class _Undo(Exception):
    """Raised inside the transaction to roll it back (a problem, or --dry-run)."""


#: The summary's keys (render_sections translates them) that no other command names.
_SUMMARY_WORDS = (N_("history"),)


def import_file(
    path: Annotated[
        Path,
        typer.Argument(
            metavar="FILE",
            help="A workbook (.xlsx), one sheet per kind (as `zoufang export` writes it, or "
            "帮扶对象/花名册, 家庭成员, 走访记录, 承诺事项, 资金流水, 干部名单, 资金项目, "
            "变更记录), or a folder of CSV files named so.",
        ),
    ],
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Check everything, report every problem, write nothing."),
    ] = False,
    create_cadres: Annotated[
        bool,
        typer.Option(
            "--create-cadres",
            help="A cadre name in the households sheet that the ledger and the file do not "
            "know becomes a new cadre (otherwise that row is an error).",
        ),
    ] = False,
    quiet: Annotated[
        bool,
        typer.Option("--quiet", "-q", help="No progress bar (there is none off a terminal)."),
    ] = False,
    fmt: FormatOpt = None,
) -> None:
    """Import a whole 台账: cadres, funds, households, members, visits, commitments, past
    payments and the history of the facts they were judged by; all or nothing (see
    docs/rosters.md)."""
    from zoufang.services.workbook_import import import_workbook

    fmt = fmt or default_format()
    result = None
    try:
        with (
            session(write=True) as s,
            progress_bar(
                100,
                _("importing {file}").format(file=path.name),
                wanted=not quiet and fmt is not Format.json,
            ) as bar,
        ):
            result = import_workbook(
                session=s,
                path=path,
                today=today(),
                dry_run=dry_run,
                create_cadres=create_cadres,
                progress=(lambda done, total: bar(done * 100 // total if total else 100))
                if bar
                else None,
            )
            if result.errors or dry_run:
                raise _Undo
    except _Undo:
        pass
    assert result is not None
    _tell(result)
    if fmt is Format.json:
        write_json(result.as_dict())
    elif result.errors:
        render(result.errors, ERROR_COLUMNS, fmt)
    else:
        imported = result.as_dict()["imported"]
        render_sections([(N_("imported"), imported)], fmt, json_value=imported)
    if result.errors:
        problems = len(result.errors)
        raise InvalidInput(
            "FILE",
            _("{file}: {problems}; nothing was imported").format(
                file=result.file,
                problems=ngettext("{n} problem", "{n} problems", problems).format(n=problems),
            ),
        )
    if dry_run:
        print(
            _("dry run: {file} can be imported; nothing was written").format(file=result.file),
            file=sys.stderr,
        )


def _tell(result) -> None:
    """What was set aside or changed, on stderr, a line each (the JSON holds the same)."""
    separator = "、" if i18n.zh() else ", "
    for name in result.not_read:
        print(
            _("warning: {file}: sheet {sheet!r} was not read (no such kind of record)").format(
                file=result.file, sheet=name
            ),
            file=sys.stderr,
        )
    for sheet, columns in result.unknown_columns.items():
        print(
            _("warning: {file}: sheet {sheet}: columns zoufang does not know: {columns}").format(
                file=result.file, sheet=sheet, columns=separator.join(columns)
            ),
            file=sys.stderr,
        )
    if result.kept_in_notes:
        print(
            _(
                "warning: {file}: columns zoufang does not know, kept in each household's "
                "notes: {columns}"
            ).format(file=result.file, columns=separator.join(result.kept_in_notes)),
            file=sys.stderr,
        )
    for skipped in result.skipped:
        print(
            _("{file}: sheet {sheet} row {row} is under the data, skipped: {text}").format(
                file=result.file, sheet=skipped["sheet"], row=skipped["row"], text=skipped["text"]
            ),
            file=sys.stderr,
        )
    for tidied in result.names_tidied[:20]:
        print(
            _("{file}: sheet {sheet} row {row}: name {before!r} read as {after!r}").format(
                file=result.file,
                sheet=tidied["sheet"],
                row=tidied["row"],
                before=tidied["from"],
                after=tidied["to"],
            ),
            file=sys.stderr,
        )
    for made in result.cadres_created:
        print(
            _("{file}: new cadre {code} {name} (row {row})").format(file=result.file, **made),
            file=sys.stderr,
        )


def register(app: typer.Typer) -> None:
    app.command("import")(import_file)
