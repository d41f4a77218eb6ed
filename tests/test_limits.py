"""Limits that match the columns (issue 21, part 5).

Every text option's limit is its ledger column's length, read from tables.py: the longest
value fits, one character more is refused (exit 2, naming the limit). A ledger written
with the longest value of every field copies to PostgreSQL; `db copy` of a ledger holding
values its columns cannot hold checks every row first and lists every problem, copying
nothing.
"""

from __future__ import annotations

import itertools
import os

import pytest

import rawdb
from helpers import FUND, all_rows, need_postgresql, ok, refused, valid_id
from zoufang import tables
from zoufang.parsing import FREE_TEXT_MAX

_targets = itertools.count(1)


def limit(column: str) -> int:
    table, name = column.split(".")
    return tables.max_length(tables.metadata.tables[table], name) or FREE_TEXT_MAX


@pytest.fixture
def hamlet(zf):
    ok(zf("cadre", "add", "--name", "王建国"))
    ok(
        zf(
            "enroll",
            "--name",
            "陈大爷",
            "--id-number",
            valid_id("11010119450307123"),
            "--village",
            "红星村",
            "--category",
            "low-income",
            "--cadre",
            "C0001",
        )
    )
    ok(zf("visit", "log", "H000001", "--by", "C0001", "--need", "修缮屋顶"))
    ok(zf("fund", "create", FUND, "--name", "慰问金", "--category", "low-income"))
    ok(zf("fund", "allocate", FUND, "1000"))


#: (option, column, the command with the value put in)
OPTIONS = [
    ("--village", "household.village", lambda v: ["household", "update", "H000001", "--village", v]),
    ("--grid", "household.grid", lambda v: ["household", "update", "H000001", "--grid", v]),
    ("--address", "household.address", lambda v: ["household", "update", "H000001", "--address", v]),
    ("--hardship", "household.hardship", lambda v: ["household", "update", "H000001", "--hardship", v]),
    ("--health", "household.health", lambda v: ["household", "update", "H000001", "--health", v]),
    ("--name", "household.head_name", lambda v: ["household", "update", "H000001", "--name", v]),
    ("--reason", "household.exit_reason", lambda v: ["household", "exit", "H000001", "--reason", v]),
    ("--name", "cadre.name", lambda v: ["cadre", "add", "--name", v]),
    ("--unit", "cadre.unit", lambda v: ["cadre", "add", "--name", "李梅", "--unit", v]),
    ("--relation", "cadre_relative.relation", lambda v: ["cadre", "relate", "C0001", "--household", "H000001", "--relation", v]),
    ("--relation", "member.relation", lambda v: ["member", "add", "H000001", "--name", "李梅", "--relation", v]),
    ("--health", "member.health", lambda v: ["member", "add", "H000001", "--name", "李梅", "--relation", "配偶", "--health", v]),
    ("--label", "category.label", lambda v: ["category", "add", "flood", "--label", v, "--cadence", "30"]),
    ("--name", "fund.name", lambda v: ["fund", "create", "F2", "--name", v, "--category", "low-income"]),
    ("--source", "fund.source", lambda v: ["fund", "create", "F2", "--name", "x", "--source", v, "--category", "low-income"]),
    ("--memo", "ledger_entry.memo", lambda v: ["fund", "allocate", FUND, "100", "--memo", v]),
    ("--reason", "ledger_entry.memo", lambda v: ["fund", "reverse", "1", "--reason", v]),
    ("--notes", "visit.notes", lambda v: ["visit", "log", "H000001", "--by", "C0001", "--notes", v]),
    ("--need", "commitment.text", lambda v: ["visit", "log", "H000001", "--by", "C0001", "--need", v]),
    ("--wish", "visit_item.text", lambda v: ["visit", "log", "H000001", "--by", "C0001", "--wish", v]),
    ("TEXT", "commitment.text", lambda v: ["commitment", "add", "H000001", v, "--cadre", "C0001", "--due", "2026-12-31"]),
    ("--note", "commitment_response.note", lambda v: ["commitment", "respond", "1", "--note", v]),
    ("--to", "commitment.referred_to", lambda v: ["commitment", "refer", "1", "--to", v]),
]  # fmt: skip


@pytest.mark.parametrize(
    "option, column, command", OPTIONS, ids=[f"{o} {c}" for o, c, _x in OPTIONS]
)
def test_a_text_option_holds_what_its_column_holds(
    zf, hamlet, snapshot_db, option, column, command
):
    n = limit(column)
    line = refused(zf, snapshot_db, *command("张" * (n + 1)), code=2, starts=f"{option}: ")
    assert f"at most {n} fit" in line
    ok(zf(*command("张" * n)))


def test_the_limits_are_the_declarations():
    # the numbers people meet, from tables.py; unbounded visit notes are capped by the program
    assert limit("household.village") == 100 and limit("household.hardship") == 500
    assert limit("member.relation") == 40 and limit("visit.notes") == FREE_TEXT_MAX


