"""The ``zoufang`` command: global options, the command groups, and the one place where
errors become exit codes and a single line on stderr.

Exit codes: 0 success; 1 refused by a rule, not found, or audit findings; 2 invalid input or
usage. No traceback reaches the user unless ``--debug`` is given.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import Annotated, Any

import typer

from zoufang import __version__, i18n
from zoufang.cli._click import ClickException, NoArgsIsHelpError, UsageError
from zoufang.cli._lazy import LazyGroup, LazyTyper, speak_the_chosen_language
from zoufang.cli.help_text import usage_message
from zoufang.cli.language import choose
from zoufang.errors import InvalidInput, ZoufangError
from zoufang.i18n import _


class ZoufangGroup(LazyGroup):
    """Typer's group with zoufang's error policy: one line on stderr, meaningful exit codes.
    Its subcommands are built when used (:mod:`zoufang.cli._lazy`)."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        argv = list(sys.argv[1:] if args is None else args)
        debug = "--debug" in argv or os.environ.get("ZOUFANG_DEBUG") == "1"
        i18n.activate(choose(argv))
        for command in self.every_built_command():
            speak_the_chosen_language(command)
        try:
            _refuse_undecodable(argv)
            rv = super().main(
                args=argv,
                prog_name=prog_name or "zoufang",
                complete_var=complete_var,
                standalone_mode=False,
                windows_expand_args=windows_expand_args,
                **extra,
            )
            code = rv if isinstance(rv, int) else 0
        except ZoufangError as exc:
            if debug:
                raise
            code = _fail(exc.line(), exc.exit_code)
        except NoArgsIsHelpError as exc:
            print(exc.ctx.get_help() if exc.ctx else str(exc), file=sys.stderr)
            code = 2
        except UsageError as exc:
            code = _fail(_usage_line(exc), 2)
        except typer.Abort:
            code = _fail(_("aborted"), 1)
        except typer.Exit as exc:
            code = exc.exit_code
        except ClickException as exc:
            code = _fail(usage_message(exc.format_message()), exc.exit_code)
        except BrokenPipeError:
            # `zoufang … | head`: the reader went away; that is not an error.
            with open(os.devnull, "w") as devnull:
                os.dup2(devnull.fileno(), sys.stdout.fileno())
            code = 0
        except KeyboardInterrupt:
            code = _fail(_("interrupted; the command's transaction was rolled back"), 130)
        except Exception as exc:
            if debug:
                raise
            first_line = str(exc).splitlines()[0] if str(exc) else ""
            code = _fail(
                _("internal error: {error} (run again with --debug for the traceback)").format(
                    error=f"{type(exc).__name__}: {first_line}"
                ),
                1,
            )
        if standalone_mode:
            sys.exit(code)
        return code


def _fail(message: str, code: int) -> int:
    """Print the one error line (``error: <field>: <reason>``, in the chosen language).
    One line whatever a value in it holds: line breaks are shown as ``\\n``, bidirectional
    controls as ``⟨U+202E⟩`` (a name written before they were refused cannot forge a
    second ``error:`` line or reorder this one)."""
    from zoufang.parsing import visible

    line = _("error: {message}").format(message=message)
    for char, shown in _LINE_BREAKS.items():
        line = line.replace(char, shown)
    print(visible(line), file=sys.stderr)
    return code


_LINE_BREAKS = {"\r": "\\r", "\n": "\\n", "\u2028": "\\u2028", "\u2029": "\\u2029", "\x85": "\\x85"}


def _refuse_undecodable(argv: Sequence[str]) -> None:
    """Bytes on the command line that are not UTF-8 (Python keeps them as lone surrogates)
    are invalid input naming the option they were given to, before anything else reads
    them."""
    previous = ""
    for arg in argv:
        if any("\ud800" <= c <= "\udfff" for c in arg):
            if arg.startswith("--") and "=" in arg:
                field = arg.split("=", 1)[0]
            elif arg.startswith("-"):
                field = arg
            elif previous.startswith("-"):
                field = previous
            else:
                field = _("argument")
            raise InvalidInput(
                field.encode("utf-8", "replace").decode("utf-8"),
                _("is not valid UTF-8 text (check the terminal's encoding)"),
            )
        previous = arg


