"""Help in the chosen language: each command's and option's help, metavars a person
understands, and the words Click prints itself.

Typer reads help texts (docstrings and ``help=``) when it builds a command, which for the root
command is before the language is known. So the texts stay English in the source (they are
the catalog's message ids) and :func:`translate` puts them into the chosen language once a
command is built (``cli/_lazy.py`` calls it). Metavars are words, never Python types:
``--date DATE`` / ``--date 日期``, ``HOUSEHOLD`` / ``户号``, ``--cash YUAN`` / ``--cash 元``.

Typer's own strings ("Options", "Commands", "[default: …]") go through :mod:`gettext` and
the same catalog (:func:`zoufang.i18n.activate`); the Click that Typer vendors writes a few
words without gettext ("Usage:", "Show this message and exit.", its usage errors), which
:data:`CLICK_WORDS` and :func:`usage_message` translate.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import typer
from typer._click.formatting import HelpFormatter

from zoufang.i18n import N_, _

#: Metavars by parameter name: what a value of that option looks like, as a word.
METAVARS: dict[str, str] = {
    **dict.fromkeys(
        ["date", "due", "need_due", "next_", "since", "until", "today", "valid_from", "to_date"],
        N_("DATE"),
    ),
    **dict.fromkeys(["amount", "cash", "cap", "income"], N_("YUAN")),
    **dict.fromkeys(["cadence", "days", "members", "households", "seed", "every"], N_("N")),
    "birth_year": N_("YEAR"),
    "household": N_("HOUSEHOLD"),
    "cadre": N_("CADRE"),
    "by": N_("CADRE"),
    "code": N_("CODE"),
    "fund": N_("FUND"),
    "entry": N_("ENTRY"),
    "commitment_id": N_("ID"),
    "visit": N_("VISIT"),
    "category": N_("CATEGORY"),
    "kind": N_("KIND"),
    "status": N_("STATUS"),
    "village": N_("VILLAGE"),
    "id_number": N_("ID_NUMBER"),
    "phone": N_("PHONE"),
    "email": N_("EMAIL"),
    "supervisor": N_("EMAIL"),
    "anchor": N_("SEQ:HASH"),
    "out": N_("FILE"),
    "path": N_("FILE"),
    "table": N_("TABLE"),
    "to": N_("URL"),
    "db": N_("PATH_OR_URL"),
    "operator": N_("NAME"),
    "name": N_("NAME"),
}
#: For options whose value is a date in one command and something else in another.
DATE_OPTIONS_OF_FUNDS = {"from_": N_("DATE"), "to": N_("DATE")}
TEXT = N_("TEXT")
FILE = N_("FILE")

#: What the vendored Click writes without gettext, to be translated where it is shown.
CLICK_WORDS = (
    N_("Usage:"),
    N_("Show this message and exit."),
    N_("[OPTIONS]"),
    N_("COMMAND [ARGS]..."),
)


def help_texts(command: Any) -> Iterator[str]:
    """Every text of ``command`` that the catalog must hold (help, short help, metavars of
    its parameters, their help), in English, for ``scripts/i18n.py extract``."""
    for text in (_source(command, "help"), _source(command, "short_help")):
        if text:
            yield text
    for param in command.params:
        metavar = _metavar(command, param)
        if metavar:
            yield metavar
        help_text = _source(param, "help")
        if help_text:
            yield help_text


def translate(command: Any) -> None:
    """Put ``command``'s help and its parameters' help and metavars into the chosen language
    (idempotent: the English source is kept beside each translated text)."""
    help_text = _source(command, "help")
    if help_text:
        command.help = _(help_text)
        short = _source(command, "short_help")
        command.short_help = _(short) if short else _first_sentence(command.help)
    for param in command.params:
        metavar = _metavar(command, param)
        if metavar:
            param.metavar = _(metavar)
        help_text = _source(param, "help")
        if help_text:
            param.help = _(help_text)
    options_metavar = getattr(command, "options_metavar", None)
    if options_metavar == "[OPTIONS]":
        command.options_metavar = _("[OPTIONS]")
    if getattr(command, "subcommand_metavar", None) == "COMMAND [ARGS]...":
        command.subcommand_metavar = _("COMMAND [ARGS]...")


def _source(obj: Any, attribute: str) -> str | None:
    """The English text of ``obj.attribute``, remembered the first time it is read."""
    key = f"_zoufang_{attribute}"
    if not hasattr(obj, key):
        setattr(obj, key, getattr(obj, attribute, None))
    value = getattr(obj, key)
    return value if isinstance(value, str) and value.strip() else None


def _metavar(command: Any, param: Any) -> str | None:
    """The English metavar of ``param``: its own, or one from :data:`METAVARS`; none for flags."""
    own = _source(param, "metavar")
    if own:
        return own
    if getattr(param, "is_flag", False) or getattr(param, "count", False):
        return None
    name = param.name or ""
    if name in DATE_OPTIONS_OF_FUNDS and getattr(command, "name", "") in ("create", "update"):
        return DATE_OPTIONS_OF_FUNDS[name]
    annotation = getattr(getattr(param, "type_descriptor", None), "annotation", None)
    if getattr(annotation, "__name__", "") in ("Path", "PurePath"):
        return FILE
    return METAVARS.get(name, TEXT)


def _first_sentence(text: str) -> str:
    """The listing's one-line summary of a translated help text: up to the first full stop."""
    first = text.strip().split("\n\n")[0].replace("\n", " ")
    match = re.match(r"(.+?[。；]|.+?\.(?=\s|$))", first)
    return (match.group(1) if match else first).rstrip("。；.")


