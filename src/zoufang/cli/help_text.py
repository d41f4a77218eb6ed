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

from zoufang.i18n import N_, _, zh

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
#: Typer's own strings: it translates them with :func:`gettext.gettext`, in the global domain
#: that :func:`zoufang.i18n.activate` binds to zoufang's catalog. Listed here so that
#: ``scripts/i18n.py extract`` puts them in the catalog.
TYPER_WORDS = (
    N_("Options"),
    N_("Arguments"),
    N_("Commands"),
    N_("default: {default}"),
    N_("required"),
    N_("env var: {var}"),
    N_("(dynamic)"),
    N_("Aborted!"),
    N_("Missing command."),
    N_("No such command {name!r}."),
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
        if getattr(param, "param_type_name", "") == "argument":
            # Typer writes an argument's Python type after its name (``CODE <str>``): the
            # metavar says what to type, the type says nothing to a person.
            param.display_type_rich = _no_type
    options_metavar = getattr(command, "options_metavar", None)
    if options_metavar == "[OPTIONS]":
        command.options_metavar = _("[OPTIONS]")
    if getattr(command, "subcommand_metavar", None) == "COMMAND [ARGS]...":
        command.subcommand_metavar = _("COMMAND [ARGS]...")


def _no_type(ctx: Any = None) -> None:
    return None


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
    """Click's help formatter, with "Usage:" in the chosen language. In Chinese, headings end
    in a full-width colon, and text is wrapped by what it takes on screen: Click counts a
    Chinese character as one column (it takes two) and breaks lines only at spaces (Chinese
    has none), so its lines would run twice as wide as the terminal."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        if prefix is None:
            word = _("Usage:")
            prefix = word if word.endswith("：") else word + " "
        super().write_usage(prog, args, prefix)

    def write_heading(self, heading: str) -> None:
        if not zh():
            return super().write_heading(heading)
        self.write(f"{'':>{self.current_indent}}{heading}：\n")

    def write_text(self, text: str) -> None:
        if not zh():
            return super().write_text(text)
        indent = " " * self.current_indent
        lines = _wrap(text, self.width - self.current_indent).splitlines()
        self.write("\n".join(indent + line if line else "" for line in lines) + "\n")

    def write_dl(self, rows: Any, col_max: int = 30, col_spacing: int = 2) -> None:
        if not zh():
            return super().write_dl(rows, col_max, col_spacing)
        rows = list(rows)
        if not rows:
            return
        first_col = min(max(_width(first) for first, _second in rows), col_max) + col_spacing
        margin = " " * (first_col + self.current_indent)
        for first, second in rows:
            self.write(f"{'':>{self.current_indent}}{first}")
            if not second:
                self.write("\n")
                continue
            if _width(first) <= first_col - col_spacing:
                self.write(" " * (first_col - _width(first)))
            else:
                self.write("\n" + margin)
            lines = _wrap(second, max(self.width - first_col - 2, 10)).splitlines()
            self.write(
                "\n".join([lines[0], *(margin + line if line else "" for line in lines[1:])])
            )
            self.write("\n")


#: Punctuation that may not begin a line, and that may not end one (Chinese typesetting).
_NO_LINE_START = "，。；：、！？）》」』”’%,.;:!?)]"
_NO_LINE_END = "（《「『“‘([<"


def _width(text: str) -> int:
    """Columns ``text`` takes on a terminal: two for a wide (Chinese) character."""
    from unicodedata import east_asian_width

    return sum(2 if east_asian_width(c) in "WF" else 1 for c in text)


def _wrap(text: str, width: int) -> str:
    """``text`` wrapped to ``width`` columns, paragraphs (blank-line separated) kept; a line
    may break between any two Chinese characters, and at spaces."""
    paragraphs = []
    for paragraph in re.split(r"\n\s*\n", text.strip()):
        words = [w.strip() for w in paragraph.splitlines() if w.strip()]
        joined = ""
        for word in words:  # source lines joined: with a space between Latin words only
            wide = joined and (_width(joined[-1]) == 2 or _width(word[0]) == 2)
            joined += word if not joined or wide else " " + word
        paragraphs.append("\n".join(_fill(joined, width)))
    return "\n\n".join(paragraphs)


def _fill(text: str, width: int) -> list[str]:
    tokens = re.findall(r"\s+|[^\s\u2e80-\uffef]+|.", text)
    lines: list[str] = []
    line = ""
    for token in tokens:
        if token.isspace():
            if line:
                line += " "
            continue
        if not line or _width(line + token) <= width:
            line += token
            continue
        line, carried = _break(line.rstrip(), token)
        if not line:  # nowhere to break: let the line run over
            line = carried + token
            continue
        lines.append(line)
        line = carried + token
        while _width(line) > width and not re.search(r"[\u2e80-\uffef]", line):
            lines.append(line[:width])  # one Latin word longer than the line
            line = line[width:]
    if line.strip():
        lines.append(line.rstrip())
    return lines


def _break(line: str, token: str) -> tuple[str, str]:
    """Where to end ``line`` when ``token`` does not fit: (the line, what moves on to the
    next one with the token). A closing mark takes the character before it along; an
    opening mark goes on with what it opens; a Latin word is not cut."""
    carried = ""
    while line and (
        (carried + token)[0] in _NO_LINE_START
        or line[-1] in _NO_LINE_END
        or (carried and _latin(carried[0]) and _latin(line[-1]))
    ):
        line, carried = line[:-1], line[-1] + carried
    return line.rstrip(), carried.lstrip()


def _latin(char: str) -> bool:
    """Part of a Latin word, number, option name or path (not a space, not Chinese)."""
    return not char.isspace() and _width(char) == 1


class Context(typer.Context):
    """The context of every zoufang command: help written by :class:`Formatter`."""

    formatter_class = Formatter


#: Click's usage errors: the pattern of its English text, and the same text as a message id
#: with named placeholders (in English it reads exactly as Click wrote it).
_CLICK_ERRORS: tuple[tuple[str, str], ...] = tuple(
    (pattern, message)
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
        # Typer adds its suggestion to a message it has already translated ("No such command").
        (
            r"^(?P<message>.+?)。?\.? Did you mean (?P<suggestions>.+)\?$",
            N_("{message}. Did you mean {suggestions}?"),
        ),
    )
)


def usage_message(message: str) -> str:
    """One of Click's usage error messages in the chosen language (as it is if unknown)."""
    for pattern, template in _CLICK_ERRORS:  # compiled (and cached) by re when an error occurs
        match = re.match(pattern, message)
        if match:
            return _(template).format(**match.groupdict())
    return message
