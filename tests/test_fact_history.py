"""The dated history of the facts a payment depends on (issue 13): every payment is judged by
the facts of its day, at write time and by `audit funds` alike; changes take --from (and a
reason when backdated); the history is append-only and hash-chained; tampering with it is
found."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rawdb
from fundkit import raw_append
from helpers import FUND, TODAY, connect_named, dict_rows, error_line, ok


def on(day: str) -> dict:
    return {"ZOUFANG_TODAY": day}


def audit(zf, *args, day: str = "2026-11-30"):
    result = zf("audit", "funds", "-f", "json", *args, env=on(day))
    assert result.exit_code in (0, 1), result.stderr
    return result.exit_code, result.json()


def checks(report, severity=None) -> set[str]:
    return {f["check"] for f in report["findings"] if severity in (None, f["severity"])}


def history(path) -> list[dict]:
    return dict_rows(path, "SELECT * FROM fact_change ORDER BY seq")


def category_changed(zf):
    """H000002 (low-income, eligible for CJ2026) paid on 11-24; from 11-25 it is a
    left-behind child's household (not eligible)."""
    ok(zf("fund", "disburse", FUND, "H000002", "300", "--by", "C0002", env=on("2026-11-24")))
    ok(
        zf(
            "household",
            "update",
            "H000002",
            "--category",
            "left-behind-child",
            env=on("2026-11-25"),
        )
    )


# ------------------------------------------------------------------ the example


def test_an_old_payment_is_judged_by_the_categories_of_its_day(funded, zf):
    category_changed(zf)
    code, report = audit(zf)
    assert code == 0, report["findings"]
    assert checks(report) == {"no-visit"}


def test_a_payment_after_the_change_is_refused_and_found_when_forced_in(
    funded, zf, ledger_path, snapshot_db
):
    category_changed(zf)
    before = snapshot_db()
    refused = zf("fund", "disburse", FUND, "H000002", "100", "--by", "C0002", env=on("2026-11-26"))
    assert refused.exit_code == 1
    assert "ineligible" in error_line(refused) or "left-behind-child" in error_line(refused)
    assert snapshot_db() == before
    raw_append(
        ledger_path,
        household_code="H000002",
        cadre_code="C0002",
        entry_date="2026-11-26",
    )
    code, report = audit(zf)
    assert code == 1
    found = [f for f in report["findings"] if f["check"] == "ineligible"]
    assert [f["entry"] for f in found] == [3]


def test_a_payment_dated_before_the_change_is_allowed_after_it(funded, zf):
    """A payment entered late but dated before the change: the facts of its date hold."""
    category_changed(zf)
    ok(
        zf(
            "fund",
            "disburse",
            FUND,
            "H000002",
            "100",
            "--by",
            "C0002",
            "--date",
            "2026-11-23",
            env=on("2026-11-26"),
        )
    )
    code, report = audit(zf)
    assert code == 0, report["findings"]


def test_a_fund_rule_change_judges_later_payments_only(funded, zf):
    ok(zf("fund", "disburse", FUND, "H000002", "900", "--by", "C0002", env=on("2026-11-24")))
    ok(zf("fund", "update", FUND, "--cap", "500", env=on("2026-11-25")))
    code, report = audit(zf)
    assert code == 0, report["findings"]
    refused = zf("fund", "disburse", FUND, "H000003", "600", "--by", "C0001", env=on("2026-11-26"))
    assert refused.exit_code == 1
    # the fund's own view shows the rule in force now
    shown = zf("fund", "show", FUND, "-f", "json", env=on("2026-11-26")).json()
    assert shown["cap"] in (500, "500.00", 500.0)


def test_an_exit_from_a_day_refuses_payments_from_that_day(funded, zf):
    ok(
        zf(
            "household",
            "exit",
            "H000002",
            "--reason",
            "迁出本村",
            "--from",
            "2026-11-26",
            env=on("2026-11-26"),
        )
    )
    refused = zf("fund", "disburse", FUND, "H000002", "100", "--by", "C0002", env=on("2026-11-27"))
    assert refused.exit_code == 1
    # dated before the exit: allowed
    ok(
        zf(
            "fund",
            "disburse",
            FUND,
            "H000002",
            "100",
            "--by",
            "C0002",
            "--date",
            "2026-11-25",
            env=on("2026-11-27"),
        )
    )