def _usage_line(exc: UsageError) -> str:
    """One line naming the option or argument at fault: ``--reason: Missing option …``."""
    message = usage_message(" ".join(exc.format_message().split()))
    param = getattr(exc, "param", None)
    if param is not None:
        opts = [o for o in getattr(param, "opts", []) if o.startswith("-")]
        name = max(opts, key=len) if opts else (param.metavar or param.name or "").upper()
        return f"{name}: {message}"
    option = getattr(exc, "option_name", None)
    if option:
        return f"{option}: {message}"
    if exc.ctx is not None:
        return f"{exc.ctx.command_path}: {message}"
    return message


app = LazyTyper(
    cls=ZoufangGroup,
    name="zoufang",
    help="走访 zoufang — the household visiting and hardship-support ledger.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)
ZoufangGroup.lazy_app = app


def _version(value: bool) -> None:
    if value:
        print(f"zoufang {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            envvar="ZOUFANG_DB",
            show_envvar=True,
            help="Ledger: a SQLite file path or a SQLAlchemy URL (postgresql+psycopg://…). "
            "Default: zoufang.db in the user data directory.",
        ),
    ] = None,
    today: Annotated[
        str | None,
        typer.Option(
            "--today",
            envvar="ZOUFANG_TODAY",
            show_envvar=True,
            help="The date 'today' means (YYYY-MM-DD) for date-relative commands. "
            "Writing under a day that is not the real date needs --backfill.",
        ),
    ] = None,
    backfill: Annotated[
        str | None,
        typer.Option(
            "--backfill",
            envvar="ZOUFANG_BACKFILL",
            show_envvar=True,
            metavar="REASON",
            help="Write under a --today that is not the real date (entering last year's "
            "paper diaries), for this reason: recorded in the audit log and listed by "
            "the audits.",
        ),
    ] = None,
    operator: Annotated[
        str | None,
        typer.Option(
            "--as",
            envvar="ZOUFANG_OPERATOR",
            show_envvar=True,
            help="Who is operating, for the audit log. Default: your login name. "
            "On a PostgreSQL ledger the operator is your database login, and --as "
            "naming anyone else is refused.",
        ),
    ] = None,
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang",
            envvar="ZOUFANG_LANG",
            show_envvar=True,
            metavar="<zh|en>",
            help="Language of everything zoufang prints: zh (Chinese, the default) or en. "
            "Also: lang in the config file, then the locale (LC_ALL, LANG).",
        ),
    ] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks for errors.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    """走访 zoufang — enrol households, record visits, keep promises, pay ring-fenced funds."""
    from zoufang.cli.common import Settings, default_operator
    from zoufang.clock import real_today
    from zoufang.parsing import parse_date, parse_line

    if lang is not None and i18n.parse_lang(lang) is None:
        raise InvalidInput("--lang", _("{value!r} is not zh or en").format(value=lang))
    settings = Settings(db=db, operator=default_operator(), debug=debug)
    if today is not None:
        settings.today = parse_date(today, field="--today")
        settings.today_given = True
    else:
        settings.today = real_today()
    if backfill is not None:
        settings.backfill = parse_line(backfill, field="--backfill", max_len=500)
    if operator is not None:
        from zoufang.services.limits import column_limit

        settings.operator = parse_line(
            operator, field="--as", max_len=column_limit("audit_log.operator")
        )
        settings.operator_given = True
    ctx.obj = settings


def _register() -> None:
    from zoufang.cli import (
        audit,
        cadres,
        commitments,
        db,
        demo,
        export,
        funds,
        households,
        notice,
        remind,
        report,
        suggestions,
        users,
        visits,
        wishes,
        workbook,
    )

    households.register(app)
    cadres.register(app)
    visits.register(app)
    commitments.register(app)
    wishes.register(app)
    suggestions.register(app)
    funds.register(app)
    audit.register(app)
    notice.register(app)
    remind.register(app)
    db.register(app)
    demo.register(app)
    export.register(app)
    workbook.register(app)
    report.register(app)
    users.register(app)


_register()


def main() -> None:
    """Console-script entry point."""
    from zoufang.cli import common

    common.ONE_COMMAND_PER_PROCESS = True
    app()


__all__ = ["app", "main", "InvalidInput"]
