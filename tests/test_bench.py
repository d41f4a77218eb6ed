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
    assert fx.built["ledger_entry"] == entries
    assert len(fx.roster_csv.read_text(encoding="utf-8-sig").splitlines()) == 201
    assert fx.roster_xlsx.stat().st_size > 0 and fx.empty.exists()
    # cached: a second build reuses the files
    stamp = fx.county.stat().st_mtime_ns
    assert bench.build(cache, 200, log=lambda line: None).county.stat().st_mtime_ns == stamp

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
                "help,due,audit funds,visit log,enroll csv",
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
    ):
        assert name in out
    text = doc.read_text()
    assert text.startswith("# Benchmarks\n\nintro\n\n") and text.endswith("\n\nnotes\n")
    assert "OLD-RESULTS" not in text and "| operation | target |" in text
    assert json.loads((cache / "county-200.json").read_text())["households"] == 200
