"""`zoufang demo`: a reproducible, realistic ledger made up in an empty ledger file, through
the real entry point."""

from __future__ import annotations

import datetime as dt

import pytest

import rawdb
from helpers import TODAY, valid_id

HOUSEHOLDS = 120


@pytest.fixture
def demo(zf):
    result = zf("demo", "--households", HOUSEHOLDS, "--seed", "3")
    assert result.exit_code == 0, result.stderr
    return result


def test_default_demo_fills_villages_and_says_so_on_stderr(zf, ledger_path):
    result = zf("demo")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        f"demo: 200 households, 8 cadres, {rawdb.query(ledger_path, 'SELECT COUNT(*) FROM visit')[0][0]:,}"
        f" visits, {rawdb.query(ledger_path, 'SELECT COUNT(*) FROM commitment')[0][0]:,} commitments"
        f" written to {ledger_path}"
    ]
    households = zf("household", "list", "-f", "json").json()
    assert len(households) == 200
    assert {h["code"] for h in households} == {f"H{i:06d}" for i in range(1, 201)}
    assert len({h["village"] for h in households}) == 5
    assert all(h["village"].endswith(("村", "社区")) for h in households)
    assert all(1 <= len(h["categories"]) <= 2 and h["cadres"] for h in households)
    cadres = zf("cadre", "list", "-f", "json").json()
    assert [c["code"] for c in cadres] == [f"C{i:04d}" for i in range(1, 9)]
    assert all(c["unit"] and "@" in c["email"] for c in cadres)
    visits = rawdb.query(ledger_path, "SELECT COUNT(*) FROM visit")[0][0]
    assert 6 * 200 <= visits <= 14 * 200  # ~10 a household: cadence-driven, about a year


def test_same_seed_same_ledger_other_seed_another(zf, demo, new_ledger):
    def listings(*db):
        return [
            zf(*db, *command, "-f", "json").stdout
            for command in (
                ("household", "list"),
                ("visit", "list"),
                ("commitment", "list"),
                ("cadre", "list"),
            )
        ]

    first = listings()
    again, other = new_ledger("again"), new_ledger("other")
    for path, seed in ((again, "3"), (other, "4")):
        result = zf("--db", path, "demo", "--households", HOUSEHOLDS, "--seed", seed)
        assert result.exit_code == 0, result.stderr
    assert listings("--db", again) == first
    assert listings("--db", other)[0] != first[0]


@pytest.mark.parametrize("setup", ["village", "cadre"])
def test_refuses_a_ledger_that_has_data_and_changes_nothing(
    zf, ledger_path, snapshot_db, request, setup
):
    if setup == "village":
        request.getfixturevalue("village")
    else:
        assert zf("cadre", "add", "--name", "王建国").exit_code == 0
    before = snapshot_db()
    result = zf("demo", "--households", "10")
    assert result.exit_code == 1
    assert result.stdout == ""
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"error: --db: the ledger {ledger_path} already holds "), line
    assert snapshot_db() == before


@pytest.mark.parametrize("value", ["0", "-5", "abc", "1000001", "2.5", ""])
def test_bad_household_count_is_invalid_input(zf, snapshot_db, value):
    before = snapshot_db()
    result = zf("demo", "--households", value)
    assert result.exit_code == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("error: --households: "), line
    assert snapshot_db() == before


def test_every_id_number_is_valid_and_unique(demo, ledger_path):
    from zoufang.parsing import parse_id_number

    heads = [n for (n,) in rawdb.query(ledger_path, "SELECT id_number FROM household")]
    members = [
        n
        for (n,) in rawdb.query(
            ledger_path, "SELECT id_number FROM member WHERE id_number IS NOT NULL"
        )
    ]
    assert len(heads) == HOUSEHOLDS and members
    for number in heads + members:
        assert parse_id_number(number) == number
    assert len(set(heads + members)) == len(heads) + len(members)


def test_birth_dates_follow_the_categories(demo, ledger_path):
    today = dt.date.fromisoformat(TODAY)
    ages = rawdb.query(
        ledger_path,
        """
        SELECT c.category_code, h.id_number FROM household h
        JOIN household_category c ON c.household_id = h.id""",
    )
    for category, number in ages:
        born = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
        age = (today - born).days // 365
        if category in ("elderly-alone", "veteran-member"):
            assert age >= 60, (category, number)
        if category == "left-behind-child":
            assert age < 18, (category, number)


def test_due_dates_are_what_refresh_due_dates_computes(demo, ledger_path):
    from sqlalchemy import select

    from zoufang.db import Ledger
    from zoufang.models import Household
    from zoufang.services.due import refresh_due_dates

    class Undo(Exception):
        """Leaves the session by raising, so that its transaction is rolled back."""

    ledger = Ledger(str(ledger_path))
    query = select(Household.id, Household.last_visit_on, Household.due_date)
    with (
        pytest.raises(Undo),
        ledger.session(write=True, operator="tester", command="test") as session,
    ):
        written = session.execute(query).all()
        refresh_due_dates(session=session, household_ids=[r.id for r in written])
        assert session.execute(query).all() == written
        raise Undo
    ledger.engine.dispose()


