"""Encrypted SQLite ledgers (issue 19, personal data at rest; docs/encryption.md):
`db encrypt` / `db decrypt`, the key from ZOUFANG_DB_KEY, the keyring or a prompt, a wrong or
missing key refused in one line (exit 2) with the file untouched, and every command,
migration, backup and copy working on an encrypted ledger. Through the real CLI on real files.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import stat
import sys
import types
from pathlib import Path

import pytest

import rawdb
from helpers import FUND, error_line, need_postgresql, ok
from zoufang import db
from zoufang.db import encryption

pytest.importorskip("sqlcipher3", reason="the encryption extra (sqlcipher3-wheels)")
pytestmark = pytest.mark.sqlite_only

#: A key with what a person may type: Chinese, spaces, quotes.
KEY = "走访 key 'with' \"quotes\""


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def fingerprint(path: Path) -> dict[str, str]:
    """The bytes of the ledger and its side files: to prove a refusal changed nothing."""
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(path.parent.glob(path.name + "*"))
        if p.is_file()
    }


def households(zf, *args) -> list:
    return json.loads(ok(zf(*args, "household", "list", "--format", "json")).stdout)


@pytest.fixture
def keyed(monkeypatch):
    monkeypatch.setenv(encryption.KEY_ENV, KEY)


@pytest.fixture
def encrypted(zf, funded, ledger_path, monkeypatch):
    """The test's ledger, with a village and a fund, encrypted with :data:`KEY`."""
    ok(zf("fund", "disburse", FUND, "H000001", "100", "--by", "C0001"))
    monkeypatch.setenv(encryption.KEY_ENV, KEY)
    result = ok(zf("db", "encrypt"))
    assert "is now encrypted" in result.stderr
    return ledger_path


def test_encrypt_then_decrypt_round_trip(zf, funded, ledger_path, monkeypatch, tmp_path):
    ok(zf("fund", "disburse", FUND, "H000001", "100", "--by", "C0001"))
    before = households(zf, "--lang", "en")
    head = ok(zf("audit", "funds")).stdout.strip().splitlines()[-1]

    monkeypatch.setenv(encryption.KEY_ENV, KEY)
    result = ok(zf("db", "encrypt"))
    assert f"ledger {ledger_path} is now encrypted" in result.stderr
    backups = list(ledger_path.parent.glob(ledger_path.name + ".backup-unencrypted-*"))
    assert len(backups) == 1 and mode(backups[0]) == 0o600
    assert f"warning: {backups[0]} is not encrypted" in result.stderr
    # the file no longer reads as SQLite, and the roster is not in it as text
    assert encryption.file_state(ledger_path) == "encrypted"
    assert mode(ledger_path) == 0o600
    raw = b"".join(
        p.read_bytes()
        for p in ledger_path.parent.glob(ledger_path.name + "*")
        if p.is_file() and p != backups[0]
    )
    assert "王建国".encode() not in raw and b"H000001" not in raw
    with pytest.raises(sqlite3.DatabaseError):
        sqlite3.connect(ledger_path).execute("SELECT * FROM household").fetchall()
    assert not list(ledger_path.parent.glob(f".{ledger_path.name}.rekey-*"))

    # every kind of command works with the key: reads, writes, the audit
    assert households(zf) == before
    ok(zf("fund", "disburse", FUND, "H000002", "50", "--by", "C0001"))
    ok(zf("visit", "log", "H000003", "--by", "C0002", "--notes", "身体好"))
    audit = ok(zf("audit", "funds"))
    assert "OK" in audit.stdout or audit.exit_code == 0
    ok(zf("db", "check"))
    assert head  # the chain went on from the same head
    export = tmp_path / "out.json"
    ok(zf("export", "--table", "households", "--out", export, "--reveal"))
    assert mode(export) == 0o600

    result = ok(zf("db", "decrypt"))
    assert "is no longer encrypted" in result.stderr
    kept = list(ledger_path.parent.glob(ledger_path.name + ".backup-encrypted-*"))
    assert len(kept) == 1 and encryption.file_state(kept[0]) == "encrypted"
    assert encryption.file_state(ledger_path) == "plain"
    # still holding the key: a plain ledger opened with a key is one clear line
    refused = zf("household", "list")
    assert refused.exit_code == 2
    assert error_line(refused) == (
        f"error: --db: {ledger_path} is not encrypted, but ZOUFANG_DB_KEY gives a key: unset "
        "ZOUFANG_DB_KEY to open it, or encrypt it with `zoufang db encrypt`"
    )
    monkeypatch.delenv(encryption.KEY_ENV)
    after = households(zf)
    assert [h["code"] for h in after] == [h["code"] for h in before]
    ok(zf("db", "check"))
    con = sqlite3.connect(ledger_path)
    try:
        assert con.execute("SELECT count(*) FROM ledger_entry").fetchone()[0] == 3
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        # both rewrites are in the audit log, with who ran them
        logged = con.execute(
            "SELECT action, operator, command FROM audit_log "
            "WHERE action IN ('encrypt', 'decrypt') ORDER BY id"
        ).fetchall()
        assert logged == [("encrypt", "tester", "db encrypt"), ("decrypt", "tester", "db decrypt")]
    finally:
        con.close()


