"""Who may do what on a PostgreSQL ledger (issue 19; docs/security.md): logins made with
`zoufang user add`, each role kind's allowed commands, its forbidden ones refused by zoufang in
one line, and the same forbidden changes refused by the database itself when the login
tries them with psycopg behind zoufang's back.

PostgreSQL only: the test server's ``zoufang`` role is a superuser and the server trusts
local logins, so every test makes logins with names of its own and drops them afterwards.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import subprocess
import sys
import threading
import time

import psycopg
import pytest

import rawdb
from helpers import FUND, error_line, invoke, ok, valid_id
from zoufang.db import HEAD_REVISION

on_postgresql = pytest.mark.skipif(
    not rawdb.ON_POSTGRESQL, reason="logins and roles are PostgreSQL's (ZOUFANG_TEST_BACKEND)"
)

_names = itertools.count(1)


def login_url(ledger, login: str) -> str:
    scheme, rest = ledger.url.split("://", 1)
    return f"{scheme}://{login}@{rest.split('@', 1)[1]}"


@pytest.fixture
def users(zf, ledger_path):
    """``users("cadre", "红星村")`` → a new login of that kind (made by the superuser)."""
    made: list[str] = []

    def make(kind: str, *villages: str) -> str:
        name = f"zt{os.getpid()}_{next(_names)}_{kind}"
        args = ["user", "add", name, "--role", kind]
        for v in villages:
            args += ["--village", v]
        ok(zf(*args))
        made.append(name)
        return name

    yield make
    with rawdb.admin() as con:
        for name in made:
            con.execute(f"DROP ROLE IF EXISTS {name}")


def as_login(ledger, login: str, *args):
    """The CLI run as ``login`` (no --as: the operator is the login)."""
    return invoke(*args, env={"ZOUFANG_DB": login_url(ledger, login), "ZOUFANG_OPERATOR": None})


def denied(result) -> str:
    assert result.exit_code == 1, (result.exit_code, result.stdout, result.stderr)
    return error_line(result)


def connect_as(ledger, login: str):
    return psycopg.connect(rawdb.libpq_url(login_url(ledger, login)), autocommit=True)


def refused_by_database(ledger, login: str, sql: str, *params) -> str:
    with connect_as(ledger, login) as con, pytest.raises(psycopg.Error) as caught:
        con.execute(sql, params)
    return str(caught.value)


# ------------------------------------------------------------------------- identity


@on_postgresql
def test_the_operator_is_the_login_and_as_is_refused(zf, village, users, ledger_path):
    wang = users("cadre", "红星村")
    ok(as_login(ledger_path, wang, "visit", "log", "H000001", "--by", "C0001"))
    rows = rawdb.query(ledger_path, "SELECT operator FROM visit")
    assert rows == [(wang,)]
    last = rawdb.query(ledger_path, "SELECT operator FROM audit_log ORDER BY id DESC LIMIT 1")
    assert last == [(wang,)]
    result = invoke(
        "--as",
        "会计王",
        "visit",
        "log",
        "H000001",
        "--by",
        "C0001",
        env={"ZOUFANG_DB": login_url(ledger_path, wang)},
    )
    assert result.exit_code == 2
    line = error_line(result)
    assert line.startswith("error: --as: ") and wang in line
    # naming oneself is no forgery
    ok(
        invoke(
            "--as",
            wang,
            "due",
            env={"ZOUFANG_DB": login_url(ledger_path, wang)},
        )
    )


@on_postgresql
def test_a_forged_operator_is_impossible_even_behind_zoufangs_back(zf, funded, users, ledger_path):
    li = users("finance")
    message = refused_by_database(
        ledger_path,
        li,
        "INSERT INTO audit_log (at, operator, command, action, object_type, object_key) "
        "VALUES (now(), '会计王', 'x', 'add', 'fund', 'X')",
    )
    assert "must be the login" in message
    with connect_as(ledger_path, li) as con:  # left out, the database fills it in
        con.execute(
            "INSERT INTO audit_log (at, command, action, object_type, object_key) "
            "VALUES (now(), 'x', 'note', 'fund', 'X')"
        )
    assert rawdb.query(ledger_path, "SELECT operator FROM audit_log WHERE command = 'x'") == [(li,)]
    head = rawdb.query(ledger_path, "SELECT seq, hash FROM ledger_entry ORDER BY seq DESC")[0]
    message = refused_by_database(
        ledger_path,
        li,
        "INSERT INTO ledger_entry (seq, fund_code, kind, amount_fen, household_code, entry_date,"
        " operator, recorded_at, prev_hash, hash) VALUES (%s, %s, 'disburse', 200000, "
        "'H000001', '2026-11-23', '会计王', now(), %s, %s)",
        head[0] + 1,
        FUND,
        head[1],
        "f" * 64,
    )
    assert "must be the login" in message
    message = refused_by_database(
        ledger_path, li, "UPDATE visit SET operator = '会计王'"
    )  # no grant to a finance login, and the trigger for anyone else
    assert "permission denied" in message or "cannot be changed" in message


def test_cadre_login_links_a_cadre(zf, village):
    ok(zf("cadre", "update", "C0001", "--login", "wang_jg"))
    cadres = ok(zf("cadre", "list", "-f", "json")).json()
    assert cadres[0]["login"] == "wang_jg"
    result = zf("cadre", "add", "--name", "张三", "--login", "wang_jg")
    assert result.exit_code == 1 and "already cadre C0001" in error_line(result)
    result = zf("cadre", "add", "--name", "张三", "--login", "Wang Jg")
    assert result.exit_code == 2 and error_line(result).startswith("error: --login: ")


# ------------------------------------------------------------------------------ roles


@on_postgresql
def test_a_cadre_works_in_its_villages_only(zf, funded, users, ledger_path):
    wang = users("cadre", "红星村")
    ok(as_login(ledger_path, wang, "visit", "log", "H000001", "--by", "C0001"))
    due = ok(as_login(ledger_path, wang, "due", "--days", "400", "-f", "json")).json()
    assert {row["household"] for row in due} <= {"H000001", "H000003"}
    # another village's household does not exist for it
    denied(as_login(ledger_path, wang, "visit", "log", "H000002", "--by", "C0001"))
    for args, right in [
        (
            ["fund", "create", "X1", "--name", "x", "--category", "low-income"],
            "create and allocate funds",
        ),
        (["fund", "disburse", FUND, "H000001", "100", "--by", "C0001"], "pay from a fund"),
        (["fund", "reverse", "1", "--reason", "x"], "reverse"),
        (["household", "show", "H000001", "--reveal"], "reveal"),
        (["export", "--out", "x.csv"], "export"),
        (
            [
                "enroll",
                "--name",
                "张三",
                "--id-number",
                valid_id("11010119600101123"),
                "--village",
                "红星村",
                "--category",
                "low-income",
            ],
            "enrol",
        ),
        (["user", "list"], "manage users"),
    ]:
        line = denied(as_login(ledger_path, wang, *args))
        assert right in line and wang in line, (args, line)
    # cash at a visit only from an approved plan
    line = denied(
        as_login(
            ledger_path,
            wang,
            "visit",
            "log",
            "H000001",
            "--by",
            "C0001",
            "--cash",
            "100",
            "--fund",
            FUND,
        )
    )
    assert "pay from a fund" in line


@on_postgresql
def test_a_cadre_follows_up_the_wishes_and_suggestions_of_its_villages_only(
    zf, funded, users, ledger_path
):
    """Wishes and suggestions (migration 0011) are scoped like the visits they were heard at."""
    ok(zf("visit", "log", "H000002", "--by", "C0001", "--wish", "轮椅", "--suggestion", "修路"))
    wang = users("cadre", "红星村")
    ok(
        as_login(
            ledger_path,
            wang,
            "visit",
            "log",
            "H000001",
            "--by",
            "C0001",
            "--wish",
            "助听器",
            "--suggestion",
            "路灯",
        )
    )
    wishes = ok(as_login(ledger_path, wang, "wish", "list", "-f", "json")).json()
    assert [w["household"] for w in wishes] == ["H000001"]
    mine = wishes[0]["id"]
    ok(as_login(ledger_path, wang, "wish", "claim", str(mine), "--by", "C0001"))
    ok(as_login(ledger_path, wang, "wish", "fulfil", str(mine), "--note", "已送到"))
    suggestions = ok(as_login(ledger_path, wang, "suggestion", "list", "-f", "json")).json()
    assert [x["household"] for x in suggestions] == ["H000001"]
    ok(
        as_login(
            ledger_path, wang, "suggestion", "answer", str(suggestions[0]["id"]), "--note", "已装"
        )
    )
    everyone = ok(zf("wish", "list", "-f", "json")).json()
    other = next(w["id"] for w in everyone if w["household"] == "H000002")
    denied(as_login(ledger_path, wang, "wish", "claim", str(other), "--by", "C0001"))
    with connect_as(ledger_path, wang) as con:  # another village's rows are not there for it
        changed = con.execute("UPDATE wish SET status = 'declined' WHERE id = %s", (other,))
        assert changed.rowcount == 0
    assert rawdb.query(ledger_path, f"SELECT status FROM wish WHERE id = {other}") == [("open",)]
    rows = rawdb.query(ledger_path, "SELECT operator FROM wish_event ORDER BY id")
    assert (wang,) in rows


@on_postgresql
def test_a_cadre_cannot_do_it_with_psycopg_either(zf, funded, users, ledger_path):
    wang = users("cadre", "红星村")
    ok(as_login(ledger_path, wang, "visit", "log", "H000001", "--by", "C0001"))
    with connect_as(ledger_path, wang) as con:
        changed = con.execute(
            "UPDATE household SET id_number = '110101198001011232' WHERE code = 'H000002'"
        ).rowcount
        assert changed == 0  # row-level security: another village's row is not there
        assert con.execute("SELECT count(*) FROM household").fetchone()[0] == 2
        with pytest.raises(psycopg.Error):  # nor moved into its village
            con.execute("UPDATE household SET village = '东风社区' WHERE code = 'H000001'")
    for sql in [
        "DELETE FROM audit_log",
        "UPDATE audit_log SET action = 'x'",
        "UPDATE fact_change SET reason = 'x'",
        "DELETE FROM ledger_entry",
        "UPDATE correction SET reason = 'x'",
        "UPDATE alembic_version SET version_num = '9999'",
        "DO $$ BEGIN LOCK TABLE alembic_version IN EXCLUSIVE MODE; END $$",
        "INSERT INTO fund (code, name, created_on) VALUES ('X', 'x', '2026-11-23')",
    ]:
        message = refused_by_database(ledger_path, wang, sql)
        assert "permission denied" in message or "append-only" in message, (sql, message)
    assert rawdb.query(ledger_path, "SELECT version_num FROM alembic_version") == [(HEAD_REVISION,)]
    # a chained payment under its own name, but of no approved plan: refused at commit
    head = rawdb.query(ledger_path, "SELECT seq, hash FROM ledger_entry ORDER BY seq DESC")[0]
    message = refused_by_database(
        ledger_path,
        wang,
        "INSERT INTO ledger_entry (seq, fund_code, kind, amount_fen, household_code, entry_date,"
        " recorded_at, prev_hash, hash) VALUES (%s, %s, 'disburse', 200000, 'H000001', "
        "'2026-11-23', now(), %s, %s)",
        head[0] + 1,
        FUND,
        head[1],
        "e" * 64,
    )
    assert "pays only the lines of an approved plan" in message


@on_postgresql
def test_a_cadre_pays_an_approved_plans_line_at_a_visit(zf, funded, users, ledger_path):
    drafter, approver = users("finance"), users("finance")
    wang = users("cadre", "红星村")
    ok(
        as_login(
            ledger_path,
            drafter,
            "fund",
            "plan",
            "create",
            FUND,
            "--name",
            "春节慰问名单",
            "--amount",
            "500",
            "--village",
            "红星村",
        )
    )
    line = denied(
        as_login(ledger_path, drafter, "fund", "plan", "approve", f"{FUND}/1", "--minutes", "x")
    )
    assert "drafted" in line or "other" in line, line
    ok(
        as_login(
            ledger_path,
            approver,
            "fund",
            "plan",
            "approve",
            f"{FUND}/1",
            "--minutes",
            "党委会纪要〔2026〕9号",
        )
    )
    ok(
        as_login(
            ledger_path, wang, "visit", "log", "H000001", "--by", "C0001", "--plan", f"{FUND}/1"
        )
    )
    paid = rawdb.query(
        ledger_path, "SELECT operator, cadre_code, amount_fen FROM ledger_entry ORDER BY seq DESC"
    )[0]
    assert paid == (wang, "C0001", 50000)
    ok(zf("audit", "funds"))


@on_postgresql
@pytest.mark.parametrize(
    ("kind", "villages"),
    [
        ("cadre", ["红星村"]),
        ("officer", ["红星村"]),
        ("finance", []),
        ("auditor", []),
        ("admin", []),
    ],
)
def test_no_role_kind_can_rewrite_the_evidence_with_psycopg(
    zf, funded, users, ledger_path, kind, villages
):
    login = users(kind, *villages)
    head = rawdb.query(ledger_path, "SELECT seq, hash FROM ledger_entry ORDER BY seq DESC")[0]
    for sql, params in [
        ("DELETE FROM audit_log WHERE action IN ('allocate', 'add')", ()),
        ("UPDATE fact_change SET reason = 'x'", ()),
        ("UPDATE ledger_entry SET amount_fen = 1", ()),
        ("UPDATE alembic_version SET version_num = '9999'", ()),
        (
            "INSERT INTO ledger_entry (seq, fund_code, kind, amount_fen, household_code, "
            "entry_date, operator, recorded_at, prev_hash, hash) VALUES (%s, %s, 'disburse', "
            "200000, 'H000001', '2026-11-23', '会计王', now(), %s, %s)",
            (head[0] + 1, FUND, head[1], "d" * 64),
        ),
    ]:
        message = refused_by_database(ledger_path, login, sql, *params)
        assert any(
            word in message for word in ("permission denied", "append-only", "must be the login")
        ), (kind, sql, message)
    if villages:  # another village's household is not there for it
        with connect_as(ledger_path, login) as con:
            assert (
                con.execute("UPDATE household SET phone = '1' WHERE code = 'H000002'").rowcount == 0
            )
    assert rawdb.query(ledger_path, "SELECT version_num FROM alembic_version") == [(HEAD_REVISION,)]
    assert (
        rawdb.query(ledger_path, "SELECT seq, hash FROM ledger_entry ORDER BY seq DESC")[0] == head
    )


@on_postgresql
def test_finance_pays_and_overrides_but_does_not_visit(zf, funded, users, ledger_path):
    li = users("finance")
    ok(
        as_login(
            ledger_path,
            li,
            "fund",
            "create",
            "X1",
            "--name",
            "临时救助",
            "--category",
            "low-income",
        )
    )
    ok(as_login(ledger_path, li, "fund", "allocate", "X1", "1000"))
    ok(as_login(ledger_path, li, "fund", "disburse", FUND, "H000001", "100", "--by", "C0001"))
    ok(
        as_login(
            ledger_path,
            li,
            "fund",
            "disburse",
            FUND,
            "H000003",
            "100",
            "--by",
            "C0001",
            "--override",
            "县民政局批复",
        )
    )
    entries = rawdb.query(ledger_path, "SELECT operator, cadre_code FROM ledger_entry")
    assert (li, "C0001") in entries
    ok(as_login(ledger_path, li, "audit", "funds"))
    line = denied(as_login(ledger_path, li, "visit", "log", "H000001", "--by", "C0001"))
    assert "write households" in line
    denied(as_login(ledger_path, li, "household", "show", "H000001", "--reveal"))


@on_postgresql
def test_an_auditor_reads_everything_and_writes_only_its_reveals(zf, funded, users, ledger_path):
    zhao = users("auditor")
    ok(as_login(ledger_path, zhao, "audit", "funds"))
    ok(as_login(ledger_path, zhao, "audit", "visits"))
    shown = ok(as_login(ledger_path, zhao, "household", "show", "H000002", "--reveal"))
    assert shown.stdout
    logged = rawdb.query(ledger_path, "SELECT action FROM audit_log WHERE operator = ?", zhao)
    assert ("reveal",) in logged
    for args in (
        ["visit", "log", "H000001", "--by", "C0001"],
        ["fund", "create", "X1", "--name", "x", "--category", "low-income"],
        ["user", "add", "someone", "--role", "cadre", "--village", "红星村"],
    ):
        denied(as_login(ledger_path, zhao, *args))
    message = refused_by_database(
        ledger_path,
        zhao,
        "INSERT INTO audit_log (at, command, action, object_type, object_key) "
        "VALUES (now(), 'x', 'add', 'fund', 'X')",
    )
    assert "row-level security" in message
    refused_by_database(ledger_path, zhao, "UPDATE household SET phone = '1'")


@on_postgresql
def test_an_officer_enrols_and_exports_with_the_login_in_the_audit_log(
    zf, village, users, ledger_path, tmp_path
):
    zhou = users("officer")
    ok(
        as_login(
            ledger_path,
            zhou,
            "enroll",
            "--name",
            "张三",
            "--id-number",
            valid_id("11010119600101123"),
            "--village",
            "东风社区",
            "--category",
            "low-income",
        )
    )
    out = tmp_path / "all.xlsx"
    ok(as_login(ledger_path, zhou, "export", "--out", out))
    backup = tmp_path / "county.db"
    ok(as_login(ledger_path, zhou, "db", "backup", backup))
    actions = rawdb.query(ledger_path, "SELECT action FROM audit_log WHERE operator = ?", zhou)
    assert {("export",), ("backup",)} <= set(actions)
    denied(
        as_login(
            ledger_path, zhou, "fund", "create", "X1", "--name", "x", "--category", "low-income"
        )
    )


@on_postgresql
def test_an_officer_pays_by_no_path_and_a_cadre_pays_no_wish(zf, funded, users, ledger_path):
    """Every path that pays asks for the right to pay: `wish fulfil --cash` as much as
    `fund disburse` (an officer's group may INSERT into the ledger, for a plan line)."""
    ok(zf("visit", "log", "H000001", "--by", "C0001", "--wish", "轮椅", "--wish", "助听器"))
    seqs = rawdb.query(ledger_path, "SELECT count(*) FROM ledger_entry")
    for wish, kind, villages in ((1, "officer", ()), (2, "cadre", ("红星村",))):
        login = users(kind, *villages)
        ok(as_login(ledger_path, login, "wish", "claim", str(wish), "--by", "C0001"))
        line = denied(
            as_login(
                ledger_path,
                login,
                "wish",
                "fulfil",
                str(wish),
                "--cash",
                "300",
                "--fund",
                FUND,
                "--by",
                "C0001",
            )
        )
        assert "pay from a fund" in line and login in line, line
        assert rawdb.query(ledger_path, "SELECT count(*) FROM ledger_entry") == seqs


@on_postgresql
def test_user_names_that_are_not_a_persons_login_are_refused(zf, village, users, ledger_path):
    """zoufang's group roles, PostgreSQL's pg_ roles: exit 2; the ledger's owner or a superuser:
    exit 1, and nothing changes on the server; a reserved word is a name like any other."""
    for name in ("zoufang_cadre", "pg_monitor"):
        result = zf("user", "add", name, "--role", "admin")
        assert result.exit_code == 2, (name, result.stderr)
        assert error_line(result).startswith("error: LOGIN: ")
    owner = rawdb.query(ledger_path, "SELECT current_user")[0][0]
    result = zf("user", "add", owner, "--role", "cadre", "--village", "红星村")
    assert result.exit_code == 1, result.stderr
    assert "owns the ledger" in error_line(result)
    with rawdb.admin() as con:
        member = con.execute(
            "SELECT count(*) FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid "
            "JOIN pg_roles u ON u.oid = m.member WHERE r.rolname = 'zoufang_admin' "
            "AND u.rolname = 'zoufang_cadre'"
        ).fetchone()[0]
    assert member == 0
    name = f"user{os.getpid()}"  # not reserved itself; "user" is, and is quoted too
    ok(zf("user", "add", name, "--role", "auditor"))
    with rawdb.admin() as con:
        con.execute(f"DROP ROLE IF EXISTS {name}")


@on_postgresql
def test_an_officer_of_some_villages_enrols_with_the_next_free_code(
    zf, village, users, ledger_path
):
    zhou = users("officer", "东风社区")  # sees H000002 only
    shown = ok(
        as_login(
            ledger_path,
            zhou,
            "enroll",
            "--name",
            "张三",
            "--id-number",
            valid_id("11010119600101123"),
            "--village",
            "东风社区",
            "--category",
            "low-income",
            "-f",
            "json",
        )
    ).json()
    assert shown["code"] == "H000004"
    denied(as_login(ledger_path, zhou, "household", "show", "H000001"))
    # an ID number enrolled in another village: refused in one line all the same
    result = as_login(
        ledger_path,
        zhou,
        "enroll",
        "--name",
        "陈大爷",
        "--id-number",
        village[0][1],
        "--village",
        "东风社区",
        "--category",
        "low-income",
    )
    assert result.exit_code == 1, result
    assert "household_id_number_key" in error_line(result, "error: --db: the ledger already holds")


@on_postgresql
def test_an_admin_manages_users_and_does_not_pay(zf, funded, users, ledger_path):
    boss = users("admin")
    name = f"zt{os.getpid()}_{next(_names)}_made"
    try:
        ok(
            as_login(
                ledger_path, boss, "user", "add", name, "--role", "cadre", "--village", "红星村"
            )
        )
        ok(as_login(ledger_path, boss, "user", "update", name, "--village", "东风社区"))
        listed = ok(as_login(ledger_path, boss, "user", "list", "-f", "json")).json()
        assert {"login": name, "villages": ["东风社区"]}.items() <= {
            k: v for r in listed if r["login"] == name for k, v in r.items()
        }.items()
        ok(as_login(ledger_path, boss, "user", "revoke", name))
        with pytest.raises(psycopg.OperationalError):
            connect_as(ledger_path, name)
        line = denied(
            as_login(ledger_path, boss, "fund", "disburse", FUND, "H000001", "100", "--by", "C0001")
        )
        assert "pay from a fund" in line
    finally:
        with rawdb.admin() as con:
            con.execute(f"DROP ROLE IF EXISTS {name}")


@on_postgresql
def test_a_login_that_is_not_a_user_is_refused_in_one_line(zf, village, users, ledger_path):
    users("officer")  # the ledger's users are managed from now on
    name = f"zt{os.getpid()}_{next(_names)}_stranger"
    with rawdb.admin() as con:
        con.execute(f"CREATE ROLE {name} LOGIN")
    try:
        line = denied(as_login(ledger_path, name, "due"))
        assert "not a user" in line or "refused" in line
    finally:
        with rawdb.admin() as con:
            con.execute(f"DROP ROLE IF EXISTS {name}")


@on_postgresql
def test_two_logins_paying_at_once_keep_one_chain(zf, funded, users, ledger_path):
    payers = [users("finance"), users("finance")]
    script = (
        "import sys; from zoufang.cli import main; sys.argv = ['zoufang'] + sys.argv[1:]; main()"
    )
    procs = []
    for n, login in enumerate(payers):
        env = {**os.environ, "ZOUFANG_DB": login_url(ledger_path, login)}
        env.pop("ZOUFANG_OPERATOR", None)
        cmd = " && ".join(
            f'{sys.executable} -c "{script}" fund disburse {FUND} H00000{1 + n} 10 '
            f"--by C0001 --memo m{i} --override again{i}"
            for i in range(4)
        )
        procs.append(subprocess.Popen(cmd, shell=True, env=env, stderr=subprocess.PIPE))
    for p in procs:
        assert p.wait(timeout=300) == 0, p.stderr.read().decode() if p.stderr else ""
    seqs = rawdb.query(ledger_path, "SELECT seq, operator FROM ledger_entry ORDER BY seq")
    assert [s for s, _o in seqs] == list(range(1, 10))
    assert {o for _s, o in seqs[1:]} == set(payers)
    ok(zf("audit", "funds"))


# ------------------------------------------------------------------ the schema's upgrade


@on_postgresql
def test_an_admin_login_upgrades_the_schema_as_its_owner_and_a_cadre_cannot():
    """The schema owner is a NOLOGIN role; an admin login runs `db upgrade` as it (SET
    ROLE), without the owner's rights otherwise; a cadre is refused in one line."""
    from zoufang import db

    tag = f"zt{os.getpid()}_{next(_names)}_up"
    owner, sun, wang = f"{tag}_owner", f"{tag}_admin", f"{tag}_cadre"
    with rawdb.admin() as con:
        con.execute(f"CREATE ROLE {owner} LOGIN CREATEROLE")
    ledger = rawdb.create_database(tag)
    try:
        with rawdb.admin() as con:
            con.execute(f'ALTER DATABASE "{tag}" OWNER TO {owner}')
        as_owner = login_url(ledger, owner)
        env = {"ZOUFANG_DB": as_owner, "ZOUFANG_OPERATOR": None}
        ok(invoke("user", "add", sun, "--role", "admin", env=env))
        ok(invoke("user", "add", wang, "--role", "cadre", "--village", "红星村", env=env))
        # the ledger one revision back, as the owner leaves it before a new zoufang comes
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(db.migrations_dir()))
        engine = db.make_engine(as_owner)
        try:
            with engine.begin() as conn:
                config.attributes["connection"] = conn
                command.downgrade(config, "0013")
        finally:
            engine.dispose()
        with rawdb.admin() as con:
            con.execute(f"ALTER ROLE {owner} NOLOGIN")
        line = denied(as_login(ledger, wang, "db", "upgrade"))
        assert "upgrade the ledger's schema" in line and wang in line and owner in line
        assert rawdb.query(ledger, "SELECT version_num FROM alembic_version") == [("0013",)]
        ok(as_login(ledger, sun, "db", "upgrade"))
        assert rawdb.query(ledger, "SELECT version_num FROM alembic_version") == [(HEAD_REVISION,)]
        # a cadre's command that waited on that upgrade finds the ledger at head: no refusal
        from zoufang.db.migrate import run_migrations

        late = db.make_engine(login_url(ledger, wang))
        try:
            run_migrations(late, "head")
        finally:
            late.dispose()
        assert rawdb.query(
            ledger, "SELECT tableowner FROM pg_tables WHERE tablename = 'change_trail'"
        ) == [(owner,)]
        # outside the upgrade the admin's statements have its own rights only, not the
        # owner's (though it may SET ROLE to the owner: an admin is trusted like the owner,
        # docs/security.md)
        for sql in (
            "UPDATE alembic_version SET version_num = '9999'",
            "DELETE FROM login_role",
            "ALTER TABLE household DISABLE TRIGGER household_trail_update",
        ):
            message = refused_by_database(ledger, sun, sql)
            assert "permission denied" in message or "must be owner" in message, sql
        # the logins read the new tables at once (the upgrade granted them)
        ok(as_login(ledger, wang, "audit", "visits"))
        ok(as_login(ledger, wang, "fund", "list"))  # 0015's totals function, the owner's
        # and its user commands still work after the upgrade (a user, not a server role)
        ok(as_login(ledger, sun, "user", "list"))
        ok(as_login(ledger, sun, "user", "update", wang, "--village", "东风社区"))
    finally:
        rawdb.drop_database(tag)
        with rawdb.admin() as con:
            for name in (sun, wang, owner):
                con.execute(f"DROP ROLE IF EXISTS {name}")


