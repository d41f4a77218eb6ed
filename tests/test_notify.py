"""Delivery channels of ``zoufang remind`` against real servers on loopback.

An aiosmtpd server receives the mails (plain with login, STARTTLS, SSL); an http.server in a
thread receives the generic, DingTalk, WeCom and Feishu payloads, and every signature is
recomputed here from the robots' documented recipes, not with zoufang's own functions. The
overlap lock is tested with a real second process stuck in delivery, then killed with -9.
"""

from __future__ import annotations

import base64
import email
import email.policy
import hashlib
import hmac
import json
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.parse
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

import rawdb
from helpers import log_rows, start_zoufang

LATER = "2026-12-08"  # two weeks and a day after the village was enrolled (2026-11-23)
# Settings, config files and proxies of whoever runs the tests are kept out by conftest's
# _isolated_settings; each test sets what it needs.


@pytest.fixture(autouse=True)
def _chinese_reminders(monkeypatch):
    """The reminders read here are a township's, in Chinese: remind's own language setting
    (``[remind] lang``); the rest of the output stays in the tests' English. Reminders follow
    the chosen language by default (tests/test_i18n_reports.py)."""
    monkeypatch.setenv("ZOUFANG_REMIND_LANG", "zh")


@pytest.fixture(scope="session")
def _town_cache(tmp_path_factory) -> dict:
    if rawdb.ON_POSTGRESQL:
        cache = {
            "path": rawdb.PgLedger(rawdb.database_url(None, f"zft_{os.getpid()}_town")),
            "people": None,
        }
        yield cache
        rawdb.drop_database(cache["path"].name)
        return
    yield {"path": tmp_path_factory.mktemp("town") / "town.db", "people": None}


@pytest.fixture
def town(request, _town_cache, ledger_path):
    """The shared village plus: 赵刚 (C0003, email and phone) also looks after H000002 and owes
    H000003 a promise; 张强 (C0004, no email); H000004 has no cadre. Built through the CLI
    once, then copied for each test."""
    cache = _town_cache["path"]
    if _town_cache["people"] is not None:
        rawdb.clone(cache, ledger_path)  # SQLite's backup API (WAL included), or a template
        return _town_cache["people"]
    from zoufang.parsing import id_check_digit

    zf = request.getfixturevalue("zf")
    people = request.getfixturevalue("village")
    steps = [
        ("cadre", "add", "--name", "赵刚", "--email", "zhao@example.cn", "--phone", "13900001111"),
        ("cadre", "add", "--name", "张强"),
        ("assign", "H000002", "C0003"),
        (
            "commitment",
            "add",
            "H000003",
            "联系学校安排课后托管",
            "--cadre",
            "C0003",
            "--due",
            "2026-11-26",
        ),
        (
            "enroll",
            "--name",
            "赵大娘",
            "--id-number",
            "11010119400101100" + id_check_digit("11010119400101100"),
            "--village",
            "西山村",
            "--category",
            "elderly-alone",
        ),
    ]
    for step in steps:
        result = zf(*step)
        assert result.exit_code == 0, (step, result.stderr)
    rawdb.clone(ledger_path, cache)
    _town_cache["people"] = people
    return people


# ---------------------------------------------------------------------------- SMTP


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1, made with the openssl command."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a certificate for the TLS tests")
    d = tmp_path_factory.mktemp("tls")
    cert, key = d / "cert.pem", d / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """aiosmtpd handler that keeps every mail it is given."""

    def __init__(self) -> None:
        self.mails: list[tuple[str, list[str], email.message.EmailMessage]] = []
        self.logins: list[tuple[bytes, bytes]] = []

    async def handle_DATA(self, server, session, envelope):
        mail = email.message_from_bytes(
            envelope.original_content or envelope.content, policy=email.policy.default
        )
        self.mails.append((envelope.mail_from, list(envelope.rcpt_tos), mail))
        return "250 OK"

    def by_recipient(self) -> dict[str, email.message.EmailMessage]:
        return {rcpts[0]: mail for _sender, rcpts, mail in self.mails}