def test_wrong_or_missing_key_is_one_line_and_the_file_untouched(zf, encrypted, monkeypatch):
    ok(zf("visit", "log", "H000002", "--by", "C0001", "--notes", "好"))  # WAL mode again
    before = fingerprint(encrypted)
    monkeypatch.setenv(encryption.KEY_ENV, "not the key")
    for args in (["household", "list"], ["db", "upgrade"], ["db", "backup", "x.db"]):
        result = zf(*args)
        assert result.exit_code == 2, args
        assert error_line(result) == (
            f"error: --db: cannot open {encrypted}: the key is wrong (or the file is not a "
            "zoufang ledger); nothing was changed"
        )
    monkeypatch.delenv(encryption.KEY_ENV)
    result = zf("household", "list")
    assert result.exit_code == 2
    assert error_line(result) == (
        f"error: --db: {encrypted} is encrypted: give its key in ZOUFANG_DB_KEY, the system "
        "keyring or at the prompt on a terminal"
    )
    assert fingerprint(encrypted) == before
    assert not Path("x.db").exists()


def test_key_from_the_keyring_then_a_prompt(encrypted, monkeypatch, capsys):
    monkeypatch.delenv(encryption.KEY_ENV)
    asked: list[tuple] = []
    fake = types.ModuleType("keyring")
    fake.get_password = lambda service, user: (  # type: ignore[attr-defined]
        asked.append((service, user)) or KEY
    )
    monkeypatch.setitem(sys.modules, "keyring", fake)
    assert encryption.resolve_key(encrypted) == KEY
    assert asked == [("zoufang", str(encrypted))]

    # no keyring: a prompt on a terminal, typed without echo
    monkeypatch.setitem(sys.modules, "keyring", None)
    monkeypatch.setattr(encryption, "_on_terminal", lambda: True)
    typed = iter([KEY, "wrong"])
    monkeypatch.setattr(encryption.getpass, "getpass", lambda prompt, stream=None: next(typed))
    assert encryption.resolve_key(encrypted) == KEY
    with pytest.raises(encryption.InvalidInput, match="the key is wrong"):
        encryption.resolve_key(encrypted)
    # not on a terminal: no prompt at all
    monkeypatch.setattr(encryption, "_on_terminal", lambda: False)
    with pytest.raises(encryption.InvalidInput, match="is encrypted: give its key"):
        encryption.resolve_key(encrypted)


