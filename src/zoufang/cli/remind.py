"""`remind`: the daily cron job — tell each cadre what is overdue (see docs/remind.md)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from zoufang.cli.common import parse_format, session, settings, today
from zoufang.errors import InvalidInput
from zoufang.i18n import _
from zoufang.output import REMIND_FORMATS, Format


def _remind_format(text: str | Format | None) -> Format | None:
    fmt = parse_format(text)
    if fmt is not None and fmt not in REMIND_FORMATS:
        raise InvalidInput(
            "--format", _("remind prints plain text or json, not {format}").format(format=fmt.value)
        )
    return fmt


def remind(
    channel: Annotated[
        str | None,
        typer.Option(
            "--channel",
            metavar="<stdout|email|webhook>",
            help="How to deliver: stdout (default), email (SMTP, one mail per cadre) or webhook "
            "(generic JSON, DingTalk, WeCom or Feishu robot).",
        ),
    ] = None,
    days: Annotated[
        str | None,
        typer.Option(
            "--days",
            metavar="<N>",
            help="Also remind of visits and commitments falling due within N days.",
        ),
    ] = None,
    every: Annotated[
        str | None,
        typer.Option(
            "--every",
            metavar="<DAYS>",
            help="Do not repeat an item to the same cadre within DAYS days unless it "
            "got a week worse (default 7).",
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would be sent; send and record nothing.")
    ] = False,
    supervisor: Annotated[
        str | None,
        typer.Option(
            "--supervisor",
            metavar="<EMAIL>",
            help="Email for the digest of households with no cadre.",
        ),
    ] = None,
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang",
            metavar="<zh|en>",
            help="Message language: zh or en (default: [remind] lang in the config file, else the "
            "language of everything else).",
        ),
    ] = None,
    fmt: Annotated[
        Format | None,
        typer.Option(
            "--format",
            "-f",
            parser=_remind_format,
            metavar="<" + "|".join(REMIND_FORMATS) + ">",
            help='plain (default) or json: {"sent": n, "items": [...]}.',
        ),
    ] = None,
) -> None:
    """Tell each cadre what is overdue: visits and commitments, one message per cadre.

    Meant for cron: prints nothing and exits 0 when there is nothing new to say. Settings
    and secrets come from the config file or ZOUFANG_SMTP_* / ZOUFANG_WEBHOOK_* variables.
    """
    from zoufang.config import load_config
    from zoufang.db import database_url
    from zoufang.output.remind import write_reminders
    from zoufang.services.remind import lock_path, remind_lock, resolve_options, send_reminders
    from zoufang.services.reminder_channels import open_channel

    config = load_config()
    options = resolve_options(
        config=config,
        channel=channel,
        days=days,
        every=every,
        lang=lang,
        supervisor=supervisor,
        dry_run=dry_run,
    )
    as_json = fmt is Format.json
    channel_ = open_channel(options.channel, config, echo=not (as_json or dry_run))
    lock = remind_lock(lock_path(database_url(settings().db))) if not dry_run else _no_lock()
    with lock, channel_:
        outcome = send_reminders(
            open_session=session, channel=channel_, today=today(), options=options
        )
    write_reminders(outcome, as_json=as_json, dry_run=dry_run, channel=channel_)
    for digest, _message, reason in outcome.failures:
        r = digest.recipient
        who = _("supervisor digest") if r.code == "supervisor" else f"{r.code} {r.name}"
        failed = _("remind: {who} by {channel}: {reason}").format(
            who=who, channel=outcome.channel, reason=reason
        )
        print(_("error: {message}").format(message=failed), file=sys.stderr)
    if outcome.failures:
        raise typer.Exit(1)


def _no_lock():
    import contextlib

    return contextlib.nullcontext()


def register(app: typer.Typer) -> None:
    app.command("remind")(remind)