# ----------------------------------------------------------- the database's own trail


def unlogged(zf) -> list[dict]:
    report = zf("audit", "funds", "-f", "json")
    assert report.exit_code == 0, report.stderr  # a warning: the audit still passes
    return [f for f in report.json()["findings"] if f["check"] == "unlogged-change"]


@on_postgresql
def test_a_change_behind_zoufangs_back_is_in_the_trail_and_named_by_the_audit(
    zf, funded, users, ledger_path
):
    wang = users("cadre", "红星村")
    # through zoufang: in the trail, with the audit-log row of its transaction: no finding
    ok(as_login(ledger_path, wang, "household", "update", "H000001", "--phone", "13900000001"))
    ok(as_login(ledger_path, wang, "visit", "log", "H000001", "--by", "C0001", "--notes", "好"))
    trail = rawdb.query(
        ledger_path,
        "SELECT login, table_name, operation, row_key, old_values ->> 'phone', "
        "new_values ->> 'phone' FROM change_trail WHERE table_name = 'household' "
        "AND login = ? ORDER BY id LIMIT 1",
        wang,
    )
    assert trail == [(wang, "household", "UPDATE", "H000001", None, "13900000001")]
    written = rawdb.query(ledger_path, "SELECT table_name FROM change_trail WHERE login = ?", wang)
    assert {t for (t,) in written} >= {"household", "visit"}
    assert unlogged(zf) == []
    # with psycopg as the same login, in its own village: allowed, and named
    with connect_as(ledger_path, wang) as con:
        con.execute("UPDATE household SET phone = '13900000002' WHERE code = 'H000001'")
        con.execute("UPDATE visit SET notes = 'changed' WHERE household_id = 1")
    found = unlogged(zf)
    assert [(f["severity"], f["household"]) for f in found] == [
        ("warning", "H000001"),
        ("warning", None),
    ]
    assert wang in found[0]["detail"] and "household H000001 (UPDATE)" in found[0]["detail"]
    assert "visit" in found[1]["detail"] and wang in found[1]["detail"]
    assert rawdb.query(
        ledger_path,
        "SELECT old_values ->> 'phone', new_values ->> 'phone' FROM change_trail "
        "WHERE table_name = 'household' ORDER BY id DESC LIMIT 1",
    ) == [("13900000001", "13900000002")]
    # and `household history` shows it beside the recorded facts
    changes = ok(zf("household", "history", "H000001", "-f", "json")).json()["changes"]
    outside = [c for c in changes if c["fact"] == "unlogged-change"]
    assert [(c["operator"], c["before"], c["after"]) for c in outside] == [
        (wang, "phone: 13900000001", "phone: 13900000002"),
        (wang, "notes: 好", "notes: changed"),
    ]
    assert outside[0]["reason"].startswith("household H000001 (UPDATE), transaction ")
    assert outside[1]["reason"].startswith("visit ")