# ------------------------------------------------------------------ Click's own words


class Formatter(HelpFormatter):
    """Click's help formatter, with "Usage:" in the chosen language."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, _("Usage:") + " " if prefix is None else prefix)


class Context(typer.Context):
    """The context of every zoufang command: help written by :class:`Formatter`."""

    formatter_class = Formatter


#: Click's usage errors: the pattern of its English text, and the same text as a message id
#: with named placeholders (in English it reads exactly as Click wrote it).
_CLICK_ERRORS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), message)
    for pattern, message in (
        (r"^Missing option '(?P<name>[^']+)'\.$", N_("Missing option '{name}'.")),
        (r"^Missing argument '(?P<name>[^']+)'\.$", N_("Missing argument '{name}'.")),
        (r"^No such option: (?P<name>\S+)$", N_("No such option: {name}")),
        (
            r"^No such option: (?P<name>\S+) Did you mean (?P<other>\S+)\?$",
            N_("No such option: {name} Did you mean {other}?"),
        ),
        (
            r"^No such option: (?P<name>\S+) \(Possible options: (?P<other>.+)\)$",
            N_("No such option: {name} (Possible options: {other})"),
        ),
        (
            r"^Option '(?P<name>[^']+)' requires an argument\.$",
            N_("Option '{name}' requires an argument."),
        ),
        (
            r"^Option '(?P<name>[^']+)' requires (?P<n>\d+) arguments\.$",
            N_("Option '{name}' requires {n} arguments."),
        ),
        (
            r"^Got unexpected extra argument\(s\) \((?P<args>.*)\)$",
            N_("Got unexpected extra argument(s) ({args})"),
        ),
        (
            r"^Argument '(?P<name>[^']+)' takes (?P<n>\d+) values\.$",
            N_("Argument '{name}' takes {n} values."),
        ),
        (r"^Missing parameter: (?P<name>.+)$", N_("Missing parameter: {name}")),
        (r"^Invalid value: (?P<reason>.*)$", N_("Invalid value: {reason}")),
        (r"^No such command '(?P<name>[^']+)'\.$", N_("No such command '{name}'.")),
        (r"^Missing command\.$", N_("Missing command.")),
        (
            r"^Invalid value for '(?P<name>[^']+)': (?P<reason>.*)$",
            N_("Invalid value for '{name}': {reason}"),
        ),
        (
            r"^Option '(?P<name>[^']+)' does not take a value\.$",
            N_("Option '{name}' does not take a value."),
        ),
    )
)


def usage_message(message: str) -> str:
    """One of Click's usage error messages in the chosen language (as it is if unknown)."""
    for pattern, template in _CLICK_ERRORS:
        match = pattern.match(message)
        if match:
            return _(template).format(**match.groupdict())
    return message