@pytest.fixture
def postgresql_target():
    """Empty PostgreSQL databases to copy into."""
    need_postgresql("db copy to PostgreSQL")
    made = []

    def make(name: str):
        ledger = rawdb.create_database(f"zft_{os.getpid()}_lim{next(_targets)}_{name}")
        made.append(ledger)
        return ledger

    yield make
    for ledger in made:
        rawdb.drop_database(ledger.name)


def test_a_ledger_of_maximal_values_copies_to_postgresql(zf, ledger_path, postgresql_target):
    """Every text the CLI accepts, at its longest, fits PostgreSQL's columns."""
    most = {column: "张" * limit(column) for _o, column, _c in OPTIONS}
    ok(zf("cadre", "add", "--name", most["cadre.name"], "--unit", most["cadre.unit"]))
    ok(
        zf(
            "enroll",
            "--name",
            most["household.head_name"],
            "--id-number",
            valid_id("11010119450307123"),
            "--village",
            most["household.village"],
            "--grid",
            most["household.grid"],
            "--address",
            most["household.address"],
            "--hardship",
            most["household.hardship"],
            "--health",
            most["household.health"],
            "--housing",
            "张" * limit("household.housing"),
            "--employment",
            "张" * limit("household.employment"),
            "--category",
            "low-income",
            "--cadre",
            "C0001",
        )
    )
    ok(zf("category", "add", "flood", "--label", most["category.label"], "--cadence", "30"))
    ok(
        zf(
            "member",
            "add",
            "H000001",
            "--name",
            "张" * limit("member.name"),
            "--relation",
            most["member.relation"],
            "--health",
            most["member.health"],
        )
    )
    relative = valid_id("11010119520611234")
    ok(zf("cadre", "relate", "C0001", "--id-number", relative, "--relation", "张" * 40))
    ok(
        zf(
            "visit",
            "log",
            "H000001",
            "--by",
            "C0001",
            "--notes",
            most["visit.notes"],
            "--need",
            most["commitment.text"],
            "--wish",
            most["visit_item.text"],
            "--suggestion",
            most["visit_item.text"],
            "--gift",
            most["visit_item.text"],
        )
    )
    ok(zf("commitment", "respond", "1", "--note", most["commitment_response.note"]))
    ok(zf("commitment", "refer", "1", "--to", most["commitment.referred_to"]))
    ok(
        zf(
            "fund",
            "create",
            FUND,
            "--name",
            most["fund.name"],
            "--source",
            most["fund.source"],
            "--category",
            "low-income",
        )
    )
    ok(zf("fund", "allocate", FUND, "5000", "--memo", most["ledger_entry.memo"]))
    ok(
        zf(
            "fund",
            "disburse",
            FUND,
            "H000001",
            "100",
            "--by",
            "C0001",
            "--memo",
            most["ledger_entry.memo"],
        )
    )
    ok(zf("fund", "reverse", "2", "--reason", most["ledger_entry.memo"]))
    ok(zf("household", "exit", "H000001", "--reason", most["household.exit_reason"]))

    there = postgresql_target("maximal")
    copied = zf("db", "copy", "--to", str(there))
    assert copied.exit_code == 0, copied.stderr
    source, target = all_rows(ledger_path), all_rows(there)
    target["audit_log"] = [r for r in target["audit_log"] if r[4] != "copy"]
    assert target == source


@pytest.mark.sqlite_only
def test_db_copy_checks_every_row_first_and_lists_every_problem(
    zf, hamlet, ledger_path, postgresql_target
):
    con = rawdb.connect(ledger_path)
    with con:
        rawdb.disable_append_only(con)
        con.execute("UPDATE household SET village = ? WHERE code = 'H000001'", ("村" * 101,))
        con.execute("UPDATE cadre SET unit = ? WHERE code = 'C0001'", ("单" * 250,))
        con.execute("UPDATE commitment SET referred_to = ? WHERE id = 1", ("a\x00b",))
        con.execute("UPDATE ledger_entry SET memo = ? WHERE seq = 1", ("备" * 501,))
    con.close()
    for there in (postgresql_target("refused"), ledger_path.with_name("copy.db")):
        result = zf("db", "copy", "--to", str(there))
        assert result.exit_code == 1, result.stderr
        lines = result.stderr.strip().splitlines()
        assert lines == [
            "error: --db: 4 values do not fit the ledger's columns; nothing was copied "
            "(shorten them with the commands that wrote them, e.g. `household update`)"
        ]
        listed = result.stdout
        for expected in (
            "household",
            "101 characters; the column holds 100",
            "250 characters; the column holds 200",
            "NUL character",
            "501 characters; the column holds 500",
        ):
            assert expected in listed, listed
        assert rawdb.query(there, "SELECT count(*) FROM household") == [(0,)]