@on_postgresql
def test_an_audit_row_copied_from_another_server_does_not_hide_a_change(
    zf, funded, users, ledger_path
):
    """A ledger copied or restored into another server keeps its rows' txids, and that
    server's counter reaches the same numbers again: a change made outside zoufang is still
    named though a copied audit-log row bears its txid (the server differs), and hidden by
    none of this server's."""
    wang = users("cadre", "红星村")
    with connect_as(ledger_path, wang) as con, con.transaction():
        con.execute("UPDATE household SET phone = '13900000009' WHERE code = 'H000001'")
        (txid,) = con.execute("SELECT txid_current()").fetchone()
    rawdb.execute(
        ledger_path,
        "INSERT INTO audit_log (at, command, action, object_type, object_key, txid, cluster_id) "
        f"VALUES ('2026-01-01', 'visit log', 'create', 'visit', '1', {txid}, 42)",
    )
    found = unlogged(zf)
    assert [(f["severity"], f["household"]) for f in found] == [("warning", "H000001")]
    assert f"transaction {txid}" in found[0]["detail"]
    changes = ok(zf("household", "history", "H000001", "-f", "json")).json()["changes"]
    assert [c["after"] for c in changes if c["fact"] == "unlogged-change"] == ["phone: 13900000009"]
    # the same txid on this server: that transaction wrote an audit-log row after all
    rawdb.execute(
        ledger_path,
        "INSERT INTO audit_log (at, command, action, object_type, object_key, txid) "
        f"VALUES ('2026-01-01', 'visit log', 'create', 'visit', '1', {txid})",
    )
    assert unlogged(zf) == []


