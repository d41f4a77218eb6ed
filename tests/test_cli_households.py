"""`enroll`, `household list/show/update/exit`, `member add`, `category list/add`, the global
`--today`/`--as` settings, `--format` and ID-number masking, through the real entry point."""

from __future__ import annotations

import csv
import io
import json

import pytest

from helpers import TODAY, audit_rows, create_fund, ok, refused, valid_id

HEAD_ID = valid_id("11010119450307123")  # 陈大爷, H000001 in the `village` fixture
OTHER_ID = valid_id("11010119800101001")
MEMBER_ID = valid_id("11010119750307123")


def enroll_args(name="张三", number=OTHER_ID, village="红星村", *categories, **options):
    args = ["enroll", "--name", name, "--id-number", number, "--village", village]
    for c in categories or ("low-income",):
        args += ["--category", c]
    for key, value in options.items():
        args += ["--" + key.replace("_", "-"), value]
    return args


# ---------------------------------------------------------------------------- enroll


def test_enroll_prints_the_household_with_its_code(zf, snapshot_db):
    zf("cadre", "add", "--name", "王建国")
    result = zf(
        *enroll_args(
            "张三",
            OTHER_ID,
            "红星村",
            "hardship-member",
            "disabled",
            phone="+86 138 1234 5678",
            address="红星村3组12号",
            members="3",
            income="1,234.5",
            hardship="因病",
            cadre="C0001",
            cadence="14",
        ),
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    row = result.json()
    assert row["code"] == "H000001"
    assert row["name"] == "张三"
    assert row["village"] == "红星村"
    assert row["categories"] == ["disabled", "hardship-member"]
    assert row["cadres"] == ["C0001"]
    assert row["status"] == "active"
    assert row["phone"] == "13812345678"
    assert row["members"] == 3
    assert row["income"] == "1234.50"
    assert row["cadence"] == 14
    assert row["enrolled_on"] == TODAY
    assert row["due_date"] == TODAY  # never visited: due from enrolment
    assert row["last_visit"] is None
    assert row["id_number"] == OTHER_ID[:6] + "********" + OTHER_ID[-4:]


def test_enroll_numbers_households_in_order_and_takes_a_given_code(zf, village):
    result = zf(*enroll_args(), "--format", "json")
    assert result.json()["code"] == "H000004"
    result = zf(
        *enroll_args("李四", valid_id("11010119800101002"), code="H000100"), "--format", "json"
    )
    assert result.exit_code == 0, result.stderr
    assert result.json()["code"] == "H000100"
    result = zf(*enroll_args("王五", valid_id("11010119800101003")), "--format", "json")
    assert result.json()["code"] == "H000101"


def test_enroll_repeated_category_is_listed_once(zf):
    result = zf(
        *enroll_args("张三", OTHER_ID, "红星村", "low-income", "low-income", "disabled"),
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.stderr
    assert result.json()["categories"] == ["disabled", "low-income"]


def test_enroll_zero_income_is_allowed(zf):
    result = zf(*enroll_args(income="0"), "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert result.json()["income"] == "0.00"


def test_enroll_off_a_terminal_names_every_missing_field(zf, snapshot_db):
    line = refused(zf, snapshot_db, "enroll", "--name", "张三", code=2, starts="")
    assert line.startswith("error: --id-number, --village, --category: required")
    line = refused(
        zf,
        snapshot_db,
        "enroll",
        "--id-number",
        OTHER_ID,
        "--village",
        "x",
        "--category",
        "low-income",
        code=2,
        starts="--name: ",
    )


def test_enroll_on_a_terminal_asks_for_missing_fields(zf, monkeypatch):
    """Regression: the prompted categories were split into letters ('l', 'o', …)."""
    import types

    import zoufang.cli.common as common

    terminal = types.SimpleNamespace(stdin=types.SimpleNamespace(isatty=lambda: True))
    monkeypatch.setattr(common, "sys", terminal)
    result = zf(
        "enroll",
        "--name",
        "张三",
        "--format",
        "json",
        input=f"{OTHER_ID}\n红星村\nlow-income, disabled\n",
    )
    assert result.exit_code == 0, result.stderr
    # CliRunner echoes the typed answers to stdout, as a terminal would show them; the
    # prompts themselves go to stderr, so the data on stdout stay parseable
    echoed, data = result.stdout.split("{", 1)
    assert echoed.split() == [OTHER_ID, "红星村", "low-income,", "disabled"]
    row = json.loads("{" + data)
    assert (row["code"], row["village"]) == ("H000001", "红星村")
    assert row["categories"] == ["disabled", "low-income"]
    assert "ID number" in result.stderr


def test_enroll_duplicate_id_number_names_the_existing_household(zf, village, snapshot_db):
    line = refused(
        zf, snapshot_db, *enroll_args("冒名", HEAD_ID.lower()), code=1, starts="--id-number: "
    )
    assert "H000001" in line and "陈大爷" in line


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        (HEAD_ID[:-1] + ("1" if HEAD_ID[-1] != "1" else "2"), "wrong check digit"),
        (valid_id("11010119451307123"), "birth date 19451307 is not a real date"),
        (valid_id("11010118500101123"), "birth date 18500101 is impossible"),
        (valid_id("11010120991231123"), "is impossible"),  # born in the future
        (HEAD_ID[:-1], "must be 18 characters, got 17"),
        (HEAD_ID + "1", "must be 18 characters, got 19"),
        ("1.10101E+17", "stored by a spreadsheet as a number"),
        (HEAD_ID + ".0", "stored by a spreadsheet as a number"),
        ("11010119450307123A", "must be 17 digits followed by a digit or X"),
        (valid_id("99010119450307123"), "not a region code"),
        ("110101450307123", "15-digit ID numbers are obsolete"),
    ],
)
def test_enroll_refuses_a_bad_id_number(zf, snapshot_db, number, reason):
    line = refused(zf, snapshot_db, *enroll_args(number=number), code=2, starts="--id-number: ")
    assert reason in line


@pytest.mark.parametrize(
    ("args", "field", "reason"),
    [
        (enroll_args(name="   "), "--name", "must not be empty"),
        (enroll_args(village=""), "--village", ""),
        (enroll_args(income="-5"), "--income", "negative"),
        (enroll_args(income="12.345"), "--income", "more than two decimals"),
        (enroll_args(phone="123"), "--phone", "not a Chinese mobile"),
        (enroll_args(members="0"), "--members", "at least 1"),
        (enroll_args(members="three"), "--members", "not a whole number"),
        (enroll_args(cadence="0"), "--cadence", "at least 1"),
        (enroll_args(code="X1"), "--code", "not a household code"),
    ],
)
def test_enroll_refuses_invalid_input(zf, snapshot_db, args, field, reason):
    line = refused(zf, snapshot_db, *args, code=2, starts=field + ": ")
    assert reason in line


@pytest.mark.parametrize(
    ("args", "field", "reason"),
    [
        (enroll_args("张三", OTHER_ID, "红星村", "no-such"), "--category", "unknown category"),
        (enroll_args(cadre="C0099"), "--cadre", "no cadre 'C0099'"),
        (enroll_args(code="H000001"), "--code", "already taken"),
    ],
)
def test_enroll_refuses_unknown_references(zf, village, snapshot_db, args, field, reason):
    line = refused(zf, snapshot_db, *args, code=1, starts=field + ": ")
    assert reason in line


def test_enroll_is_audited_under_the_operator(zf, ledger_path, monkeypatch):
    assert zf(*enroll_args()).exit_code == 0
    assert zf("--as", "李书记", *enroll_args("李四", valid_id("11010119800101002"))).exit_code == 0
    monkeypatch.setenv("ZOUFANG_OPERATOR", "赵会计")
    assert zf(*enroll_args("王五", valid_id("11010119800101003"))).exit_code == 0
    rows = audit_rows(ledger_path, "action = 'enroll'")
    assert [(r["operator"], r["command"], r["object_key"]) for r in rows] == [
        ("tester", "enroll", "H000001"),
        ("李书记", "enroll", "H000002"),
        ("赵会计", "enroll", "H000003"),
    ]
    after = json.loads(rows[0]["after"])
    assert after["id_number"] == OTHER_ID
    assert (after["categories"], after["cadres"]) == (["low-income"], [])


def test_enroll_audit_records_categories_and_cadres(zf, village, ledger_path):
    after = json.loads(audit_rows(ledger_path, "object_key = 'H000001'")[0]["after"])
    assert after["categories"] == ["veteran-member", "elderly-alone"]
    assert after["cadres"] == ["C0001"]
    assert after["enrolled_on"] == TODAY


def test_global_today_sets_the_enrolment_date(zf, monkeypatch):
    result = zf("--today", "2026-01-15", *enroll_args(), "--format", "json")
    assert result.json()["enrolled_on"] == "2026-01-15"
    monkeypatch.setenv("ZOUFANG_TODAY", "2025-12-31")
    result = zf(*enroll_args("李四", valid_id("11010119800101002")), "--format", "json")
    assert result.json()["enrolled_on"] == "2025-12-31"


@pytest.mark.parametrize("value", ["2026-02-30", "tomorrow", "01/01/2026", "1949-09-30"])
def test_a_bad_global_today_is_invalid(zf, snapshot_db, value):
    refused(zf, snapshot_db, "--today", value, *enroll_args(), code=2, starts="--today: ")


def test_an_empty_operator_is_invalid(zf, snapshot_db):
    refused(zf, snapshot_db, "--as", " ", *enroll_args(), code=2, starts="--as: ")


# ---------------------------------------------------------------------------- household list


def test_household_list_masks_id_numbers(zf, village):
    result = zf("household", "list", "--format", "json")
    assert result.exit_code == 0, result.stderr
    rows = result.json()
    assert [r["code"] for r in rows] == ["H000001", "H000002", "H000003"]
    first = rows[0]
    for key in ("code", "name", "village", "categories", "status", "cadres", "due_date"):
        assert key in first
    assert first["name"] == "陈大爷"
    assert first["categories"] == ["elderly-alone", "veteran-member"]
    assert first["cadres"] == ["C0001"]
    assert first["status"] == "active"
    assert first["id_number"] == "110101********" + HEAD_ID[-4:]
    for fmt in ("plain", "markdown", "csv"):  # (a rich table folds cells to the width)
        out = zf("household", "list", "--format", fmt).stdout
        assert HEAD_ID not in out
        assert "110101********" + HEAD_ID[-4:] in out


def test_household_list_reveal_shows_and_audits(zf, village, ledger_path):
    before = len(audit_rows(ledger_path))
    result = zf("household", "list", "--reveal", "--format", "csv")
    assert result.exit_code == 0, result.stderr
    assert HEAD_ID in result.stdout
    rows = audit_rows(ledger_path)
    assert len(rows) == before + 1
    assert rows[-1]["action"] == "reveal"
    assert rows[-1]["operator"] == "tester"
    assert rows[-1]["command"] == "household list"


def test_household_list_without_reveal_writes_nothing(zf, village, snapshot_db):
    before = snapshot_db()
    assert zf("household", "list").exit_code == 0
    assert snapshot_db() == before


def test_household_list_filters(zf, village):
    def codes(*args):
        result = zf("household", "list", *args, "--format", "json")
        assert result.exit_code == 0, result.stderr
        return [r["code"] for r in result.json()]

    assert codes("--village", "红星村") == ["H000001", "H000003"]
    assert codes("--category", "low-income") == ["H000002"]
    assert codes("--cadre", "C0001") == ["H000001", "H000002", "H000003"]
    assert codes("--cadre", "C0002") == []
    assert codes("--search", "奶奶") == ["H000002"]
    zf("household", "exit", "H000002", "--reason", "迁出")
    assert codes("--status", "exited") == ["H000002"]
    assert codes("--status", "active") == ["H000001", "H000003"]


def test_household_list_search_is_literal(zf, village):
    """Regression: --search went into LIKE unescaped, so % or _ matched every household."""
    assert zf("household", "update", "H000002", "--address", "东风社区5栋_2单元").exit_code == 0
    for text, expected in [("%", []), ("_", ["H000002"]), ("5栋_2", ["H000002"]), ("5栋x2", [])]:
        rows = zf("household", "list", "--search", text, "--format", "json").json()
        assert [r["code"] for r in rows] == expected, text


@pytest.mark.parametrize(
    ("args", "code", "starts"),
    [
        (["--status", "gone"], 2, "--status: "),
        # like due, visit list and commitment list: an unknown filter is a mistake
        (["--cadre", "C0099"], 1, "--cadre: no cadre 'C0099'"),
        (["--category", "no-such"], 1, "--category: unknown category"),
    ],
)
def test_household_list_refusals(zf, village, snapshot_db, args, code, starts):
    refused(zf, snapshot_db, "household", "list", *args, code=code, starts=starts)


LIST_COMMANDS = [
    (
        ["household", "list"],
        [
            "code",
            "name",
            "id_number",
            "village",
            "categories",
            "cadres",
            "status",
            "last_visit",
            "due_date",
        ],
    ),
    (
        ["cadre", "list"],
        ["code", "name", "unit", "phone", "email", "login", "households", "visits"],
    ),
    (["category", "list"], ["code", "label", "cadence", "builtin"]),
    (
        ["visit", "list"],
        [
            "id",
            "date",
            "household",
            "name",
            "village",
            "kind",
            "cadres",
            "notes",
            "needs",
            "suggestions",
            "wishes",
            "gifts",
        ],
    ),
    (
        ["due", "--days", "30"],
        [
            "household",
            "name",
            "village",
            "categories",
            "cadres",
            "last_visit",
            "due_date",
            "days_overdue",
        ],
    ),
    (
        ["commitment", "list"],
        [
            "id",
            "household",
            "name",
            "text",
            "cadre",
            "due_date",
            "status",
            "referred_to",
            "days_overdue",
            "responses",
        ],
    ),
]


@pytest.fixture
def busy_village(zf, village):
    """The village with a visit and a commitment, so every list has rows."""
    assert (
        zf(
            "visit", "log", "H000001", "--by", "C0001", "--date", "2026-11-01", "--need", "修屋顶"
        ).exit_code
        == 0
    )
    return village


@pytest.mark.parametrize(
    ("command", "header"),
    LIST_COMMANDS,
    ids=lambda v: " ".join(v) if isinstance(v, list) and v and " " not in v[0] else None,
)
def test_every_listing_command_speaks_every_format(zf, busy_village, command, header):
    result = zf(*command, "--format", "json")
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)
    assert isinstance(rows, list) and rows

    result = zf(*command, "--format", "csv")
    assert result.exit_code == 0, result.stderr
    table = list(csv.reader(io.StringIO(result.stdout)))
    assert table[0] == header
    assert len(table) == len(rows) + 1

    result = zf(*command, "--format", "markdown")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[0].startswith("|") and lines[0].endswith("|")
    assert set(lines[1]) <= set("|:- ")
    assert len(lines) == len(rows) + 2

    for fmt in ("plain", "table"):
        result = zf(*command, "--format", fmt)
        assert result.exit_code == 0, result.stderr
        assert result.stdout.strip()
        assert result.stderr == ""