def test_encrypt_asks_twice_on_a_terminal(zf, village, ledger_path, monkeypatch):
    monkeypatch.delenv(encryption.KEY_ENV, raising=False)
    monkeypatch.setitem(sys.modules, "keyring", None)
    result = zf("db", "encrypt")
    assert result.exit_code == 2
    assert error_line(result) == (
        "error: --db: give the new key in ZOUFANG_DB_KEY (or run on a terminal to type it)"
    )
    monkeypatch.setattr(encryption, "_on_terminal", lambda: True)
    typed = iter(["one", "two"])
    monkeypatch.setattr(encryption.getpass, "getpass", lambda prompt, stream=None: next(typed))
    result = zf("db", "encrypt")
    assert result.exit_code == 2
    assert error_line(result) == "error: --db: the two keys differ; nothing was changed"
    assert encryption.file_state(ledger_path) == "plain"
    typed = iter(["同一把钥匙", "同一把钥匙"])
    ok(zf("db", "encrypt"))
    assert encryption.file_state(ledger_path) == "encrypted"
    monkeypatch.setenv(encryption.KEY_ENV, "同一把钥匙")
    assert len(households(zf)) == 3


def test_encrypt_refuses_an_encrypted_ledger_and_decrypt_a_plain_one(zf, encrypted, monkeypatch):
    result = zf("db", "encrypt")
    assert result.exit_code == 2
    assert error_line(result) == f"error: --db: {encrypted} is already encrypted"
    ok(zf("db", "decrypt"))
    monkeypatch.delenv(encryption.KEY_ENV)
    result = zf("db", "decrypt")
    assert result.exit_code == 2
    assert error_line(result) == f"error: --db: {encrypted} is not encrypted"


def test_a_killed_encrypt_leaves_the_ledger_as_it_was(zf, village, ledger_path, monkeypatch):
    before = households(zf)
    monkeypatch.setenv(encryption.KEY_ENV, KEY)

    def killed(src, dst):
        raise OSError(5, "killed just before the rename")

    with monkeypatch.context() as m:
        m.setattr(encryption.os, "replace", killed)
        result = zf("db", "encrypt")
    assert result.exit_code != 0
    monkeypatch.delenv(encryption.KEY_ENV)
    assert encryption.file_state(ledger_path) == "plain"
    assert households(zf) == before
    assert not list(ledger_path.parent.glob(f".{ledger_path.name}.rekey-*"))
    ok(zf("db", "check"))


def test_encrypt_refuses_a_ledger_being_written(zf, village, ledger_path, monkeypatch):
    """Another process in the middle of a write: refused, nothing changed. (A process of its
    own: two SQLite libraries in one process do not see each other's locks.)"""
    import subprocess

    monkeypatch.setenv(encryption.KEY_ENV, KEY)
    monkeypatch.setattr("zoufang.db.engine.BUSY_TIMEOUT_MS", 300)
    writer = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys\n"
            "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
            "c.execute('BEGIN IMMEDIATE')\n"
            "c.execute('UPDATE household SET phone = phone')\n"
            "print('writing', flush=True)\n"
            "sys.stdin.read()\n"
            "c.execute('ROLLBACK')\n",
            str(ledger_path),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout is not None and writer.stdout.readline() == "writing\n"
        result = zf("db", "encrypt")
    finally:
        writer.communicate("")
    assert result.exit_code == 1, result
    assert error_line(result) == (
        f"error: --db: {ledger_path} is in use by another program (another zoufang?); close it "
        "and try again; nothing was changed"
    )
    assert encryption.file_state(ledger_path) == "plain"
    monkeypatch.delenv(encryption.KEY_ENV)
    assert len(households(zf)) == 3


def test_migration_of_an_encrypted_ledger(zf, tmp_path, keyed):
    """An encrypted ledger at the previous schema is backed up (encrypted) and upgraded."""
    path = tmp_path / "old.db"
    previous = db.REVISIONS[-2]
    engine = db.make_engine(db.database_url(path), KEY)
    try:
        db.run_migrations(engine, previous)
        with engine.begin() as conn:
            conn.exec_driver_sql("INSERT INTO cadre (code, name) VALUES ('C0001', '王建国')")
    finally:
        engine.dispose()
    assert encryption.file_state(path) == "encrypted"
    result = ok(zf("--db", path, "cadre", "list", "--format", "json"))
    assert [c["name"] for c in json.loads(result.stdout)] == ["王建国"]
    assert f"upgrading ledger schema {previous} → {db.HEAD_REVISION}" in result.stderr
    backups = list(tmp_path.glob(f"old.db.backup-{previous}-*"))
    assert len(backups) == 1
    assert encryption.file_state(backups[0]) == "encrypted" and mode(backups[0]) == 0o600
    assert encryption.file_state(path) == "encrypted"
    # the backup opens with the same key, at the old schema
    ledger = db.Ledger(backups[0], auto_upgrade=False)
    try:
        assert ledger.current_revision() == previous
    finally:
        ledger.engine.dispose()
    ok(zf("--db", path, "db", "check"))
    ok(zf("--db", path, "db", "upgrade"))


