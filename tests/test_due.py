"""When a household is next due (SPEC §4 "Due date") and the `due` command.

Unit tests of the rule itself (``services.due``), then `due` through the real entry point on
a village whose expected due dates are worked out by hand below (today is 2026-11-23).
"""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

import rawdb
from helpers import TODAY, cli_env, discard, error_line, invoke, ledger_from, ok, valid_id
from zoufang.services.due import compute_due_date, days_overdue, effective_cadence

D = dt.date.fromisoformat


# ---------------------------------------------------------------------------- the rule, no CLI


def test_effective_cadence_own_beats_categories():
    assert effective_cadence(14, [30, 90]) == 14
    assert effective_cadence(120, [30]) == 120  # own cadence wins even when longer


def test_effective_cadence_shortest_category():
    assert effective_cadence(None, [90, 30, 60]) == 30
    assert effective_cadence(None, (d for d in [60, 90])) == 60
    assert effective_cadence(None, [0, 60]) == 60  # a missing cadence is not "every 0 days"


def test_effective_cadence_needs_something():
    with pytest.raises(ValueError):
        effective_cadence(None, [])


def test_never_visited_is_due_from_enrolment():
    assert compute_due_date(
        enrolled_on=D("2026-06-01"), last_visit_on=None, next_date=None, cadence_days=30
    ) == D("2026-06-01")


def test_due_is_latest_visit_plus_cadence():
    assert compute_due_date(
        enrolled_on=D("2026-01-01"), last_visit_on=D("2026-10-01"), next_date=None, cadence_days=30
    ) == D("2026-10-31")
    assert compute_due_date(
        enrolled_on=D("2026-01-01"), last_visit_on=D("2026-12-15"), next_date=None, cadence_days=30
    ) == D("2027-01-14")
    assert compute_due_date(
        enrolled_on=D("2024-01-01"), last_visit_on=D("2024-02-01"), next_date=None, cadence_days=29
    ) == D("2024-03-01")  # leap year


def test_next_date_overrides_the_cadence():
    assert compute_due_date(
        enrolled_on=D("2026-01-01"),
        last_visit_on=D("2026-11-01"),
        next_date=D("2026-11-05"),
        cadence_days=30,
    ) == D("2026-11-05")
    assert compute_due_date(
        enrolled_on=D("2026-01-01"),
        last_visit_on=D("2026-11-01"),
        next_date=D("2027-03-01"),
        cadence_days=30,
    ) == D("2027-03-01")


def test_days_overdue_sign():
    assert days_overdue(D("2026-10-31"), D("2026-11-23")) == 23
    assert days_overdue(D("2026-11-23"), D("2026-11-23")) == 0
    assert days_overdue(D("2026-11-30"), D("2026-11-23")) == -7


# ---------------------------------------------------------------------------- the `due` command
#
# Enrolled on 2026-06-01 unless noted; today is 2026-11-23. Cadences (SPEC §5):
# hardship-member 30, retired-cadre 90, low-income 60, disabled 60, elderly-alone 30,
# veteran-member 60.
#
# code     village  categories                      own  cadre        visits (--next)                  due         overdue
# H000001  红星村   hardship-member, retired-cadre  -    C0001        10-01                            10-31 (+30)      23
# H000002  红星村   retired-cadre                   14   C0002        11-01                            11-15 (+14)       8
# H000003  东风社区 low-income                      90   C0001        09-01                            11-30 (+90)      -7
# H000004  东风社区 disabled                        -    -            never                            06-01 (enrolled) 175
# H000005  红星村   elderly-alone                   -    C0002        11-01 (11-05); back-filled       11-05 (--next)   18
#                                                                     10-01 (12-30) changes nothing
# H000006  红星村   hardship-member                 -    C0001        never, then exited               never due
# H000007  东风社区 veteran-member                  -    C0001        11-20 (2027-01-10)               2027-01-10      -48
# H000008  红星村   elderly-alone (enrolled today)  -    C0001,C0002  never                            11-23             0

