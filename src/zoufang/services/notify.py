"""How ``zoufang remind`` delivers a message: stdout, email (SMTP) or a webhook — generic
JSON, or the group robots of DingTalk (钉钉), WeCom (企业微信) and Feishu (飞书).

Standard library only, each module imported inside the code path that needs it (``smtplib``
and ``ssl`` for email, ``urllib`` for webhooks), so that start-up stays light.

**Settings** (hosts, passwords, robot URLs and secrets) come from :mod:`zoufang.config`: the
config file or ``ZOUFANG_<SECTION>_<KEY>`` variables, never the command line.

**Channels** all have ``name`` (what the reminder log records), ``check(message)`` (raises
:class:`DeliveryError` when the message cannot be sent at all, e.g. a cadre without an email
address), ``send(message)`` (raises :class:`DeliveryError` with the reason) and are context
managers (the SMTP connection is opened on the first mail and closed at the end).

**Webhook signing.** DingTalk: ``sign = urlencode(base64(HMAC-SHA256(key=secret,
msg=f"{timestamp_ms}\\n{secret}")))`` appended to the URL as ``&timestamp=…&sign=…``.
Feishu: ``sign = base64(HMAC-SHA256(key=f"{timestamp_s}\\n{secret}", msg=b""))`` in the body.
WeCom robots have no request signature: the ``key`` in the URL is the only secret. The
generic webhook, when given a secret, sends ``X-Zoufang-Timestamp: <unix seconds>`` and
``X-Zoufang-Signature: sha256=<hex HMAC-SHA256(key=secret, msg=f"{timestamp}.".encode() +
body)>``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from dataclasses import dataclass, field
from typing import Any

from zoufang.config import Config, default_config_path
from zoufang.errors import InvalidInput

# ---------------------------------------------------------------------------- messages


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


def _who(message: Message) -> str:
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
        return _who(message)

    def check(self, message: Message) -> None:
        return None

    def send(self, message: Message) -> None:
        if not self.echo:
            return
        if self._count:
            print()
        print(message.text, flush=True)
        self._count += 1


# ---------------------------------------------------------------------------- email

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
                f"required for --channel email; set it in {config.path or default_config_path()}"
                " or ZOUFANG_SMTP_HOST",
            )
        security = str(config.get("smtp", "security", "starttls")).lower()
        if security not in SMTP_SECURITY:
            raise InvalidInput(
                config.source("smtp", "security"),
                f"{security!r} is not one of {', '.join(SMTP_SECURITY)}",
            )
        port = config.get("smtp", "port") or _DEFAULT_PORTS[security]
        if not 0 < port < 65536:
            raise InvalidInput(config.source("smtp", "port"), f"{port} is not a TCP port")
        username = config.get("smtp", "username") or None
        password = config.get("smtp", "password") or None
        if username and password is None:
            raise InvalidInput(
                "[smtp] password",
                f"a username is set ({username}) but no password: set ZOUFANG_SMTP_PASSWORD "
                "or [smtp] password in the config file",
            )
        for key, value in (("username", username), ("password", password)):
            if value and not value.isascii():  # smtplib sends AUTH strings as ASCII
                raise InvalidInput(
                    config.source("smtp", key), "SMTP login supports ASCII characters only"
                )
        sender = config.get("smtp", "from") or (username if username and "@" in username else None)
        if not sender:
            raise InvalidInput("[smtp] from", "required: the address reminders are sent from")
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
        return f"{_who(message)} <{message.email or '?'}>"

    def check(self, message: Message) -> None:
        if not message.email:
            if message.recipient == "supervisor":
                raise DeliveryError(
                    "no supervisor address: give --supervisor EMAIL or set [remind] supervisor"
                )
            raise DeliveryError("no email address in the ledger for this cadre")

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
            codes = "; ".join(f"{code} {_text(reply)}" for code, reply in exc.recipients.values())
            raise DeliveryError(f"the SMTP server refused {message.email}: {codes}") from None
        except smtplib.SMTPAuthenticationError as exc:
            self._drop()
            self._unreachable = f"SMTP login refused: {exc.smtp_code} {_text(exc.smtp_error)}"
            raise DeliveryError(self._unreachable) from None
        except smtplib.SMTPResponseException as exc:
            self._drop()
            raise DeliveryError(f"SMTP error {exc.smtp_code} {_text(exc.smtp_error)}") from None
        except (smtplib.SMTPException, OSError) as exc:
            first_contact = self._conn is None
            self._drop()
            reason = f"SMTP {self.settings.host}:{self.settings.port}: {_os_reason(exc)}"
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
            raise DeliveryError(f"cannot mail {message.email!r}: {exc}") from None
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


def _text(reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    return " ".join(text.split())


def _os_reason(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "timed out"
    reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return " ".join(str(reason).split())


# ---------------------------------------------------------------------------- webhooks

WEBHOOK_KINDS = ("generic", "dingtalk", "wecom", "feishu")
#: Longest text one robot message may carry, in UTF-8 bytes (WeCom documents 2048; the
#: others allow more, with room kept for the JSON around it). Longer messages are split.
_TEXT_LIMITS = {"dingtalk": 18000, "wecom": 2048, "feishu": 18000}
#: Seconds between posts: DingTalk and WeCom robots take at most 20 messages a minute.
_DEFAULT_INTERVALS = {"generic": 0.0, "dingtalk": 3.1, "wecom": 3.1, "feishu": 0.25}


@dataclass(frozen=True)
class WebhookSettings:
    url: str
    kind: str
    secret: str | None = None
    interval: float = 0.0
    timeout: int = 15

    @classmethod
    def from_config(cls, config: Config) -> WebhookSettings:
        from urllib.parse import urlsplit

        url = config.get("webhook", "url")
        if not url:
            raise InvalidInput(
                "[webhook] url",
                f"required for --channel webhook; set it in {config.path or default_config_path()}"
                " or ZOUFANG_WEBHOOK_URL",
            )
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise InvalidInput(
                config.source("webhook", "url"), f"{redact_url(url)} is not an http(s) URL"
            )
        kind = str(config.get("webhook", "kind") or guess_kind(url)).lower()
        if kind not in WEBHOOK_KINDS:
            raise InvalidInput(
                config.source("webhook", "kind"),
                f"{kind!r} is not one of {', '.join(WEBHOOK_KINDS)}",
            )
        secret = config.get("webhook", "secret") or None
        if kind == "wecom" and secret:
            raise InvalidInput(
                config.source("webhook", "secret"),
                "WeCom group robots have no request signature (the key in the URL is the "
                "secret); remove the webhook secret",
            )
        interval = config.get("webhook", "interval")
        if interval is None:
            interval = _DEFAULT_INTERVALS[kind]
        if interval < 0:
            raise InvalidInput(config.source("webhook", "interval"), "must not be negative")
        return cls(
            url=url,
            kind=kind,
            secret=secret,
            interval=float(interval),
            timeout=config.get("webhook", "timeout", 15),
        )


def guess_kind(url: str) -> str:
    """The robot behind a well-known webhook host; anything else is a generic webhook."""
    from urllib.parse import urlsplit

    host = (urlsplit(url).hostname or "").lower()
    if host == "dingtalk.com" or host.endswith(".dingtalk.com"):
        return "dingtalk"
    if host == "qyapi.weixin.qq.com":
        return "wecom"
    if host.endswith("feishu.cn") or host.endswith("larksuite.com"):
        return "feishu"
    return "generic"


def redact_url(url: str) -> str:
    """The URL without the parts that carry secrets (the query and the path)."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/…" if parts.netloc else "(webhook URL)"


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's signature, base64 (URL-encode it before appending it to the URL)."""
    to_sign = f"{timestamp_ms}\n{secret}".encode()
    return base64.b64encode(hmac.new(secret.encode(), to_sign, hashlib.sha256).digest()).decode()


