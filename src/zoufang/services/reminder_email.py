"""Reminders by email: one mail per message over one SMTP connection.

Settings come from the ``[smtp]`` section of the config file or ``ZOUFANG_SMTP_*``
variables: host, port, security (``starttls``, ``ssl`` or ``none``), from, username,
password, cafile and timeout. ``smtplib``, ``ssl`` and ``email`` are imported only when a
mail is sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from zoufang.config import Config, default_config_path
from zoufang.errors import InvalidInput
from zoufang.i18n import _
from zoufang.services.reminder_channels import DeliveryError, Message, one_line, os_reason, who

SMTP_SECURITY = ("starttls", "ssl", "none")
_DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: str
    sender: str
    username: str | None = None
    password: str | None = None
    cafile: str | None = None
    timeout: int = 30

    @classmethod
    def from_config(cls, config: Config) -> SmtpSettings:
        host = config.get("smtp", "host")
        if not host:
            raise InvalidInput(
                "[smtp] host",
                _("required for --channel email; set it in {path} or ZOUFANG_SMTP_HOST").format(
                    path=config.path or default_config_path()
                ),
            )
        security = str(config.get("smtp", "security", "starttls")).lower()
        if security not in SMTP_SECURITY:
            raise InvalidInput(
                config.source("smtp", "security"),
                _("{value!r} is not one of {names}").format(
                    value=security, names=", ".join(SMTP_SECURITY)
                ),
            )
        port = config.get("smtp", "port") or _DEFAULT_PORTS[security]
        if not 0 < port < 65536:
            raise InvalidInput(
                config.source("smtp", "port"), _("{port} is not a TCP port").format(port=port)
            )
        username = config.get("smtp", "username") or None
        password = config.get("smtp", "password") or None
        if username and password is None:
            raise InvalidInput(
                "[smtp] password",
                _(
                    "a username is set ({username}) but no password: set ZOUFANG_SMTP_PASSWORD "
                    "or [smtp] password in the config file"
                ).format(username=username),
            )
        for key, value in (("username", username), ("password", password)):
            if value and not value.isascii():  # smtplib sends AUTH strings as ASCII
                raise InvalidInput(
                    config.source("smtp", key), _("SMTP login supports ASCII characters only")
                )
        sender = config.get("smtp", "from") or (username if username and "@" in username else None)
        if not sender:
            raise InvalidInput("[smtp] from", _("required: the address reminders are sent from"))
        timeout = config.get("smtp", "timeout", 30)
        return cls(
            host=host,
            port=port,
            security=security,
            sender=sender,
            username=username,
            password=password,
            cafile=config.get("smtp", "cafile"),
            timeout=timeout,
        )


class EmailChannel:
    """One mail per message over one SMTP connection, opened on the first mail.

    A connection that fails is dropped and the next mail opens a new one; if the server
    cannot be reached at all, the remaining mails fail at once with the same reason instead
    of each waiting for a timeout.
    """

    name = "email"

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self._conn: Any = None
        self._unreachable: str | None = None

    def __enter__(self) -> EmailChannel:
        return self

    def __exit__(self, *exc: object) -> None:
        self._drop(polite=True)

    def address(self, message: Message) -> str:
        return f"{who(message)} <{message.email or '?'}>"

    def check(self, message: Message) -> None:
        if not message.email:
            if message.recipient == "supervisor":
                raise DeliveryError(
                    _("no supervisor address: give --supervisor EMAIL or set [remind] supervisor")
                )
            raise DeliveryError(_("no email address in the ledger for this cadre"))

    def send(self, message: Message) -> None:
        import smtplib

        self.check(message)
        mail = self._compose(message)
        if self._unreachable:
            raise DeliveryError(self._unreachable)
        try:
            if self._conn is None:
                self._conn = self._connect()
            self._conn.send_message(mail)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = "; ".join(
                f"{code} {one_line(reply)}" for code, reply in exc.recipients.values()
            )
            raise DeliveryError(
                _("the SMTP server refused {address}: {codes}").format(
                    address=message.email, codes=codes
                )
            ) from None
        except smtplib.SMTPAuthenticationError as exc:
            self._drop()
            self._unreachable = _("SMTP login refused: {code} {reply}").format(
                code=exc.smtp_code, reply=one_line(exc.smtp_error)
            )
            raise DeliveryError(self._unreachable) from None
        except smtplib.SMTPResponseException as exc:
            self._drop()
            raise DeliveryError(
                _("SMTP error {code} {reply}").format(
                    code=exc.smtp_code, reply=one_line(exc.smtp_error)
                )
            ) from None
        except (smtplib.SMTPException, OSError) as exc:
            first_contact = self._conn is None
            self._drop()
            reason = f"SMTP {self.settings.host}:{self.settings.port}: {os_reason(exc)}"
            if first_contact:
                self._unreachable = reason
            raise DeliveryError(reason) from None

    def _compose(self, message: Message):
        from email.headerregistry import Address
        from email.message import EmailMessage
        from email.utils import formatdate, make_msgid, parseaddr

        mail = EmailMessage()
        mail["Subject"] = message.subject
        mail["From"] = self.settings.sender
        try:
            mail["To"] = Address(display_name=message.name, addr_spec=message.email or "")
        except Exception as exc:  # the address does not parse
            raise DeliveryError(
                _("cannot mail {address!r}: {reason}").format(address=message.email, reason=exc)
            ) from None
        mail["Date"] = formatdate(localtime=True)
        domain = parseaddr(self.settings.sender)[1].rpartition("@")[2] or None
        mail["Message-ID"] = make_msgid(domain=domain)
        mail["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation auto-replies
        mail.set_content(message.text)
        return mail

    def _tls(self):
        import ssl

        return ssl.create_default_context(cafile=self.settings.cafile)

    def _connect(self):
        import smtplib

        s = self.settings
        conn: smtplib.SMTP
        if s.security == "ssl":
            conn = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=self._tls())
        else:
            conn = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
        try:
            if s.security == "starttls":
                conn.starttls(context=self._tls())
            if s.username:
                conn.login(s.username, s.password or "")
        except BaseException:
            conn.close()
            raise
        return conn

    def _drop(self, *, polite: bool = False) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            if polite:
                conn.quit()
        except Exception:
            pass
        finally:
            conn.close()