def test_a_relation_ended_no_longer_conflicts(funded, zf):
    ok(zf("cadre", "relate", "C0002", "--household", "H000002", env=on("2026-11-24")))
    refused = zf("fund", "disburse", FUND, "H000002", "100", "--by", "C0002", env=on("2026-11-24"))
    assert refused.exit_code == 1
    ok(zf("cadre", "unrelate", "C0002", "--household", "H000002", env=on("2026-11-25")))
    ok(zf("fund", "disburse", FUND, "H000002", "100", "--by", "C0002", env=on("2026-11-25")))
    code, report = audit(zf)
    assert code == 0, report["findings"]
    assert "conflict-of-interest" not in checks(report)


# ------------------------------------------------------------------ what is recorded


def test_every_fact_change_is_a_history_row(funded, zf, ledger_path):
    category_changed(zf)
    rows = history(ledger_path)
    kinds = {(r["subject_kind"], r["subject"], r["fact"]) for r in rows}
    assert ("household", "H000002", "categories") in kinds
    assert ("household", "H000001", "status") in kinds
    assert ("household", "H000001", "member_ids") in kinds
    assert ("fund", FUND, "rules") in kinds
    last = rows[-1]
    assert last["fact"] == "categories"
    assert json.loads(last["value"]) == ["left-behind-child"]
    assert str(last["effective_from"])[:10] == "2026-11-25"
    assert last["operator"] == "tester"
    assert last["origin"] == "change"
    assert last["ledger_seq"] == 2  # the allocation and the payment came before it


def test_the_database_refuses_to_change_history(funded, zf, ledger_path):
    con = rawdb.connect(ledger_path)
    try:
        for statement in (
            "UPDATE fact_change SET value = '[]' WHERE seq = 1",
            "DELETE FROM fact_change WHERE seq = 1",
        ):
            with pytest.raises(Exception, match="append-only"):
                con.execute(statement)
            con.rollback()
    finally:
        con.close()


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (
            ["household", "update", "H000002", "--category", "disabled", "--from", "2026-12-01"],
            "--from",
        ),
        (
            ["household", "update", "H000002", "--category", "disabled", "--from", "1949-09-30"],
            "--from",
        ),
        (
            [
                "household",
                "update",
                "H000002",
                "--category",
                "disabled",
                "--from",
                "2026-11-01",
                "--reason",
                "补录",
            ],
            "--from",
        ),  # before the enrolment (TODAY)
        (
            ["household", "update", "H000002", "--category", "disabled", "--from", "2026-11-24"],
            "--reason",
        ),
        (["household", "exit", "H000002", "--reason", "迁出", "--from", "2026-12-01"], "--from"),
        (
            ["cadre", "relate", "C0001", "--household", "H000002", "--from", "2026-11-24"],
            "--reason",
        ),
        (["fund", "update", FUND, "--cap", "500", "--from", "2026-11-24"], "--reason"),
        (["fund", "update", FUND, "--cap", "500", "--from", "2027-01-01"], "--from"),
        (["household", "update", "H000002", "--from", "2026-11-25"], "--from"),
    ],
)
def test_bad_effective_dates_exit_2_nothing_written(funded, zf, snapshot_db, args, field):
    before = snapshot_db()
    result = zf(*args, env=on("2026-11-25"))
    assert result.exit_code == 2, result.stdout + result.stderr
    assert error_line(result).startswith(f"error: {field}:")
    assert snapshot_db() == before


def test_ending_a_relation_that_does_not_exist_exit_1(funded, zf, snapshot_db):
    before = snapshot_db()
    result = zf("cadre", "unrelate", "C0001", "--household", "H000002")
    assert result.exit_code == 1
    assert snapshot_db() == before


def test_exiting_an_exited_household_exit_1(funded, zf, snapshot_db):
    ok(zf("household", "exit", "H000002", "--reason", "迁出本村"))
    before = snapshot_db()
    result = zf("household", "exit", "H000002", "--reason", "再次")
    assert result.exit_code == 1
    assert snapshot_db() == before


