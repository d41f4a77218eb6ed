"""One definition per figure (issue 20): `report`, `audit visits`, `due`, `remind --dry-run`,
`commitment list` and `household show` agree on every figure they share, on any ledger and
any date (services/figures.py; docs/glossary.md, "Figures").

First the issue's own examples (each failed before the figures had one definition), then
the consistency check on the demo ledger at several ``--today`` dates, periods and villages,
then the same check over small generated ledgers (hypothesis).
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import TODAY, cli_env, discard, invoke, ledger_from, ok, valid_id

# ---------------------------------------------------------------------------- the commands


def run(env: dict, *args: str):
    return ok(invoke(*args, env=env))


def as_json(env: dict, day: str, *args: str):
    result = invoke("--today", day, *args, "--format", "json", env=env)
    # an audit with errors exits 1; everything else must succeed
    assert result.exit_code in ((0, 1) if args[0] == "audit" else (0,)), result.stderr
    assert result.stderr == ""
    return result.json()


def figures_of(env: dict, day: str, *, village: str | None = None, since: str | None = None):
    """Every figure the commands share, as each command tells it, as of ``day`` (in
    ``village``, over the period from ``since``); asserts that they agree and returns what
    the commands said."""
    where = ["--village", village] if village else []
    period = ["--since", since] if since else []
    report = as_json(env, day, "report", *period, *where)
    audit = as_json(env, day, "audit", "visits")
    due = as_json(env, day, "due", *where)
    remind = as_json(env, day, "remind", "--dry-run")["items"]
    overdue_commitments = as_json(env, day, "commitment", "list", "--overdue")
    village_of = {h["code"]: h["village"] for h in as_json(env, day, "household", "list")}

    def here(household_village: str) -> bool:
        return village is None or household_village == village

    # --- overdue visits and never visited --------------------------------------------------
    due_overdue = {r["household"] for r in due if r["days_overdue"] > 0}
    due_never = {r["household"] for r in due if r["days_overdue"] > 0 and r["last_visit"] is None}
    audit_by_check: dict[str, set[str]] = {}
    for f in audit["findings"]:
        if f["household"] is None or here(village_of[f["household"]]):
            audit_by_check.setdefault(f["check"], set()).add(f["household"])
    audit_never = audit_by_check.get("never-visited", set())
    assert audit_never | audit_by_check.get("overdue", set()) == due_overdue, day
    assert audit_never == due_never, day
    remind_visits = {
        i["household"]: i for i in remind if i["kind"] == "visit" and here(i["village"])
    }
    assert set(remind_visits) == due_overdue, day
    assert {h for h, i in remind_visits.items() if i["last_visit"] is None} == due_never, day
    assert report["households"]["overdue"] == len(due_overdue), day
    assert report["households"]["never_visited"] == len(due_never), day
    assert {r["household"] for r in report["never_visited"]} == due_never, day
    # --- overdue and unanswered commitments ------------------------------------------------
    listed = {c["id"] for c in overdue_commitments if here(c["village"])}
    reminded = {i["commitment"] for i in remind if i["kind"] == "commitment" and here(i["village"])}
    assert reminded == listed, day
    assert sum(c["overdue_commitments"] for c in report["cadres"]) == len(listed), day
    if since is None:
        assert report["needs"]["overdue"] == len(listed), day
    unanswered = {c["id"] for c in overdue_commitments if here(c["village"]) and not c["responses"]}
    assert {
        int(f["detail"].split()[1])
        for f in audit["findings"]
        if f["check"] == "unanswered" and here(village_of[f["household"]])
    } == unanswered, day
    # --- one household at a time: `household show` against `due` and `commitment list` ----
    for row in due[:4] + due[-2:]:
        shown = as_json(env, day, "household", "show", row["household"])
        assert (shown["days_overdue"], shown["due_date"], shown["last_visit"]) == (
            row["days_overdue"],
            row["due_date"],
            row["last_visit"],
        ), (day, row["household"])
        dates = [v["date"] for v in shown["visits"]]
        assert all(d <= day for d in dates)
        assert shown["last_visit"] == max(dates, default=None)
        mine = {c["id"] for c in shown["open_commitments"] if (c["days_overdue"] or 0) > 0}
        assert mine == {c["id"] for c in overdue_commitments if c["household"] == row["household"]}
    # --- visits in the period; check-in visits dated up to the day -------------------------
    visits = as_json(env, day, "visit", "list", *period, "--until", day)
    assert report["visits"]["total"] == sum(1 for v in visits if here(v["village"])), day
    assert all(
        f["detail"].split(" on ")[1][:10] <= day
        for f in audit["findings"]
        if f["check"] == "check-in"
    )
    return {"report": report, "audit": audit, "due": due, "remind": remind}


# ---------------------------------------------------------------------------- the examples


@pytest.fixture
def small(zf, village):
    """The conftest village (three households enrolled on TODAY, 2026-11-23)."""
    return village


def _count(report: dict, check: str) -> int:
    return sum(1 for f in report["findings"] if f["check"] == check)


def test_households_enrolled_today_are_not_yet_never_visited(zf, small):
    report = zf("report", "--format", "json").json()
    assert report["households"]["never_visited"] == 0
    assert report["never_visited"] == []
    assert _count(zf("audit", "visits", "--format", "json").json(), "never-visited") == 0
    rows = zf("due", "--format", "json").json()
    assert [(r["household"], r["days_overdue"]) for r in rows] == [
        ("H000001", 0),
        ("H000002", 0),
        ("H000003", 0),
    ]  # due today, not overdue
    day_after = "2026-11-24"
    report = zf("--today", day_after, "report", "--format", "json").json()
    assert report["households"]["never_visited"] == 3


def test_audit_and_report_count_the_same_never_visited(zf, small):
    """The issue: `audit visits` listed 7 never-visited households, `report` 9, same day."""
    for day in ("2026-11-24", "2026-12-23", "2026-12-24", "2027-02-01"):
        report = zf("--today", day, "report", "--format", "json").json()
        audit = zf("--today", day, "audit", "visits", "--format", "json").json()
        assert report["households"]["never_visited"] == _count(audit, "never-visited") == 3


def test_a_past_today_sees_nothing_dated_after_it(zf, small):
    """The issue: with a past --today, `audit visits` still counted check-in visits dated
    after it, and `due` took the due dates from visits not yet made."""
    ok(zf("--today", "2026-12-20", "visit", "log", "H000001", "--by", "C0001"))  # a check-in
    audit = zf("--today", "2026-12-19", "audit", "visits", "--format", "json").json()
    assert _count(audit, "check-in") == 0
    assert "H000001" in {f["household"] for f in audit["findings"] if f["check"] == "never-visited"}
    rows = {r["household"]: r for r in zf("--today", "2026-12-19", "due", "-f", "json").json()}
    assert (rows["H000001"]["last_visit"], rows["H000001"]["days_overdue"]) == (None, 26)
    shown = zf("--today", "2026-12-19", "household", "show", "H000001", "-f", "json").json()
    assert (shown["last_visit"], shown["days_overdue"], shown["visits"]) == (None, 26, [])
    report = zf("--today", "2026-12-19", "report", "--format", "json").json()
    assert (report["households"]["never_visited"], report["visits"]["total"]) == (3, 0)
    # --until after today: the period ends today
    later = zf("--today", "2026-12-19", "report", "--until", "2027-06-30", "-f", "json").json()
    assert later["period"]["until"] == "2026-12-19"
    assert later["visits"]["total"] == 0


# ---------------------------------------------------------------------------- the demo ledger


@pytest.fixture(scope="module")
def demo(template_ledger, tmp_path_factory):
    """A demo ledger (with funds) made on TODAY; the tests only read it."""
    path = ledger_from(template_ledger, "figures_demo", tmp_path_factory.mktemp("figures"))
    env = {**cli_env(path), "ZOUFANG_DEBUG": None, "ZOUFANG_LANG": "en"}
    run(env, "demo", "--households", "120", "--seed", "7", "--funds")
    yield env
    discard(path)


def test_demo_ledger_on_2026_03_01(demo):
    """The issue: `report` counted 2 households never visited, `audit visits` none."""
    figures = figures_of(demo, "2026-03-01")
    never = figures["report"]["households"]["never_visited"]
    assert never == _count(figures["audit"], "never-visited")


@pytest.mark.parametrize("day", ["2026-01-15", "2026-03-01", "2026-07-31", TODAY, "2027-02-01"])
def test_demo_figures_agree_at_every_date(demo, day):
    figures_of(demo, day)


@pytest.mark.parametrize(("day", "since"), [("2026-06-30", "2026-04-01"), (TODAY, "2026-09-01")])
def test_demo_figures_agree_over_a_period(demo, day, since):
    figures_of(demo, day, since=since)


def test_demo_figures_agree_in_each_village(demo):
    villages = [r["village"] for r in as_json(demo, TODAY, "report")["visits"]["by_village"]]
    for village, day in zip(villages[:3], ["2026-03-01", "2026-08-01", TODAY], strict=False):
        figures_of(demo, day, village=village)


# ---------------------------------------------------------------------------- generated ledgers

START = dt.date(2026, 1, 1)
_ledgers = itertools.count(1)


def _day(n: int) -> str:
    return (START + dt.timedelta(days=n)).isoformat()


households_st = st.lists(
    st.tuples(
        st.integers(0, 120),  # enrolled, days after START
        st.sampled_from(["low-income", "hardship-member", "veteran-member"]),
        st.sampled_from(["红星村", "东风社区"]),
        st.lists(
            st.tuples(
                st.integers(0, 150),  # visit, days after enrolment
                st.booleans(),  # notes taken (else a check-in)
                st.one_of(st.none(), st.integers(1, 60)),  # --next, days after the visit
                st.one_of(st.none(), st.integers(0, 60)),  # a need, due days after the visit
            ),
            max_size=3,
        ),
        st.booleans(),  # exits 100 days after enrolment
    ),
    min_size=1,
    max_size=4,
)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(households=households_st, days=st.lists(st.integers(0, 300), min_size=1, max_size=3))
def test_figures_agree_on_generated_ledgers(template_ledger, tmp_path_factory, households, days):
    path = ledger_from(template_ledger, f"figures_{next(_ledgers)}", tmp_path_factory.mktemp("gen"))
    env = {**cli_env(path), "ZOUFANG_DEBUG": None, "ZOUFANG_LANG": "en"}
    try:
        run(env, "cadre", "add", "--name", "王建国")
        events: list[tuple[int, list[str]]] = []
        households = sorted(households, key=lambda h: h[0])  # codes go in enrolment order
        for i, (enrolled, category, village, visits, exits) in enumerate(households, 1):
            code = f"H{i:06d}"
            events.append(
                (
                    enrolled,
                    [
                        "enroll",
                        "--name",
                        "户主" + "".join("甲乙丙丁戊己庚辛壬癸"[int(d)] for d in str(i)),
                        "--id-number",
                        valid_id(f"1101011960010100{i}"),
                        "--village",
                        village,
                        "--category",
                        category,
                        "--cadre",
                        "C0001",
                    ],
                )
            )
            for after, notes, next_in, need_in in visits:
                on = enrolled + after
                if exits and on >= enrolled + 100:
                    continue
                args = ["visit", "log", code, "--by", "C0001", "--date", _day(on)]
                args += ["--notes", "情况稳定"] if notes else []
                args += ["--next", _day(on + next_in)] if next_in else []
                if need_in is not None:
                    args += ["--need", "修缮房屋", "--need-due", _day(on + need_in)]
                events.append((on, args))
            if exits:
                events.append((enrolled + 100, ["household", "exit", code, "--reason", "迁出"]))
        # in the order they happened, each on its own day (visits may not be in the future)
        for k in sorted(range(len(events)), key=lambda k: (events[k][0], k)):
            on, args = events[k]
            run(env, "--today", _day(on), *args)
        for n in days:
            figures_of(env, _day(n))
    finally:
        discard(path)
