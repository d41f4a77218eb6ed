"""`export`: the whole 台账 as an Excel workbook, CSV files or JSON."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from zoufang.cli.common import (
    LangOpt,
    RevealOpt,
    default_lang,
    log_reveal,
    parse_lang,
    progress_bar,
    session,
    today,
)
from zoufang.errors import InvalidInput
from zoufang.output import ExportFormat, parse_choice

TABLES = ("households", "members", "visits", "commitments", "ledger")


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
        typer.Option("--table", help="households, members, visits, commitments, ledger or all."),
    ] = "all",
    lang: LangOpt = None,
    reveal: RevealOpt = False,
) -> None:
    """Export the 台账: households, members, visits, commitments and the money ledger, one
    sheet (or file) per table; ID numbers masked unless --reveal."""
    from zoufang.output.files import write_tables
    from zoufang.services.export import export_tables

    chosen = _format(fmt, out)
    tables = list(TABLES) if table == "all" else [table]
    if table != "all" and table not in TABLES:
        raise InvalidInput("--table", f"{table!r} is not one of {', '.join(TABLES)} or all")
    language = parse_lang(lang) or default_lang()
    target = _target(out, chosen, tables)
    if reveal:  # its own short transaction: the export itself only reads
        with session(write=True) as s:
            log_reveal(s, f"export {','.join(tables)} to {out}")
    with session(write=False) as s, progress_bar(1, "exporting") as bar:
        data = export_tables(session=s, tables=tables, lang=language, reveal=reveal, today=today())
        counts = write_tables(data, fmt=chosen, out=target, progress=_sized(bar) if bar else None)
    if target is not sys.stdout:
        summary = ", ".join(f"{name} {n:,}" for name, n in counts.items())
        print(f"exported to {out}: {summary}", file=sys.stderr)


def _format(fmt: str | None, out: str) -> ExportFormat:
    if fmt is not None:
        return parse_choice(fmt, ExportFormat)
    suffix = Path(out).suffix.lower().lstrip(".")
    if suffix not in tuple(ExportFormat):
        raise InvalidInput("--format", "give xlsx, csv or json (--out has no such suffix)")
    return ExportFormat(suffix)


def _target(out: str, fmt: ExportFormat, tables: list[str]):
    """Where to write: stdout, a new file, or (csv of several tables) a directory."""
    if out == "-":
        if fmt is ExportFormat.xlsx or (fmt is ExportFormat.csv and len(tables) > 1):
            raise InvalidInput(
                "--out",
                f"{fmt} of {'these tables' if len(tables) > 1 else 'a workbook'} "
                "cannot go to stdout; give a "
                + ("directory" if fmt is ExportFormat.csv else "file"),
            )
        return sys.stdout
    path = Path(out).expanduser()
    if fmt is ExportFormat.csv and len(tables) > 1:
        if path.exists() and not path.is_dir():
            raise InvalidInput("--out", f"{out} is a file; csv of several tables needs a directory")
        taken = [f"{t}.csv" for t in tables if (path / f"{t}.csv").exists()]
        if taken:
            raise InvalidInput(
                "--out", f"{', '.join(taken)} already exist in {out}; choose a new directory"
            )
        path.mkdir(parents=True, exist_ok=True)
        return path
    if path.exists():
        raise InvalidInput("--out", f"{out} already exists; choose a new file")
    if not path.parent.is_dir():
        raise InvalidInput("--out", f"directory {path.parent} does not exist")
    return path


def _sized(bar):
    """The bar learns the total row count on the first report."""

    def progress(done: int, total: int) -> None:
        bar(done * 1.0 / total if total else 1.0)

    return progress


def register(app: typer.Typer) -> None:
    app.command("export")(export)