def test_a_change_cannot_start_before_the_period_in_force(funded, zf, snapshot_db):
    ok(zf("household", "update", "H000002", "--category", "disabled", env=on("2026-11-26")))
    before = snapshot_db()
    result = zf(
        "household",
        "update",
        "H000002",
        "--category",
        "low-income",
        "--from",
        "2026-11-25",
        "--reason",
        "补录",
        env=on("2026-11-27"),
    )
    assert result.exit_code == 1
    assert snapshot_db() == before


# ------------------------------------------------------------------ backdated


def test_a_backdated_change_is_listed_with_the_payments_it_touches(funded, zf):
    ok(zf("fund", "disburse", FUND, "H000002", "300", "--by", "C0002", env=on("2026-11-24")))
    ok(
        zf(
            "household",
            "exit",
            "H000002",
            "--reason",
            "11月24日已迁出，补录",
            "--from",
            "2026-11-24",
            env=on("2026-11-26"),
        )
    )
    code, report = audit(zf)
    assert code == 0, report["findings"]  # the payment was right by what was known then
    (found,) = [f for f in report["findings"] if f["check"] == "backdated"]
    assert found["severity"] == "warning"
    assert found["household"] == "H000002"
    assert found["entry"] == 2
    assert "tester" in found["detail"] and found["detail"].endswith("touches: 2")


def test_a_backdated_category_does_not_hide_an_override(funded, zf):
    """H000003 (left-behind child) paid with --override; a category added later, backdated
    to before that payment, does not make it look eligible: the override still names the
    broken rule, and the backdated change is listed with the payment."""
    ok(
        zf(
            "fund",
            "disburse",
            FUND,
            "H000003",
            "200",
            "--by",
            "C0001",
            "--override",
            "特殊困难，镇长批准",
            env=on("2026-11-24"),
        )
    )
    ok(
        zf(
            "household",
            "update",
            "H000003",
            "--category",
            "left-behind-child",
            "--category",
            "low-income",
            "--from",
            "2026-11-23",
            "--reason",
            "低保认定补录",
            env=on("2026-11-26"),
        )
    )
    code, report = audit(zf)
    override = [f for f in report["findings"] if f["check"] == "override"]
    assert len(override) == 1 and "ineligible" in override[0]["detail"]
    backdated = [f for f in report["findings"] if f["check"] == "backdated"]
    assert len(backdated) == 1 and backdated[0]["entry"] == 2


# ------------------------------------------------------------------ tampering


def _shell(ledger_path):
    con = connect_named(ledger_path)
    rawdb.disable_fact_append_only(con)
    return con


def test_history_edited_is_found(funded, zf, ledger_path):
    category_changed(zf)
    con = _shell(ledger_path)
    with con:
        con.execute(
            "UPDATE fact_change SET value = ? WHERE subject = 'H000002' AND fact = 'categories' "
            "AND origin = 'change'",
            ('["low-income"]',),
        )
    con.close()
    code, report = audit(zf)
    assert code == 1
    assert "fact-chain" in checks(report, "error")


def test_history_row_deleted_is_found(funded, zf, ledger_path):
    category_changed(zf)
    con = _shell(ledger_path)
    with con:
        con.execute("DELETE FROM fact_change WHERE seq = 2")
    con.close()
    code, report = audit(zf)
    assert code == 1
    assert "fact-chain" in checks(report, "error")


def test_history_row_inserted_is_found(funded, zf, ledger_path):
    category_changed(zf)
    con = connect_named(ledger_path)
    head = con.execute("SELECT seq, hash FROM fact_change ORDER BY seq DESC LIMIT 1").fetchone()
    with con:
        con.execute(
            "INSERT INTO fact_change (seq, subject_kind, subject, fact, value, effective_from, "
            "ledger_seq, origin, recorded_at, operator, reason, prev_hash, hash) "
            "VALUES (?, 'household', 'H000002', 'categories', '[\"low-income\"]', '2026-11-26', "
            "2, 'change', '2026-11-26 00:00:00.000000', 'shell', NULL, ?, ?)",
            (head["seq"] + 1, head["hash"], "f" * 64),
        )
    con.close()
    code, report = audit(zf)
    assert code == 1
    assert "fact-chain" in checks(report, "error")


