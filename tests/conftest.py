"""Fixtures: every test gets its own ledger through ZOUFANG_DB.

A ledger migrated once per session is copied for each test, so the suite does not run
Alembic hundreds of times. ``zf(...)`` drives the real CLI (the same Click group that the
``zoufang`` console script runs) with Typer's CliRunner, stdout and stderr kept apart.

The backend comes from ``ZOUFANG_TEST_BACKEND``: ``sqlite`` (the default) gives each test a
ledger file; ``postgresql`` gives each test a fresh database on the server named by
``ZOUFANG_TEST_PG_URL`` (``bash scripts/pg.sh start`` runs one), made with
``CREATE DATABASE … TEMPLATE`` from a migrated template and dropped afterwards; without the
server that run fails, it does not fall back. Tests that are about SQLite files themselves
carry ``@pytest.mark.sqlite_only``; raw SQL behind the program's back goes through
:mod:`rawdb`, which works on both.

Helpers and constants are in :mod:`helpers`; test modules import them from there, not from
here.
"""

from __future__ import annotations

import itertools
import os

import pytest

# Before they are imported: their asserts are reported like a test module's.
pytest.register_assert_rewrite("helpers", "fundkit")

import rawdb  # noqa: E402
from helpers import (  # noqa: E402
    all_rows,
    cli_env,
    invoke,
    isolate_settings,
    ledger_from,
    need_postgresql,
    ok,
    seed_fund,
    valid_id,
)

_databases = itertools.count(1)


def pytest_report_header(config):
    where = f" ({rawdb.PG_URL})" if rawdb.ON_POSTGRESQL else ""
    return f"zoufang test backend: {rawdb.BACKEND}{where}"


def pytest_collection_modifyitems(config, items):
    if not rawdb.ON_POSTGRESQL:
        return
    skip = pytest.mark.skip(reason="about SQLite ledger files; ZOUFANG_TEST_BACKEND=postgresql")
    for item in items:
        if "sqlite_only" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session", autouse=True)
def _private_cache_dir(tmp_path_factory):
    """zoufang's per-user cache (remind's lock files for server ledgers) in a directory of
    the test run, not the developer's ~/.cache: one file per test database otherwise."""
    saved = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("cache"))
    yield
    if saved is None:
        os.environ.pop("XDG_CACHE_HOME", None)
    else:
        os.environ["XDG_CACHE_HOME"] = saved


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path, monkeypatch):
    """The developer's config file, mail and webhook settings and proxies stay out."""
    isolate_settings(monkeypatch, tmp_path / "xdg-config")
    # the witness of chain heads (services.witness): the test's own, not the developer's
    monkeypatch.setenv("ZOUFANG_STATE_DIR", str(tmp_path / "state"))


@pytest.fixture(autouse=True)
def _english(monkeypatch):
    """Tests pin the language they assert on: English, unless a test chooses Chinese
    (``--lang zh`` or the ``chinese`` fixture). zoufang itself defaults to Chinese."""
    from zoufang import i18n

    for name in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ZOUFANG_LANG", "en")
    i18n.activate("en")
    yield
    i18n.activate("en")


@pytest.fixture
def chinese(monkeypatch):
    """The command line in Chinese, as a Chinese office runs it by default."""
    from zoufang import i18n

    monkeypatch.setenv("ZOUFANG_LANG", "zh")
    i18n.activate("zh")


@pytest.fixture(scope="session")
def template_ledger(tmp_path_factory):
    """A migrated ledger to copy: a file, or (PostgreSQL) a template database."""
    from zoufang.db import Ledger

    if rawdb.ON_POSTGRESQL:
        need_postgresql("the PostgreSQL run (ZOUFANG_TEST_BACKEND=postgresql)")
        name = f"zft_{os.getpid()}_template"
        template = rawdb.create_database(name)
        Ledger(template.url).engine.dispose()
        yield template
        rawdb.drop_database(name)
        return
    path = tmp_path_factory.mktemp("template") / "template.db"
    Ledger(str(path)).engine.dispose()
    yield path


@pytest.fixture(scope="session")
def _prepared(template_ledger):
    """PostgreSQL: each test's ledger database, made ahead of time from the template."""
    if not rawdb.ON_POSTGRESQL:
        yield None
        return
    prepared = rawdb.Prepared(template_ledger.name, f"zft_{os.getpid()}_p")
    yield prepared
    prepared.close()


@pytest.fixture
def new_ledger(template_ledger, _prepared, tmp_path):
    """Make more fresh, migrated ledgers on the test's backend: ``new_ledger("other")``."""
    made: list[rawdb.PgLedger] = []

    def make(name: str):
        if rawdb.ON_POSTGRESQL:
            if name == "ledger" and not made:
                ledger = _prepared.take()
            else:
                ledger = ledger_from(template_ledger, f"{next(_databases)}_{name}", tmp_path)
            made.append(ledger)
            return ledger
        return ledger_from(template_ledger, name, tmp_path)

    yield make
    for ledger in made:
        rawdb.drop_database(ledger.name)


@pytest.fixture
def ledger_path(new_ledger, monkeypatch):
    """A fresh, migrated ledger (a file, or a ``rawdb.PgLedger``); ZOUFANG_DB/TODAY/OPERATOR
    point the CLI at it."""
    path = new_ledger("ledger")
    for name, value in cli_env(path).items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("ZOUFANG_DEBUG", raising=False)
    return path


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
    """Run the CLI on the test's ledger: ``zf("due", "--days", "30")`` → Result(exit_code,
    stdout, stderr); see :func:`helpers.invoke`."""
    return invoke


@pytest.fixture
def snapshot_db(ledger_path):
    """Return a function giving every row of every table, and every index, to prove a
    refusal wrote nothing (nor left an index `import` builds after its rows dropped)."""
    return lambda: {**all_rows(ledger_path), "(indexes)": rawdb.indexes(ledger_path)}


@pytest.fixture
def village(zf):
    """A small village: two cadres, three households (none visited yet), for command tests."""
    ok(
        zf(
            "cadre",
            "add",
            "--name",
            "王建国",
            "--unit",
            "红星村党支部",
            "--email",
            "wang@example.cn",
        )
    )
    ok(zf("cadre", "add", "--name", "李梅"))
    people = [
        ("陈大爷", valid_id("11010119450307123"), "红星村", ["veteran-member", "elderly-alone"]),
        ("王奶奶", valid_id("11010119520611234"), "东风社区", ["low-income"]),
        ("刘小明", valid_id("37020320120415561"), "红星村", ["left-behind-child"]),
    ]
    for name, number, place, cats in people:
        args = ["enroll", "--name", name, "--id-number", number, "--village", place]
        args += ["--cadre", "C0001"]
        for c in cats:
            args += ["--category", c]
        ok(zf(*args))
    return people


@pytest.fixture
def funded(zf, village):
    """The village plus fund CJ2026 (helpers.FUND) with 5,000.00 allocated (entry 1)."""
    return seed_fund(zf)