EXPECTED = {
    "H000004": ("2026-06-01", 175, None),
    "H000001": ("2026-10-31", 23, "2026-10-01"),
    "H000005": ("2026-11-05", 18, "2026-11-01"),
    "H000002": ("2026-11-15", 8, "2026-11-01"),
    "H000008": ("2026-11-23", 0, None),
    "H000003": ("2026-11-30", -7, "2026-09-01"),
    "H000007": ("2027-01-10", -48, "2026-11-20"),
}
MOST_OVERDUE_FIRST = list(EXPECTED)


@pytest.fixture(scope="module")
def village_file(template_ledger, tmp_path_factory):
    """Build the village above once (through the CLI); each test gets a copy."""
    path = ledger_from(template_ledger, "due_village", tmp_path_factory.mktemp("due"))
    env = {**cli_env(path), "ZOUFANG_DEBUG": None}

    def run(*args):
        ok(invoke(*args, env=env))

    run("cadre", "add", "--name", "王建国")
    run("cadre", "add", "--name", "李梅")
    households = [
        ("甲", "红星村", ["hardship-member", "retired-cadre"], None, ["C0001"]),
        ("乙", "红星村", ["retired-cadre"], "14", ["C0002"]),
        ("丙", "东风社区", ["low-income"], "90", ["C0001"]),
        ("丁", "东风社区", ["disabled"], None, []),
        ("戊", "红星村", ["elderly-alone"], None, ["C0002"]),
        ("己", "红星村", ["hardship-member"], None, ["C0001"]),
        ("庚", "东风社区", ["veteran-member"], None, ["C0001"]),
    ]
    for i, (name, village, categories, cadence, cadres) in enumerate(households, 1):
        args = [
            "--today",
            "2026-06-01",
            "enroll",
            "--name",
            name,
            "--village",
            village,
            "--id-number",
            valid_id(f"1101011960010100{i}"),
        ]
        args += [a for c in categories for a in ("--category", c)]
        args += [a for c in cadres for a in ("--cadre", c)]
        if cadence:
            args += ["--cadence", cadence]
        run(*args)
    run(
        "enroll",
        "--name",
        "辛",
        "--village",
        "红星村",
        "--category",
        "elderly-alone",
        "--id-number",
        valid_id("11010119600101009"),
        "--cadre",
        "C0001",
        "--cadre",
        "C0002",
    )
    run("visit", "log", "H000001", "--by", "C0001", "--date", "2026-10-01")
    run("visit", "log", "H000002", "--by", "C0002", "--date", "2026-11-01")
    run("visit", "log", "H000003", "--by", "C0001", "--date", "2026-09-01")
    run("visit", "log", "H000005", "--by", "C0002", "--date", "2026-11-01", "--next", "2026-11-05")
    run("visit", "log", "H000005", "--by", "C0002", "--date", "2026-10-01", "--next", "2026-12-30")
    run("household", "exit", "H000006", "--reason", "迁出")
    run("visit", "log", "H000007", "--by", "C0001", "--date", "2026-11-20", "--next", "2027-01-10")
    if not rawdb.ON_POSTGRESQL:
        con = sqlite3.connect(path)
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        con.close()
    yield path
    discard(path)


@pytest.fixture
def due_village(village_file, ledger_path):
    rawdb.clone(village_file, ledger_path)