@on_postgresql
def test_nobody_but_the_owner_writes_the_trail(zf, funded, users, ledger_path):
    wang, zhao = users("cadre", "红星村"), users("auditor")
    with connect_as(ledger_path, wang) as con:
        # what `db copy` asks of the triggers is the owner's alone
        con.execute("SET zoufang.copy = 'on'")
        con.execute("UPDATE household SET phone = '13900000003' WHERE code = 'H000001'")
    assert rawdb.query(
        ledger_path, "SELECT new_values ->> 'phone' FROM change_trail WHERE login = ?", wang
    ) == [("13900000003",)]
    for login in (wang, zhao):
        for sql in (
            "UPDATE change_trail SET login = 'someone'",
            "DELETE FROM change_trail",
            "TRUNCATE change_trail",
            "INSERT INTO change_trail (table_name, operation, row_key) VALUES ('x', 'x', 'x')",
        ):
            assert "permission denied" in refused_by_database(ledger_path, login, sql), sql
    # nor the owner, while the trigger stands
    with pytest.raises(Exception, match="append-only"):
        rawdb.execute(ledger_path, "DELETE FROM change_trail")
    # a cadre reads its own trail rows; an auditor every row
    with connect_as(ledger_path, wang) as con:
        assert {r[0] for r in con.execute("SELECT login FROM change_trail")} == {wang}
    with connect_as(ledger_path, zhao) as con:
        assert len(con.execute("SELECT login FROM change_trail").fetchall()) > 1


