"""``zoufang remind``: what is gathered, for whom, how it reads, when it stays quiet, and
how the reminder log keeps it from repeating itself. Channels against real servers are in
tests/test_notify.py.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import log_rows, ok

D = dt.date.fromisoformat
LATER = "2026-12-08"
# Settings and config files of whoever runs the tests are kept out by conftest's
# _isolated_settings (XDG_CONFIG_HOME is the test's tmp_path / "xdg-config").


@pytest.fixture(autouse=True)
def _chinese_reminders(monkeypatch):
    """The reminders read here are a township's, in Chinese: remind's own language setting
    (``[remind] lang``); the rest of the output stays in the tests' English. Reminders follow
    the chosen language by default (tests/test_i18n_reports.py)."""
    monkeypatch.setenv("ZOUFANG_REMIND_LANG", "zh")


@pytest.fixture
def hamlet(zf, village):
    """The shared village (three households of 王建国 C0001, enrolled 2026-11-23), with
    H000001 visited on the day and next due 2026-12-01, and a promise 李梅 (C0002) made to
    H000002, due 2026-11-30."""
    for step in [
        ("visit", "log", "H000001", "--by", "C0001", "--next", "2026-12-01"),
        (
            "commitment",
            "add",
            "H000002",
            "修缮漏雨的屋顶",
            "--cadre",
            "C0002",
            "--due",
            "2026-11-30",
        ),
    ]:
        result = zf(*step)
        assert result.exit_code == 0, (step, result.stderr)
    return village


EXPECTED_DIGEST = """\
【走访提醒】王建国（C0001），截至 2026-12-08：
应走访 3 户：
1. H000002 王奶奶（东风社区）逾期 15 天，从未走访
2. H000003 刘小明（红星村）逾期 15 天，从未走访
3. H000001 陈大爷（红星村）逾期 7 天，上次走访 2026-11-23
请及时走访、办结，并在台账中记录。