@pytest.mark.parametrize(("command", "header"), LIST_COMMANDS)
def test_every_listing_command_refuses_an_unknown_format(
    zf, busy_village, snapshot_db, command, header
):
    line = refused(zf, snapshot_db, *command, "--format", "xml", code=2, starts="--format: ")
    assert "'xml'" in line


def test_empty_lists_are_quiet_but_csv_keeps_its_header(zf):
    assert zf("household", "list", "--format", "json").json() == []
    result = zf("household", "list", "--format", "plain")
    assert result.exit_code == 0 and result.stdout == ""
    result = zf("household", "list", "--format", "csv")
    assert result.stdout.splitlines() == [",".join(LIST_COMMANDS[0][1])]


# ---------------------------------------------------------------------------- household show


def test_household_show_is_the_pre_visit_brief(zf, village):
    assert (
        zf(
            "member",
            "add",
            "H000001",
            "--name",
            "陈小红",
            "--relation",
            "女儿",
            "--birth-year",
            "1975",
            "--id-number",
            MEMBER_ID,
        ).exit_code
        == 0
    )
    assert zf("member", "add", "H000001", "--name", "陈小明", "--relation", "孙子").exit_code == 0
    assert (
        zf(
            "visit",
            "log",
            "H000001",
            "--by",
            "C0001",
            "--date",
            "2026-11-01",
            "--notes",
            "腿脚不便",
            "--need",
            "修屋顶",
            "--suggestion",
            "修路灯",
            "--wish",
            "一台收音机",
            "--gift",
            "米一袋",
        ).exit_code
        == 0
    )
    assert (
        zf(
            "commitment", "add", "H000001", "办残疾证", "--cadre", "C0002", "--due", "2026-12-01"
        ).exit_code
        == 0
    )
    assert zf("commitment", "resolve", "2", "--note", "已办").exit_code == 0
    result = zf("household", "show", "H000001", "--format", "json")
    assert result.exit_code == 0, result.stderr
    brief = result.json()
    assert brief["code"] == "H000001"
    assert brief["name"] == "陈大爷"
    assert brief["status"] == "active"
    assert brief["categories"] == ["elderly-alone", "veteran-member"]
    assert brief["id_number"] == "110101********" + HEAD_ID[-4:]
    # elderly-alone is 30 days, veteran-member 60: the shorter wins
    assert brief["last_visit"] == "2026-11-01"
    assert brief["due_date"] == "2026-12-01"
    assert brief["days_overdue"] == -8
    members = brief["member_list"]
    assert [m["name"] for m in members] == ["陈小红", "陈小明"]
    assert members[0]["id_number"] == "110101********" + MEMBER_ID[-4:]
    assert members[1]["id_number"] is None
    [visit] = brief["visits"]
    assert visit["needs"] == ["修屋顶"] and visit["suggestions"] == ["修路灯"]
    assert visit["wishes"] == ["一台收音机"] and visit["gifts"] == ["米一袋"]
    assert [c["text"] for c in brief["open_commitments"]] == ["修屋顶"]
    assert brief["open_commitments"][0]["due_date"] == "2026-12-01"
    assert [c["text"] for c in brief["closed_commitments"]] == ["办残疾证"]
    for fmt in ("plain", "markdown", "table", "csv"):
        out = zf("household", "show", "H000001", "--format", fmt).stdout
        assert "修屋顶" in out and HEAD_ID not in out and MEMBER_ID not in out
    assert "| " in zf("household", "show", "H000001", "--format", "markdown").stdout