# ------------------------------------------------------------------ the write lock


def lock_limits(ledger, *, idle: int = 10, most: int = 900, statement: int = 30) -> None:
    """What the schema owner does to change how long the write lock may be held."""
    for name, seconds in (("stale", idle), ("max", most), ("statement", statement)):
        rawdb.execute(
            ledger,
            f"CREATE OR REPLACE FUNCTION zoufang_{name}_lock_seconds() RETURNS integer "
            f"LANGUAGE sql IMMUTABLE AS $$ SELECT {seconds} $$",
        )


def terminations(ledger) -> list[tuple]:
    return rawdb.query(
        ledger,
        "SELECT operator, object_key FROM audit_log WHERE action = 'terminate' ORDER BY id",
    )


#: How a login stalls the county: (SQL run after taking the lock, the limits that end it).
STALLS = {
    "idle": (None, {"idle": 2}),  # BEGIN; SELECT zoufang_write_lock(); and then nothing
    "sleep": ("SELECT pg_sleep(60)", {"idle": 2}),  # no idle timeout ends it
    # one statement that keeps the server busy: ended after the statement limit (0014)
    "busy": (
        "SELECT count(*) FROM generate_series(1, 3000000000)",
        {"idle": 600, "statement": 2},
    ),
    # short statements one after the other, for longer than a transaction may hold it
    "many": (
        "DO $$ BEGIN FOR i IN 1..600 LOOP PERFORM count(*) FROM generate_series(1, 200000); "
        "END LOOP; END $$",
        {"idle": 600, "statement": 600, "most": 2},
    ),
}


