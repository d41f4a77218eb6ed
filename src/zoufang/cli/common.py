"""What every command shares: global settings, the ledger session, option types, parsers.

Commands stay thin: parse the options (with :mod:`zoufang.parsing`), open one session,
call one service, render with :mod:`zoufang.output`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from zoufang import parsing
from zoufang.cli._click import get_current_context
from zoufang.clock import real_today
from zoufang.errors import InvalidInput
from zoufang.i18n import N_, _, pgettext
from zoufang.output import Format

if TYPE_CHECKING:
    from pathlib import Path

    from rich.console import Console

    from zoufang.db import LedgerSession

T = TypeVar("T")


@dataclass
class Settings:
    """The root options, shared by every command through the Click context."""

    db: str | None = None
    today: dt.date = field(default_factory=real_today)
    #: --today / ZOUFANG_TODAY was given (a day to look at the ledger as of)
    today_given: bool = False
    #: --backfill REASON: writing under a --today that is not the real date is meant
    backfill: str | None = None
    operator: str = ""
    #: --as / ZOUFANG_OPERATOR was given (refused on PostgreSQL unless it is the login)
    operator_given: bool = False
    debug: bool = False
    _ledger: Any = None

    def ledger(self):
        if self._ledger is None:
            from zoufang.db import Ledger

            self._ledger = Ledger(self.db)
        return self._ledger

    def sqlite_file(self) -> Path | None:
        """The SQLite file ``--db`` names (None for another backend), without opening it
        or importing SQLAlchemy."""
        from zoufang.db.urls import database_url, sqlite_path

        return sqlite_path(database_url(self.db))


def default_operator() -> str:
    try:
        import getpass  # not at start-up: it loads termios

        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "unknown"


def settings() -> Settings:
    ctx = get_current_context()
    found = ctx.find_object(Settings)
    if found is None:  # a sub-app invoked on its own (tests)
        found = Settings(operator=default_operator())
        ctx.obj = found
    return found


def today() -> dt.date:
    return settings().today


@contextlib.contextmanager
def session(*, write: bool, as_of_today: bool = False) -> Iterator[LedgerSession]:
    """One transaction on the ledger for the running command (:meth:`zoufang.db.Ledger.session`).

    A write under a --today that is not the real date needs --backfill
    (:func:`check_backfill`), except with ``as_of_today``: `demo`, which makes up a whole
    ledger's year before --today, its own times included."""
    ctx = get_current_context()
    root = ctx.find_root()
    command = ctx.command_path.removeprefix((root.info_name or "zoufang") + " ").strip()
    s = settings()
    backfill = check_backfill(s) if write and not as_of_today else None
    ledger = s.ledger()
    if write:
        _prepare_orm()
    if ONE_COMMAND_PER_PROCESS:
        _relax_garbage_collector()
    observed = None
    with ledger.session(
        write=write, operator=s.operator, command=command, operator_given=s.operator_given
    ) as db_session:
        from zoufang.services.rights import require_for_command

        require_for_command(db_session)
        if backfill is not None:
            from zoufang.services.audit_log import record_backfill

            record_backfill(db_session, today=s.today, reason=backfill)
        yield db_session
        if write:  # the head this write leaves, for the witness (services.witness)
            from zoufang.services.witness import observe

            db_session.flush()
            observed = observe(db_session.connection(), ledger.display)
    if observed is not None:
        from zoufang.services.witness import remember

        remember(observed)


def _prepare_orm() -> None:
    """Before a write takes the ledger's lock: if the command's service uses the ORM (its
    models are imported), set the mappers up now, not at the first query inside the lock,
    where every other writer would wait for it (issue 21: waiting writers)."""
    import sys as system  # the module itself (tests stand in for this module's `sys`)

    if "zoufang.models" in system.modules:
        from sqlalchemy.orm import configure_mappers

        configure_mappers()


def check_backfill(s: Settings) -> str | None:
    """The --backfill reason a write records, or None.

    A write under a --today that is not the real date is refused (exit 2) unless --backfill
    gives the reason; a --today after the real date is refused whatever the reason (no
    record can be of a day that has not come). --backfill on the real date is allowed: it
    records why the command enters rows dated long ago (``--date``), which the audit's
    late-entry warnings then show."""
    real = real_today()
    if s.today > real:
        raise InvalidInput(
            "--today",
            _(
                "{today} is after the real date ({real}): --today is for reading; "
                "nothing can be recorded on a day that has not come"
            ).format(today=s.today, real=real),
        )
    if s.today < real and s.backfill is None:
        raise InvalidInput(
            "--today",
            _(
                "{today} is not the real date ({real}): --today is for reading; to enter "
                "records of an earlier day, add --backfill REASON"
            ).format(today=s.today, real=real),
        )
    return s.backfill


#: Set by the console script (zoufang.cli.main): this process runs one command, then exits.
#: Not under the tests' CliRunner, which runs thousands of commands in one process.
ONE_COMMAND_PER_PROCESS = False


