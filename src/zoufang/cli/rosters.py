"""`enroll --from FILE [--dry-run]`: bulk enrolment from a roster, all or nothing."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

from zoufang.cli.common import progress_bar, session, today
from zoufang.errors import InvalidInput
from zoufang.i18n import N_, _, ngettext
from zoufang.output import Format, default_format, render, render_sections, write_json

ERROR_COLUMNS = [("row", "行"), ("field", "列"), ("error", "问题")]


def enroll_from(path: Path | None, *, dry_run: bool, fmt: Format | None, single: list[str]) -> None:
    """Check (and unless --dry-run, enrol) every household of a roster file."""
    from zoufang.services.roster_import import import_roster

    if path is None:
        raise InvalidInput("--dry-run", _("goes with --from FILE"))
    if single:
        raise InvalidInput(
            "--from",
            _(
                "cannot be combined with {options}: the roster gives every household's fields"
            ).format(options=", ".join(single)),
        )
    fmt = fmt or default_format()
    with contextlib.ExitStack() as stack:
        s = stack.enter_context(session(write=not dry_run))
        bar = stack.enter_context(_bar(path))
        result = import_roster(session=s, path=path, today=today(), dry_run=dry_run, progress=bar)
    if result.unknown_columns:
        print(
            _(
                "warning: {file}: columns not imported (zoufang does not know them): {columns}"
            ).format(file=result.file, columns=", ".join(result.unknown_columns)),
            file=sys.stderr,
        )
    if fmt is Format.json:
        write_json(result.as_dict())
    elif result.errors:
        render(result.errors, ERROR_COLUMNS, fmt)
    else:
        summary = result.as_dict()
        del summary["errors"]
        render_sections([(N_("roster"), summary)], fmt, json_value=summary)
    if result.errors:
        problems, rows = len(result.errors), len({e["row"] for e in result.errors})
        raise InvalidInput(
            "--from",
            _("{file}: {problems} in {rows}; nothing was enrolled").format(
                file=result.file,
                problems=ngettext("{n} problem", "{n} problems", problems).format(n=problems),
                rows=ngettext("{n} row", "{n} rows", rows).format(n=rows),
            ),
        )
    if result.rows == 0:
        print(_("{file}: no households in the file").format(file=result.file), file=sys.stderr)
    elif dry_run:
        print(
            ngettext(
                "dry run: {n} household in {file} can be enrolled; nothing was written",
                "dry run: {n} households in {file} can be enrolled; nothing was written",
                result.rows,
            ).format(n=result.rows, file=result.file),
            file=sys.stderr,
        )


@contextlib.contextmanager
def _bar(path: Path):
    """The bar is sized once the rows are counted, so it starts on the first callback."""
    stack = contextlib.ExitStack()
    state: dict = {}

    def progress(done: int, total: int) -> None:
        if "update" not in state:
            label = _("enrolling {file}").format(file=path.name)
            state["update"] = stack.enter_context(progress_bar(total, label))
        if state["update"] is not None:
            state["update"](done)

    with stack:
        yield progress
