"""`export`: the whole 台账 as an Excel workbook, CSV files or JSON."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from zoufang.cli.common import (
    ForceOpt,
    LangOpt,
    RevealOpt,
    default_lang,
    log_reveal,
    log_server_access,
    parse_lang,
    progress_bar,
    refuse_existing,
    session,
    today,
)
from zoufang.errors import InvalidInput
from zoufang.i18n import _, pgettext
from zoufang.output import ExportFormat, parse_choice
from zoufang.private_files import make_private_dir

TABLES = (
    "households",
    "members",
    "visits",
    "commitments",
    "wishes",
    "suggestions",
    "ledger",
    "cadres",
    "funds",
    "history",
)


def export(
    out: Annotated[
        str,
        typer.Option(
            "--out",
            help="File to write (- for stdout with csv of one table or json); a directory for --format csv --table all.",
        ),
    ],
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            help="xlsx, csv or json (default: from the --out suffix).",
            metavar="<" + "|".join(ExportFormat) + ">",
        ),
    ] = None,
    table: Annotated[
        str,
        typer.Option(
            "--table",
            help="households, members, visits, commitments, wishes, suggestions, ledger, "
            "cadres, funds, history or all.",
        ),
    ] = "all",
    lang: LangOpt = None,
    reveal: RevealOpt = False,
    force: ForceOpt = False,
) -> None:
    """Export the 台账: households, members, visits, commitments, wishes, suggestions, the
    money ledger, cadres, funds and the history of the facts the fund rules read, one sheet
    (or file) per table; ID numbers masked unless --reveal."""
    from zoufang.output.files import write_tables
    from zoufang.services.export import export_tables

    chosen = _format(fmt, out)
    tables = list(TABLES) if table == "all" else [table]
    if table != "all" and table not in TABLES:
        raise InvalidInput(
            "--table",
            _("{value!r} is not one of {names} or all").format(
                value=table, names=", ".join(TABLES)
            ),
        )
    language = parse_lang(lang) or default_lang()
    target = _target(out, chosen, tables, force=force)
    if reveal:  # its own short transaction: the export itself only reads
        with session(write=True) as s:
            log_reveal(s, f"export {','.join(tables)} to {out}")
    log_server_access("export", f"{','.join(tables)} to {out}")
    with session(write=False) as s, progress_bar(1, _("exporting")) as bar:
        data = export_tables(
            session=s, tables=tables, lang=language, reveal=reveal, today=today(), fmt=chosen
        )
        counts = write_tables(data, fmt=chosen, out=target, progress=_sized(bar) if bar else None)
    if target is not sys.stdout:
        summary = pgettext("list separator", ", ").join(
            f"{_table_word(name)} {n:,}" for name, n in counts.items()
        )
        print(_("exported to {out}: {summary}").format(out=out, summary=summary), file=sys.stderr)


def _table_word(name: str) -> str:
    """A table as the summary line names it: as --table names it, in Chinese its word."""
    words = {
        "households": pgettext("export table", "households"),
        "members": pgettext("export table", "members"),
        "visits": pgettext("export table", "visits"),
        "commitments": pgettext("export table", "commitments"),
        "wishes": pgettext("export table", "wishes"),
        "suggestions": pgettext("export table", "suggestions"),
        "ledger": pgettext("export table", "ledger"),
        "cadres": pgettext("export table", "cadres"),
        "funds": pgettext("export table", "funds"),
        "history": pgettext("export table", "fact changes"),
    }
    return words.get(name, name)


def _format(fmt: str | None, out: str) -> ExportFormat:
    if fmt is not None:
        return parse_choice(fmt, ExportFormat)
    suffix = Path(out).suffix.lower().lstrip(".")
    if suffix not in tuple(ExportFormat):
        raise InvalidInput("--format", _("give xlsx, csv or json (--out has no such suffix)"))
    return ExportFormat(suffix)


def _target(out: str, fmt: ExportFormat, tables: list[str], *, force: bool = False):
    """Where to write: stdout, a new file, or (csv of several tables) a directory."""
    if out == "-":
        if fmt is ExportFormat.xlsx or (fmt is ExportFormat.csv and len(tables) > 1):
            if fmt is ExportFormat.csv:
                reason = _("{format} of these tables cannot go to stdout; give a directory")
            elif len(tables) > 1:
                reason = _("{format} of these tables cannot go to stdout; give a file")
            else:
                reason = _("{format} of a workbook cannot go to stdout; give a file")
            raise InvalidInput("--out", reason.format(format=fmt))
        return sys.stdout
    path = Path(out).expanduser()
    if fmt is ExportFormat.csv and len(tables) > 1:
        if path.exists() and not path.is_dir():
            raise InvalidInput(
                "--out",
                _("{out} is a file; csv of several tables needs a directory").format(out=out),
            )
        taken = [f"{t}.csv" for t in tables if (path / f"{t}.csv").exists()]
        if taken and not force:
            raise InvalidInput(
                "--out",
                _(
                    "{files} already exist in {out}; choose a new directory, or give --force "
                    "to replace them"
                ).format(files=", ".join(taken), out=out),
            )
        make_private_dir(path)  # a directory it makes: 0700, like its 0600 files
        return path
    refuse_existing(path, force=force)
    if not path.parent.is_dir():
        raise InvalidInput(
            "--out", _("directory {directory} does not exist").format(directory=path.parent)
        )
    return path


def _sized(bar):
    """The bar learns the total row count on the first report."""

    def progress(done: int, total: int) -> None:
        bar(done * 1.0 / total if total else 1.0)

    return progress


def register(app: typer.Typer) -> None:
    app.command("export")(export)