@on_postgresql
@pytest.mark.parametrize("how", list(STALLS))
def test_a_login_holding_the_write_lock_is_ended_by_the_next_writer(
    zf, funded, users, ledger_path, how
):
    stall, limits = STALLS[how]
    lock_limits(ledger_path, **limits)
    wang, li = users("cadre", "红星村"), users("finance")
    holder = psycopg.connect(rawdb.libpq_url(login_url(ledger_path, wang)))
    staller = None
    try:
        holder.execute("SET statement_timeout = 0")
        holder.execute("SELECT zoufang_write_lock()")
        if stall:
            staller = threading.Thread(target=_swallow, args=(holder, stall))
            staller.start()
            time.sleep(0.5)
        started = time.monotonic()
        ok(as_login(ledger_path, li, "fund", "disburse", FUND, "H000001", "10", "--by", "C0001"))
        assert time.monotonic() - started < 15
        if staller is not None:
            staller.join(timeout=70)
            assert not staller.is_alive()
        with pytest.raises(psycopg.Error):  # its session was ended
            holder.execute("SELECT 1")
    finally:
        holder.close()
    assert terminations(ledger_path) == [(li, wang)]
    ok(zf("audit", "funds"))


@on_postgresql
def test_the_lock_limits_are_just_above_zoufangs_own_longest_gaps(zf, village, ledger_path):
    """Migration 0014's limits (bench/lock_gaps.py measured a township's import: 1.5 s
    between statements at most, 0.7 s in one statement, 131 s in all)."""
    assert rawdb.query(
        ledger_path,
        "SELECT zoufang_stale_lock_seconds(), zoufang_statement_lock_seconds(), "
        "zoufang_max_lock_seconds()",
    ) == [(10, 30, 900)]


@on_postgresql
def test_a_long_writer_that_keeps_working_is_not_ended(zf, funded, users, ledger_path):
    lock_limits(ledger_path, idle=1)
    wang, li = users("cadre", "红星村"), users("finance")
    holder = psycopg.connect(rawdb.libpq_url(login_url(ledger_path, wang)))

    def work() -> None:  # 3 seconds of statements, as an import runs
        for _ in range(30):
            holder.execute("SELECT count(*) FROM household")
            time.sleep(0.1)
        holder.commit()

    try:
        holder.execute("SELECT zoufang_write_lock()")
        worker = threading.Thread(target=work)
        worker.start()
        started = time.monotonic()
        ok(as_login(ledger_path, li, "fund", "disburse", FUND, "H000001", "10", "--by", "C0001"))
        assert time.monotonic() - started >= 2
        worker.join()
        assert holder.execute("SELECT 1").fetchone() == (1,)  # still alive
    finally:
        holder.close()
    assert terminations(ledger_path) == []


def _swallow(con, sql: str) -> None:
    with contextlib.suppress(psycopg.Error):
        con.execute(sql)


@on_postgresql
def test_a_short_writer_holding_the_lock_is_waited_for_not_ended(zf, funded, users, ledger_path):
    lock_limits(ledger_path, idle=3)
    wang, li = users("cadre", "红星村"), users("finance")
    holder = psycopg.connect(rawdb.libpq_url(login_url(ledger_path, wang)))
    try:
        holder.execute("SELECT zoufang_write_lock()")
        holder.execute("UPDATE household SET phone = '13800000000' WHERE code = 'H000001'")
        committer = threading.Timer(1.0, holder.commit)
        committer.start()
        started = time.monotonic()
        ok(as_login(ledger_path, li, "fund", "disburse", FUND, "H000001", "10", "--by", "C0001"))
        assert time.monotonic() - started >= 0.8  # it waited for the holder
        committer.join()
        assert holder.execute("SELECT 1").fetchone() == (1,)  # still alive
    finally:
        holder.close()
    assert rawdb.query(ledger_path, "SELECT phone FROM household WHERE code = 'H000001'") == [
        ("13800000000",)
    ]
    assert terminations(ledger_path) == []


