"""What `remind` prints: its outcome as JSON, or with ``--dry-run`` each message it would
send, headed by where and how it would go."""

from __future__ import annotations

import sys
from typing import IO, Any

from zoufang.i18n import _
from zoufang.output.text import write_json


def write_reminders(
    outcome: Any, *, as_json: bool, dry_run: bool, channel: Any, out: IO[str] | None = None
) -> None:
    """``outcome`` of :func:`zoufang.services.remind.send_reminders`; ``channel`` tells each
    message's address. Sent messages print nothing here: the stdout channel printed them as
    it delivered, and email and webhooks are quiet on success."""
    stream = out or sys.stdout
    if as_json:
        write_json(outcome.as_json(), stream)
        return
    if not dry_run:
        return
    would, cannot = _("# would send to {address} by {channel}"), _(" (cannot: see below)")
    subject = _("# Subject: {subject}")
    for n, (_digest, message, status, _reason) in enumerate(outcome.results):
        if n:
            print(file=stream)
        print(
            would.format(address=channel.address(message), channel=outcome.channel)
            + ("" if status == "dry-run" else cannot),
            file=stream,
        )
        if outcome.channel == "email":
            print(subject.format(subject=message.subject), file=stream)
        print(message.text, file=stream)
