"""Files only their owner may read: every file zoufang writes that can hold personal data.

The ledger itself, its backups and copies, exports, notices, reports and everything else
written with ``--out`` are created with mode 0600 (a directory zoufang makes for them:
0700), through :func:`open_private`. The mode is given to ``os.open`` when the file is
created, so there is no moment at which the file exists with a wider mode; a file that
already exists (``--force``) is narrowed to 0600 before anything is written into it.

On Windows, a mode only says whether a file is read-only: the file's access is whatever its
folder's access lists give (a user's own profile folders are private), so nothing is
narrowed there and nothing fails for it. Standard library only: the ledger's engine, the
output writers and the CLI all use it.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

#: The mode of every file that can hold personal data.
FILE_MODE = 0o600
#: The mode of a directory zoufang creates for such files.
DIR_MODE = 0o700


def _narrow(fd: int) -> None:
    """Make an already-existing file 0600 if group or others could read it (POSIX only)."""
    if os.name == "nt" or not hasattr(os, "fchmod"):
        return
    with contextlib.suppress(OSError):  # not the owner, or a filesystem without modes
        if stat.S_IMODE(os.fstat(fd).st_mode) & 0o077:
            os.fchmod(fd, FILE_MODE)


def open_private(path: Path | str, *, exclusive: bool = False, append: bool = False) -> int:
    """A file descriptor open for writing on ``path``, created 0600 (truncated if it exists,
    unless ``append``; refused with :class:`FileExistsError` if it exists and ``exclusive``).
    The caller closes it (or hands it to :func:`os.fdopen`)."""
    flags = os.O_WRONLY | os.O_CREAT | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)
    if exclusive:
        flags |= os.O_EXCL
    elif append:
        flags |= os.O_APPEND
    fd = os.open(path, flags, FILE_MODE)
    try:
        _narrow(fd)
        if not exclusive and not append:
            os.ftruncate(fd, 0)  # after narrowing: old contents never sit in a wide file
    except BaseException:
        os.close(fd)
        raise
    return fd


def create_private(path: Path | str) -> bool:
    """Create ``path`` empty with mode 0600 if it does not exist; True if this call made it
    (an existing file is left as it is: a ledger's owner may have shared it on purpose)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        return False
    os.close(fd)
    return True


def prepare_private(path: Path | str) -> None:
    """Make ``path`` an empty 0600 file, for a library that then opens it by name and writes
    it (xlsxwriter): it keeps the mode of the file it truncates."""
    os.close(open_private(path))


def make_private_dir(path: Path) -> None:
    """Create ``path`` (and its parents) with mode 0700 for the directories zoufang makes."""
    path.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
