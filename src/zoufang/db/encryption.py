"""Encrypted SQLite ledgers (SQLCipher): the key, the driver, and turning a ledger file
encrypted or plain (``db encrypt`` / ``db decrypt``). docs/encryption.md says why SQLCipher
and what it protects.

The one place a key reaches the database: :class:`zoufang.db.Ledger` asks
:func:`resolve_key` for the key of its file, and :func:`zoufang.db.make_engine` connects
through :func:`connect` when there is one. Everything else — every command, migrations and
their backup, ``db backup``, ``db copy`` both ways, ``db check`` — goes through that engine,
or through :func:`connect` with the same key.

Where a key comes from, in order: ``ZOUFANG_DB_KEY``; the system keyring (service
``zoufang``, user the ledger file's absolute path) if the optional ``keyring`` package is
installed; a prompt on a terminal, not echoed. A file is told encrypted by its first bytes
(a plain SQLite file starts with ``SQLite format 3``; an SQLCipher file with a random salt).

The key a person types is a passphrase: SQLCipher 4 turns it into the page key with PBKDF2
(HMAC-SHA512, 256,000 rounds), a third of a second. A command opens several connections, so
the page key is derived once per process (:func:`raw_key`, with the salt of the file's first
16 bytes, exactly as SQLCipher derives it) and each connection is given the raw key.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import getpass
import hashlib
import os
import sys
from pathlib import Path
from typing import Any

from zoufang.errors import InvalidInput, StorageError
from zoufang.i18n import _
from zoufang.private_files import create_private

#: The environment variable holding the key of an encrypted ledger.
KEY_ENV = "ZOUFANG_DB_KEY"
#: The keyring service under which keys are looked up (the user is the ledger's path).
KEYRING_SERVICE = "zoufang"
#: What a plain SQLite file starts with.
SQLITE_HEADER = b"SQLite format 3\x00"
#: SQLCipher 4's defaults: what :func:`raw_key` must derive exactly as SQLCipher does.
KDF_ROUNDS = 256_000
KEY_BYTES = 32
SALT_BYTES = 16
#: The extra to install for encrypted ledgers.
EXTRA = "pip install 'zoufang[encryption]'"


class _Plain:
    """``Ledger(…, key=PLAIN)``: open the file as a plain ledger whatever ZOUFANG_DB_KEY says
    (``db encrypt`` reads the plain ledger while the new key is in the environment)."""

    def __repr__(self) -> str:
        return "PLAIN"


PLAIN: Any = _Plain()


#: The first bytes of each ledger file seen by this process, by (path, device, inode).
_heads: dict[tuple[str, int, int], bytes] = {}


def _head(path: Path) -> bytes | None:
    """The first 16 bytes of ``path`` (None: no file; empty: an empty file), read once per
    file and process. Once only, and never while SQLite may have the file open here if it
    can be helped: closing any descriptor of a file drops every POSIX lock this process
    holds on it, SQLite's included. A file's first 16 bytes never change (SQLite's header,
    or SQLCipher's salt); a rewritten ledger is a new file (a new inode)."""
    try:
        status = os.stat(path)
    except FileNotFoundError:
        return None
    if status.st_size == 0:
        return b""
    where = (os.path.abspath(path), status.st_dev, status.st_ino)
    head = _heads.get(where)
    if head is None:
        with open(path, "rb") as f:
            head = f.read(SALT_BYTES)
        _heads[where] = head
    return head


def file_state(path: Path) -> str:
    """``absent`` (no file, or an empty one), ``plain`` (a SQLite file, or anything that is
    not a whole number of pages: SQLite says what it is), or ``encrypted``."""
    try:
        head = _head(path)
        size = path.stat().st_size if head else 0
    except OSError:
        return "plain"  # let SQLite say why it cannot open it
    if not head:
        return "absent"
    if head == SQLITE_HEADER or size % 512:
        return "plain"
    return "encrypted"


def driver():
    """The SQLCipher DB-API module (the ``encryption`` extra), or one clear line."""
    try:
        import sqlcipher3
    except ImportError:
        raise InvalidInput(
            "--db",
            _("encrypted ledgers need SQLCipher, which is not installed: {command}").format(
                command=EXTRA
            ),
        ) from None
    return sqlcipher3


@functools.cache
def raw_key(passphrase: str, salt: bytes) -> str:
    """SQLCipher's page key for ``passphrase`` and ``salt``, as ``PRAGMA key`` takes it."""
    key = hashlib.pbkdf2_hmac("sha512", passphrase.encode("utf-8"), salt, KDF_ROUNDS, KEY_BYTES)
    return f"x'{key.hex()}{salt.hex()}'"


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def key_statement(path: Path, passphrase: str) -> str:
    """``PRAGMA key`` for ``path``: the raw key once the file has its salt (its first 16
    bytes), the passphrase for a new, empty file (SQLCipher then makes the salt). Computed
    when an engine is made, before it connects (see :func:`_head`)."""
    try:
        salt = _head(path) or b""
    except OSError:
        salt = b""
    if len(salt) == SALT_BYTES and salt != SQLITE_HEADER:
        return f'PRAGMA key = "{raw_key(passphrase, salt)}"'
    return f"PRAGMA key = {_quote(passphrase)}"


def connect(path: Path, passphrase: str, statement: str | None = None, **kwargs: Any):
    """A DB-API connection to the encrypted SQLite file ``path``, keyed (with ``statement``
    from :func:`key_statement` if the caller has it)."""
    module = driver()
    if statement is None:
        statement = key_statement(path, passphrase)
    connection = module.connect(str(path), **kwargs)
    try:
        connection.execute("PRAGMA cipher_log_level = NONE")  # errors are ours to word
        connection.execute(statement)
    except BaseException:
        connection.close()
        raise
    return connection


def check_key(path: Path, passphrase: str) -> None:
    """Refuse (exit 2) a key that does not open ``path``; reading page 1 writes nothing."""
    module = driver()
    connection = connect(path, passphrase)
    try:
        connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except module.DatabaseError:
        raise InvalidInput(
            "--db",
            _(
                "cannot open {path}: the key is wrong (or the file is not a zoufang ledger); "
                "nothing was changed"
            ).format(path=path),
        ) from None
    finally:
        connection.close()


def _from_keyring(path: Path) -> str | None:
    try:
        import keyring  # optional
    except ImportError:
        return None
    try:
        return keyring.get_password(KEYRING_SERVICE, str(path)) or None
    except Exception:  # no usable backend, a locked store: not a key
        return None


def _on_terminal() -> bool:
    return sys.stdin.isatty() and sys.stderr.isatty()


def _prompt(text: str) -> str | None:
    if not _on_terminal():
        return None
    try:
        return getpass.getpass(text, stream=sys.stderr) or None
    except (EOFError, KeyboardInterrupt):
        return None


def resolve_key(path: Path, given: Any = None) -> str | None:
    """The key to open the ledger file ``path`` with, or None for a plain one.

    ``given``: a key already known (a backup or copy of an encrypted ledger gets the key of
    its source), or :data:`PLAIN`. A plain ledger given a key, or an encrypted one without
    one, is one line (exit 2); a wrong key too, and the file is left untouched."""
    state = file_state(path)
    env = os.environ.get(KEY_ENV) or None
    if given is PLAIN:
        if state == "encrypted":
            raise InvalidInput(
                "--db",
                _("{path} is already encrypted").format(path=path),
            )
        return None
    key = given or env
    if state == "plain":
        if key:
            raise InvalidInput(
                "--db",
                _(
                    "{path} is not encrypted, but {env} gives a key: unset {env} to open it, "
                    "or encrypt it with `zoufang db encrypt`"
                ).format(path=path, env=KEY_ENV),
            )
        return None
    if state == "absent":
        return key  # a new ledger is created encrypted with it, if there is one
    key = key or _from_keyring(path) or _prompt(_("key for {path}: ").format(path=path))
    if not key:
        raise InvalidInput(
            "--db",
            _(
                "{path} is encrypted: give its key in {env}, the system keyring or at the "
                "prompt on a terminal"
            ).format(path=path, env=KEY_ENV),
        )
    check_key(path, key)
    return key


def new_key(path: Path) -> str:
    """The key to encrypt ``path`` with: ZOUFANG_DB_KEY, the keyring, or typed twice."""
    key = os.environ.get(KEY_ENV) or _from_keyring(path)
    if key:
        return key
    first = _prompt(_("new key for {path}: ").format(path=path))
    if first is None:
        raise InvalidInput(
            "--db",
            _("give the new key in {env} (or run on a terminal to type it)").format(env=KEY_ENV),
        )
    if _prompt(_("the same key again: ")) != first:
        raise InvalidInput("--db", _("the two keys differ; nothing was changed"))
    return first


# ---------------------------------------------------------------------- encrypt / decrypt


def _counts(connection, schema: str) -> dict[str, int]:
    names = [
        row[0]
        for row in connection.execute(
            f"SELECT name FROM {schema}.sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    return {
        name: connection.execute(f'SELECT count(*) FROM {schema}."{name}"').fetchone()[0]
        for name in names
    }


def rekey_file(path: Path, *, old: str | None, new: str | None, busy_timeout_ms: int) -> None:
    """Rewrite the ledger file ``path`` encrypted with ``new`` (or plain, None) from its
    current state (key ``old``, or None for plain), in place, losing nothing if killed.

    The ledger is read under an exclusive lock (no other zoufang may have it open: its
    write-ahead log is folded in first, which needs that), copied with SQLCipher's
    ``sqlcipher_export`` into a new 0600 file beside it, checked (integrity, and the same
    rows in every table), flushed to disk, and moved over the ledger with one atomic rename
    while the lock is held. Killed before the rename, the ledger is as it was (the leftover
    ``.<name>.rekey-<pid>`` files beside it are deleted by the next rewrite, or by hand);
    after, it is the new file."""
    module = driver()
    temporary = path.with_name(f".{path.name}.rekey-{os.getpid()}")
    # what a killed rewrite left (the caller holds the writers' turn: none is running)
    for leftover in path.parent.glob(f".{path.name}.rekey-*"):
        with contextlib.suppress(OSError):
            leftover.unlink()
    create_private(temporary)
    source = connect(path, old, isolation_level=None) if old else None
    if source is None:
        source = module.connect(str(path), isolation_level=None)
    try:
        source.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        try:
            # fold the WAL into the file and leave WAL mode: needs every other connection
            # gone; the new file must not meet a WAL written for the old one
            # (read first: until it has read the file, a connection does not know it is
            # in WAL mode, and the pragma would change nothing but its own setting)
            source.execute("SELECT count(*) FROM sqlite_master").fetchone()
            mode = source.execute("PRAGMA journal_mode = DELETE").fetchone()[0]
        except module.OperationalError:
            mode = None
        if str(mode).lower() != "delete":
            raise StorageError(
                "--db",
                _(
                    "{path} is in use by another program (another zoufang?); close it and "
                    "try again; nothing was changed"
                ).format(path=path),
            )
        # keep every lock taken on the ledger until the connection closes: from the
        # export's first read to the rename, no other program can write it
        source.execute("PRAGMA main.locking_mode = EXCLUSIVE")
        source.execute("ATTACH DATABASE ? AS target KEY ?", (str(temporary), new or ""))
        source.execute("BEGIN EXCLUSIVE")
        wal = path.with_name(path.name + "-wal")
        if wal.exists() and wal.stat().st_size:
            raise StorageError(
                "--db",
                _(
                    "{path} is in use by another program (another zoufang?); close it and "
                    "try again; nothing was changed"
                ).format(path=path),
            )
        source.execute("SELECT sqlcipher_export('target')")
        before = _counts(source, "main")
        after = _counts(source, "target")
        problems = [r[0] for r in source.execute("PRAGMA target.integrity_check") if r[0] != "ok"]
        if before != after or problems:
            raise StorageError(
                "--db",
                _("the rewritten ledger did not check out ({problem}); nothing was changed").format(
                    problem=problems[0] if problems else _("row counts differ")
                ),
            )
        source.execute("COMMIT")  # the target's pages are written; the ledger was only read
        source.execute("DETACH DATABASE target")
        fd = os.open(temporary, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temporary, path)
        with contextlib.suppress(OSError):  # the rename itself, on disk
            dir_fd = os.open(path.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
    except BaseException:
        with contextlib.suppress(Exception):
            source.execute("ROLLBACK")
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise
    finally:
        source.close()
    raw_key.cache_clear()
    forget(path)


def forget(path: Path) -> None:
    """Forget what :func:`_head` read of ``path`` (it was replaced or removed)."""
    where = os.path.abspath(path)
    for known in [k for k in _heads if k[0] == where]:
        del _heads[known]


def backup_name(path: Path, label: str) -> Path:
    """``<ledger>.backup-<label>-<time>`` beside the ledger, as the upgrade's backups are."""
    stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S")
    candidate = path.with_name(f"{path.name}.backup-{label}-{stamp}")
    n = 1
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.name}.backup-{label}-{stamp}-{n}")
    return candidate
