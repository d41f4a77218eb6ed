"""Shared fixtures: every test gets its own ledger file through ZOUFANG_DB.

A ledger migrated once per session is copied for each test, so the suite does not run
Alembic hundreds of times. ``zf(...)`` drives the real CLI (the same Click group that the
``zoufang`` console script runs) with Typer's CliRunner, stdout and stderr kept apart.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

TODAY = "2026-11-23"


@pytest.fixture(scope="session")
def template_ledger(tmp_path_factory) -> Path:
    from zoufang.db import Ledger

    path = tmp_path_factory.mktemp("template") / "template.db"
    Ledger(str(path)).engine.dispose()
    return path


@pytest.fixture
def ledger_path(tmp_path, template_ledger, monkeypatch) -> Path:
    """A fresh, migrated ledger file; ZOUFANG_DB/TODAY/OPERATOR point the CLI at it."""
    path = tmp_path / "ledger.db"
    shutil.copyfile(template_ledger, path)
    path.chmod(0o600)
    monkeypatch.setenv("ZOUFANG_DB", str(path))
    monkeypatch.setenv("ZOUFANG_TODAY", TODAY)
    monkeypatch.setenv("ZOUFANG_OPERATOR", "tester")
    monkeypatch.delenv("ZOUFANG_DEBUG", raising=False)
    return path


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str

    def json(self):
        return json.loads(self.stdout)


@pytest.fixture(autouse=True)
def _build_cli_once(monkeypatch):
    """Build the Click command from the Typer app once, not on every ``zf(...)`` call."""
    import functools

    import typer.main
    import typer.testing

    cached = functools.lru_cache(maxsize=None)(typer.main.get_command)
    monkeypatch.setattr(typer.testing, "_get_command", cached)


@pytest.fixture
def zf(ledger_path):
    """Run the CLI: ``zf("due", "--days", "30")`` → Result(exit_code, stdout, stderr)."""
    from zoufang.cli import app

    runner = CliRunner()

    def run(*args: str, input: str | None = None) -> Result:
        result = runner.invoke(app, [str(a) for a in args], input=input)
        if result.exception and not isinstance(result.exception, SystemExit):
            raise result.exception
        return Result(result.exit_code, result.stdout, result.stderr)

    return run


@pytest.fixture
def snapshot_db(ledger_path):
    """Return a function giving every row of every table, to prove a refusal wrote nothing."""
    import sqlite3

    def snap() -> dict[str, list[tuple]]:
        con = sqlite3.connect(ledger_path)
        try:
            tables = [r[0] for r in con.execute(
                "SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
            return {t: con.execute(f'SELECT * FROM "{t}"').fetchall() for t in tables}
        finally:
            con.close()

    return snap


def valid_id(first17: str) -> str:
    """Complete 17 digits with their GB 11643 check character."""
    from zoufang.parsing import id_check_digit

    return first17 + id_check_digit(first17)


@pytest.fixture
def village(zf):
    """A small village: two cadres, three households (none visited yet), for command tests."""
    assert zf("cadre", "add", "--name", "王建国", "--unit", "红星村党支部",
              "--email", "wang@example.cn").exit_code == 0
    assert zf("cadre", "add", "--name", "李梅").exit_code == 0
    people = [
        ("陈大爷", valid_id("11010119450307123"), "红星村", ["veteran-member", "elderly-alone"]),
        ("王奶奶", valid_id("11010119520611234"), "东风社区", ["low-income"]),
        ("刘小明", valid_id("37020320120415561"), "红星村", ["left-behind-child"]),
    ]
    for name, number, place, cats in people:
        args = ["enroll", "--name", name, "--id-number", number, "--village", place,
                "--cadre", "C0001"]
        for c in cats:
            args += ["--category", c]
        result = zf(*args)
        assert result.exit_code == 0, result.stderr
    return people