@on_postgresql
def test_only_zoufangs_functions_may_end_a_holder(zf, funded, users, ledger_path):
    wang = users("cadre", "红星村")
    message = refused_by_database(ledger_path, wang, "SELECT zoufang_break_stale_lock()")
    assert "permission denied" in message
    # a login cannot lower the limit: the function is the schema owner's
    message = refused_by_database(
        ledger_path,
        wang,
        "CREATE OR REPLACE FUNCTION zoufang_stale_lock_seconds() RETURNS integer "
        "LANGUAGE sql AS $$ SELECT 0 $$",
    )
    assert "permission denied" in message or "must be owner" in message


@pytest.mark.skipif(rawdb.ON_POSTGRESQL, reason="about a SQLite ledger")
@pytest.mark.parametrize("args", [["user", "list"], ["user", "add", "wang", "--role", "officer"]])
def test_users_are_a_postgresql_ledgers(zf, args):
    result = zf(*args)
    assert result.exit_code == 1
    assert "PostgreSQL" in error_line(result, "error: user: ")


# ------------------------------------------------- money rows and a cadre's villages (0015)


def approved_plan(ledger, users) -> None:
    """Plan CJ2026/1: 500.00 to each eligible household of every village (H000001 of 红星村,
    H000002 of 东风社区), drafted and approved by two finance logins."""
    drafter, approver = users("finance"), users("finance")
    ok(
        as_login(
            ledger, drafter, "fund", "plan", "create", FUND, "--name", "春节慰问名单",
            "--amount", "500",
        )
    )  # fmt: skip
    ok(as_login(ledger, approver, "fund", "plan", "approve", f"{FUND}/1", "--minutes", "纪要"))


def rows_as(ledger, login: str, sql: str) -> list[tuple]:
    with connect_as(ledger, login) as con:
        return [tuple(r) for r in con.execute(sql).fetchall()]


@on_postgresql
def test_a_cadre_reads_only_its_villages_money_rows(zf, funded, users, ledger_path):
    """With psycopg as a cadre login of 红星村: the ledger's entries, the plan's lines and
    events and the household fact changes of 东风社区 do not exist; allocations (no
    household) do. Finance, auditors and officers without villages read them all, and an
    auditor's `audit funds` finds nothing, as before."""
    approved_plan(ledger_path, users)
    liu = users("finance")
    ok(as_login(ledger_path, liu, "fund", "disburse", FUND, "H000002", "100", "--by", "C0002"))
    wang = users("cadre", "红星村")
    ok(as_login(ledger_path, wang, "visit", "log", "H000001", "--by", "C0001",
                "--plan", f"{FUND}/1"))  # fmt: skip
    every = rawdb.query(
        ledger_path, "SELECT seq, kind, household_code FROM ledger_entry ORDER BY seq"
    )
    assert {h for _s, _k, h in every} == {None, "H000001", "H000002"}
    mine = rows_as(
        ledger_path, wang, "SELECT seq, kind, household_code FROM ledger_entry ORDER BY seq"
    )
    assert mine == [e for e in every if e[2] in (None, "H000001")]
    lines = rows_as(ledger_path, wang, "SELECT household_code FROM plan_line")
    assert lines == [("H000001",)]
    events = rows_as(ledger_path, wang, "SELECT DISTINCT household_code FROM plan_event")
    assert ("H000002",) not in events
    subjects = rows_as(
        ledger_path, wang,
        "SELECT DISTINCT subject FROM fact_change WHERE subject_kind = 'household' ORDER BY 1",
    )  # fmt: skip
    assert subjects == [("H000001",), ("H000003",)]
    totals = rows_as(
        ledger_path, wang, "SELECT count(*) FROM ledger_entry WHERE household_code = 'H000002'"
    )
    assert totals == [(0,)]
    # the cadre's own `fund show` gives the fund's true balance, every village's
    shown = as_login(ledger_path, wang, "fund", "show", FUND, "-f", "json")
    ok(shown)
    fund = shown.json()
    assert (fund["disbursed"], fund["balance"]) == ("600.00", "4400.00")
    assert [e["household"] for e in fund["entries"]] == [None, "H000001"]
    listed = as_login(ledger_path, wang, "fund", "list", "-f", "json").json()
    assert [(f["code"], f["balance"]) for f in listed] == [(FUND, "4400.00")]
    # the whole chain's audit is for the kinds that read it whole: one line, exit 1
    line = denied(as_login(ledger_path, wang, "audit", "funds"))
    assert line == f"error: the login {wang} (cadre) has no right to audit the whole money ledger"
    for kind in ("finance", "auditor", "officer", "admin"):
        login = users(kind)
        assert (
            rows_as(
                ledger_path,
                login,
                "SELECT seq, kind, household_code FROM ledger_entry ORDER BY seq",
            )
            == every
        ), kind
        assert len(rows_as(ledger_path, login, "SELECT * FROM plan_line")) == 2, kind
    # a login given a group's grants by hand, with no role in zoufang: scoped like a cadre
    # of no village (the policies fail closed)
    stray = f"zt{os.getpid()}_{next(_names)}_stray"
    with rawdb.admin() as con:
        con.execute(f"CREATE ROLE {stray} LOGIN")
        con.execute(f"GRANT zoufang_finance TO {stray}")
    try:
        seen = rows_as(ledger_path, stray, "SELECT household_code FROM ledger_entry")
        assert {h for (h,) in seen} <= {None}
        assert rows_as(ledger_path, stray, "SELECT * FROM plan_line") == []
    finally:
        with rawdb.admin() as con:
            con.execute(f"DROP OWNED BY {stray}")
            con.execute(f"DROP ROLE {stray}")
    zhao = users("auditor")
    report = as_login(ledger_path, zhao, "audit", "funds", "-f", "json")
    ok(report)
    assert report.json()["findings"] == zf("audit", "funds", "-f", "json").json()["findings"]