def test_dates_lie_within_the_year_before_today(demo, ledger_path):
    today = dt.date.fromisoformat(TODAY)
    [(first, last)] = rawdb.query(
        ledger_path, "SELECT MIN(enrolled_on), MAX(enrolled_on) FROM household"
    )
    assert today - dt.timedelta(days=366) <= dt.date.fromisoformat(first)
    assert dt.date.fromisoformat(last) <= today
    assert rawdb.query(ledger_path, "SELECT MAX(visit_date) FROM visit")[0][0] <= TODAY
    assert (
        rawdb.query(ledger_path, "SELECT MAX(response_date) FROM commitment_response")[0][0]
        <= TODAY
    )
    assert rawdb.query(
        ledger_path,
        f"""
        SELECT COUNT(*) FROM visit v JOIN household h ON h.id = v.household_id
        WHERE v.visit_date < h.enrolled_on OR v.visit_date > COALESCE(h.exited_on, '{TODAY}')
    """,
    ) == [(0,)]
    assert rawdb.query(
        ledger_path,
        """
        SELECT COUNT(*) FROM commitment_response r JOIN commitment c ON c.id = r.commitment_id
        WHERE r.response_date < c.opened_on""",
    ) == [(0,)]


def test_due_lists_households_and_some_are_overdue(zf, demo):
    due = zf("due", "--days", "30", "-f", "json")
    assert due.exit_code == 0, due.stderr
    listed = due.json()
    assert listed
    assert any(row["days_overdue"] > 0 for row in listed)


def test_visits_hold_what_was_heard_given_and_promised(zf, demo, ledger_path):
    visits = zf("visit", "list", "-f", "json").json()
    assert {v["kind"] for v in visits} >= {"routine", "festival", "verification"}
    assert any(v["needs"] for v in visits) and any(v["gifts"] for v in visits)
    assert any(v["suggestions"] for v in visits)
    statuses = {c["status"] for c in zf("commitment", "list", "-f", "json").json()}
    assert statuses >= {"open", "in-progress", "resolved"}
    members = rawdb.query(ledger_path, "SELECT relation FROM member")
    assert {"配偶", "子女"} <= {r for (r,) in members}


def test_one_audit_row_for_the_whole_run(demo, ledger_path):
    assert rawdb.query(ledger_path, "SELECT action, object_type FROM audit_log") == [
        ("demo", "ledger")
    ]


def test_the_ledger_keeps_working_after_the_demo(zf, demo, ledger_path):
    """Ids were assigned by the demo: new rows must carry on after them."""
    enrolled = zf(
        "enroll",
        "--name",
        "张三",
        "--id-number",
        valid_id("11010119800101001"),
        "--village",
        "新村",
        "--category",
        "low-income",
        "-f",
        "json",
    )
    assert enrolled.exit_code == 0, enrolled.stderr
    assert enrolled.json()["code"] == f"H{HOUSEHOLDS + 1:06d}"
    visit = zf(
        "visit", "log", enrolled.json()["code"], "--by", "C0001", "--need", "修屋顶", "-f", "json"
    )
    assert visit.exit_code == 0, visit.stderr
    assert visit.json()["id"] == rawdb.query(ledger_path, "SELECT MAX(id) FROM visit")[0][0]
    assert zf("db", "check").exit_code == 0


def test_demo_makes_a_realistic_mix_of_wishes_and_suggestions(zf):
    """Wishes claimed (by cadres and by units), fulfilled, declined and still waiting;
    suggestions adopted, not adopted, answered and unanswered — each heard at a visit."""
    result = zf("demo", "--households", "200")
    assert result.exit_code == 0, result.stderr
    wishes = zf("wish", "list", "--format", "json").json()
    statuses = {w["status"] for w in wishes}
    assert statuses == {"open", "claimed", "fulfilled", "declined"}
    assert any(w["claimed_unit"] for w in wishes) and any(w["claimed_cadre"] for w in wishes)
    assert all(w["visit"] is not None and w["cadre"] for w in wishes)
    suggestions = zf("suggestion", "list", "--format", "json").json()
    assert {s["status"] for s in suggestions} == {
        "unanswered",
        "answered",
        "adopted",
        "not-adopted",
    }
    report = zf("report", "--format", "json").json()
    heard = report["heard"]
    assert heard["wishes"] == len(wishes) and heard["suggestions"] == len(suggestions)
    assert 0 < heard["wishes_fulfilled"] < heard["wishes_claimed"] <= heard["wishes"]
    assert 0 < heard["suggestions_adopted"] < heard["suggestions_answered"] < heard["suggestions"]
    assert zf("db", "check").exit_code == 0