def test_backup_of_an_encrypted_ledger_is_encrypted(zf, encrypted, tmp_path, monkeypatch):
    target = tmp_path / "backup.db"
    ok(zf("db", "backup", target))
    assert encryption.file_state(target) == "encrypted" and mode(target) == 0o600
    assert len(households(zf, "--db", target)) == 3
    ok(zf("--db", target, "db", "check"))
    ok(zf("--db", target, "audit", "funds"))
    monkeypatch.delenv(encryption.KEY_ENV)
    assert zf("--db", target, "household", "list").exit_code == 2


def test_copy_of_an_encrypted_ledger_into_a_new_file(zf, encrypted, tmp_path):
    target = tmp_path / "copy.db"
    ok(zf("db", "copy", "--to", target))
    assert encryption.file_state(target) == "encrypted" and mode(target) == 0o600
    assert households(zf, "--db", target) == households(zf)
    assert ok(zf("--db", target, "audit", "funds")).stdout == ok(zf("audit", "funds")).stdout


def test_copy_between_an_encrypted_ledger_and_postgresql(zf, encrypted, tmp_path):
    need_postgresql("db copy between an encrypted ledger and PostgreSQL")
    server = rawdb.create_database(f"zft_{os.getpid()}_enc_copy")
    try:
        ok(zf("db", "copy", "--to", server.url))
        assert households(zf, "--db", server.url) == households(zf)
        back = tmp_path / "back.db"
        # from PostgreSQL into a new file: encrypted with ZOUFANG_DB_KEY
        ok(zf("--db", server.url, "db", "copy", "--to", back))
        assert encryption.file_state(back) == "encrypted" and mode(back) == 0o600
        assert households(zf, "--db", back) == households(zf)
        # and the backup of a PostgreSQL ledger, written as a new file
        backup = tmp_path / "server-backup.db"
        ok(zf("--db", server.url, "db", "backup", backup))
        assert encryption.file_state(backup) == "encrypted"
        assert households(zf, "--db", backup) == households(zf)
    finally:
        rawdb.drop_database(server.name)


def test_without_sqlcipher_installed_it_says_what_to_install(zf, encrypted, monkeypatch):
    monkeypatch.setitem(sys.modules, "sqlcipher3", None)
    result = zf("household", "list")
    assert result.exit_code == 2
    assert error_line(result) == (
        "error: --db: encrypted ledgers need SQLCipher, which is not installed: "
        "pip install 'zoufang[encryption]'"
    )


def test_the_raw_key_is_what_sqlcipher_derives(tmp_path):
    """The page key derived once per process opens the file SQLCipher keyed itself."""
    import sqlcipher3

    path = tmp_path / "k.db"
    con = sqlcipher3.connect(str(path))
    con.execute("PRAGMA key = " + encryption._quote(KEY))
    con.execute("CREATE TABLE t (x)")
    con.execute("INSERT INTO t VALUES (1)")
    con.commit()
    con.close()
    assert encryption.key_statement(path, KEY).startswith("PRAGMA key = \"x'")
    con = encryption.connect(path, KEY)
    try:
        assert con.execute("SELECT x FROM t").fetchall() == [(1,)]
    finally:
        con.close()


