"""Writers to a SQLite ledger take turns in arrival order (zoufang.db.write_queue)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

import pytest

from zoufang.db import write_queue
from zoufang.errors import StorageError

pytestmark = pytest.mark.sqlite_only

HOLD = """
import sys, time
from pathlib import Path
from zoufang.db import write_queue
with write_queue.turn(Path(sys.argv[1]), 30):
    print("holding", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def test_writers_get_their_turn_in_arrival_order(tmp_path):
    ledger = tmp_path / "ledger.db"
    order: list[int] = []
    holding = threading.Event()

    def writer(n: int, hold: float) -> None:
        with write_queue.turn(ledger, 30):
            if n == 0:
                holding.set()
            order.append(n)
            time.sleep(hold)

    first = threading.Thread(target=writer, args=(0, 0.3))
    first.start()
    holding.wait(5)
    others = []
    for n in range(1, 6):
        t = threading.Thread(target=writer, args=(n, 0.01))
        t.start()
        others.append(t)
        time.sleep(0.05)  # arrive one after another while 0 holds its turn
    for t in [first, *others]:
        t.join(10)
    assert order == [0, 1, 2, 3, 4, 5]
    assert [p.name for p in write_queue.queue_dir(ledger).iterdir()] == ["tail"]


def test_a_writer_killed_holding_its_turn_does_not_block_the_next(tmp_path):
    ledger = tmp_path / "ledger.db"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(ledger), "60"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "holding"
        holder.kill()
        holder.wait(10)
        started = time.monotonic()
        with write_queue.turn(ledger, 5):
            pass
        assert time.monotonic() - started < 2
    finally:
        if holder.poll() is None:
            holder.kill()


def test_a_writer_waits_no_longer_than_the_timeout(tmp_path):
    ledger = tmp_path / "ledger.db"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(ledger), "10"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "holding"
        started = time.monotonic()
        with pytest.raises(StorageError, match="busy"), write_queue.turn(ledger, 0.5):
            pass
        assert 0.4 < time.monotonic() - started < 3
    finally:
        holder.kill()
        holder.wait(10)


def test_no_queue_where_the_directory_cannot_hold_one(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root writes into read-only directories")
    directory = tmp_path / "ro"
    directory.mkdir()
    directory.chmod(0o500)
    try:
        with write_queue.turn(directory / "ledger.db", 1):
            pass  # SQLite's own locking alone
    finally:
        directory.chmod(0o700)