def feishu_sign(secret: str, timestamp_s: int) -> str:
    """Feishu's signature: the HMAC is keyed by "timestamp\\nsecret" over an empty message."""
    key = f"{timestamp_s}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()


def generic_signature(secret: str, timestamp_s: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp_s}.".encode() + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def split_text(text: str, limit: int) -> list[str]:
    """Cut ``text`` into pieces of at most ``limit`` UTF-8 bytes, at line ends if possible."""
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        candidate = f"{current}\n{line}" if current else line
        if len(candidate.encode()) <= limit:
            current = candidate
            continue
        if current:
            pieces.append(current)
        current = ""
        while len(line.encode()) > limit:  # one very long line: cut it by characters
            cut = len(line.encode()[:limit].decode("utf-8", "ignore"))
            pieces.append(line[:cut])
            line = line[cut:]
        current = line
    if current or not pieces:
        pieces.append(current)
    return pieces


def build_requests(
    settings: WebhookSettings,
    message: Message,
    *,
    now: float | None = None,
) -> list[tuple[str, bytes, dict[str, str]]]:
    """The (url, body, extra headers) of each POST that delivers ``message``."""
    from urllib.parse import quote_plus

    now = time.time() if now is None else now
    kind = settings.kind
    if kind == "generic":
        payload = {
            "recipient": {
                "code": message.recipient,
                "name": message.name,
                "email": message.email,
                "phone": message.phone,
            },
            "subject": message.subject,
            "text": message.text,
            "items": message.items,
        }
        body = _json(payload)
        headers = {}
        if settings.secret:
            ts = int(now)
            headers = {
                "X-Zoufang-Timestamp": str(ts),
                "X-Zoufang-Signature": generic_signature(settings.secret, ts, body),
            }
        return [(settings.url, body, headers)]
    mobile = message.phone if message.phone and message.phone.isdigit() else None
    requests: list[tuple[str, bytes, dict[str, str]]] = []
    for i, piece in enumerate(split_text(message.text, _TEXT_LIMITS[kind] - 40)):
        mention = [mobile] if mobile and i == 0 else []
        url = settings.url
        if kind == "dingtalk":
            content = piece + "".join(f"\n@{m}" for m in mention)  # shows the @ in the text
            payload = {
                "msgtype": "text",
                "text": {"content": content},
                "at": {"atMobiles": mention, "isAtAll": False},
            }
            if settings.secret:
                ts_ms = int(now * 1000)
                sep = "&" if "?" in url else "?"
                url = (
                    f"{url}{sep}timestamp={ts_ms}"
                    f"&sign={quote_plus(dingtalk_sign(settings.secret, ts_ms))}"
                )
        elif kind == "wecom":
            payload = {
                "msgtype": "text",
                "text": {"content": piece, "mentioned_mobile_list": mention},
            }
        else:  # feishu: mentions need Feishu user ids, which the ledger does not hold
            payload = {"msg_type": "text", "content": {"text": piece}}
            if settings.secret:
                ts = int(now)
                payload = {
                    "timestamp": str(ts),
                    "sign": feishu_sign(settings.secret, ts),
                    **payload,
                }
        requests.append((url, _json(payload), {}))
    return requests


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, default=str).encode()


