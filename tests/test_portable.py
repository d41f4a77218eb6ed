"""Windows offices (issue 17): nothing in zoufang needs a Unix-only module.

Every process below — the import of every module, each command of the everyday tour and the
worker processes ``audit funds`` starts — runs with ``fcntl``, ``pwd``, ``grp``, ``termios``,
``resource`` (and ``tty``, ``pty``, ``posix``-only ``os`` functions such as ``os.pread`` and
``os.fork``) made unavailable by a ``sitecustomize`` on ``PYTHONPATH``, as on Windows. With
neither ``fcntl`` nor ``msvcrt`` there is no file lock at all: the writers' queue and the
witness's lock are skipped (:mod:`zoufang.filelocks`), which the tour survives too. A fake
``msvcrt`` built on the real ``flock`` then runs the same tour through the Windows branch of
:mod:`zoufang.filelocks`.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from helpers import TODAY, cli_env

UNIX_ONLY_MODULES = ("fcntl", "pwd", "grp", "termios", "resource", "tty", "pty")
UNIX_ONLY_OS = (
    "pread", "pwrite", "fork", "forkpty", "wait3", "wait4", "getuid", "geteuid", "getgid",
    "getegid", "getpwuid", "setsid", "killpg", "getpgid", "sched_getaffinity", "getloadavg",
    "uname", "fchown", "chown", "lchown", "mkfifo", "statvfs", "fstatvfs", "nice",
)  # fmt: skip

SITECUSTOMIZE = """
import importlib.abc
import os
import sys

if {fake_msvcrt}:
    import fcntl as _real_fcntl

BLOCKED = {modules!r}