def _relax_garbage_collector() -> None:
    """A command on a county ledger makes hundreds of thousands of short-lived rows; with
    CPython's default thresholds the cycle collector runs thousands of times and walks every
    imported module's objects each time (much of `due`'s time). Freeze what is loaded so
    far (modules, classes: never garbage) and collect the young generation less often."""
    import gc

    gc.freeze()
    gc.set_threshold(50_000, 20, 100)


def log_server_access(action: str, what: str) -> None:
    """On a server ledger with users, `db backup`, `db copy` and `export` are rights of their
    own (officer, auditor, admin), checked and written to the audit log with the login in a
    short transaction of their own before the command reads (docs/security.md). The schema
    owner's (the server's administrator's) are not: the server's own log has them."""
    identity = settings().ledger().identity()
    if identity is None or identity[1] in ("owner", "unmanaged"):
        return  # a file; the server's administrator; a server whose users nobody manages
    from zoufang.services.rights import record_access

    with session(write=True, as_of_today=True) as s:  # reading as of --today is no backfill
        record_access(s, action=action, what=what)


def log_reveal(db_session: LedgerSession, what: str) -> None:
    """--reveal shows full ID numbers; who saw which is written to the audit log."""
    from zoufang.services.audit_log import record
    from zoufang.services.rights import require

    require(db_session, "reveal")
    record(db_session, action="reveal", object_type="id-numbers", object_key=what)


#: The fields of the detail views (`household show`, `enroll`, `fund create` …): the render
#: layer shows each key translated; marked here so that the catalog has them.
FIELD_WORDS = (
    *(N_("code"), N_("name"), N_("id_number"), N_("village"), N_("grid"), N_("address")),
    *(N_("phone"), N_("categories"), N_("cadres"), N_("members"), N_("income")),
    *(N_("housing"), N_("health"), N_("employment"), N_("hardship"), N_("cadence")),
    *(N_("status"), N_("exit_reason"), N_("exited_on"), N_("enrolled_on"), N_("last_visit")),
    *(N_("due_date"), N_("days_overdue"), N_("id"), N_("household"), N_("relation")),
    *(N_("birth_year"), N_("label"), N_("builtin"), N_("unit"), N_("email"), N_("households")),
    *(N_("visits"), N_("source"), N_("cap"), N_("from"), N_("to"), N_("allocated")),
    *(N_("disbursed"), N_("balance"), N_("seq"), N_("hash"), N_("anchor"), N_("enrolled")),
    *(N_("short"), N_("ledger"), N_("where"), N_("seen_at")),
    *(N_("file"), N_("rows"), N_("dry_run"), N_("unknown_columns"), N_("first"), N_("last")),
    N_("categories_since"),
    *(N_("date"), N_("kind"), N_("notes"), N_("suggestions"), N_("wishes"), N_("gifts")),
    *(N_("next"), N_("recorded_at"), N_("operator"), N_("current"), N_("commitments")),
    *(N_("entries"),),
    *(N_("notes_columns"), N_("blank_rows")),
)


# ------------------------------------------------------------------ option types


def parse_format(text: str | Format | None) -> Format | None:
    """``--format``: an unknown name is invalid input naming ``--format`` (exit 2), like any
    other bad value, not a usage error naming the command."""
    if text is None or isinstance(text, Format):
        return text
    try:
        return Format(text.strip().lower())
    except ValueError:
        names = ", ".join(f.value for f in Format)
        raise InvalidInput(
            "--format", _("{value!r} is not one of {names}").format(value=text, names=names)
        ) from None


#: ``--from DATE``: the day a change of a dated fact takes effect (default today).
FromOpt = Annotated[
    str | None,
    typer.Option("--from", help="Day the change takes effect (default today).", metavar="DATE"),
]
#: ``--reason``: why a fact changed (required when --from is before today).
ReasonOpt = Annotated[
    str | None,
    typer.Option("--reason", help="Why: required when --from is before today."),
]
FormatOpt = Annotated[
    Format | None,
    typer.Option(
        "--format",
        "-f",
        help="table (default on a terminal), plain (default otherwise), markdown, csv or json.",
        parser=parse_format,
        metavar="<" + "|".join(f.value for f in Format) + ">",
    ),
]
ForceOpt = Annotated[
    bool, typer.Option("--force", help="Replace the --out file if it already exists.")
]


def refuse_existing(out: Path | None, *, force: bool, field: str = "--out") -> None:
    """An existing ``out`` is refused (bad input, nothing written) unless ``force``."""
    if out is not None and not force and out.exists():
        raise InvalidInput(
            field,
            _("{out} already exists; choose a new file, or give --force to replace it").format(
                out=out
            ),
        )


RevealOpt = Annotated[
    bool, typer.Option("--reveal", help="Show full ID numbers (recorded in the audit log).")
]


def default_lang() -> str:
    """The language chosen for everything (``--lang``, ZOUFANG_LANG, the config file, the
    locale; zh where none says): export's and report's files follow it unless told."""
    from zoufang import i18n

    return i18n.current()