def due(zf, *args):
    result = zf("due", *args, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    return result.json()


def codes(rows):
    return [r["household"] for r in rows]


def test_due_rows_match_the_hand_computed_table(zf, due_village):
    rows = due(zf, "--days", "48")
    assert codes(rows) == MOST_OVERDUE_FIRST
    for row in rows:
        due_date, overdue, last_visit = EXPECTED[row["household"]]
        assert (row["due_date"], row["days_overdue"], row["last_visit"]) == (
            due_date,
            overdue,
            last_visit,
        ), row["household"]
    assert set(rows[0]) == {
        "household",
        "name",
        "village",
        "categories",
        "cadres",
        "last_visit",
        "due_date",
        "days_overdue",
    }
    first = rows[1]
    assert first["name"] == "甲"
    assert first["village"] == "红星村"
    assert first["categories"] == ["hardship-member", "retired-cadre"]
    assert first["cadres"] == ["C0001"]
    assert rows[0]["cadres"] == []
    assert rows[4]["cadres"] == ["C0001", "C0002"]


def test_exited_households_are_never_due(zf, due_village):
    assert "H000006" not in codes(due(zf, "--days", "3660"))
    assert "H000006" not in codes(due(zf, "--days", "3660", "--village", "红星村"))
    zf("household", "exit", "H000004", "--reason", "户主去世")
    assert codes(due(zf)) == ["H000001", "H000005", "H000002", "H000008"]


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        ("0", ["H000004", "H000001", "H000005", "H000002", "H000008"]),
        ("6", ["H000004", "H000001", "H000005", "H000002", "H000008"]),
        ("7", ["H000004", "H000001", "H000005", "H000002", "H000008", "H000003"]),
        ("47", ["H000004", "H000001", "H000005", "H000002", "H000008", "H000003"]),
        ("48", MOST_OVERDUE_FIRST),
    ],
)
def test_days_window_includes_its_last_day(zf, due_village, days, expected):
    assert codes(due(zf, "--days", days)) == expected


def test_days_defaults_to_zero(zf, due_village):
    assert codes(due(zf)) == codes(due(zf, "--days", "0"))


def test_today_shifts_days_overdue(zf, due_village, monkeypatch):
    # 2026-10-20 is 34 days before 2026-11-23; the window ends 2026-11-19. Nothing dated
    # after that day exists (services.figures): the visits of 11-01 and 11-20 are not made
    # yet, so H000002 and H000007 are still never visited (due since enrolment), H000005's
    # latest visit is the one of 10-01 (--next 12-30, outside the window), H000006 has not
    # exited yet, and H000008 is not enrolled yet.
    rows = zf("--today", "2026-10-20", "due", "--days", "30", "--format", "json").json()
    assert [(r["household"], r["days_overdue"], r["last_visit"]) for r in rows] == [
        ("H000002", 141, None),
        ("H000004", 141, None),
        ("H000006", 141, None),
        ("H000007", 141, None),
        ("H000001", -11, "2026-10-01"),
    ]
    monkeypatch.setenv("ZOUFANG_TODAY", "2027-01-10")
    rows = due(zf)
    assert [(r["household"], r["days_overdue"]) for r in rows] == [
        ("H000004", 223),
        ("H000001", 71),
        ("H000005", 66),
        ("H000002", 56),
        ("H000008", 48),
        ("H000003", 41),
        ("H000007", 0),
    ]


def test_backfilled_older_visit_does_not_move_the_due_date(zf, due_village):
    before = {r["household"]: r for r in due(zf, "--days", "48")}
    result = zf(
        "visit", "log", "H000001", "--by", "C0001", "--date", "2026-07-01", "--next", "2026-12-31"
    )
    assert result.exit_code == 0, result.stderr
    after = {r["household"]: r for r in due(zf, "--days", "48")}
    assert after["H000001"] == before["H000001"]
    assert after["H000001"]["last_visit"] == "2026-10-01"


def test_a_new_visit_moves_the_household_out(zf, due_village):
    zf("visit", "log", "H000004", "--by", "C0001")  # today; disabled: 60 days → 2027-01-22
    assert "H000004" not in codes(due(zf, "--days", "59"))
    [row] = [r for r in due(zf, "--days", "60") if r["household"] == "H000004"]
    assert (row["last_visit"], row["due_date"], row["days_overdue"]) == (TODAY, "2027-01-22", -60)


def test_next_on_the_latest_visit_overrides_a_longer_cadence(zf, due_village):
    zf("visit", "log", "H000003", "--by", "C0001", "--date", "2026-11-20", "--next", "2026-11-21")
    [row] = [r for r in due(zf) if r["household"] == "H000003"]
    assert (row["due_date"], row["days_overdue"]) == ("2026-11-21", 2)


