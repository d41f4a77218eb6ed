"""The benchmark cannot rot: its builder and its timing loop work on a small county.

`python bench/run.py` is a benchmark, not a test (nothing here looks at timings); this runs
the same code at 200 households so that a change to the CLI that breaks it is noticed.
"""

from __future__ import annotations

import importlib.util
import json
import sqlite3
import sys
from pathlib import Path

import pytest

import rawdb

ROOT = Path(__file__).resolve().parents[1]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(rawdb.ON_POSTGRESQL, reason="the benchmark builds SQLite files"),
]


def load_bench():
    spec = importlib.util.spec_from_file_location("bench_run", ROOT / "bench" / "run.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


def test_builder_and_timing_loop_work_at_200_households(tmp_path, capsys):
    bench = load_bench()
    cache = tmp_path / "cache"
    fx = bench.build(cache, 200, log=lambda line: None)
    con = sqlite3.connect(fx.county)
    try:
        households, entries = con.execute(
            "SELECT (SELECT COUNT(*) FROM household), (SELECT COUNT(*) FROM ledger_entry)"
        ).fetchone()
    finally:
        con.close()
    assert households == 200 and entries > 200
    # issue 13: one household in five had its categories changed after the demo
    assert _changes(fx.county) == 200 // bench.HISTORY_EVERY
    assert fx.built["fact_change"] > 3 * 200
    assert fx.built["ledger_entry"] == entries
    assert len(fx.roster_csv.read_text(encoding="utf-8-sig").splitlines()) == 201
    assert fx.roster_xlsx.stat().st_size > 0 and fx.empty.exists()
    # cached: a second build reuses the files
    stamp = fx.county.stat().st_mtime_ns
    assert bench.build(cache, 200, log=lambda line: None).county.stat().st_mtime_ns == stamp
    # a cache of an older schema revision is brought up to date on a copy, not built again
    meta_path = cache / "county-200.json"
    meta = json.loads(meta_path.read_text())
    meta_path.write_text(json.dumps({**meta, "revision": "0001"}))
    again = bench.build(cache, 200, log=lambda line: None)
    assert again.built["revision"] == meta["revision"] and "upgraded_at" in again.built
    assert again.built["built_at"] == meta["built_at"]
    assert _changes(again.county) == 200 // bench.HISTORY_EVERY
    assert not list(cache.glob("county-200.building*"))
    # an older builder's is built again (builder 2's ID numbers fail today's region check)
    meta_path.write_text(json.dumps({**again.built, "builder": 2, "built_at": "then"}))
    anew = bench.build(cache, 200, log=lambda line: None)
    assert anew.built["builder"] == bench.BUILDER_VERSION and anew.built["built_at"] != "then"
    assert "upgraded_at" not in anew.built

    doc = tmp_path / "benchmarks.md"
    doc.write_text(f"# Benchmarks\n\nintro\n\n{bench.BEGIN}\nOLD-RESULTS\n{bench.END}\n\nnotes\n")
    bench.DOC = doc
    assert (
        bench.main(
            [
                "--households",
                "200",
                "--cache",
                str(cache),
                "--runs",
                "1",
                "--no-warmup",
                "--only",
                "help,due,audit funds,visit log,visit log --cash,fund disburse,enroll csv,import",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    for name in (
        "`zoufang --help`",
        "`zoufang due --days 30 --format json`",
        "`zoufang audit funds --format json`",
        "zoufang visit log",
        "`zoufang enroll --from roster.csv (200 rows)`",
        "`zoufang import county-export.xlsx",
    ):
        assert name in out
    text = doc.read_text()
    assert text.startswith("# Benchmarks\n\nintro\n\n") and text.endswith("\n\nnotes\n")
    assert "OLD-RESULTS" not in text and "| operation | target |" in text
    assert json.loads((cache / "county-200.json").read_text())["households"] == 200


def _changes(path) -> int:
    """Fact changes made after the demo (not carried over or opening periods)."""
    con = sqlite3.connect(path)
    try:
        return con.execute("SELECT COUNT(*) FROM fact_change WHERE origin = 'change'").fetchone()[0]
    finally:
        con.close()