def test_every_kind_of_command_on_an_encrypted_ledger(zf, encrypted, tmp_path):
    """Reads split over two connections (report), the due list, notices, the reminder run,
    an import, corrections: all through the same keyed engine."""
    for args in (
        ["due", "--days", "30"],
        ["report", "--format", "json"],
        ["notice", FUND, "--reveal", "--format", "csv", "--out", tmp_path / "n.csv"],
        ["remind", "--dry-run"],
        ["household", "show", "H000001", "--reveal"],
        ["fund", "show", FUND],
        ["audit", "visits"],
        ["db", "anchors"],
    ):
        ok(zf(*args))
    ok(zf("household", "update", "H000002", "--phone", "13800138000"))
    assert mode(tmp_path / "n.csv") == 0o600
    assert encryption.file_state(encrypted) == "encrypted"


def test_report_reads_an_encrypted_ledger_on_two_connections(zf, encrypted, monkeypatch):
    """The report's second reader (another thread, another keyed connection) sees the same
    figures as one reader does."""
    from zoufang.services import report

    one = json.loads(ok(zf("report", "--format", "json")).stdout)
    monkeypatch.setattr(report, "PARALLEL_FROM_VISITS", 0)
    monkeypatch.setattr(db.snapshots, "cores", lambda: 2)
    two = json.loads(ok(zf("report", "--format", "json")).stdout)
    assert two == one


def test_a_wrong_key_in_chinese(zf, encrypted, monkeypatch, chinese):
    monkeypatch.setenv(encryption.KEY_ENV, "不对的钥匙")
    result = zf("household", "list")
    assert result.exit_code == 2
    line = error_line(result, starts="错误：")
    assert line == (
        f"错误：--db: 无法打开 {encrypted}：密钥不对（或该文件不是 zoufang 台账）；未做任何改动"
    )


@pytest.mark.parametrize("moment", ["export", "rename"])
def test_kill_9_during_encrypt_leaves_the_ledger_as_it_was(zf, village, ledger_path, moment):
    """`db encrypt` in a process of its own, killed with SIGKILL in the middle of the export
    or just before the rename: the ledger is as it was and opens without a key; a leftover
    file beside it is all that remains, and encrypting again works."""
    import signal
    import subprocess

    before = households(zf)
    script = (
        "import os, signal, sys\n"
        "from zoufang.db import encryption\n"
        "from zoufang.cli import main\n"
        "def die(*args, **kwargs):\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
        + (
            "encryption.os.replace = die\n"
            if moment == "rename"
            else "encryption._counts = die\n"  # after sqlcipher_export has written
        )
        + "sys.argv = ['zoufang', 'db', 'encrypt']\n"
        "main()\n"
    )
    env = {**os.environ, encryption.KEY_ENV: KEY, "ZOUFANG_DB": str(ledger_path)}
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == -signal.SIGKILL, done.stderr
    assert encryption.file_state(ledger_path) == "plain"
    assert households(zf) == before
    ok(zf("db", "check"))
    assert list(ledger_path.parent.glob(f".{ledger_path.name}.rekey-*"))
    os.environ[encryption.KEY_ENV] = KEY
    try:
        ok(zf("db", "encrypt"))
        assert households(zf) == before
    finally:
        del os.environ[encryption.KEY_ENV]
    assert not list(ledger_path.parent.glob(f".{ledger_path.name}.rekey-*"))


def test_a_new_ledger_is_created_encrypted_when_a_key_is_set(zf, tmp_path, monkeypatch):
    path = tmp_path / "new" / "ledger.db"
    monkeypatch.setenv(encryption.KEY_ENV, KEY)
    ok(zf("--db", path, "cadre", "add", "--name", "王建国", "--unit", "红星村党支部"))
    assert encryption.file_state(path) == "encrypted" and mode(path) == 0o600
    assert "王建国".encode() not in path.read_bytes()
    listed = json.loads(ok(zf("--db", path, "cadre", "list", "--format", "json")).stdout)
    assert [c["name"] for c in listed] == ["王建国"]
    monkeypatch.delenv(encryption.KEY_ENV)
    assert zf("--db", path, "cadre", "list").exit_code == 2