def test_own_cadence_and_category_changes_recompute(zf, due_village):
    # H000001 visited 10-01: own cadence 7 → 10-08; back to categories → 10-31;
    # replace the categories with retired-cadre (90) alone → 12-30
    zf("household", "update", "H000001", "--cadence", "7")
    assert [r["due_date"] for r in due(zf) if r["household"] == "H000001"] == ["2026-10-08"]
    zf("household", "update", "H000001", "--cadence", "default")
    assert [r["due_date"] for r in due(zf) if r["household"] == "H000001"] == ["2026-10-31"]
    zf("household", "update", "H000001", "--category", "retired-cadre")
    assert "H000001" not in codes(due(zf, "--days", "36"))
    assert [r["due_date"] for r in due(zf, "--days", "37") if r["household"] == "H000001"] == [
        "2026-12-30"
    ]


def test_a_new_category_with_a_shorter_cadence(zf, due_village):
    zf("category", "add", "flood-affected", "--label", "受灾群众", "--cadence", "7")
    zf(
        "household",
        "update",
        "H000003",
        "--category",
        "low-income",
        "--category",
        "flood-affected",
        "--cadence",
        "default",
    )
    [row] = [r for r in due(zf) if r["household"] == "H000003"]
    assert (row["due_date"], row["days_overdue"]) == ("2026-09-08", 76)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--cadre", "C0001"], ["H000001", "H000008", "H000003", "H000007"]),
        (["--cadre", "C0002"], ["H000005", "H000002", "H000008"]),
        (["--village", "东风社区"], ["H000004", "H000003", "H000007"]),
        (["--village", "没有这个村"], []),
        (["--category", "retired-cadre"], ["H000001", "H000002"]),
        (["--category", "elderly-alone"], ["H000005", "H000008"]),
        (["--category", "honour-recipient"], []),
        (
            ["--village", "红星村", "--cadre", "C0002", "--category", "elderly-alone"],
            ["H000005", "H000008"],
        ),
    ],
)
def test_due_filters(zf, due_village, args, expected):
    assert codes(due(zf, "--days", "48", *args)) == expected


def test_due_formats(zf, due_village):
    csv_lines = zf("due", "--format", "csv").stdout.splitlines()
    assert (
        csv_lines[0] == "household,name,village,categories,cadres,last_visit,due_date,days_overdue"
    )
    assert csv_lines[1] == "H000004,丁,东风社区,disabled,,,2026-06-01,175"
    md = zf("due", "--format", "markdown").stdout.splitlines()
    assert md[0].startswith("| ") and set(md[1]) <= set("|:- ") and len(md) == 7
    plain = zf("due", "--format", "plain").stdout
    assert "H000004" in plain and "175" in plain


def test_nobody_due_is_quiet(zf, due_village):
    result = zf("--today", "2026-01-01", "due", "--format", "plain")
    assert (result.exit_code, result.stdout) == (0, "")
    assert zf("--today", "2026-01-01", "due", "--format", "json").json() == []


@pytest.mark.parametrize(
    ("args", "code", "starts"),
    [
        (["due", "--days", "-1"], 2, "--days: must be at least 0"),
        (["due", "--days", "week"], 2, "--days: "),
        (["due", "--days", "1.5"], 2, "--days: "),
        (["due", "--format", "xls"], 2, "--format: "),
        (["due", "--cadre", "C0099"], 1, "--cadre: no cadre 'C0099'"),
        (["due", "--category", "no-such"], 1, "--category: unknown category"),
        (["--today", "2026-11-31", "due"], 2, "--today: "),
    ],
)
def test_due_refusals(zf, due_village, snapshot_db, args, code, starts):
    before = snapshot_db()
    result = zf(*args)
    assert result.exit_code == code, result.stderr
    error_line(result, "error: " + starts)
    assert snapshot_db() == before