def test_history_rewritten_with_recomputed_hashes_is_caught_by_the_anchor(funded, zf, ledger_path):
    from zoufang.fact_chain import fact_hash

    category_changed(zf)
    code, report = audit(zf)
    assert code == 0
    anchor = f"{report['head']['seq']}:{report['head']['hash']},f{report['facts_head']['seq']}:{report['facts_head']['hash']}"
    con = _shell(ledger_path)
    rows = [dict(r) for r in con.execute("SELECT * FROM fact_change ORDER BY seq")]
    changed = next(r for r in rows if r["origin"] == "change")
    changed["value"] = '["low-income"]'
    prev = "0" * 64
    with con:
        for row in rows:
            row["prev_hash"] = prev
            row["hash"] = prev = fact_hash(row)
            con.execute(
                "UPDATE fact_change SET value = ?, prev_hash = ?, hash = ? WHERE seq = ?",
                (row["value"], row["prev_hash"], row["hash"], row["seq"]),
            )
        # and the current view to match: the history and the view agree again
        household = "(SELECT id FROM household WHERE code = 'H000002')"
        con.execute(f"DELETE FROM household_category WHERE household_id = {household}")
        con.execute(
            "INSERT INTO household_category (household_id, category_code) "
            f"SELECT {household}, 'low-income'"
        )
    con.close()
    code, report = audit(zf)
    assert "fact-chain" not in checks(report)  # the chain alone cannot tell
    code, report = audit(zf, "--anchor", anchor)
    assert code == 1
    assert "fact-chain" in checks(report, "error")


# ------------------------------------------------------------------ the upgrade


def _downgrade(ledger_path, target: str) -> None:
    from alembic import command
    from alembic.config import Config

    from zoufang import db

    config = Config()
    config.set_main_option("script_location", str(db.migrations_dir()))
    engine = db.make_engine(db.database_url(ledger_path))
    try:
        with engine.begin() as conn:
            if conn.dialect.name == "sqlite":
                conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            config.attributes["connection"] = conn
            command.downgrade(config, target)
    finally:
        engine.dispose()


def test_a_0005_ledger_with_data_is_carried_over(funded, zf, ledger_path):
    """A ledger holding households (one exited), members, a cadre's relatives, a fund and
    payments, taken to revision 0005 (no history), opens at head with one opening period
    per fact, "carried over at upgrade", and audits as before."""
    from zoufang import db

    ok(zf("fund", "disburse", FUND, "H000002", "300", "--by", "C0002"))
    ok(
        zf(
            "member",
            "add",
            "H000002",
            "--name",
            "王小军",
            "--relation",
            "儿子",
            "--id-number",
            _son_id(),
        )
    )
    ok(zf("cadre", "relate", "C0001", "--household", "H000003", "--relation", "表兄"))
    ok(zf("household", "exit", "H000001", "--reason", "迁出本村"))
    _, before = audit(zf)
    _downgrade(ledger_path, "0005")
    assert "fact_change" not in rawdb.table_names(ledger_path)
    code, report = audit(zf)  # opening the ledger upgrades it
    assert rawdb.query(ledger_path, "SELECT version_num FROM alembic_version") == [
        (db.HEAD_REVISION,)
    ]
    assert code == 0, report["findings"]
    assert report["findings"] == before["findings"]
    assert report["facts_checked"] > 0
    rows = history(ledger_path)
    assert {r["origin"] for r in rows} == {"upgrade"}
    assert {r["reason"] for r in rows} == {"carried over at upgrade"}
    assert {r["ledger_seq"] for r in rows} == {0}
    values = {
        (r["subject"], r["fact"], str(r["effective_from"])[:10]): json.loads(r["value"])
        for r in rows
    }
    statuses = [
        json.loads(r["value"]) for r in rows if r["subject"] == "H000001" and r["fact"] == "status"
    ]
    assert statuses == ["active", "exited"]  # active from the enrolment, exited from the exit
    assert values[("H000002", "categories", TODAY)] == ["low-income"]
    assert _son_id() in values[("H000002", "member_ids", TODAY)]
    (relatives,) = [v for k, v in values.items() if k[:2] == ("C0001", "relatives")]
    assert relatives == [{"household": "H000003", "id_number": None, "relation": "表兄"}]
    assert values[(FUND, "rules", TODAY)]["cap_fen"] == 100000
    # and the rules of its day still judge: the exited household cannot be paid
    assert zf("fund", "disburse", FUND, "H000001", "100", "--by", "C0001").exit_code == 1