class NotOnWindows(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name in BLOCKED:
            raise ModuleNotFoundError(f"No module named {{name!r}} (blocked)", name=name)
        return None


for name in BLOCKED:
    sys.modules.pop(name, None)
sys.meta_path.insert(0, NotOnWindows())
for name in {os_names!r}:
    if hasattr(os, name):
        delattr(os, name)

if {fake_msvcrt}:  # msvcrt.locking over the real flock: the Windows branch of filelocks
    import types

    msvcrt = types.ModuleType("msvcrt")
    msvcrt.LK_UNLCK, msvcrt.LK_LOCK, msvcrt.LK_NBLCK = 0, 1, 2

    def locking(fd, mode, nbytes):
        assert nbytes == 1 and os.lseek(fd, 0, os.SEEK_CUR) == 1 << 30  # one far byte
        if mode == msvcrt.LK_UNLCK:
            _real_fcntl.flock(fd, _real_fcntl.LOCK_UN)
        else:
            try:
                _real_fcntl.flock(fd, _real_fcntl.LOCK_EX | _real_fcntl.LOCK_NB)
            except BlockingIOError:
                raise PermissionError(13, "Permission denied") from None

    msvcrt.locking = locking
    # only zoufang.filelocks sees it: the standard library takes msvcrt to mean Windows
    sys.modules["msvcrt"] = msvcrt
    import zoufang.filelocks

    del sys.modules["msvcrt"]
    assert zoufang.filelocks._msvcrt is msvcrt and zoufang.filelocks._fcntl is None
"""

IMPORT_ALL = """
import importlib, os, pkgutil, sys
import zoufang
for name in ("fcntl", "pwd", "grp", "termios", "resource"):
    try:
        importlib.import_module(name)
    except ImportError:
        pass
    else:
        raise SystemExit(f"{name} is importable: the blocker does not work")
assert not hasattr(os, "pread") and not hasattr(os, "fork")
names = ["zoufang"]
for info in pkgutil.walk_packages(zoufang.__path__, "zoufang."):
    if info.name.endswith(".__main__"):
        continue  # runs the command line; `python -m zoufang` below is that
    importlib.import_module(info.name)
    names.append(info.name)
print(len(names))
"""


def blocked_env(tmp_path, ledger, *, fake_msvcrt: bool) -> dict[str, str]:
    site = tmp_path / ("site-msvcrt" if fake_msvcrt else "site")
    site.mkdir()
    (site / "sitecustomize.py").write_text(
        textwrap.dedent(
            SITECUSTOMIZE.format(
                fake_msvcrt=fake_msvcrt, modules=UNIX_ONLY_MODULES, os_names=UNIX_ONLY_OS
            )
        ),
        encoding="utf-8",
    )
    path = os.pathsep.join(p for p in (str(site), os.environ.get("PYTHONPATH", "")) if p)
    return {
        **os.environ,
        **cli_env(ledger),
        "PYTHONPATH": path,
        "PYTHONIOENCODING": "utf-8",
        "ZOUFANG_LANG": "en",
    }


def run(env, *args, code=0) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "-m", "zoufang", *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert result.returncode == code, (args, result.stdout, result.stderr)
    return result


def test_the_blocker_blocks(tmp_path):
    env = blocked_env(tmp_path, tmp_path / "x.db", fake_msvcrt=False)
    probe = "import fcntl"
    result = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True)
    assert result.returncode == 1 and "blocked" in result.stderr
    probe = "import os, sys; sys.exit(hasattr(os, 'pread') or hasattr(os, 'fork'))"
    assert subprocess.run([sys.executable, "-c", probe], env=env).returncode == 0


@pytest.mark.parametrize("fake_msvcrt", [False, True], ids=["no-locks", "msvcrt"])
def test_every_module_imports_and_the_everyday_tour_runs_without_unix_modules(
    tmp_path, fake_msvcrt
):
    ledger = tmp_path / "ledger.db"
    env = blocked_env(tmp_path, ledger, fake_msvcrt=fake_msvcrt)

    imported = subprocess.run(
        [sys.executable, "-c", IMPORT_ALL], env=env, capture_output=True, text=True, timeout=300
    )
    assert imported.returncode == 0, imported.stderr
    assert int(imported.stdout) > 100  # every module of the package

    run(env, "db", "upgrade")
    run(env, "cadre", "add", "--name", "李梅")
    run(
        env, "enroll", "--name", "陈大爷", "--id-number", "110101194503071237",
        "--village", "红星村", "--category", "老党员", "--cadre", "C0001",
    )  # fmt: skip
    run(env, "visit", "log", "H000001", "--by", "C0001", "--kind", "routine", "--need", "修屋顶")
    assert "H000001" in run(env, "due", "--days", "400").stdout
    run(
        env, "fund", "create", "CJ", "--name", "春节慰问金", "--category", "老党员",
        "--from", "2026-01-01",
    )  # fmt: skip
    run(env, "fund", "allocate", "CJ", "5,000", "--memo", "拨款")
    run(env, "fund", "disburse", "CJ", "H000001", "300", "--by", "C0001")
    assert "chain" in run(env, "audit", "funds").stdout.lower()
    run(env, "report", "--format", "json")
    run(env, "export", "--out", tmp_path / "ledger.xlsx", "--reveal")
    other = tmp_path / "other.db"
    moved = run(env, "--db", other, "import", tmp_path / "ledger.xlsx", "--format", "json")
    assert '"households": 1' in moved.stdout
    run(env, "--db", other, "audit", "funds")
    run(env, "db", "backup", tmp_path / "backup.db")
    assert (tmp_path / "backup.db").stat().st_size > 0
    assert f"{TODAY[:4]}" in run(env, "visit", "list").stdout


@pytest.fixture
def windows_locks(monkeypatch):
    """zoufang.filelocks as on Windows: msvcrt.locking (faked over flock, one far byte)."""
    import fcntl
    import types

    from zoufang import filelocks

    calls = []

    def locking(fd, mode, nbytes):
        calls.append((os.lseek(fd, 0, os.SEEK_CUR), mode, nbytes))
        if mode == 0:
            fcntl.flock(fd, fcntl.LOCK_UN)
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise PermissionError(13, "Permission denied") from None

    fake = types.SimpleNamespace(LK_UNLCK=0, LK_LOCK=1, LK_NBLCK=2, locking=locking)
    monkeypatch.setattr(filelocks, "_fcntl", None)
    monkeypatch.setattr(filelocks, "_msvcrt", fake)
    return calls


def test_windows_locks_refuse_wait_and_keep_the_file_readable(windows_locks, tmp_path):
    import threading
    import time

    from zoufang import filelocks

    path = tmp_path / "x.lock"
    first = os.open(path, os.O_CREAT | os.O_RDWR)
    second = os.open(path, os.O_RDWR)
    try:
        filelocks.write_at(first, b"1234\n", 0)
        filelocks.lock(first)
        with pytest.raises(BlockingIOError):
            filelocks.lock(second, blocking=False)
        with pytest.raises(BlockingIOError):  # no shared locks on Windows: taken exclusively
            filelocks.lock(second, shared=True, blocking=False)
        assert filelocks.read_at(second, 32, 0) == b"1234\n"  # the content stays readable
        threading.Timer(0.2, filelocks.unlock, (first,)).start()
        os.lseek(second, 3, os.SEEK_SET)
        start = time.monotonic()
        filelocks.lock(second)  # waits for the release
        assert time.monotonic() - start >= 0.15
        assert os.lseek(second, 0, os.SEEK_CUR) == 3  # the file position is left as it was
    finally:
        os.close(first)
        os.close(second)
    assert {(at, n) for at, _mode, n in windows_locks} == {(1 << 30, 1)}


def test_the_writers_queue_orders_writers_with_windows_locks(windows_locks, tmp_path):
    import threading
    import time

    from zoufang.db import write_queue

    ledger = tmp_path / "ledger.db"
    order = []
    entered = threading.Event()

    def writer(name: str, hold: float) -> None:
        with write_queue.turn(ledger, 5):
            entered.set()
            order.append(name)
            time.sleep(hold)

    first = threading.Thread(target=writer, args=("first", 0.3))
    first.start()
    entered.wait(5)
    second = threading.Thread(target=writer, args=("second", 0))
    second.start()
    time.sleep(0.05)
    assert order == ["first"]  # the second waits for the first's turn
    first.join()
    second.join()
    assert order == ["first", "second"]
    assert not list(write_queue.queue_dir(ledger).glob("w-*"))