def test_markdown_cells_keep_the_table_intact(zf, village):
    """Regression: a | or a line break in free text broke the markdown pipe table."""
    assert (
        zf(
            "visit",
            "log",
            "H000001",
            "--by",
            "C0001",
            "--notes",
            "门|窗坏了\n屋顶漏雨",
            "--need",
            "修门|窗",
        ).exit_code
        == 0
    )
    lines = zf("visit", "list", "--format", "markdown").stdout.strip().splitlines()
    assert len(lines) == 3
    unescaped = [line.replace("\\|", "") for line in lines]
    assert len({line.count("|") for line in unescaped}) == 1
    assert "门\\|窗坏了<br>屋顶漏雨" in lines[2]
    brief = zf("household", "show", "H000001", "--format", "markdown").stdout
    assert "门\\|窗坏了<br>屋顶漏雨" in brief


def test_household_show_lists_money_received_net_of_reversals(zf, village):
    create_fund(
        zf,
        "SPRING",
        name="春节慰问金",
        categories=["veteran-member", "low-income"],
        allocate="5,000",
    )
    ok(zf("fund", "disburse", "SPRING", "H000001", "500", "--by", "C0002"))
    ok(zf("fund", "disburse", "SPRING", "H000002", "300.5", "--by", "C0002"))
    wrong = zf(
        "fund",
        "disburse",
        "SPRING",
        "H000001",
        "200",
        "--by",
        "C0002",
        "--override",
        "重复发放测试",
        "--format",
        "json",
    ).json()["id"]
    assert zf("fund", "reverse", str(wrong), "--reason", "重复发放").exit_code == 0
    brief = zf("household", "show", "H000001", "--format", "json").json()
    assert brief["money_received"] == [
        {"fund": "SPRING", "name": "春节慰问金", "received": "500.00", "last_paid": TODAY}
    ]
    assert zf("household", "show", "H000003", "--format", "json").json()["money_received"] == []
    plain = zf("household", "show", "H000001", "--format", "plain").stdout
    assert "春节慰问金" in plain and "500.00" in plain


