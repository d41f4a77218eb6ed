"""`db upgrade`, `db backup PATH`, `db check`, `db copy --to URL`, `db anchors`,
`db encrypt`, `db decrypt`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from zoufang.cli.common import FormatOpt, settings
from zoufang.i18n import N_, _

db_app = typer.Typer(
    help="The ledger itself: migrations, backups, integrity, copying.", no_args_is_help=True
)


def _ledger(auto_upgrade: bool):
    from zoufang.db import Ledger

    return Ledger(settings().db, auto_upgrade=auto_upgrade)


def db_upgrade() -> None:
    """Migrate the ledger to this program's schema (backing it up first)."""
    from zoufang.db import migrate

    ledger = _ledger(auto_upgrade=False)
    before = ledger.current_revision()
    ledger.ensure_schema()
    if before == migrate.HEAD_REVISION:
        print(
            _("ledger {ledger} is already at schema {revision}").format(
                ledger=ledger.display, revision=migrate.HEAD_REVISION
            ),
            file=sys.stderr,
        )
    else:
        print(
            _("ledger {ledger} upgraded {before} → {revision}").format(
                ledger=ledger.display,
                before=before or _("empty"),
                revision=migrate.HEAD_REVISION,
            ),
            file=sys.stderr,
        )


def db_backup(
    path: Annotated[Path, typer.Argument(help="The new backup file (must not exist).")],
) -> None:
    """Write a consistent copy of the ledger, safe while others are writing."""
    from zoufang.cli.common import log_server_access

    ledger = _ledger(auto_upgrade=True)
    log_server_access("backup", str(path))
    target = ledger.backup(path)
    print(
        _("backup of {ledger} written to {file}").format(ledger=ledger.display, file=target),
        file=sys.stderr,
    )


def db_check() -> None:
    """Run the database's integrity and foreign-key checks; exit 1 on any problem."""
    ledger = _ledger(auto_upgrade=True)
    problems = ledger.check()
    for problem in problems:
        print(problem)
    if problems:
        raise typer.Exit(1)
    print(
        _("ledger {ledger}: integrity ok, foreign keys ok").format(ledger=ledger.display),
        file=sys.stderr,
    )


#: What `db copy` lists when source values do not fit the ledger's columns.
PROBLEM_COLUMNS = [
    ("table", N_("table")),
    ("row", N_("row")),
    ("column", N_("column")),
    ("problem", N_("problem")),
]


def db_copy(
    to: Annotated[
        str,
        typer.Option(
            "--to",
            metavar="URL",
            help="The new ledger: an empty PostgreSQL database (postgresql+psycopg://user@host/db) "
            "or a new SQLite file path.",
        ),
    ],
) -> None:
    """Copy the whole ledger (--db) into an empty database, e.g. a county PostgreSQL server.

    The target is migrated first, then every table is copied in one transaction; ledger
    entries keep their hashes, so `audit funds` on the target reports the same chain head.
    Every row is checked first: values longer than their column (or holding a NUL) are all
    listed, and nothing is copied (exit 1).
    """
    from zoufang.cli.common import log_server_access
    from zoufang.db import Ledger
    from zoufang.db.copy import CopyProblems, copy_ledger
    from zoufang.db.urls import hide_password
    from zoufang.errors import StorageError
    from zoufang.output import Format, render

    source = _ledger(auto_upgrade=True)
    log_server_access("copy", hide_password(to))
    try:
        # a copy of an encrypted ledger into a new file is encrypted with the same key
        target = Ledger(to, auto_upgrade=True, key=source.key)
    except StorageError as exc:
        if exc.field == "--db":  # the target's problems are about --to
            exc.field = "--to"
        raise
    try:
        report = copy_ledger(source, target, operator=settings().operator, command="db copy")
    except CopyProblems as exc:  # every value that does not fit, then the one error line
        render(exc.problems, PROBLEM_COLUMNS, Format.plain)
        raise
    print(report.summary(), file=sys.stderr)


