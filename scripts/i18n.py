#!/usr/bin/env python3
"""zoufang's message catalogs: extract, compile, check (Babel, a development dependency).

    .venv/bin/python scripts/i18n.py extract [AREA…]  # po/zh/*.po from the code: new messages
                                                      # added (empty), unused ones removed
    .venv/bin/python scripts/i18n.py compile          # po/zh/*.po → the package's zoufang.mo
    .venv/bin/python scripts/i18n.py check [AREA…]    # exit 1 and say what is missing, fuzzy,
                                                      # empty, has other placeholders, or is
                                                      # not compiled

Where messages come from:
* every call of ``_``, ``N_``, ``ngettext`` and ``pgettext`` with literal text in
  ``src/zoufang`` (Babel's Python extractor);
* the command-line interface itself: each command's help (its docstring), each option's and
  argument's help and metavar, read from the real Click commands that ``zoufang`` builds.

The sources are split by area (po/zh/<area>.po, see AREAS) so that several people can
translate at once; they are compiled into one catalog. A message used in several areas lives
in the first area that uses it. ``tests/test_i18n.py`` runs the same checks as ``check``.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
PO_DIR = ROOT / "po"
LANGS = ("zh",)
MO_PATH = SRC / "zoufang" / "locale" / "{lang}" / "LC_MESSAGES" / "zoufang.mo"
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2)}

#: Area → the source files (relative to src/zoufang) whose messages it holds, first match wins.
AREAS: dict[str, tuple[str, ...]] = {
    "cli": ("cli/", "<cli>"),
    "core": (
        "parsing.py", "errors.py", "config.py", "db/", "chain.py", "fact_chain.py", "i18n.py",
        "labels.py",
        "codes.py", "tables.py", "models.py",
    ),
    "reports": (
        "services/audit", "services/remind", "services/reminder", "services/report",
        "services/notice", "services/export", "output/",
    ),
    "services": ("services/",),
}  # fmt: skip

Key = tuple[str, str | None]  # (msgid, msgctxt)


def area_of(location: str) -> str:
    for area, prefixes in AREAS.items():
        if location.startswith(prefixes):
            return area
    raise SystemExit(f"i18n: {location} belongs to no area; add it to AREAS in {__file__}")


# ---------------------------------------------------------------------------- extraction


def code_messages() -> Iterator[tuple[Key, str | None, str]]:
    """((msgid, context), plural, location) for each marked string in the source."""
    from babel.messages.extract import extract_from_file

    package = SRC / "zoufang"
    for path in sorted(package.rglob("*.py")):
        relative = path.relative_to(package).as_posix()
        for lineno, message, _comments, context in extract_from_file(
            "python", str(path), keywords=KEYWORDS
        ):
            if isinstance(message, tuple):
                singular, plural = message[0], message[1]
            else:
                singular, plural = message, None
            if singular:
                yield (singular, context), plural, f"{relative}:{lineno}"


def cli_messages() -> Iterator[tuple[Key, str | None, str]]:
    """Help texts and metavars of every command, as the real CLI has them."""
    import typer.main

    from zoufang.cli import app

    root = typer.main.get_command(app)
    yield from _command_messages(root, "zoufang")


def _command_messages(command, path: str) -> Iterator[tuple[Key, str | None, str]]:
    from zoufang.cli.help_text import help_texts

    for text in help_texts(command):
        yield (text, None), None, f"<cli>:{path}"
    for name in getattr(command, "commands", {}) or {}:
        yield from _command_messages(command.commands[name], f"{path} {name}")


def extract() -> dict[str, dict[Key, tuple[str | None, list[str]]]]:
    """Area → {(msgid, context): (plural, locations)}."""
    areas: dict[str, dict[Key, tuple[str | None, list[str]]]] = {a: {} for a in AREAS}
    seen: dict[Key, str] = {}
    for source in (code_messages(), cli_messages()):
        for key, plural, location in source:
            area = seen.setdefault(key, area_of(location))
            entry = areas[area].setdefault(key, (plural, []))
            entry[1].append(location)
    return areas


# ---------------------------------------------------------------------------- catalogs


def read(path: Path):
    from babel.messages.pofile import read_po

    with path.open("rb") as f:
        return read_po(f, abort_invalid=True)


def po_path(lang: str, area: str) -> Path:
    return PO_DIR / lang / f"{area}.po"


def write_sources(lang: str, only: set[str] | None = None) -> dict[str, tuple[int, int]]:
    """Bring po/<lang>/*.po (or only those of the areas ``only``) in line with the code;
    (added, removed) per area."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    changes = {}
    for area, messages in extract().items():
        if only and area not in only:
            continue
        path = po_path(lang, area)
        old = read(path) if path.exists() else Catalog(locale=lang)
        new = Catalog(locale=lang, project="zoufang", charset="utf-8", fuzzy=False)
        added = 0
        for (msgid, context), (plural, locations) in sorted(
            messages.items(), key=lambda kv: kv[1][1][0]
        ):
            key = (msgid, plural) if plural else msgid
            previous = old.get(key, context=context)
            if previous is None:
                added += 1
            new.add(
                key,
                previous.string if previous is not None else ("", "") if plural else "",
                locations=[_location(loc) for loc in locations[:3]],
                context=context,
                flags=previous.flags if previous is not None else (),
            )
        kept = {(m.id if isinstance(m.id, str) else m.id[0], m.context) for m in new if m.id}
        removed = sum(
            1
            for m in old
            if m.id and (m.id if isinstance(m.id, str) else m.id[0], m.context) not in kept
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        buffer = io.BytesIO()
        write_po(buffer, new, width=100, omit_header=False, sort_output=False)
        path.write_bytes(buffer.getvalue())
        changes[area] = (added, removed)
    return changes


def _location(location: str) -> tuple[str, int | None]:
    where, _, line = location.rpartition(":")
    return (where, int(line)) if line.isdigit() else (location, None)


def merged(lang: str):
    """All of po/<lang>/*.po as one catalog."""
    from babel.messages.catalog import Catalog

    # fixed dates: the compiled catalog's header must not change with the clock, or the
    # check that the shipped .mo is compiled from po/ would fail a minute later
    fixed = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    catalog = Catalog(
        locale=lang,
        project="zoufang",
        charset="utf-8",
        fuzzy=False,
        creation_date=fixed,
        revision_date=fixed,
    )
    for path in sorted((PO_DIR / lang).glob("*.po")):
        for message in read(path):
            if message.id:
                catalog.add(
                    message.id, message.string, context=message.context, flags=message.flags
                )
    return catalog


def mo_bytes(lang: str) -> bytes:
    from babel.messages.mofile import write_mo

    buffer = io.BytesIO()
    write_mo(buffer, merged(lang), use_fuzzy=False)
    return buffer.getvalue()


def compile_all() -> None:
    for lang in LANGS:
        target = Path(str(MO_PATH).format(lang=lang))
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(mo_bytes(lang))
        print(f"i18n: wrote {target.relative_to(ROOT)}", file=sys.stderr)


# ---------------------------------------------------------------------------- checks

_PLACEHOLDER = re.compile(r"\{[^{}]*\}|%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[sdirf%]")


def placeholders(text: str) -> list[str]:
    return sorted(p for p in _PLACEHOLDER.findall(text) if p != "%%")


def problems(lang: str = "zh", only: set[str] | None = None) -> list[str]:
    """What keeps the catalog of ``lang`` (or the areas ``only``) from being complete and
    correct."""
    found: list[str] = []
    catalog = merged(lang)
    for area, messages in extract().items():
        if only and area not in only:
            continue
        for (msgid, context), (plural, locations) in messages.items():
            key = (msgid, plural) if plural else msgid
            message = catalog.get(key, context=context)
            where = f"{locations[0]} [{area}]"
            if message is None:
                found.append(f"{where}: not in po/{lang}/{area}.po: {msgid!r}")
                continue
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            if not all(strings):
                found.append(f"{where}: no translation: {msgid!r}")
            elif message.fuzzy:
                found.append(f"{where}: fuzzy: {msgid!r}")
            else:
                for string in strings:
                    if placeholders(string) != placeholders(msgid):
                        found.append(
                            f"{where}: placeholders differ: {msgid!r} "
                            f"{placeholders(msgid)} vs {string!r} {placeholders(string)}"
                        )
    target = Path(str(MO_PATH).format(lang=lang))
    if not target.exists() or target.read_bytes() != mo_bytes(lang):
        found.append(f"{target.relative_to(ROOT)} is not compiled from po/{lang}: run compile")
    return found


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("extract", "compile", "check"):
        print(__doc__, file=sys.stderr)
        return 2
    only = set(argv[1:]) or None
    if only and not only <= set(AREAS):
        print(f"i18n: unknown area(s) {sorted(only - set(AREAS))}; areas: {list(AREAS)}")
        return 2
    sys.path.insert(0, str(SRC))
    if argv[0] == "extract":
        for lang in LANGS:
            for area, (added, removed) in write_sources(lang, only).items():
                print(f"i18n: po/{lang}/{area}.po: {added} new, {removed} removed")
        return 0
    if argv[0] == "compile":
        compile_all()
        return 0
    found = [p for lang in LANGS for p in problems(lang, only)]
    for line in found:
        print(line)
    print(f"i18n: {len(found)} problem(s)", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
