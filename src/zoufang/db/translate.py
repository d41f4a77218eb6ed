"""Driver errors about the file, the server, the lock or the disk, turned into one
:class:`~zoufang.errors.StorageError` line naming what went wrong (never a traceback)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from zoufang.errors import PermissionRefused, RuleViolation, StorageError
from zoufang.i18n import _

#: PostgreSQL SQLSTATEs that mean "another writer was in the way": serialization failure,
#: deadlock, lock wait timed out (our advisory lock), a query cancelled by a timeout.
PG_BUSY = {"40001", "40P01", "55P03", "57014"}
#: Out of disk space, out of memory, too many connections, disk full on the server.
PG_NO_ROOM = {"53000", "53100", "53200", "53300", "53400"}
PG_READ_ONLY = {"25006"}
#: insufficient_privilege: no grant for it, a row-level security policy, the operator trigger
PG_NO_RIGHT = "42501"
#: unique_violation: a key already taken, by a row row-level security hides from the login
PG_UNIQUE = "23505"


def _pg_storage_error(exc: BaseException, where: str, field: str) -> StorageError | None:
    """One line for a psycopg error about the server, the lock or the disk; None otherwise."""
    orig = getattr(exc, "orig", None) or exc
    sqlstate = getattr(orig, "sqlstate", None)
    message = " ".join(str(orig).split()) or type(orig).__name__
    if sqlstate in PG_BUSY:
        return StorageError(
            field,
            _("the ledger is busy (another zoufang is writing); nothing was written; try again"),
        )
    if sqlstate in PG_READ_ONLY:
        return StorageError(field, _("the ledger database is read-only; nothing was written"))
    if sqlstate in PG_NO_ROOM:
        return StorageError(
            field,
            _("the ledger server cannot write ({error}); nothing was written").format(
                error=message
            ),
        )
    if sqlstate is None or sqlstate.startswith(("08", "57P", "28", "3D")):
        # no connection, server shut down, authentication, no such database
        return StorageError(
            field, _("cannot reach the ledger {where}: {error}").format(where=where, error=message)
        )
    return None


@contextlib.contextmanager
def translate_operational_errors(where: str, field: str = "--db") -> Iterator[None]:
    """Turn driver errors about the file, the server or the lock into one StorageError line."""
    from sqlalchemy.exc import DatabaseError, InterfaceError, InternalError, OperationalError

    try:
        yield
    except (OperationalError, InterfaceError, InternalError) as exc:
        if (
            getattr(exc.orig, "sqlstate", None) is not None
            or "psycopg" in type(exc.orig).__module__
        ):
            error = _pg_storage_error(exc, where, field)
            if error is not None:
                raise error from None
            if not isinstance(exc, OperationalError):
                raise
        elif not isinstance(exc, OperationalError):
            raise
        message = str(exc.orig) if exc.orig is not None else str(exc)
        if "locked" in message or "busy" in message:
            raise StorageError(
                field, _("the ledger is busy (another zoufang is writing); try again")
            ) from None
        if "readonly" in message or "read-only" in message:
            raise StorageError(
                field, _("the ledger file is read-only; nothing was written")
            ) from None
        if "disk is full" in message or "disk I/O" in message:
            raise StorageError(
                field,
                _("cannot write the ledger ({error}); nothing was written").format(error=message),
            ) from None
        if "unable to open" in message:
            raise StorageError(
                field,
                _("cannot open the ledger {where}: {error}").format(where=where, error=message),
            ) from None
        raise StorageError(field, message.splitlines()[0]) from None
    except DatabaseError as exc:
        if getattr(exc.orig, "sqlstate", None) == PG_NO_RIGHT:
            # a grant, a row-level security policy or zoufang's operator trigger (0012)
            detail = " ".join(str(exc.orig).split()).removeprefix("zoufang: ")
            raise PermissionRefused(
                field, _("the ledger's database refused it: {error}").format(error=detail)
            ) from None
        if getattr(exc.orig, "sqlstate", None) == PG_UNIQUE:
            # zoufang checks its keys first, but cannot see another village's rows
            detail = " ".join(str(exc.orig).split())
            raise RuleViolation(
                field,
                _(
                    "the ledger already holds this, perhaps in a village this login does not "
                    "see ({error}); nothing was written"
                ).format(error=detail),
            ) from None
        # Not OperationalError: "file is not a database", "database disk image is malformed".
        # Others (IntegrityError, …) belong to the caller.
        message = str(exc.orig) if exc.orig is not None else str(exc)
        if "not a database" in message:
            raise StorageError(
                field,
                _("{where} is not a zoufang ledger ({error})").format(where=where, error=message),
            ) from None
        if "malformed" in message:
            raise StorageError(
                field,
                _("the ledger {where} is damaged ({error}); restore it from a backup").format(
                    where=where, error=message
                ),
            ) from None
        raise