def _son_id() -> str:
    from fundkit import SON_ID

    return SON_ID


# ------------------------------------------------------------------ the canonical form


@pytest.mark.parametrize(
    "row",
    [
        (
            1,
            "household",
            "H000001",
            "categories",
            '["low-income"]',
            "2026-11-23",
            0,
            "upgrade",
            "2026-11-23 12:00:00.000000",
            "upgrade",
            "carried over at upgrade",
            "0" * 64,
        ),
        (
            2,
            "cadre",
            "C0001",
            "relatives",
            '[{"household":null,"id_number":"110101194503071237","relation":"表兄"}]',
            "2026-11-23",
            7,
            "backdated",
            "2026-11-24 01:02:03",
            "王会计",
            '补录\n"引号"\\',
            "a" * 64,
        ),
        (
            3,
            "fund",
            "F",
            "rules",
            "{}",
            "2026-11-23",
            7,
            "change",
            "2026-11-24T01:02:03",
            "e\u0301",
            None,
            "b" * 64,
        ),
    ],
)
def test_the_fast_form_is_the_canonical_form(row):
    import datetime as dt
    import hashlib

    from zoufang.fact_chain import STORED_COLUMNS, canonical, row_hash

    full = (*row, "")
    expected = hashlib.sha256(canonical(dict(zip(STORED_COLUMNS, full, strict=True)))).hexdigest()
    assert row_hash(full) == expected
    # and as PostgreSQL returns dates and times
    typed = list(full)
    typed[5] = dt.date.fromisoformat(row[5])
    typed[8] = dt.datetime.fromisoformat(row[8].replace(" ", "T")[:19])
    assert row_hash(tuple(typed)) == expected


_TEXTS = st.sampled_from(["H000001", "e\u0301", "\u00e9", "王", 'a"b\\', "\u212b", ""])


@settings(max_examples=300, deadline=None)
@given(
    kind=_TEXTS,
    subject=_TEXTS,
    fact=_TEXTS,
    value=_TEXTS,
    origin=_TEXTS,
    operator=_TEXTS,
    reason=st.none() | _TEXTS,
    prev=_TEXTS,
)
def test_the_fast_form_is_the_canonical_form_for_any_text_field(
    kind, subject, fact, value, origin, operator, reason, prev
):
    """Any one text field decomposed (not NFC) or non-ASCII while the others are plain: the
    fast form (what the audit and the writers hash by) is the canonical form or steps aside."""
    import hashlib

    from zoufang.fact_chain import STORED_COLUMNS, canonical, row_hash

    row = (1, kind, subject, fact, value, "2026-11-23", 0, origin, "2026-11-24 01:02:03")
    full = (*row, operator, reason, prev, "")
    expected = hashlib.sha256(canonical(dict(zip(STORED_COLUMNS, full, strict=True)))).hexdigest()
    assert row_hash(full) == expected


def test_a_relation_from_a_day_does_not_reach_back(funded, zf):
    """A cadre's first relation holds from its day: a payment dated before it is no conflict."""
    ok(zf("cadre", "relate", "C0002", "--household", "H000002", env=on("2026-11-25")))
    ok(
        zf(
            "fund",
            "disburse",
            FUND,
            "H000002",
            "100",
            "--by",
            "C0002",
            "--date",
            "2026-11-24",
            env=on("2026-11-25"),
        )
    )
    code, report = audit(zf)
    assert code == 0, report["findings"]


def test_the_current_view_changed_behind_the_back_is_found(funded, zf, ledger_path):
    """A category added straight into household_category is not a fact the rules read: the
    audit says the view differs from the history (and judges payments by the history)."""
    rawdb.execute(
        ledger_path,
        "INSERT INTO household_category (household_id, category_code) "
        "SELECT id, 'low-income' FROM household WHERE code = 'H000003'",
    )
    code, report = audit(zf)
    assert code == 1
    found = [f for f in report["findings"] if f["check"] == "fact-chain"]
    assert [(f["household"], f["severity"]) for f in found] == [("H000003", "error")]