@pytest.fixture
def smtp_server(monkeypatch, tls_files_maybe):
    """Start an SMTP server on loopback: ``smtp_server(security="none", login=True)``."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    controllers = []

    def start(*, security: str = "none", login: bool = False):
        import ssl

        inbox = Inbox()

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
                b"office",
                b"s3cret-pw",
            )
            inbox.logins.append((auth_data.login, auth_data.password))
            return AuthResult(success=ok, handled=False)

        kwargs: dict = {}
        if login:
            kwargs.update(authenticator=authenticator, auth_require_tls=security != "none")
        if security != "none":
            cert, key = tls_files_maybe()
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(cert, key)
            if security == "ssl":
                kwargs["ssl_context"] = context
            else:
                kwargs.update(tls_context=context, require_starttls=True)
            monkeypatch.setenv("ZOUFANG_SMTP_CAFILE", str(cert))
        port = free_port()
        controller = Controller(inbox, hostname="127.0.0.1", port=port, **kwargs)
        controller.start()
        controllers.append(controller)
        monkeypatch.setenv("ZOUFANG_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("ZOUFANG_SMTP_PORT", str(port))
        monkeypatch.setenv("ZOUFANG_SMTP_SECURITY", security)
        monkeypatch.setenv("ZOUFANG_SMTP_FROM", "走访提醒 <zoufang@example.cn>")
        if login:
            monkeypatch.setenv("ZOUFANG_SMTP_USERNAME", "office")
            monkeypatch.setenv("ZOUFANG_SMTP_PASSWORD", "s3cret-pw")
        return inbox

    yield start
    for controller in controllers:
        controller.stop()


@pytest.fixture
def tls_files_maybe(request):
    return lambda: request.getfixturevalue("tls_files")


def test_email_plain_with_login_one_mail_per_cadre_chinese_intact(
    zf, town, smtp_server, ledger_path
):
    inbox = smtp_server(security="none", login=True)
    result = zf("--today", LATER, "remind", "--channel", "email", "--supervisor", "boss@example.cn")
    assert result.exit_code == 0, result.stderr
    assert (result.stdout, result.stderr) == ("", "")  # quiet on success: cron sends no mail
    assert inbox.logins == [(b"office", b"s3cret-pw")]
    mails = inbox.by_recipient()
    assert sorted(mails) == ["boss@example.cn", "wang@example.cn", "zhao@example.cn"]
    wang = mails["wang@example.cn"]
    assert wang["Subject"] == "【走访提醒】王建国：应走访 3 户"
    assert wang["To"].addresses[0].display_name == "王建国"
    assert wang["From"].addresses[0].display_name == "走访提醒"
    assert wang["Message-ID"].endswith("@example.cn>")
    assert wang["Auto-Submitted"] == "auto-generated"
    body = wang.get_content()
    for code, name in [("H000001", "陈大爷"), ("H000002", "王奶奶"), ("H000003", "刘小明")]:
        assert f"{code} {name}" in body
    assert "逾期 15 天，从未走访" in body
    zhao = mails["zhao@example.cn"].get_content()
    assert "H000002 王奶奶（东风社区）逾期 15 天" in zhao
    assert "#1 H000003 刘小明：联系学校安排课后托管（期限 2026-11-26，逾期 12 天）" in zhao
    assert "H000001" not in zhao
    boss = mails["boss@example.cn"].get_content()
    assert "H000004 赵大娘（西山村）" in boss and "尚未分配联系干部" in boss
    assert ("C0001", "visit:H000001", 2, "email", "2026-12-08") in log_rows(ledger_path)
    assert len(log_rows(ledger_path)) == 3 + 2 + 1


def test_email_starttls(zf, town, smtp_server):
    inbox = smtp_server(security="starttls", login=True)
    result = zf(
        "--today",
        LATER,
        "remind",
        "--channel",
        "email",
        "--lang",
        "en",
        "--supervisor",
        "boss@example.cn",
    )
    assert result.exit_code == 0, result.stderr
    mails = inbox.by_recipient()
    assert len(mails) == 3
    assert mails["wang@example.cn"]["Subject"] == "zoufang reminder for 王建国: 3 visits"
    assert "H000001 陈大爷 (红星村): 15 days overdue; never visited" in (
        mails["wang@example.cn"].get_content()
    )


def test_email_ssl(zf, town, smtp_server):
    inbox = smtp_server(security="ssl")
    result = zf("--today", LATER, "remind", "--channel", "email", "--supervisor", "boss@example.cn")
    assert result.exit_code == 0, result.stderr
    assert len(inbox.mails) == 3


def test_cadre_without_email_fails_alone(zf, town, smtp_server, ledger_path):
    inbox = smtp_server()
    assert (
        zf(
            "commitment",
            "add",
            "H000001",
            "代办医保报销",
            "--cadre",
            "C0004",
            "--due",
            "2026-11-30",
        ).exit_code
        == 0
    )
    result = zf("--today", LATER, "remind", "--channel", "email", "--supervisor", "boss@example.cn")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "error: remind: C0004 张强 by email: no email address in the ledger for this cadre"
    ]
    assert len(inbox.mails) == 3
    assert {r[0] for r in log_rows(ledger_path)} == {"C0001", "C0003", "supervisor"}


def test_email_without_supervisor_address_fails_that_digest(zf, town, smtp_server):
    smtp_server()
    result = zf("--today", LATER, "remind", "--channel", "email")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "error: remind: supervisor digest by email: no supervisor address: give "
        "--supervisor EMAIL or set [remind] supervisor"
    ]


def test_wrong_smtp_password_fails_everyone_and_records_nothing(
    zf, town, smtp_server, monkeypatch, ledger_path
):
    inbox = smtp_server(login=True)
    monkeypatch.setenv("ZOUFANG_SMTP_PASSWORD", "wrong")
    result = zf("--today", LATER, "remind", "--channel", "email", "--supervisor", "boss@example.cn")
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 3 and all("SMTP login refused: 535" in line for line in lines)
    assert lines[0].startswith("error: remind: C0001 王建国 by email: ")
    assert inbox.mails == [] and log_rows(ledger_path) == []


def test_unreachable_smtp_server(zf, town, monkeypatch, ledger_path):
    monkeypatch.setenv("ZOUFANG_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("ZOUFANG_SMTP_PORT", str(free_port()))  # nobody listens there
    monkeypatch.setenv("ZOUFANG_SMTP_SECURITY", "none")
    monkeypatch.setenv("ZOUFANG_SMTP_FROM", "zoufang@example.cn")
    result = zf("--today", LATER, "remind", "--channel", "email", "--supervisor", "boss@example.cn")
    assert result.exit_code == 1
    assert "C0001 王建国 by email: SMTP 127.0.0.1:" in result.stderr
    assert "refused" in result.stderr.lower()
    assert log_rows(ledger_path) == []


def test_email_settings_missing_is_invalid_input(zf, town):
    result = zf("--today", LATER, "remind", "--channel", "email")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: [smtp] host: required for --channel email")


# ---------------------------------------------------------------------------- HTTP


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    @property
    def query(self) -> dict[str, str]:
        return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))


class HookServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), HookHandler)
        self.received: list[Received] = []
        self.reply = lambda req: (200, {"errcode": 0, "errmsg": "ok", "code": 0})
        self.arrived = threading.Event()

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{path}"


class HookHandler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        req = Received(self.path, dict(self.headers), body)
        self.server.received.append(req)
        self.server.arrived.set()
        status, reply = self.server.reply(req)
        data = json.dumps(reply).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def hook(monkeypatch):
    server = HookServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("ZOUFANG_WEBHOOK_INTERVAL", "0")
    yield server
    server.shutdown()
    server.server_close()


def use_hook(monkeypatch, url: str, kind: str, secret: str | None = None) -> None:
    monkeypatch.setenv("ZOUFANG_WEBHOOK_URL", url)
    monkeypatch.setenv("ZOUFANG_WEBHOOK_KIND", kind)
    if secret:
        monkeypatch.setenv("ZOUFANG_WEBHOOK_SECRET", secret)


def test_generic_webhook_payload_and_signature(zf, town, hook, monkeypatch, ledger_path):
    use_hook(monkeypatch, hook.url("/zoufang"), "generic", secret="generic-秘密")
    result = zf("--today", LATER, "remind", "--channel", "webhook")
    assert result.exit_code == 0, result.stderr
    assert len(hook.received) == 3
    by_code = {r.json()["recipient"]["code"]: r for r in hook.received}
    assert sorted(by_code) == ["C0001", "C0003", "supervisor"]
    req = by_code["C0003"]
    payload = req.json()
    assert payload["recipient"] == {
        "code": "C0003",
        "name": "赵刚",
        "email": "zhao@example.cn",
        "phone": "13900001111",
    }
    assert payload["text"].startswith("【走访提醒】赵刚（C0003），截至 2026-12-08：")
    assert [(i["key"], i["days_overdue"], i["level"]) for i in payload["items"]] == [
        ("visit:H000002", 15, 2),
        ("commitment:1", 12, 1),
    ]
    ts = req.headers["X-Zoufang-Timestamp"]
    expected = hmac.new(
        "generic-秘密".encode(), f"{ts}.".encode() + req.body, hashlib.sha256
    ).hexdigest()
    assert req.headers["X-Zoufang-Signature"] == "sha256=" + expected
    assert abs(int(ts) - time.time()) < 120
    assert {r[3] for r in log_rows(ledger_path)} == {"webhook:generic"}


def test_dingtalk_robot_signed_with_mention(zf, town, hook, monkeypatch):
    secret = "SEC0123456789abcdef"
    use_hook(monkeypatch, hook.url("/robot/send?access_token=tok123"), "dingtalk", secret)
    result = zf("--today", LATER, "remind", "--channel", "webhook")
    assert result.exit_code == 0, result.stderr
    assert len(hook.received) == 3
    for req in hook.received:
        q = req.query
        assert q["access_token"] == "tok123"
        ts = q["timestamp"]
        assert abs(int(ts) / 1000 - time.time()) < 120  # milliseconds
        digest = hmac.new(secret.encode(), f"{ts}\n{secret}".encode(), hashlib.sha256).digest()
        assert q["sign"] == base64.b64encode(digest).decode()  # parse_qsl undid the URL-encoding
        assert "sign=" + urllib.parse.quote_plus(q["sign"]) in req.path
        assert req.json()["msgtype"] == "text"
    zhao = next(r.json() for r in hook.received if "赵刚" in r.json()["text"]["content"])
    assert zhao["at"] == {"atMobiles": ["13900001111"], "isAtAll": False}
    assert zhao["text"]["content"].endswith("\n@13900001111")
    wang = next(r.json() for r in hook.received if "王建国" in r.json()["text"]["content"])
    assert wang["at"]["atMobiles"] == []


def test_wecom_robot_mentions_by_mobile(zf, town, hook, monkeypatch):
    use_hook(monkeypatch, hook.url("/cgi-bin/webhook/send?key=k-123"), "wecom")
    result = zf("--today", LATER, "remind", "--channel", "webhook")
    assert result.exit_code == 0, result.stderr
    bodies = [r.json() for r in hook.received]
    assert all(b["msgtype"] == "text" for b in bodies)
    zhao = next(b for b in bodies if "赵刚" in b["text"]["content"])
    assert zhao["text"]["mentioned_mobile_list"] == ["13900001111"]
    assert all(r.query == {"key": "k-123"} for r in hook.received)


def test_wecom_refuses_a_secret(zf, town, hook, monkeypatch):
    use_hook(monkeypatch, hook.url(), "wecom", secret="x")
    result = zf("--today", LATER, "remind", "--channel", "webhook")
    assert result.exit_code == 2
    assert "WeCom group robots have no request signature" in result.stderr
    assert hook.received == []


def test_feishu_robot_signed(zf, town, hook, monkeypatch):
    secret = "feishu-secret"
    use_hook(monkeypatch, hook.url("/open-apis/bot/v2/hook/abc"), "feishu", secret)
    result = zf("--today", LATER, "remind", "--channel", "webhook", "--lang", "en")
    assert result.exit_code == 0, result.stderr
    assert len(hook.received) == 3
    for req in hook.received:
        body = req.json()
        assert body["msg_type"] == "text"
        assert body["content"]["text"].startswith("zoufang reminder")
        ts = body["timestamp"]
        assert abs(int(ts) - time.time()) < 120  # seconds, as a string
        key = f"{ts}\n{secret}".encode()
        assert (
            body["sign"] == base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
        )


def test_robot_error_code_is_a_failure(zf, town, hook, monkeypatch, ledger_path):
    use_hook(monkeypatch, hook.url("/robot/send?access_token=t"), "dingtalk", "SECx")
    hook.reply = lambda req: (200, {"errcode": 310000, "errmsg": "sign not match"})
    result = zf("--today", LATER, "remind", "--channel", "webhook")
    assert result.exit_code == 1
    assert (
        "error: remind: C0001 王建国 by webhook:dingtalk: the dingtalk robot refused the "
        "message: code 310000: sign not match"
    ) in result.stderr.splitlines()
    assert log_rows(ledger_path) == []


def test_http_500_for_one_cadre_leaves_only_their_items_unsent(
    zf, town, hook, monkeypatch, ledger_path
):
    use_hook(monkeypatch, hook.url("/hook?token=hidden"), "generic")
    hook.reply = lambda req: (
        (500, {"error": "boom"}) if req.json()["recipient"]["code"] == "C0001" else (200, {})
    )
    result = zf("--today", LATER, "remind", "--channel", "webhook")
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: remind: C0001 王建国 by webhook:generic: http://127.0.0.1:")
    assert "answered HTTP 500" in lines[0]
    assert "hidden" not in result.stderr  # tokens in the URL are never printed
    assert {r[0] for r in log_rows(ledger_path)} == {"C0003", "supervisor"}

    hook.received.clear()
    hook.reply = lambda req: (200, {})
    again = zf("--today", LATER, "remind", "--channel", "webhook", "--format", "json")
    assert again.exit_code == 0, again.stderr
    assert again.json()["sent"] == 1
    assert [r.json()["recipient"]["code"] for r in hook.received] == ["C0001"]


def test_closed_port_fails_everyone(zf, town, monkeypatch, ledger_path):
    use_hook(monkeypatch, f"http://127.0.0.1:{free_port()}/hook", "generic")
    result = zf("--today", LATER, "remind", "--channel", "webhook", "--format", "json")
    assert result.exit_code == 1
    assert result.json()["sent"] == 0
    assert {i["status"] for i in result.json()["items"]} == {"failed"}
    lines = result.stderr.splitlines()
    assert len(lines) == 3 and all("cannot reach http://127.0.0.1:" in line for line in lines)
    assert log_rows(ledger_path) == []


def test_wecom_long_digest_is_split_under_2048_bytes():
    from zoufang.services.reminder_channels import Message
    from zoufang.services.reminder_webhook import WebhookSettings, build_requests

    text = "\n".join(f"{n}. H{n:06d} 陈大爷（红星村）逾期 {n} 天，从未走访" for n in range(1, 120))
    settings = WebhookSettings(url="http://127.0.0.1:9/hook?key=k", kind="wecom")
    requests = build_requests(settings, Message("C0001", "王建国", None, "13812345678", "s", text))
    assert len(requests) > 1
    contents = [json.loads(body)["text"]["content"] for _url, body, _h in requests]
    assert all(len(c.encode()) <= 2048 for c in contents)
    assert "\n".join(contents) == text
    mentions = [json.loads(body)["text"]["mentioned_mobile_list"] for _url, body, _h in requests]
    assert mentions[0] == ["13812345678"] and all(m == [] for m in mentions[1:])


def test_webhook_kind_is_guessed_from_the_host():
    from zoufang.services.reminder_webhook import guess_kind

    assert guess_kind("https://oapi.dingtalk.com/robot/send?access_token=x") == "dingtalk"
    assert guess_kind("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x") == "wecom"
    assert guess_kind("https://open.feishu.cn/open-apis/bot/v2/hook/x") == "feishu"
    assert guess_kind("https://hooks.example.org/zoufang") == "generic"


# ---------------------------------------------------------------------------- overlap


def test_overlapping_run_refused_and_lock_of_killed_run_does_not_block(
    zf, town, hook, monkeypatch, ledger_path
):
    """A real `zoufang remind` process is stuck delivering (the server does not answer): a
    second run exits 1 at once; after kill -9 of the first, the next run goes ahead."""
    from zoufang.db import database_url
    from zoufang.services.remind import lock_path

    lock = lock_path(database_url(str(ledger_path)))
    use_hook(monkeypatch, hook.url(), "generic")
    release = threading.Event()

    def stuck(req):
        release.wait(600)  # until the test lets go; the bound is for a test that hangs
        return 200, {}

    hook.reply = stuck
    # the holder waits for the server as long as it takes, not its usual 15 seconds: the
    # second run is then judged by whether the holder is still there, not by a clock
    monkeypatch.setenv("ZOUFANG_WEBHOOK_TIMEOUT", "600")
    holder = start_zoufang("--today", LATER, "remind", "--channel", "webhook")
    try:
        # the holder's first post reaching the server is its signal that it holds the lock
        assert hook.arrived.wait(120), holder.communicate(timeout=5)
        second = zf("--today", LATER, "remind", "--channel", "webhook")
        # at once, not after the first finished: the holder is still stuck in delivery
        assert holder.poll() is None
        assert second.exit_code == 1
        assert second.stderr.splitlines() == [
            f"error: remind: another zoufang remind (pid {holder.pid}) is running on this "
            f"ledger (lock {lock}); this run sent nothing"
        ]
        assert len(hook.received) == 1  # only the holder's first post

        os.kill(holder.pid, signal.SIGKILL)
        assert holder.wait(10) == -signal.SIGKILL
    finally:
        if holder.poll() is None:
            holder.kill()
        holder.wait()
        release.set()
    assert lock.exists()  # left behind, and harmless
    assert log_rows(ledger_path) == []  # the killed run recorded nothing

    hook.reply = lambda req: (200, {})
    hook.received.clear()
    third = zf("--today", LATER, "remind", "--channel", "webhook")
    assert third.exit_code == 0, third.stderr
    assert len(hook.received) == 3
    assert len(log_rows(ledger_path)) == 6