class WebhookChannel:
    """POST each message as JSON; robots' replies are checked for ``errcode``/``code`` 0."""

    def __init__(self, settings: WebhookSettings) -> None:
        self.settings = settings
        self.name = f"webhook:{settings.kind}"
        self._last_post: float | None = None

    def __enter__(self) -> WebhookChannel:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def address(self, message: Message) -> str:
        at = (
            f" @{message.phone}"
            if message.phone and self.settings.kind in ("dingtalk", "wecom")
            else ""
        )
        return f"{_who(message)}{at} ({self.settings.kind} webhook)"

    def check(self, message: Message) -> None:
        return None

    def send(self, message: Message) -> None:
        for url, body, headers in build_requests(self.settings, message):
            self._pace()
            self._post(url, body, headers)

    def _pace(self) -> None:
        if self._last_post is not None and self.settings.interval > 0:
            wait = self._last_post + self.settings.interval - time.monotonic()
            if wait > 0:
                time.sleep(wait)
        self._last_post = time.monotonic()

    def _post(self, url: str, body: bytes, headers: dict[str, str]) -> None:
        import urllib.error
        import urllib.request

        from zoufang import __version__

        where = redact_url(url)
        request = urllib.request.Request(
            url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "User-Agent": f"zoufang/{__version__}",
                **headers,
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.settings.timeout) as response:
                status = response.status
                reply = response.read(65536)
        except urllib.error.HTTPError as exc:
            detail = _text(exc.read(300) or b"") if exc.fp else ""
            raise DeliveryError(
                f"{where} answered HTTP {exc.code} {exc.reason}" + (f": {detail}" if detail else "")
            ) from None
        except urllib.error.URLError as exc:
            reason = exc.reason
            text = _os_reason(reason) if isinstance(reason, BaseException) else str(reason)
            raise DeliveryError(f"cannot reach {where}: {text}") from None
        except OSError as exc:
            raise DeliveryError(f"{where}: {_os_reason(exc)}") from None
        if not 200 <= status < 300:
            raise DeliveryError(f"{where} answered HTTP {status}")
        if self.settings.kind != "generic":
            _check_robot_reply(self.settings.kind, reply, where)


def _check_robot_reply(kind: str, reply: bytes, where: str) -> None:
    """DingTalk and WeCom say {"errcode": 0}; Feishu {"code": 0} (older: {"StatusCode": 0})."""
    try:
        data = json.loads(reply.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise DeliveryError(
            f"{where} gave a reply that is not JSON: {_text(reply[:200])}"
        ) from None
    if not isinstance(data, dict):
        raise DeliveryError(f"{where} gave an unexpected reply: {_text(reply[:200])}")
    if kind in ("dingtalk", "wecom"):
        code, msg = data.get("errcode"), data.get("errmsg")
    else:
        code = data.get("code", data.get("StatusCode"))
        msg = data.get("msg", data.get("StatusMessage"))
    if code != 0:
        raise DeliveryError(f"the {kind} robot refused the message: code {code}: {msg}")


# ---------------------------------------------------------------------------- choosing

CHANNELS = ("stdout", "email", "webhook")


def open_channel(name: str, config: Config, *, echo: bool = True):
    """The channel called ``name``, its settings checked (exit 2 if they are incomplete)."""
    if name == "stdout":
        return StdoutChannel(echo=echo)
    if name == "email":
        return EmailChannel(SmtpSettings.from_config(config))
    if name == "webhook":
        return WebhookChannel(WebhookSettings.from_config(config))
    raise InvalidInput("--channel", f"{name!r} is not one of {', '.join(CHANNELS)}")
