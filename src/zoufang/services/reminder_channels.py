"""How ``zoufang remind`` delivers a reminder: the message, the channels, choosing one.

A channel prints to stdout, sends email (:mod:`zoufang.services.reminder_email`) or posts
to a webhook (:mod:`zoufang.services.reminder_webhook`). Standard library only, each
module imported inside the code path that needs it, so that start-up stays light.

**Settings** (hosts, passwords, robot URLs and secrets) come from :mod:`zoufang.config`: the
config file or ``ZOUFANG_<SECTION>_<KEY>`` variables, never the command line.

**Channels** all have ``name`` (what the reminder log records), ``address(message)`` (whom
it goes to, for the dry run), ``check(message)`` (raises :class:`DeliveryError` when the
message cannot be sent at all, e.g. a cadre without an email address), ``send(message)``
(raises :class:`DeliveryError` with the reason) and are context managers (the SMTP
connection is opened on the first mail and closed at the end).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from zoufang.config import Config
from zoufang.errors import InvalidInput
from zoufang.i18n import _

CHANNELS = ("stdout", "email", "webhook")


@dataclass(frozen=True)
class Message:
    """One message to one recipient (a cadre, or the supervisor's digest)."""

    recipient: str  # cadre code, or "supervisor"
    name: str
    email: str | None
    phone: str | None
    subject: str
    text: str
    items: list[dict] = field(default_factory=list)  # JSON-ready, for the generic webhook


def who(message: Message) -> str:
    """ "C0001 王建国", or "supervisor" for the supervisor's digest."""
    if message.name == message.recipient:
        return message.recipient
    return f"{message.recipient} {message.name}"


class DeliveryError(Exception):
    """A message could not be delivered; ``str()`` is the reason, for one line on stderr."""


class StdoutChannel:
    """Print each message; the output is the delivery (cron mails it to the crontab's owner)."""

    name = "stdout"

    def __init__(self, *, echo: bool = True) -> None:
        self.echo = echo  # False with --format json: the JSON result carries the messages
        self._count = 0

    def __enter__(self) -> StdoutChannel:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def address(self, message: Message) -> str:
        return who(message)

    def check(self, message: Message) -> None:
        return None

    def send(self, message: Message) -> None:
        if not self.echo:
            return
        if self._count:
            print()
        print(message.text, flush=True)
        self._count += 1


def open_channel(name: str, config: Config, *, echo: bool = True):
    """The channel called ``name``, its settings checked (exit 2 if they are incomplete)."""
    if name == "stdout":
        return StdoutChannel(echo=echo)
    if name == "email":
        from zoufang.services.reminder_email import EmailChannel, SmtpSettings

        return EmailChannel(SmtpSettings.from_config(config))
    if name == "webhook":
        from zoufang.services.reminder_webhook import WebhookChannel, WebhookSettings

        return WebhookChannel(WebhookSettings.from_config(config))
    raise InvalidInput(
        "--channel",
        _("{value!r} is not one of {names}").format(value=name, names=", ".join(CHANNELS)),
    )


def one_line(reply: bytes | str) -> str:
    """A server's reply as one line of text."""
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    return " ".join(text.split())


def os_reason(exc: BaseException) -> str:
    """Why a connection failed, in a few words ("timed out", "Connection refused")."""
    if isinstance(exc, TimeoutError):
        return _("timed out")
    reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return " ".join(str(reason).split())
