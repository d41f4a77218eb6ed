"""Writers to a SQLite ledger take turns in arrival order (issue 21, part 6).

SQLite's busy handler is not a queue: a writer waiting for ``BEGIN IMMEDIATE`` sleeps and
retries (up to 100 ms apart), and whoever retries just after a commit wins, however long the
others have waited. With 8 processes writing at once, one of them waited 27 of the 30
seconds of the busy timeout while each command held the lock for well under a second.

So before ``BEGIN IMMEDIATE`` a writer joins a first-come, first-served queue made of files
beside the ledger (``<ledger>-writers/``): each writer holds an exclusive ``flock`` on a file
of its own, publishes that file as the queue's tail, and waits until the writer before it
(the previous tail) has released its file — by finishing, or by dying, since the kernel
releases a dead process's locks. Then it begins the SQLite transaction, which then has
nobody to wait for but writers outside zoufang, and releases its file when the transaction
ends. The wait is bounded by the same busy timeout; a queue that cannot be made (a read-only
directory) is skipped, leaving SQLite's own locking, which is always what keeps the ledger
consistent: the queue only orders the waiting. The locks are :mod:`zoufang.filelocks`
(``flock``; ``msvcrt.locking`` on Windows); with no lock primitive at all the queue is skipped
the same way.
"""

from __future__ import annotations

import contextlib
import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

from zoufang import filelocks
from zoufang.errors import StorageError
from zoufang.i18n import _

#: Polling interval bounds while waiting for the writer ahead (seconds).
_FIRST_POLL, _MAX_POLL = 0.001, 0.01


def queue_dir(ledger: Path) -> Path:
    return ledger.with_name(ledger.name + "-writers")


@contextlib.contextmanager
def turn(ledger: Path, timeout_s: float) -> Iterator[None]:
    """Wait for this writer's turn on ``ledger`` (a SQLite file), then hold it."""
    directory = queue_dir(ledger)
    if not filelocks.AVAILABLE:
        yield  # no queue: SQLite's busy handler alone
        return
    try:
        directory.mkdir(mode=0o700, exist_ok=True)
        mine_path = directory / f"w-{os.getpid()}-{uuid.uuid4().hex[:12]}"
        mine = os.open(mine_path, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o600)
    except OSError:
        yield  # no queue: SQLite's busy handler alone
        return
    try:
        filelocks.lock(mine)
        before = _enqueue(directory, mine_path.name)
        if before is not None:
            _wait_for(directory / before, timeout_s)
        yield
    finally:
        os.close(mine)  # releases the flock: the next writer's turn
        with contextlib.suppress(OSError):
            mine_path.unlink()


def _enqueue(directory: Path, name: str) -> str | None:
    """Publish ``name`` as the queue's tail; the previous tail (who is ahead), or None."""
    fd = os.open(directory / "tail", os.O_CREAT | os.O_RDWR, 0o600)
    try:
        filelocks.lock(fd)
        before = os.read(fd, 200).decode("ascii", "replace").strip() or None
        os.lseek(fd, 0, os.SEEK_SET)
        os.ftruncate(fd, 0)
        os.write(fd, name.encode("ascii"))
        return before
    finally:
        os.close(fd)


def _wait_for(ahead: Path, timeout_s: float) -> None:
    """Until the writer ahead has released its file (or it is gone)."""
    deadline = time.monotonic() + timeout_s
    try:
        fd = os.open(ahead, os.O_RDONLY)
    except OSError:
        return  # finished and cleaned up already
    try:
        pause = _FIRST_POLL
        while True:
            try:
                filelocks.lock(fd, shared=True, blocking=False)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise StorageError(
                        "--db", _("the ledger is busy (another zoufang is writing); try again")
                    ) from None
                time.sleep(pause)
                pause = min(pause * 2, _MAX_POLL)
    finally:
        os.close(fd)
    with contextlib.suppress(OSError):
        ahead.unlink()  # left by a writer that died holding its turn