【走访提醒】李梅（C0002），截至 2026-12-08：
承诺事项 1 件：
1. #1 H000002 王奶奶：修缮漏雨的屋顶（期限 2026-11-30，逾期 8 天）
请及时走访、办结，并在台账中记录。
"""


# ---------------------------------------------------------------------------- the CLI


def test_quiet_when_nothing_is_due(zf, village, ledger_path):
    # Enrolled today: due today, not yet overdue.
    result = zf("remind")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")
    assert log_rows(ledger_path) == []
    as_json = zf("remind", "--format", "json")
    assert as_json.exit_code == 0
    assert as_json.json() == {"sent": 0, "items": [], "messages": []}


def test_quiet_on_an_empty_ledger(zf):
    result = zf("remind")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")


def test_stdout_one_digest_per_cadre(zf, hamlet, ledger_path):
    result = zf("--today", LATER, "remind")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout == EXPECTED_DIGEST
    assert log_rows(ledger_path) == [
        ("C0001", "visit:H000001", 1, "stdout", LATER),
        ("C0001", "visit:H000002", 2, "stdout", LATER),
        ("C0001", "visit:H000003", 2, "stdout", LATER),
        ("C0002", "commitment:1", 1, "stdout", LATER),
    ]


def test_english_digest(zf, hamlet):
    result = zf("--today", LATER, "remind", "--lang", "en")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[:2] == [
        "zoufang reminder for 王建国 (C0001), as of 2026-12-08:",
        "Visits due (3):",
    ]
    assert "3. H000001 陈大爷 (红星村): 7 days overdue; last visit 2026-11-23" in result.stdout
    assert (
        "1. #1 H000002 王奶奶: 修缮漏雨的屋顶 (deadline 2026-11-30, 8 days overdue)"
        in result.stdout
    )


def test_second_run_within_every_is_silent_until_an_item_gets_a_week_worse(zf, hamlet):
    assert zf("--today", LATER, "remind").stdout == EXPECTED_DIGEST
    again = zf("--today", "2026-12-09", "remind")
    assert (again.exit_code, again.stdout, again.stderr) == (0, "", "")
    # 2026-12-12: H000002/3 are 19 days overdue (still week 2), the promise 12 (still week 1),
    # but H000001 is now 11 days overdue: week 1 after week 1 — nothing new.
    assert zf("--today", "2026-12-12", "remind").stdout == ""
    # 2026-12-14: the promise is 14 days overdue (week 2) and H000001 13 days (still week 1);
    # H000002/3 are 21 days (week 3). Only what got worse is told, and only to its cadre.
    worse = zf("--today", "2026-12-14", "remind")
    assert worse.exit_code == 0
    assert "H000001" not in worse.stdout
    assert "2. H000003 刘小明（红星村）逾期 21 天，从未走访" in worse.stdout
    assert "1. #1 H000002 王奶奶：修缮漏雨的屋顶（期限 2026-11-30，逾期 14 天）" in worse.stdout


def test_every_controls_the_quiet_period(zf, hamlet):
    assert zf("--today", LATER, "remind", "--every", "3").stdout == EXPECTED_DIGEST
    assert zf("--today", "2026-12-10", "remind", "--every", "3").stdout == ""
    repeat = zf("--today", "2026-12-11", "remind", "--every", "3")
    assert "【走访提醒】王建国（C0001），截至 2026-12-11" in repeat.stdout


def test_dry_run_shows_and_records_nothing(zf, hamlet, snapshot_db):
    before = snapshot_db()
    result = zf("--today", LATER, "remind", "--dry-run")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("# would send to C0001 王建国 by stdout\n【走访提醒】王建国")
    assert "# would send to C0002 李梅 by stdout" in result.stdout
    assert snapshot_db() == before
    assert zf("--today", LATER, "remind").stdout == EXPECTED_DIGEST  # still news


def test_dry_run_by_email_names_cadres_that_cannot_be_mailed(zf, hamlet, monkeypatch, snapshot_db):
    monkeypatch.setenv("ZOUFANG_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("ZOUFANG_SMTP_FROM", "zoufang@example.cn")
    before = snapshot_db()
    result = zf("--today", LATER, "remind", "--dry-run", "--channel", "email", "--format", "json")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "error: remind: C0002 李梅 by email: no email address in the ledger for this cadre"
    ]
    out = result.json()
    assert out["sent"] == 0
    assert [(m["recipient"], m["status"], m["address"]) for m in out["messages"]] == [
        ("C0001", "dry-run", "wang@example.cn"),
        ("C0002", "would-fail", None),
    ]
    assert snapshot_db() == before


def test_json_output(zf, hamlet):
    result = zf("--today", LATER, "remind", "--format", "json")
    assert result.exit_code == 0, result.stderr
    out = result.json()
    assert out["sent"] == 2
    assert [
        (i["recipient"], i["key"], i["days_overdue"], i["level"], i["status"]) for i in out["items"]
    ] == [
        ("C0001", "visit:H000002", 15, 2, "sent"),
        ("C0001", "visit:H000003", 15, 2, "sent"),
        ("C0001", "visit:H000001", 7, 1, "sent"),
        ("C0002", "commitment:1", 8, 1, "sent"),
    ]
    first = out["items"][2]
    assert first | {} == {
        "recipient": "C0001",
        "recipient_name": "王建国",
        "channel": "stdout",
        "status": "sent",
        "key": "visit:H000001",
        "kind": "visit",
        "household": "H000001",
        "name": "陈大爷",
        "village": "红星村",
        "due_date": "2026-12-01",
        "days_overdue": 7,
        "last_visit": "2026-11-23",
        "commitment": None,
        "text": None,
        "level": 1,
    }
    assert (
        out["messages"][0]["text"] + "\n\n" + out["messages"][1]["text"] + "\n" == EXPECTED_DIGEST
    )


def test_days_adds_what_falls_due_soon(zf, village):
    # nothing dated after today exists: on 2026-11-20 the households are not enrolled yet
    assert zf("--today", "2026-11-20", "remind", "--days", "5").stdout == ""
    ok(zf("visit", "log", "H000002", "--by", "C0001", "--next", "2026-11-26"))
    assert zf("remind").stdout == ""  # due today is not overdue
    soon = zf("remind", "--days", "3")
    assert "1. H000001 陈大爷（红星村）今天到期，从未走访" in soon.stdout
    assert "3. H000002 王奶奶（东风社区）3 天后到期，上次走访 2026-11-23" in soon.stdout


def test_households_without_a_cadre_go_to_the_supervisor(zf, village):
    assert zf("assign", "H000003", "C0001", "--remove").exit_code == 0
    result = zf("--today", LATER, "remind")
    assert result.stdout.endswith(
        "【走访提醒】以下 1 户尚未分配联系干部（截至 2026-12-08）：\n"
        "1. H000003 刘小明（红星村）逾期 15 天，从未走访\n"
        "请为以上各户指定联系干部（zoufang assign）。\n"
    )


@pytest.mark.parametrize(
    "args, field",
    [
        (["--channel", "sms"], "--channel"),
        (["--lang", "fr"], "--lang"),
        (["--every", "0"], "--every"),
        (["--days", "-1"], "--days"),
        (["--format", "csv"], "--format"),
        (["--supervisor", "not-an-address"], "--supervisor"),
    ],
)
def test_bad_options_are_invalid_input(zf, args, field):
    result = zf("remind", *args)
    assert result.exit_code == 2
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith(f"error: {field}: ")


# ---------------------------------------------------------------------------- config


def write_config(tmp_path: Path, text: str, mode: int = 0o600) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)
    return path


def test_config_readable_by_others_is_refused(zf, hamlet, tmp_path, monkeypatch, snapshot_db):
    path = write_config(tmp_path, '[smtp]\npassword = "secret"\n', mode=0o644)
    monkeypatch.setenv("ZOUFANG_CONFIG", str(path))
    before = snapshot_db()
    result = zf("--today", LATER, "remind")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"error: {path}: the config file is open to group or others (mode 0644) and may hold "
        f"passwords; refusing to use it: run chmod 600 {path}"
    ]
    assert result.stdout == ""
    assert snapshot_db() == before


def test_config_in_the_user_config_directory_sets_defaults(zf, hamlet, tmp_path, monkeypatch):
    monkeypatch.delenv("ZOUFANG_REMIND_LANG")
    directory = tmp_path / "xdg-config" / "zoufang"
    directory.mkdir(parents=True)
    write_config(directory, '[remind]\nlang = "en"\nevery = 1\n')
    result = zf("--today", LATER, "remind")
    assert result.stdout.startswith("zoufang reminder for 王建国")
    assert zf("--today", "2026-12-09", "remind").stdout != ""  # every = 1
    assert zf("--today", "2026-12-10", "remind", "--lang", "zh").stdout.startswith("【走访提醒】")


def test_environment_overrides_the_config_file(zf, hamlet, tmp_path, monkeypatch):
    monkeypatch.setenv("ZOUFANG_CONFIG", str(write_config(tmp_path, '[remind]\nlang = "en"\n')))
    monkeypatch.setenv("ZOUFANG_REMIND_LANG", "zh")
    assert zf("--today", LATER, "remind").stdout == EXPECTED_DIGEST


@pytest.mark.parametrize(
    "text, reason",
    [
        ('[smtp]\nhots = "mail.example.cn"\n', "[smtp] has no key 'hots'"),
        ('[mail]\nhost = "x"\n', "unknown section 'mail'"),
        ('[smtp]\nport = "587"\n', "[smtp] port: must be a whole number"),
        ("[smtp\n", "not valid TOML"),
    ],
)
def test_config_mistakes_are_named(zf, tmp_path, monkeypatch, text, reason):
    path = write_config(tmp_path, text)
    monkeypatch.setenv("ZOUFANG_CONFIG", str(path))
    result = zf("remind")
    assert result.exit_code == 2
    assert len(result.stderr.splitlines()) == 1
    assert str(path) in result.stderr and reason in result.stderr


def test_named_config_file_must_exist(zf, tmp_path, monkeypatch):
    monkeypatch.setenv("ZOUFANG_CONFIG", str(tmp_path / "missing.toml"))
    result = zf("remind")
    assert result.exit_code == 2
    assert result.stderr == f"error: ZOUFANG_CONFIG: {tmp_path / 'missing.toml'} does not exist\n"


# ---------------------------------------------------------------------------- services


def open_ledger(path: Path):
    from zoufang.db import Ledger

    return Ledger(str(path))


def test_gather_groups_items_by_responsible_cadre(zf, hamlet, ledger_path):
    from zoufang.services.remind import gather

    assert zf("assign", "H000002", "C0002").exit_code == 0
    assert zf("cadre", "add", "--name", "孙丽").exit_code == 0
    assert (
        zf(
            "commitment", "add", "H000001", "已办结的事", "--cadre", "C0003", "--due", "2026-11-24"
        ).exit_code
        == 0
    )
    assert zf("commitment", "resolve", "2", "--note", "办好了").exit_code == 0
    assert zf("household", "exit", "H000003", "--reason", "迁出").exit_code == 0
    with open_ledger(ledger_path).session(write=False, operator="t", command="t") as s:
        digests = gather(session=s, today=D(LATER), days=0, supervisor="boss@example.cn")
    got = {d.recipient.code: [i.key for i in d.items] for d in digests}
    assert got == {
        "C0001": ["visit:H000002", "visit:H000001"],
        "C0002": ["visit:H000002", "commitment:1"],  # both cadres hear of H000002
    }
    assert digests[0].recipient.email == "wang@example.cn"


def test_leave_out_told_counts_channels_apart(zf, hamlet, ledger_path):
    from zoufang.services.remind import gather, leave_out_told, record_told

    ledger = open_ledger(ledger_path)
    with ledger.session(write=True, operator="t", command="t") as s:
        digests = gather(session=s, today=D(LATER))
        for digest in digests:
            record_told(session=s, digest=digest, channel="email", today=D(LATER))
    with ledger.session(write=False, operator="t", command="t") as s:
        digests = gather(session=s, today=D("2026-12-09"))
        assert (
            leave_out_told(
                session=s, digests=digests, channel="email", today=D("2026-12-09"), every=7
            )
            == []
        )
        by_hook = leave_out_told(
            session=s, digests=digests, channel="webhook:dingtalk", today=D("2026-12-09"), every=7
        )
        assert [d.recipient.code for d in by_hook] == ["C0001", "C0002"]


def test_level_is_whole_weeks_overdue():
    from zoufang.services.remind import Item

    def level(days: int) -> int:
        return Item("visit", "H1", "n", "v", D(LATER), days).level

    assert [level(d) for d in (-8, -1, 0, 1, 6, 7, 13, 14)] == [-2, -1, 0, 0, 0, 1, 1, 2]


def test_long_commitment_text_is_shortened_for_a_phone():
    from zoufang.services.remind import Digest, Item, Recipient, compose

    item = Item(
        "commitment",
        "H000001",
        "陈大爷",
        "红星村",
        D("2026-11-30"),
        8,
        commitment=7,
        text="很长的事项" * 40,
    )
    message = compose(Digest(Recipient("C0001", "王建国"), [item]), today=D(LATER), lang="zh")
    line = message.text.splitlines()[2]
    assert line.startswith("1. #7 H000001 陈大爷：很长的事项") and "…（期限 2026-11-30" in line
    shown = line.split("：", 1)[1].split("（期限")[0]
    assert len(shown) == 40 and shown.endswith("…")


# ---------------------------------------------------------------------------- lock


def test_lock_refuses_a_second_holder(tmp_path):
    from zoufang.errors import RuleViolation
    from zoufang.services.remind import remind_lock

    path = tmp_path / "ledger.db.remind.lock"
    with remind_lock(path):
        with pytest.raises(RuleViolation, match=rf"another zoufang remind \(pid {os.getpid()}\)"):
            with remind_lock(path):
                pass
    with remind_lock(path):  # released when the first holder let go
        pass
    assert path.stat().st_mode & 0o777 == 0o600


def test_lock_path_next_to_sqlite_ledger_or_in_the_cache(tmp_path, monkeypatch):
    from zoufang.services.remind import lock_path

    assert lock_path(f"sqlite:///{tmp_path}/l.db") == tmp_path / "l.db.remind.lock"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    pg = lock_path("postgresql+psycopg://u@db.example/zoufang")
    assert pg.parent == tmp_path / "cache" / "zoufang" and pg.name.startswith("remind-")


# ---------------------------------------------------------------------------- start-up


def test_start_up_does_not_import_delivery_code():
    code = (
        "import sys, json; import zoufang.cli; "
        "print(json.dumps(sorted(m for m in ('smtplib', 'urllib.request', 'email.message', "
        "'zoufang.config', 'zoufang.services.reminder_channels', 'zoufang.services.reminder_email', "
        "'zoufang.services.reminder_webhook', 'zoufang.services.remind', 'tomllib') if m in sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []


# ---------------------------------------------------------------------------- examples


def test_examples_run_remind_with_options_it_has():
    import shlex

    import typer

    from zoufang.cli import app

    root = Path(__file__).resolve().parents[1]
    command = typer.main.get_command(app).commands["remind"]
    known = {opt for param in command.params for opt in param.opts}
    lines = [
        line
        for line in (root / "examples" / "crontab").read_text().splitlines()
        if line[:1].isdigit() or line.startswith("@")
    ]  # the schedule lines
    lines += [
        line
        for line in (root / "examples" / "zoufang-remind.service").read_text().splitlines()
        if line.startswith("ExecStart=")
    ]
    calls = [
        [w for w in shlex.split(line.split(" remind", 1)[1]) if w.startswith("--")]
        for line in lines
    ]
    assert len(calls) == 2
    assert all(opts and set(opts) <= known for opts in calls)
    timer = (root / "examples" / "zoufang-remind.timer").read_text()
    assert "OnCalendar=" in timer and "Persistent=true" in timer
