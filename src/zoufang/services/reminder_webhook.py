"""Reminders by webhook: generic JSON, or the group robots of DingTalk (钉钉), WeCom
(企业微信) and Feishu (飞书).

Settings come from the ``[webhook]`` section of the config file or ``ZOUFANG_WEBHOOK_*``
variables: url, kind (guessed from the host if not given), secret, interval and timeout.
A message longer than a robot takes is split at line ends; posts are paced by the interval,
since robots take a limited number of messages a minute. ``urllib`` is imported only when
a message is posted.

**Signing.** DingTalk: ``sign = urlencode(base64(HMAC-SHA256(key=secret,
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
from dataclasses import dataclass
from typing import Any

from zoufang.config import Config, default_config_path
from zoufang.errors import InvalidInput
from zoufang.i18n import _
from zoufang.services.reminder_channels import DeliveryError, Message, one_line, os_reason, who

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
                _("required for --channel webhook; set it in {path} or ZOUFANG_WEBHOOK_URL").format(
                    path=config.path or default_config_path()
                ),
            )
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise InvalidInput(
                config.source("webhook", "url"),
                _("{url} is not an http(s) URL").format(url=origin_only(url)),
            )
        kind = str(config.get("webhook", "kind") or guess_kind(url)).lower()
        if kind not in WEBHOOK_KINDS:
            raise InvalidInput(
                config.source("webhook", "kind"),
                _("{value!r} is not one of {names}").format(
                    value=kind, names=", ".join(WEBHOOK_KINDS)
                ),
            )
        secret = config.get("webhook", "secret") or None
        if kind == "wecom" and secret:
            raise InvalidInput(
                config.source("webhook", "secret"),
                _(
                    "WeCom group robots have no request signature (the key in the URL is the "
                    "secret); remove the webhook secret"
                ),
            )
        interval = config.get("webhook", "interval")
        if interval is None:
            interval = _DEFAULT_INTERVALS[kind]
        if interval < 0:
            raise InvalidInput(config.source("webhook", "interval"), _("must not be negative"))
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


def origin_only(url: str) -> str:
    """The URL's scheme and host with "/…" for the rest: robots carry their secrets (token,
    key) in the path and the query, which must not reach an error message."""
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


def splitone_line(text: str, limit: int) -> list[str]:
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
    for i, piece in enumerate(splitone_line(message.text, _TEXT_LIMITS[kind] - 40)):
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
        return f"{who(message)}{at} ({self.settings.kind} webhook)"

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

        where = origin_only(url)
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
            detail = one_line(exc.read(300) or b"") if exc.fp else ""
            answer = _("{where} answered HTTP {code} {reason}").format(
                where=where, code=exc.code, reason=exc.reason
            )
            raise DeliveryError(answer + (f": {detail}" if detail else "")) from None
        except urllib.error.URLError as exc:
            reason = exc.reason
            text = os_reason(reason) if isinstance(reason, BaseException) else str(reason)
            raise DeliveryError(
                _("cannot reach {where}: {reason}").format(where=where, reason=text)
            ) from None
        except OSError as exc:
            raise DeliveryError(f"{where}: {os_reason(exc)}") from None
        if not 200 <= status < 300:
            raise DeliveryError(_("{where} answered HTTP {code}").format(where=where, code=status))
        if self.settings.kind != "generic":
            _check_robot_reply(self.settings.kind, reply, where)


def _check_robot_reply(kind: str, reply: bytes, where: str) -> None:
    """DingTalk and WeCom say {"errcode": 0}; Feishu {"code": 0} (older: {"StatusCode": 0})."""
    try:
        data = json.loads(reply.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise DeliveryError(
            _("{where} gave a reply that is not JSON: {reply}").format(
                where=where, reply=one_line(reply[:200])
            )
        ) from None
    if not isinstance(data, dict):
        raise DeliveryError(
            _("{where} gave an unexpected reply: {reply}").format(
                where=where, reply=one_line(reply[:200])
            )
        )
    if kind in ("dingtalk", "wecom"):
        code, msg = data.get("errcode"), data.get("errmsg")
    else:
        code = data.get("code", data.get("StatusCode"))
        msg = data.get("msg", data.get("StatusMessage"))
    if code != 0:
        raise DeliveryError(
            _("the {kind} robot refused the message: code {code}: {reason}").format(
                kind=kind, code=code, reason=msg
            )
        )
