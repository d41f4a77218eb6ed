"""`enroll --from FILE [--dry-run]`: bulk enrolment from a roster, all or nothing."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

from zoufang import i18n
from zoufang.cli.common import progress_bar, session, today
from zoufang.errors import InvalidInput
from zoufang.i18n import N_, _, ngettext
from zoufang.output import Format, default_format, render, render_sections, write_json

ERROR_COLUMNS = [("row", "行"), ("field", "列"), ("error", "问题")]


def enroll_from(
    path: Path | None,
    *,
    dry_run: bool,
    fmt: Format | None,
    single: list[str],
    create_cadres: bool = False,
) -> None:
    """Check (and unless --dry-run, enrol) every household of a roster file."""
    from zoufang.services.roster_import import import_roster

    if path is None:
        raise InvalidInput(
            "--create-cadres" if create_cadres and not dry_run else "--dry-run",
            _("goes with --from FILE"),
        )
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
        result = import_roster(
            session=s,
            path=path,
            today=today(),
            dry_run=dry_run,
            progress=bar,
            create_cadres=create_cadres,
        )
    tell_what_was_tidied(result)
    if fmt is Format.json:
        write_json(result.as_dict())
    elif result.errors:
        render(result.errors, ERROR_COLUMNS, fmt)
    else:
        summary = result.as_dict()
        for key in ("errors", "footer_rows", "names_tidied", "cadres_created"):
            del summary[key]  # listed line by line on stderr
        summary["blank_rows"] = len(result.blank_rows)
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


def tell_what_was_tidied(result) -> None:
    """The lines a person must not miss: columns kept as notes, rows skipped, names changed,
    cadres created (stderr; the JSON and the audit log hold the same)."""
    separator = "、" if i18n.zh() else ", "
    if result.unknown_columns:
        print(
            _(
                "warning: {file}: columns zoufang does not know, kept in each household's "
                "notes: {columns}"
            ).format(file=result.file, columns=separator.join(result.unknown_columns)),
            file=sys.stderr,
        )
    known = [c for c in result.notes_columns if c not in result.unknown_columns]
    if known:
        print(
            _("{file}: kept in each household's notes: {columns}").format(
                file=result.file, columns=separator.join(known)
            ),
            file=sys.stderr,
        )
    for footer in result.footer:
        print(
            _("{file}: row {row} is under the data, skipped: {text}").format(
                file=result.file, row=footer["row"], text=footer["text"]
            ),
            file=sys.stderr,
        )
    if result.blank_rows:
        print(
            ngettext(
                "{file}: {n} blank row skipped: {rows}",
                "{file}: {n} blank rows skipped: {rows}",
                len(result.blank_rows),
            ).format(
                file=result.file,
                n=len(result.blank_rows),
                rows=separator.join(str(r) for r in result.blank_rows[:20])
                + ("…" if len(result.blank_rows) > 20 else ""),
            ),
            file=sys.stderr,
        )
    for tidied in result.names_tidied[:20]:
        print(
            _("{file}: row {row}: name {before!r} read as {after!r}").format(
                file=result.file, row=tidied["row"], before=tidied["from"], after=tidied["to"]
            ),
            file=sys.stderr,
        )
    if len(result.names_tidied) > 20:
        print(
            _("{file}: {n} names in all had spaces taken out (the audit log lists them)").format(
                file=result.file, n=len(result.names_tidied)
            ),
            file=sys.stderr,
        )
    for made in result.new_cadres:
        if made["code"]:
            line = _("{file}: new cadre {code} {name} (row {row})")
        else:
            line = _("{file}: cadre {name} (row {row}) would be created")
        print(
            line.format(file=result.file, code=made["code"], name=made["name"], row=made["row"]),
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
