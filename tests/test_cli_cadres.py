"""`cadre add/list/relate` and `assign` (with `--remove`), through the real entry point."""

from __future__ import annotations

import json

import pytest

import rawdb
from helpers import audit_rows, refused, valid_id

RELATIVE_ID = valid_id("11010119800101001")


# ---------------------------------------------------------------------------- cadre add


def test_cadre_add_numbers_cadres_and_prints_the_cadre(zf, ledger_path):
    result = zf(
        "cadre",
        "add",
        "--name",
        "王建国",
        "--unit",
        "红星村党支部",
        "--email",
        "wang@example.cn",
        "--phone",
        "138 1234 5678",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.stderr
    assert result.json() == {
        "code": "C0001",
        "name": "王建国",
        "unit": "红星村党支部",
        "phone": "13812345678",
        "email": "wang@example.cn",
        "login": None,
        "households": 0,
        "visits": 0,
    }
    assert zf("cadre", "add", "--name", "李梅", "--format", "json").json()["code"] == "C0002"
    given = zf("cadre", "add", "--name", "赵刚", "--code", "zhao-gang", "--format", "json")
    assert given.exit_code == 0, given.stderr
    assert given.json()["code"] == "zhao-gang"
    assert zf("cadre", "add", "--name", "孙丽", "--format", "json").json()["code"] == "C0003"
    last = audit_rows(ledger_path)[-1]
    assert (last["action"], last["object_type"], last["object_key"], last["operator"]) == (
        "add",
        "cadre",
        "C0003",
        "tester",
    )


@pytest.mark.parametrize(
    ("args", "code", "starts"),
    [
        (["--name", ""], 2, "--name: "),
        (["--name", "王", "--email", "not-an-email"], 2, "--email: "),
        (["--name", "王", "--phone", "12345"], 2, "--phone: "),
        (["--name", "王", "--code", "has space"], 2, "--code: "),
        (["--name", "王", "--unit", "  "], 2, "--unit: "),
        (["--name", "王", "--code", "C0001"], 1, "--code: cadre code C0001 is already taken"),
    ],
)
def test_cadre_add_refusals(zf, snapshot_db, args, code, starts):
    assert zf("cadre", "add", "--name", "王建国").exit_code == 0
    refused(zf, snapshot_db, "cadre", "add", *args, code=code, starts=starts)


# ---------------------------------------------------------------------------- cadre list


def test_cadre_list_counts_households_and_visits(zf, village):
    zf("assign", "H000002", "C0002")
    zf("visit", "log", "H000001", "--by", "C0001", "--by", "C0002", "--date", "2026-11-01")
    zf("visit", "log", "H000002", "--by", "C0002", "--date", "2026-11-02")
    result = zf("cadre", "list", "--format", "json")
    assert result.exit_code == 0, result.stderr
    rows = result.json()
    assert [(r["code"], r["name"], r["households"], r["visits"]) for r in rows] == [
        ("C0001", "王建国", 3, 1),
        ("C0002", "李梅", 1, 2),
    ]
    assert rows[0]["unit"] == "红星村党支部"
    assert rows[0]["email"] == "wang@example.cn"


def test_cadre_list_empty(zf):
    assert zf("cadre", "list", "--format", "json").json() == []
    result = zf("cadre", "list", "--format", "csv")
    assert result.stdout.splitlines() == ["code,name,unit,phone,email,login,households,visits"]


# ---------------------------------------------------------------------------- cadre relate


def test_cadre_relate_household_and_person(zf, village, ledger_path):
    result = zf(
        "cadre",
        "relate",
        "C0001",
        "--household",
        "H000002",
        "--relation",
        "姑妈",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.stderr
    assert result.json() == {
        "cadre": "C0001",
        "relatives": [{"household": "H000002", "id_number": None, "relation": "姑妈"}],
    }
    result = zf("cadre", "relate", "C0001", "--id-number", RELATIVE_ID, "--format", "json")
    assert result.exit_code == 0, result.stderr
    relatives = result.json()["relatives"]
    assert relatives[1] == {
        "household": None,
        "id_number": "110101********" + RELATIVE_ID[-4:],
        "relation": None,
    }
    assert (
        RELATIVE_ID
        not in zf("cadre", "relate", "C0002", "--id-number", RELATIVE_ID, "--format", "csv").stdout
    )
    rows = [r for r in audit_rows(ledger_path) if r["action"] == "relate"]
    assert [r["object_key"] for r in rows] == ["C0001", "C0001", "C0002"]
    assert json.loads(rows[0]["after"])["household"] == "H000002"


@pytest.mark.parametrize(
    ("args", "code", "starts"),
    [
        (["C0001"], 2, "--household: give exactly one"),
        (
            ["C0001", "--household", "H000002", "--id-number", RELATIVE_ID],
            2,
            "--household: give exactly one",
        ),
        (["C0001", "--id-number", "1.10101E+17"], 2, "--id-number: "),
        (["C0001", "--id-number", RELATIVE_ID[:-1] + "X"], 2, "--id-number: wrong check digit"),
        (["C0001", "--household", "H000002", "--relation", ""], 2, "--relation: "),
        (["C0099", "--household", "H000002"], 1, "CADRE: no cadre 'C0099'"),
        (["C0001", "--household", "H000099"], 1, "--household: no household 'H000099'"),
        (["C0001", "--household", "H000003"], 1, "CADRE: this relative is already recorded"),
    ],
)
def test_cadre_relate_refusals(zf, village, snapshot_db, args, code, starts):
    assert zf("cadre", "relate", "C0001", "--household", "H000003").exit_code == 0
    refused(zf, snapshot_db, "cadre", "relate", *args, code=code, starts=starts)


# ---------------------------------------------------------------------------- assign


def test_assign_and_remove(zf, village, ledger_path):
    result = zf("assign", "H000002", "C0002")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "" and result.stderr == ""
    show = zf("household", "show", "H000002", "--format", "json").json()
    assert show["cadres"] == ["C0001", "C0002"]
    last = audit_rows(ledger_path)[-1]
    assert (last["action"], last["object_key"]) == ("assign", "H000002")
    assert json.loads(last["after"]) == {"cadre": "C0002", "assigned_on": "2026-11-23"}

    result = zf("assign", "H000002", "C0001", "--remove")
    assert result.exit_code == 0, result.stderr
    show = zf("household", "show", "H000002", "--format", "json").json()
    assert show["cadres"] == ["C0002"]
    last = audit_rows(ledger_path)[-1]
    assert (last["action"], last["object_key"]) == ("unassign", "H000002")
    due = zf("due", "--days", "0", "--cadre", "C0001", "--format", "json").json()
    assert "H000002" not in [r["household"] for r in due]


@pytest.mark.parametrize(
    ("args", "starts"),
    [
        (["H000001", "C0001"], "CADRE: C0001 is already assigned to H000001"),
        (["H000001", "C0002", "--remove"], "CADRE: C0002 is not assigned to H000001"),
        (["H000099", "C0001"], "HOUSEHOLD: no household 'H000099'"),
        (["H000001", "C0099"], "CADRE: no cadre 'C0099'"),
        (["H000099", "C0001", "--remove"], "HOUSEHOLD: "),
    ],
)
def test_assign_refusals(zf, village, snapshot_db, args, starts):
    refused(zf, snapshot_db, "assign", *args, code=1, starts=starts)


def test_automatic_codes_skip_given_codes_that_share_the_prefix(zf, ledger_path):
    """Regression: 50 given codes starting with C (cun-1, chen…) hid C0001 from next_code,
    so the next automatic code collided with it (an internal IntegrityError)."""
    assert zf("cadre", "add", "--name", "王建国").exit_code == 0
    con = rawdb.connect(ledger_path)
    with con:
        con.executemany(
            "INSERT INTO cadre (code, name) VALUES (?, ?)",
            [(f"cun-{i:02d}", f"村干部{i}") for i in range(60)],
        )
    con.close()
    result = zf("cadre", "add", "--name", "李梅", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert result.json()["code"] == "C0002"