@on_postgresql
def test_cadres_of_two_villages_pay_plan_lines_at_once_in_one_chain(zf, funded, users, ledger_path):
    """Two cadre logins, each seeing only its village's entries, pay their plan lines while
    a finance login pays too: one chain, every seq once, each payment judged against the
    fund's whole balance; `audit funds` finds nothing."""
    approved_plan(ledger_path, users)
    wang, li, liu = users("cadre", "红星村"), users("cadre", "东风社区"), users("finance")
    script = (
        "import sys; from zoufang.cli import main; sys.argv = ['zoufang'] + sys.argv[1:]; main()"
    )
    commands = {
        wang: [f"visit log H000001 --by C0001 --plan {FUND}/1"],
        li: [f"visit log H000002 --by C0002 --plan {FUND}/1"],
        liu: [f"fund disburse {FUND} H000003 10 --by C0001 --memo m{i} --override again{i}"
              for i in range(3)],
    }  # fmt: skip
    procs = []
    for login, runs in commands.items():
        env = {**os.environ, "ZOUFANG_DB": login_url(ledger_path, login)}
        env.pop("ZOUFANG_OPERATOR", None)
        cmd = " && ".join(f'{sys.executable} -c "{script}" {run}' for run in runs)
        procs.append(subprocess.Popen(cmd, shell=True, env=env, stderr=subprocess.PIPE))
    for p in procs:
        assert p.wait(timeout=300) == 0, p.stderr.read().decode() if p.stderr else ""
    seqs = rawdb.query(ledger_path, "SELECT seq, operator FROM ledger_entry ORDER BY seq")
    assert [s for s, _o in seqs] == list(range(1, 7))
    assert {o for _s, o in seqs[1:]} == {wang, li, liu}
    assert rows_as(
        ledger_path, li, "SELECT household_code FROM ledger_entry WHERE household_code IS NOT NULL"
    ) == [("H000002",)]
    ok(zf("audit", "funds"))


@on_postgresql
def test_a_cadres_payment_sees_a_person_paid_in_another_village(zf, funded, users, ledger_path):
    """A person who belongs to H000001 (红星村) and to H000002 (东风社区, already paid): the
    cadre of 红星村 sees neither H000002 nor its entries, yet its payment of H000001's plan
    line is refused as duplicate-person, through the SECURITY DEFINER functions — which
    tell it nothing else: no other person's ID number, nothing of a household it does not
    see, and the candidate list not at all."""
    from fundkit import SON_ID

    approved_plan(ledger_path, users)  # before they share him: a plan holds no such pair
    for code, relation in (("H000002", "儿子"), ("H000001", "孙子")):
        ok(zf("member", "add", code, "--name", "王小军", "--relation", relation,
              "--id-number", SON_ID))  # fmt: skip
    ok(zf("member", "add", "H000002", "--name", "王大妈", "--relation", "配偶", "--id-number",
          valid_id("11010119550101002")))  # fmt: skip
    liu = users("finance")
    ok(as_login(ledger_path, liu, "fund", "disburse", FUND, "H000002", "100", "--by", "C0002"))
    wang = users("cadre", "红星村")
    assert rows_as(ledger_path, wang, "SELECT code FROM household WHERE code = 'H000002'") == []
    line = denied(
        as_login(ledger_path, wang, "visit", "log", "H000001", "--by", "C0001",
                 "--plan", f"{FUND}/1")
    )  # fmt: skip
    assert "H000002" in line and "already paid" in line, line
    shared = rows_as(ledger_path, wang, "SELECT subject, value FROM zoufang_sharing('H000001')")
    assert shared and {s for s, _v in shared} == {"H000002"}
    for _s, value in shared:  # only the shared person's number: not 王大妈's, not the head's
        assert value in ("[]", f'["{SON_ID}"]'), value
    assert rows_as(ledger_path, wang, f"SELECT zoufang_paid_sharing('{FUND}', 'H000001')") == [
        ("H000002",)
    ]
    # of a household it does not see: nothing
    assert rows_as(ledger_path, wang, "SELECT * FROM zoufang_sharing('H000002')") == []
    assert rows_as(ledger_path, wang, f"SELECT zoufang_paid_sharing('{FUND}', 'H000002')") == []
    message = refused_by_database(
        ledger_path, wang, "SELECT * FROM zoufang_sharing_candidates('H000001')"
    )
    assert "permission denied" in message
    # the chain's head and a fund's totals are every village's
    head = rawdb.query(ledger_path, "SELECT seq, hash FROM ledger_entry ORDER BY seq DESC LIMIT 1")
    assert rows_as(ledger_path, wang, "SELECT seq, hash FROM zoufang_chain_head()") == head
    assert rows_as(ledger_path, wang, f"SELECT * FROM zoufang_fund_totals('{FUND}')") == [
        (500000, 10000)
    ]
    # finance, who sees both, is refused the same way (one rule, one path)
    refused = denied(
        as_login(ledger_path, liu, "fund", "disburse", FUND, "H000001", "100", "--by", "C0001")
    )
    assert "H000002" in refused and "already paid" in refused, refused


@on_postgresql
def test_a_cadres_payment_judges_relatives_it_cannot_read(zf, funded, users, ledger_path):
    """A cadre login reads no cadre's fact history (relatives hold other villages' ID
    numbers); its payment is still judged on the paying cadre's relatives, through
    zoufang_relatives, which returns only the relatives in the paid household."""
    approved_plan(ledger_path, users)
    ok(zf("cadre", "relate", "C0001", "--household", "H000002", "--relation", "表兄"))
    head = valid_id("11010119450307123")  # H000001's head, 陈大爷
    ok(zf("cadre", "relate", "C0001", "--id-number", head, "--relation", "同学"))
    wang = users("cadre", "红星村")
    every = rawdb.query(
        ledger_path, "SELECT count(*) FROM fact_change WHERE subject_kind = 'cadre'"
    )
    assert every[0][0] > 0
    assert rows_as(
        ledger_path, wang, "SELECT count(*) FROM fact_change WHERE subject_kind = 'cadre'"
    ) == [(0,)]
    line = denied(
        as_login(ledger_path, wang, "visit", "log", "H000001", "--by", "C0001",
                 "--plan", f"{FUND}/1")
    )  # fmt: skip
    assert "C0001" in line and "H000001" in line, line
    told = rows_as(
        ledger_path, wang,
        "SELECT value FROM zoufang_relatives('H000001', ARRAY['C0001']) ORDER BY seq DESC LIMIT 1",
    )[0][0]  # fmt: skip
    assert head in told and "H000002" not in told, told
    # of a household it does not see: nothing
    assert (
        rows_as(ledger_path, wang, "SELECT * FROM zoufang_relatives('H000002', ARRAY['C0001'])")
        == []
    )
    # a cadre of 东风社区 pays H000002, its relative's household: refused the same way
    li = users("cadre", "东风社区")
    line = denied(
        as_login(ledger_path, li, "visit", "log", "H000002", "--by", "C0001",
                 "--plan", f"{FUND}/1")
    )  # fmt: skip
    assert "C0001" in line and "H000002" in line, line