def parse_lang(text: str | None) -> str | None:
    if text is None:
        return None
    value = text.strip().lower()
    if value not in ("zh", "en"):
        raise InvalidInput("--lang", _("{value!r} is not zh or en").format(value=text))
    return value


LangOpt = Annotated[
    str | None,
    typer.Option(
        "--lang",
        help="zh (Chinese headings) or en; default: the language of everything else "
        "(the global --lang, ZOUFANG_LANG, the config file, the locale).",
        metavar="<zh|en>",
    ),
]


# ------------------------------------------------------------------ parsing bridges


def opt(value: str | None, parse: Callable[..., T], field: str, **kwargs: Any) -> T | None:
    """Parse an optional option value; None stays None."""
    if value is None:
        return None
    return parse(value, field=field, **kwargs)


def named_cadres(rows: list[dict]) -> list[dict]:
    """Rows for a table whose 责任人 column reads "code name" (JSON keeps ``cadre`` and
    ``cadre_name`` apart)."""
    return [
        {**r, "cadre": f"{r['cadre']} {r['cadre_name']}"} if r.get("cadre_name") else r
        for r in rows
    ]


def past_date(text: str | None, field: str) -> dt.date:
    """A date that cannot be in the future (visits, payments, responses); default today."""
    if text is None:
        return today()
    return parsing.parse_date(text, field=field, today=today(), allow_future=False)


def any_date(text: str | None, field: str) -> dt.date | None:
    return None if text is None else parsing.parse_date(text, field=field)


def limit(column: str) -> int:
    """The length ``table.column`` holds, from the one schema declaration
    (:func:`zoufang.tables.max_length`); an unbounded ``Text`` column (visit notes) gets
    :data:`zoufang.parsing.FREE_TEXT_MAX`. Read when a command runs (the command opens the
    ledger anyway), so that ``zoufang --help`` does not load SQLAlchemy."""
    from zoufang.services.limits import column_limit

    return column_limit(column)


def line(text: str, field: str, column: str) -> str:
    """A required one-line option (:func:`zoufang.parsing.parse_line`) that fits ``column``."""
    return parsing.parse_line(text, field=field, max_len=limit(column))


def line_opt(text: str | None, field: str, column: str) -> str | None:
    """An optional one-line option; None stays None, an empty value is refused."""
    return None if text is None else line(text, field, column)


def name_opt(text: str | None, field: str, column: str) -> str | None:
    """A person's name (:func:`zoufang.parsing.parse_name`) that fits ``column``."""
    if text is None:
        return None
    return parsing.parse_name(text, field=field, max_len=limit(column))


def free(text: str, field: str, column: str) -> str:
    """Required free text, several lines allowed (:func:`zoufang.parsing.parse_text`)."""
    return parsing.parse_text(text, field=field, max_len=limit(column))


def free_opt(text: str | None, field: str, column: str) -> str | None:
    return None if text is None else free(text, field, column)


def frees(values: list[str] | None, field: str, column: str) -> list[str]:
    """A repeated free-text option (``--need`` …), each value checked."""
    return [free(v, field, column) for v in values or []]


def require(values: dict[str, Any], *, prompts: dict[str, str]) -> dict[str, Any]:
    """Fill missing required options: prompt on a terminal, else fail naming them all.
    ``prompts`` are English (marked with ``N_``), asked in the chosen language."""
    missing = [name for name, value in values.items() if value in (None, [], "")]
    if not missing:
        return values
    if not sys.stdin.isatty():
        raise InvalidInput(
            ", ".join("--" + name.replace("_", "-") for name in missing),
            _("required (stdin is not a terminal, so zoufang cannot ask)"),
        )
    filled = dict(values)
    for name in missing:
        # On stderr (stdout is for the data), but for the suffix's last character, which
        # Click leaves to input(): a space, in either language.
        answer = typer.prompt(_(prompts[name]), err=True, prompt_suffix=pgettext("prompt", ": "))
        filled[name] = (  # a list typed with a Chinese input method has ，or 、 between
            [a.strip() for a in re.split("[,，、]", answer)]
            if isinstance(values[name], list)
            else answer
        )
    return filled


def progress_console() -> Console | None:
    """The console a progress bar is drawn on: stderr when it is a terminal, else None (the
    tests force one)."""
    if not sys.stderr.isatty():
        return None
    from rich.console import Console

    return Console(stderr=True)


@contextlib.contextmanager
def progress_bar(
    total: int, label: str, *, wanted: bool = True
) -> Iterator[Callable[[int], None] | None]:
    """A Rich progress bar on stderr when it is a terminal and ``wanted`` (not for JSON or
    ``--quiet``); otherwise nothing at all (``progress(done)`` callbacks are None, so scripts
    and logs stay quiet)."""
    console = progress_console() if wanted and total > 0 else None
    if console is None:
        yield None
        return
    from rich.progress import Progress

    with Progress(console=console, transient=True) as bar:
        task = bar.add_task(label, total=total)
        yield lambda done: bar.update(task, completed=done)
