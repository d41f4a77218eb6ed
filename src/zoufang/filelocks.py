"""Advisory locks on open files, on every system zoufang runs on (issue 17, Windows offices).

On Linux and macOS this is ``fcntl.flock``, as before: a lock belongs to the open file, and
the kernel releases it when the file is closed or its process dies. On Windows, where there
is no ``fcntl``, it is ``msvcrt.locking`` on one byte far beyond the end of the file (so the
file's own content stays readable by others: Windows locks are mandatory), released the
same way when the handle is closed or the process dies. Windows has no shared locks: a
shared lock is taken exclusively there, which only serialises what could have overlapped.

Where neither exists (no known system), :data:`AVAILABLE` is False and :func:`lock` raises
:class:`LockUnavailable`; the callers then do without (see each caller).

Why not the ``filelock`` package: it locks by path and truncates the file as it opens it,
whereas the write queue locks files it creates itself (``O_EXCL``) and waits on a shared
lock, and ``remind`` keeps the holder's pid in its lock file for the refusal message.
"""

from __future__ import annotations

import os
import time
from types import ModuleType

_fcntl: ModuleType | None
_msvcrt: ModuleType | None
try:
    import fcntl as _fcntl
except ImportError:  # Windows
    _fcntl = None
try:
    import msvcrt as _msvcrt
except ImportError:  # everywhere but Windows
    _msvcrt = None

#: True where some lock primitive exists (every supported system).
AVAILABLE = _fcntl is not None or _msvcrt is not None

#: The byte that stands for the whole file on Windows (beyond any file zoufang writes).
_WINDOWS_BYTE = 1 << 30
#: Polling interval bounds for a blocking lock on Windows (seconds).
_FIRST_POLL, _MAX_POLL = 0.001, 0.05


class LockUnavailable(OSError):
    """No lock primitive on this system."""


def lock(fd: int, *, shared: bool = False, blocking: bool = True) -> None:
    """Lock the open file ``fd``; :class:`BlockingIOError` when ``blocking`` is False and
    someone else holds it."""
    if _fcntl is not None:
        flags = _fcntl.LOCK_SH if shared else _fcntl.LOCK_EX
        _fcntl.flock(fd, flags if blocking else flags | _fcntl.LOCK_NB)
        return
    if _msvcrt is None:
        raise LockUnavailable("no file locks on this system")
    pause = _FIRST_POLL
    while True:
        try:
            _windows(fd, _msvcrt.LK_NBLCK)
            return
        except OSError:  # held by another handle (EACCES / EDEADLOCK)
            if not blocking:
                raise BlockingIOError("locked by another process") from None
        time.sleep(pause)  # LK_LOCK gives up after 10 s: poll for as long as asked
        pause = min(pause * 2, _MAX_POLL)


def unlock(fd: int) -> None:
    """Release a lock taken with :func:`lock` (closing the file releases it too)."""
    if _fcntl is not None:
        _fcntl.flock(fd, _fcntl.LOCK_UN)
    elif _msvcrt is not None:
        _windows(fd, _msvcrt.LK_UNLCK)


def _windows(fd: int, mode: int) -> None:
    assert _msvcrt is not None
    where = os.lseek(fd, 0, os.SEEK_CUR)
    os.lseek(fd, _WINDOWS_BYTE, os.SEEK_SET)
    try:
        _msvcrt.locking(fd, mode, 1)
    finally:
        os.lseek(fd, where, os.SEEK_SET)


def read_at(fd: int, size: int, offset: int) -> bytes:
    """``os.pread`` where it exists (not on Windows)."""
    if hasattr(os, "pread"):
        return os.pread(fd, size, offset)
    os.lseek(fd, offset, os.SEEK_SET)
    return os.read(fd, size)


def write_at(fd: int, data: bytes, offset: int) -> int:
    """``os.pwrite`` where it exists (not on Windows)."""
    if hasattr(os, "pwrite"):
        return os.pwrite(fd, data, offset)
    os.lseek(fd, offset, os.SEEK_SET)
    return os.write(fd, data)
