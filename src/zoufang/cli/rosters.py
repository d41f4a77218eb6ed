"""`enroll --from FILE [--dry-run]`: bulk enrolment from a roster, all or nothing."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

from zoufang.cli.common import progress_bar, session, today
from zoufang.errors import InvalidInput
from zoufang.output import Format, default_format, render, render_sections, write_json

ERROR_COLUMNS = [("row", "行"), ("field", "列"), ("error", "问题")]


def enroll_from(path: Path | None, *, dry_run: bool, fmt: Format | None, single: list[str]) -> None:
    """Check (and unless --dry-run, enrol) every household of a roster file."""
    from zoufang.services.roster_import import import_roster

    if path is None:
        raise InvalidInput("--dry-run", "goes with --from FILE")
    if single:
        raise InvalidInput(
            "--from",
            f"cannot be combined with {', '.join(single)}: the roster "
            "gives every household's fields",
        )
    fmt = fmt or default_format()
    with contextlib.ExitStack() as stack:
        s = stack.enter_context(session(write=not dry_run))
        bar = stack.enter_context(_bar(path))
        result = import_roster(session=s, path=path, today=today(), dry_run=dry_run, progress=bar)
    if result.unknown_columns:
        print(
            f"warning: {result.file}: columns not imported (zoufang does not know them): "
            f"{', '.join(result.unknown_columns)}",
            file=sys.stderr,
        )
    if fmt is Format.json:
        write_json(result.as_dict())
    elif result.errors:
        render(result.errors, ERROR_COLUMNS, fmt)
    else:
        summary = result.as_dict()
        del summary["errors"]
        render_sections([("roster", summary)], fmt, json_value=summary)
    if result.errors:
        rows = len({e["row"] for e in result.errors})
        raise InvalidInput(
            "--from",
            f"{result.file}: {len(result.errors)} problem"
            f"{'s' if len(result.errors) > 1 else ''} in {rows} row"
            f"{'s' if rows > 1 else ''}; nothing was enrolled",
        )
    if result.rows == 0:
        print(f"{result.file}: no households in the file", file=sys.stderr)
    elif dry_run:
        print(
            f"dry run: {result.rows} household{'s' if result.rows > 1 else ''} in "
            f"{result.file} can be enrolled; nothing was written",
            file=sys.stderr,
        )


@contextlib.contextmanager
def _bar(path: Path):
    """The bar is sized once the rows are counted, so it starts on the first callback."""
    stack = contextlib.ExitStack()
    state: dict = {}

    def progress(done: int, total: int) -> None:
        if "update" not in state:
            state["update"] = stack.enter_context(progress_bar(total, f"enrolling {path.name}"))
        if state["update"] is not None:
            state["update"](done)

    with stack:
        yield progress