def db_anchors(fmt: FormatOpt = None) -> None:
    """The chain heads this computer has witnessed, one per ledger (json/csv to export)."""
    from zoufang.output import render
    from zoufang.services.witness import as_rows, load

    rows = as_rows(load())
    render(
        rows,
        [
            ("ledger", "台账"),
            ("where", "位置"),
            ("seq", "流水号"),
            ("anchor", "链头"),
            ("seen_at", "见到时间"),
            ("hash", "哈希"),
        ],
        fmt,
        empty=N_("no chain heads witnessed yet on this computer"),
    )


def _sqlite_only(ledger) -> None:
    from zoufang.errors import InvalidInput

    if ledger.path is None:
        raise InvalidInput(
            "--db",
            _(
                "only a SQLite ledger file is encrypted by zoufang; a PostgreSQL server "
                "protects its data itself (see docs/encryption.md)"
            ),
        )


def _rekeyed(ledger, backup: Path, message: str, action: str) -> None:
    """Recorded in the ledger's audit log (in the rewritten file), then told."""
    from zoufang.services.audit_log import record

    with ledger.session(write=True, operator=settings().operator, command=f"db {action}") as s:
        record(
            s,
            action=action,
            object_type="ledger",
            object_key=ledger.display[-100:],
            after={"backup": str(backup)},
        )
    print(message.format(ledger=ledger.display), file=sys.stderr)
    print(_("the ledger as it was is kept in {backup}").format(backup=backup), file=sys.stderr)


def db_encrypt() -> None:
    """Encrypt the SQLite ledger file with a key (ZOUFANG_DB_KEY, the keyring, or typed).

    The ledger is backed up first, then rewritten encrypted beside itself and renamed over
    it; no other program may have it open. From then on every command needs the key. The
    backup of the unencrypted ledger is not encrypted: delete it once the encrypted ledger
    works. Needs the encryption extra: `pip install 'zoufang[encryption]'`.
    """
    from zoufang.db import Ledger, encryption

    ledger = Ledger(settings().db, key=encryption.PLAIN)
    _sqlite_only(ledger)
    assert ledger.path is not None
    encryption.driver()  # the extra, before anything is asked or written
    key = encryption.new_key(ledger.path)
    backup = ledger.rekey(key)
    _rekeyed(ledger, backup, _("ledger {ledger} is now encrypted"), "encrypt")
    plain = sorted(
        p
        for p in ledger.path.parent.glob(ledger.path.name + ".backup-*")
        if encryption.file_state(p) == "plain"
    )
    for path in plain:
        print(
            _(
                "warning: {path} is not encrypted and holds the ledger as it was: "
                "delete it once the encrypted ledger works"
            ).format(path=path),
            file=sys.stderr,
        )


def db_decrypt() -> None:
    """Turn the encrypted SQLite ledger file back into a plain one (needs its key).

    The encrypted ledger is backed up first, then rewritten plain beside itself and renamed
    over it; no other program may have it open. Unset ZOUFANG_DB_KEY afterwards.
    """
    from zoufang.db import Ledger
    from zoufang.errors import InvalidInput

    ledger = _ledger(auto_upgrade=True)
    _sqlite_only(ledger)
    if ledger.key is None:
        raise InvalidInput("--db", _("{ledger} is not encrypted").format(ledger=ledger.display))
    backup = ledger.rekey(None)
    assert isinstance(ledger, Ledger)
    _rekeyed(ledger, backup, _("ledger {ledger} is no longer encrypted"), "decrypt")


def register(app: typer.Typer) -> None:
    db_app.command("upgrade")(db_upgrade)
    db_app.command("backup")(db_backup)
    db_app.command("check")(db_check)
    db_app.command("copy")(db_copy)
    db_app.command("anchors")(db_anchors)
    db_app.command("encrypt")(db_encrypt)
    db_app.command("decrypt")(db_decrypt)
    app.add_typer(db_app, name="db")