def test_payment_as_of_remembers_single_periods_only_once_they_count():
    """payment_as_of's shortcut (facts of one counted period each, remembered per household
    and per fund for the payments that count the same periods) gives what the as-of rule
    gives without it, payment after payment in ledger order: before a period was recorded,
    after it, between a first and a second one, and once the second counts."""
    import datetime as dt

    from zoufang.services.fact_history import History, payment_as_of

    d = dt.date
    rows = [
        # seq, kind, subject, fact, value, effective_from, ledger_seq
        (1, "household", "H1", "status", '"active"', d(2026, 1, 1), 0),
        (2, "household", "H1", "categories", '["low-income"]', d(2026, 1, 1), 5),
        (3, "fund", "F1", "rules", '{"cap_fen":100,"categories":["low-income"]}', d(2026, 1, 1), 0),
        (4, "household", "H2", "categories", '["disabled"]', d(2026, 1, 1), 0),
        (5, "household", "H2", "categories", '["elderly-alone"]', d(2026, 2, 1), 8),
        (6, "fund", "F2", "rules", '{"categories":["disabled"]}', d(2026, 1, 1), 0),
        (7, "fund", "F2", "rules", '{"categories":["elderly-alone"]}', d(2026, 1, 1), 9),
    ]
    payments = [  # (fund, household, day, before) in ledger order
        ("F1", "H1", d(2026, 1, 5), 3),  # H1's categories not recorded yet
        ("F1", "H1", d(2026, 1, 6), 6),
        ("F1", "H1", d(2026, 3, 1), 7),
        ("F2", "H1", d(2026, 3, 2), 8),
        ("F1", "H2", d(2026, 1, 9), 7),  # remembered for entries 1-8 (H2's 2nd: at 8)
        ("F1", "H2", d(2026, 3, 1), 8),  # so still the first period, on any day
        ("F1", "H2", d(2026, 3, 2), None),  # the write path counts the second
        ("F2", "H2", d(2026, 1, 9), 9),
        ("F2", "H2", d(2026, 3, 9), 10),
        ("F1", "H1", d(2026, 3, 9), None),
        ("F1", "H9", d(2026, 3, 9), 11),  # nothing on record
    ]
    remembering = History(rows)
    for fund, household, day, before in payments:
        fresh = History(rows)  # nothing remembered
        expected = payment_as_of(fresh, fund=fund, household=household, on=day, before=before)
        got = payment_as_of(remembering, fund=fund, household=household, on=day, before=before)
        assert got == expected, (fund, household, day, before)
    assert (
        payment_as_of(
            History(rows), fund="F1", household="H1", on=d(2026, 1, 5), before=3
        ).categories
        == frozenset()
    )


def test_history_add_puts_later_changes_in_force_and_forgets_the_shortcuts():
    """History.add (an import writing a file's history between its payments, with the
    payments' facts kept): the write path (before None) judges the next payment by the
    added change, though the household's and the fund's facts were remembered."""
    import datetime as dt

    from zoufang.services.fact_history import History, payment_as_of

    d = dt.date
    rows = [
        (1, "household", "H1", "categories", '["low-income"]', d(2026, 1, 1), 0),
        (2, "fund", "F1", "rules", '{"categories":["low-income"]}', d(2026, 1, 1), 0),
    ]
    kept = History(rows)
    first = payment_as_of(kept, fund="F1", household="H1", on=d(2026, 3, 1), before=None)
    assert first.categories == frozenset({"low-income"})
    kept.add(
        [
            (3, "household", "H1", "categories", '["disabled"]', d(2026, 2, 1), 4),
            (4, "fund", "F1", "rules", '{"categories":["disabled"]}', d(2026, 2, 1), 4),
        ]
    )
    later = payment_as_of(kept, fund="F1", household="H1", on=d(2026, 3, 1), before=None)
    earlier = payment_as_of(kept, fund="F1", household="H1", on=d(2026, 1, 9), before=None)
    assert later.categories == later.fund_categories == frozenset({"disabled"})
    assert earlier.categories == frozenset({"low-income"})
    assert kept.subjects("household") == {"H1"}