def test_household_show_reveal_is_audited(zf, village, ledger_path, snapshot_db):
    zf(
        "member",
        "add",
        "H000001",
        "--name",
        "陈小红",
        "--relation",
        "女儿",
        "--id-number",
        MEMBER_ID,
    )
    before = snapshot_db()
    assert zf("household", "show", "H000001").exit_code == 0
    assert snapshot_db() == before  # reading without --reveal writes nothing
    result = zf("--as", "审计员", "household", "show", "H000001", "--reveal", "--format", "json")
    assert result.exit_code == 0, result.stderr
    brief = result.json()
    assert brief["id_number"] == HEAD_ID
    assert brief["member_list"][0]["id_number"] == MEMBER_ID
    last = audit_rows(ledger_path)[-1]
    assert (last["action"], last["operator"], last["object_key"]) == ("reveal", "审计员", "H000001")


def test_household_show_unknown(zf, village, snapshot_db):
    refused(zf, snapshot_db, "household", "show", "H000099", code=1, starts="household: ")
    refused(
        zf, snapshot_db, "household", "show", "H000099", "--reveal", code=1, starts="household: "
    )


# ---------------------------------------------------------------------------- household update


def test_household_update_changes_and_audits(zf, village, ledger_path):
    result = zf(
        "--as",
        "李书记",
        "household",
        "update",
        "H000002",
        "--phone",
        "010-65123456",
        "--income",
        "8,000",
        "--members",
        "2",
        "--category",
        "low-income",
        "--category",
        "elderly-alone",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.stderr
    row = result.json()
    assert row["phone"] == "010-65123456"
    assert row["income"] == "8000.00"
    assert row["members"] == 2
    assert row["categories"] == ["elderly-alone", "low-income"]
    assert row["due_date"] == TODAY  # never visited
    last = audit_rows(ledger_path)[-1]
    assert (last["action"], last["operator"], last["object_key"]) == ("update", "李书记", "H000002")
    assert json.loads(last["before"])["categories"] == ["low-income"]
    assert json.loads(last["after"])["categories"] == ["elderly-alone", "low-income"]


def test_household_update_cadence_moves_the_due_date(zf, village):
    zf("visit", "log", "H000002", "--by", "C0001", "--date", "2026-10-01")
    show = lambda: zf("household", "show", "H000002", "--format", "json").json()  # noqa: E731
    assert show()["due_date"] == "2026-11-30"  # low-income: 60 days
    zf("household", "update", "H000002", "--cadence", "7")
    assert show()["due_date"] == "2026-10-08"
    assert show()["cadence"] == 7
    zf("household", "update", "H000002", "--cadence", "default")
    assert show()["due_date"] == "2026-11-30"
    assert show()["cadence"] is None
    zf("household", "update", "H000002", "--category", "hardship-member")
    assert show()["due_date"] == "2026-10-31"


@pytest.mark.parametrize(
    ("args", "code", "starts"),
    [
        (["H000001"], 2, "household: nothing to change"),
        (["H000001", "--income", "-1"], 2, "--income: "),
        (["H000001", "--phone", "12345"], 2, "--phone: "),
        (["H000001", "--name", ""], 2, "--name: "),
        (["H000001", "--cadence", "-3"], 2, "--cadence: "),
        (["H000001", "--members", "0"], 2, "--members: "),
        (["H000001", "--category", "no-such"], 1, "--category: "),
        (["H000099", "--name", "某"], 1, "household: "),
    ],
)
def test_household_update_refusals(zf, village, snapshot_db, args, code, starts):
    refused(zf, snapshot_db, "household", "update", *args, code=code, starts=starts)


# ---------------------------------------------------------------------------- household exit


def test_household_exit(zf, village, ledger_path, snapshot_db):
    result = zf("household", "exit", "H000003", "--reason", "随父母迁往城区", "--format", "json")
    assert result.exit_code == 0, result.stderr
    row = result.json()
    assert row["status"] == "exited"
    assert row["exit_reason"] == "随父母迁往城区"
    assert row["exited_on"] == TODAY
    last = audit_rows(ledger_path)[-1]
    assert (last["action"], last["object_key"]) == ("exit", "H000003")
    assert json.loads(last["after"])["status"] == "exited"
    brief = zf("household", "show", "H000003", "--format", "json").json()
    assert brief["days_overdue"] is None
    assert brief["due_date"] is None  # never due again: no stale date in the lists either
    listed = {h["code"]: h for h in zf("household", "list", "--format", "json").json()}
    assert listed["H000003"]["due_date"] is None
    assert listed["H000001"]["due_date"] is not None
    line = refused(
        zf,
        snapshot_db,
        "household",
        "exit",
        "H000003",
        "--reason",
        "again",
        code=1,
        starts="household: ",
    )
    assert "already exited" in line


def test_household_exit_refusals(zf, village, snapshot_db):
    refused(
        zf,
        snapshot_db,
        "household",
        "exit",
        "H000099",
        "--reason",
        "x",
        code=1,
        starts="household: ",
    )
    refused(
        zf,
        snapshot_db,
        "household",
        "exit",
        "H000001",
        "--reason",
        " ",
        code=2,
        starts="--reason: ",
    )


# ---------------------------------------------------------------------------- member add


def test_member_add(zf, village, ledger_path):
    result = zf(
        "member",
        "add",
        "H000001",
        "--name",
        "陈小红",
        "--relation",
        "女儿",
        "--birth-year",
        "1975",
        "--health",
        "健康",
        "--id-number",
        MEMBER_ID,
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.stderr
    member = result.json()
    assert member["household"] == "H000001"
    assert member["name"] == "陈小红"
    assert member["relation"] == "女儿"
    assert member["birth_year"] == 1975
    assert member["id_number"] == "110101********" + MEMBER_ID[-4:]
    assert isinstance(member["id"], int)
    last = audit_rows(ledger_path)[-1]
    assert (last["action"], last["object_type"]) == ("add", "member")


@pytest.mark.parametrize(
    ("args", "code", "starts"),
    [
        (["H000001", "--name", "", "--relation", "女儿"], 2, "--name: "),
        (["H000001", "--name", "某", "--relation", " "], 2, "--relation: "),
        (
            ["H000001", "--name", "某", "--relation", "女儿", "--birth-year", "2030"],
            2,
            "--birth-year: ",
        ),
        (
            ["H000001", "--name", "某", "--relation", "女儿", "--birth-year", "1875"],
            2,
            "--birth-year: ",
        ),
        (
            ["H000001", "--name", "某", "--relation", "女儿", "--id-number", "1.10101E+17"],
            2,
            "--id-number: ",
        ),
        (
            ["H000001", "--name", "某", "--relation", "本人", "--id-number", HEAD_ID],
            1,
            "--id-number: ",
        ),
        (["H000099", "--name", "某", "--relation", "女儿"], 1, "household: "),
    ],
)
def test_member_add_refusals(zf, village, snapshot_db, args, code, starts):
    refused(zf, snapshot_db, "member", "add", *args, code=code, starts=starts)


def test_member_add_twice_with_the_same_id_number(zf, village, snapshot_db):
    args = [
        "member",
        "add",
        "H000001",
        "--name",
        "陈小红",
        "--relation",
        "女儿",
        "--id-number",
        MEMBER_ID,
    ]
    assert zf(*args).exit_code == 0
    refused(zf, snapshot_db, *args, code=1, starts="--id-number: already a member")


# ---------------------------------------------------------------------------- categories


def test_category_list_has_the_builtins(zf):
    result = zf("category", "list", "--format", "json")
    assert result.exit_code == 0, result.stderr
    cadence = {c["code"]: c["cadence"] for c in result.json()}
    assert cadence == {
        "honour-recipient": 90,
        "hardship-member": 30,
        "veteran-member": 60,
        "retired-cadre": 90,
        "bereaved-family": 30,
        "illness-poverty": 30,
        "low-income": 60,
        "disabled": 60,
        "elderly-alone": 30,
        "left-behind-child": 30,
        "frontline-cadre": 90,
        "destitute": 30,
        "empty-nest": 30,
    }
    assert all(c["builtin"] for c in result.json())


def test_category_add_and_use(zf, ledger_path):
    result = zf(
        "category",
        "add",
        "flood-affected",
        "--label",
        "受灾群众",
        "--cadence",
        "14",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.stderr
    assert result.json() == {
        "code": "flood-affected",
        "label": "受灾群众",
        "cadence": 14,
        "builtin": False,
    }
    listed = {c["code"]: c for c in zf("category", "list", "--format", "json").json()}
    assert listed["flood-affected"]["builtin"] is False
    assert audit_rows(ledger_path)[-1]["object_key"] == "flood-affected"
    result = zf(*enroll_args("张三", OTHER_ID, "红星村", "flood-affected"), "--format", "json")
    assert result.json()["categories"] == ["flood-affected"]


@pytest.mark.parametrize(
    ("args", "code", "starts"),
    [
        (
            ["low-income", "--label", "低保", "--cadence", "30"],
            1,
            "CODE: category 'low-income' already",
        ),
        (["bad code", "--label", "x", "--cadence", "30"], 2, "CODE: "),
        (["flood", "--label", " ", "--cadence", "30"], 2, "--label: "),
        (["flood", "--label", "受灾", "--cadence", "0"], 2, "--cadence: "),
        (["flood", "--label", "受灾", "--cadence", "weekly"], 2, "--cadence: "),
    ],
)
def test_category_add_refusals(zf, snapshot_db, args, code, starts):
    refused(zf, snapshot_db, "category", "add", *args, code=code, starts=starts)


def test_enroll_judges_birth_dates_by_the_ledgers_today(zf, snapshot_db):
    """With --today in the past, a head born after it cannot be enrolled (or added, or related)."""
    born = valid_id("11010520260601001")
    line = refused(
        zf,
        snapshot_db,
        "--today",
        "2026-03-01",
        "enroll",
        "--name",
        "新生儿",
        "--id-number",
        born,
        "--village",
        "红星村",
        "--category",
        "low-income",
        code=2,
        starts="--id-number: ",
    )
    assert "impossible" in line
    assert (
        zf(
            "enroll",
            "--name",
            "新生儿",
            "--id-number",
            born,
            "--village",
            "红星村",
            "--category",
            "low-income",
        ).exit_code
        == 0
    )
