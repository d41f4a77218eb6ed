"""Issue 17: `export` carries the fact history (变更记录) and `import` brings it in, so a ledger
whose households changed category, exited, whose cadres declared relatives and whose funds
changed their rules after some payments moves into an empty ledger as it was: every past
payment judged by the facts of its day, the same `audit funds` findings (only the real
backdated change is backdated), the same figures, the same `household history`."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import FUND, cli_env, dict_rows, invoke, ok, valid_id

DAY = "2026-12-01"  # the day the ledger is exported, imported and audited
MEMBER_ID = valid_id("11010119800101002")


def on(day: str, env: dict | None = None) -> dict:
    return {**(env or {}), "ZOUFANG_TODAY": day}


@pytest.fixture
def history_ledger(zf, funded):
    """The village's fund CJ2026 (cap 1,000; veteran-member, low-income, elderly-alone),
    with payments before and after a category change, a member added, a relative declared,
    a change of the fund's rules, an exit and a backdated change."""

    def pay(day: str, household: str, amount: str, by: str, *more: str):
        ok(zf("fund", "disburse", FUND, household, amount, "--by", by, *more, env=on(day)))

    pay("2026-11-24", "H000002", "300", "C0002")  # low-income: eligible
    pay("2026-11-24", "H000001", "600", "C0001")  # under the cap of the day (1,000)
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
    pay("2026-11-25", "H000001", "100", "C0002")  # before C0002 declares the relative
    ok(
        zf(
            "member", "add", "H000001", "--name", "陈大娘", "--relation", "配偶",
            "--id-number", MEMBER_ID, env=on("2026-11-25"),
        )
    )  # fmt: skip
    ok(
        zf(
            "cadre", "relate", "C0002", "--household", "H000001", "--relation", "表兄",
            env=on("2026-11-26"),
        )
    )  # fmt: skip
    pay("2026-11-26", "H000001", "100", "C0001")  # by the other cadre
    ok(
        zf(
            "fund", "update", FUND, "--category", "veteran-member", "--category", "low-income",
            "--category", "elderly-alone", "--category", "left-behind-child", "--cap", "500",
            env=on("2026-11-27"),
        )
    )  # fmt: skip
    pay("2026-11-28", "H000003", "400", "C0001")  # eligible only under the new rules
    pay("2026-11-28", "H000002", "100", "C0001")  # left-behind-child now eligible: 400 of 500
    ok(zf("household", "exit", "H000003", "--reason", "迁出本村", env=on("2026-11-29")))
    pay("2026-11-30", "H000003", "50", "C0001", "--override", "迁出前已批准")  # after the exit
    ok(
        zf(
            "household", "update", "H000001", "--category", "veteran-member",
            "--from", "2026-11-26", "--reason", "=补录：11月26日起不再独居", env=on("2026-11-30"),
        )
    )  # fmt: skip
    # backdated to the day of a payment it would have refused: known to the audit, never to
    # that payment (the import must replay it after the payment, as it was recorded)
    ok(
        zf(
            "household", "update", "H000002", "--category", "disabled", "--from", "2026-11-28",
            "--reason", "补录残疾证", env=on("2026-11-30"),
        )
    )  # fmt: skip
    return funded


def _findings(env: dict) -> tuple[int, list[tuple]]:
    result = invoke("audit", "funds", "--format", "json", env=on(DAY, env))
    assert result.exit_code in (0, 1), result.stderr
    return result.exit_code, sorted(
        (f["check"], f.get("household") or "", f.get("fund") or "", f.get("entry") or 0)
        for f in result.json()["findings"]
        if f["check"] not in ("late-entry", "backfill")
    )


def _history(env: dict, code: str) -> list[dict]:
    result = invoke("household", "history", code, "--format", "json", env=on(DAY, env))
    assert result.exit_code == 0, result.stderr
    return [
        {k: v for k, v in c.items() if k not in ("seq", "imported")}
        for c in result.json()["changes"]
    ]


def _figures(env: dict) -> dict:
    out = {}
    for name, args in {
        "funds": ("fund", "list", "--format", "json"),
        "fund": ("fund", "show", FUND, "--format", "json"),
        "households": ("household", "list", "--reveal", "--format", "json"),
        "cadres": ("cadre", "list", "--format", "json"),
        "report": ("report", "--since", "2025-01-01", "--format", "json"),
    }.items():
        result = invoke(*args, env=on(DAY, env))
        assert result.exit_code == 0, (name, result.stderr)
        out[name] = _no_hashes(result.json())
    return out


def _relatives(ledger) -> list[dict]:
    return dict_rows(
        ledger,
        "SELECT c.code, h.code AS household, r.id_number, r.relation FROM cadre_relative r "
        "JOIN cadre c ON c.id = r.cadre_id LEFT JOIN household h ON h.id = r.household_id "
        "ORDER BY c.code, h.code",
    )


def _no_hashes(data):
    """Without what an import writes anew: the chain's hashes, when entries were recorded."""
    if isinstance(data, dict):
        return {
            k: _no_hashes(v)
            for k, v in data.items()
            if k not in ("hash", "prev_hash", "recorded_at", "operator")
        }
    if isinstance(data, list):
        return [_no_hashes(v) for v in data]
    return data


def _moved(source_env, target, tmp_path, *, form: str = "xlsx", lang: str = "zh"):
    if form == "csv":
        out = tmp_path / "台账"
        args = ("export", "--format", "csv", "--table", "all", "--out", out, "--reveal")
    else:
        out = tmp_path / f"台账-{lang}.xlsx"
        args = ("export", "--out", out, "--reveal", "--lang", lang)
    ok(invoke(*args, env=on(DAY, source_env)))
    env = cli_env(target)
    result = invoke("import", out, "--format", "json", env=on(DAY, env))
    return env, result


@pytest.mark.parametrize(("form", "lang"), [("xlsx", "zh"), ("xlsx", "en"), ("csv", "en")])
def test_a_ledger_with_history_moves_in_as_it_was(
    history_ledger, ledger_path, new_ledger, tmp_path, form, lang
):
    source = cli_env(ledger_path)
    code, before = _findings(source)
    assert [f[0] for f in before if f[0] in ("backdated", "override")] == [
        "backdated",
        "backdated",
        "override",
    ]
    target = new_ledger("target")
    env, result = _moved(source, target, tmp_path, form=form, lang=lang)
    assert result.exit_code == 0, result.stderr
    imported = result.json()["imported"]
    assert imported["history"] > 10 and imported["ledger"] == 8
    after_code, after = _findings(env)
    assert (after_code, after) == (code, before)
    assert _figures(env) == _figures(source)
    for household in ("H000001", "H000002", "H000003"):
        assert _history(env, household) == _history(source, household), household
    assert _relatives(target) == _relatives(ledger_path) != []
    # the moved changes are marked as imported; the backdated one stays backdated
    moved = invoke("household", "history", "H000001", "--format", "json", env=on(DAY, env))
    changes = moved.json()["changes"]
    assert [(c["backdated"], c["imported"]) for c in changes].count((True, False)) == 1
    assert any(f[0] == "backdated" and f[3] for f in after)  # with the payment it touches
    assert all(c["imported"] for c in changes if not c["backdated"])


def test_the_history_sheet_is_in_the_export(history_ledger, tmp_path):
    import openpyxl

    out = tmp_path / "台账.xlsx"
    ok(invoke("export", "--out", out, "--lang", "zh", env=on(DAY)))
    sheet = openpyxl.load_workbook(out)["变更记录"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:6] == ("变更编号", "对象类型", "对象编号", "事项", "起始日期", "内容")
    values = {(r[2], r[3]): r[5] for r in rows[1:]}
    assert values[("H000002", "类别")] == "残疾人"  # the last change of its categories
    assert "表兄" in values[("C0002", "亲属")]
    assert "每户上限(元)：500.00" in values[(FUND, "资金规则")]
    # ID numbers masked without --reveal, like the other sheets
    assert "*" in values[("H000001", "家庭成员身份证号")]
    assert MEMBER_ID not in str(rows)


def test_without_the_sheet_the_old_refusal_stands(
    history_ledger, ledger_path, new_ledger, tmp_path
):
    """A workbook without 变更记录 (the hand-made office layout) imports each household with
    its categories of today: the past payment under lost categories is refused."""
    import openpyxl

    out = tmp_path / "台账.xlsx"
    ok(invoke("export", "--out", out, "--reveal", "--lang", "zh", env=on(DAY)))
    book = openpyxl.load_workbook(out)
    del book["变更记录"]
    book.save(out)
    result = invoke("import", out, env=on(DAY, cli_env(new_ledger("target"))))
    assert result.exit_code == 2
    assert "资金流水" in result.stdout + result.stderr


def _edited(tmp_path, edits: list[tuple[str, str, str, object]]):
    """The export with cells of 变更记录 changed: (subject, fact, header, value), the first
    row of that subject and fact."""
    import openpyxl

    out = tmp_path / "台账.xlsx"
    ok(invoke("export", "--out", out, "--reveal", "--lang", "zh", env=on(DAY)))
    book = openpyxl.load_workbook(out)
    sheet = book["变更记录"]
    headers = [c.value for c in sheet[1]]
    lines = {}
    for row in range(sheet.max_row, 1, -1):
        key = (sheet.cell(row, 3).value, sheet.cell(row, 4).value)
        lines[key] = row  # the first row of each subject and fact, after the loop
    for subject, fact, header, value in edits:
        sheet.cell(lines[(subject, fact)], headers.index(header) + 1, value=value)
    book.save(out)
    return out, lines


def test_bad_rows_are_each_one_problem_and_nothing_is_written(history_ledger, new_ledger, tmp_path):
    out, lines = _edited(
        tmp_path,
        [
            ("H000002", "类别", "内容", "外星人"),
            ("H000003", "在册状态", "对象编号", "H999999"),
            (FUND, "资金规则", "起始日期", "2099-01-01"),
        ],
    )
    target = new_ledger("target")
    env = on(DAY, cli_env(target))
    result = invoke("import", out, "--format", "json", env=env)
    assert result.exit_code == 2, result.stderr
    errors = [e for e in result.json()["errors"] if e["sheet"] == "变更记录"]
    assert {(e["row"], e["column"]) for e in errors} == {
        (lines[("H000002", "类别")], "内容"),
        (lines[("H000003", "在册状态")], "对象编号"),
        (lines[(FUND, "资金规则")], "起始日期"),
    }
    assert any("外星人" in e["error"] for e in errors)
    assert any("H999999" in e["error"] for e in errors)
    assert invoke("household", "list", "--format", "json", env=env).json() == []


def test_a_masked_id_number_and_dates_out_of_order_are_refused(
    history_ledger, new_ledger, tmp_path
):
    import openpyxl

    out = tmp_path / "台账.xlsx"
    ok(invoke("export", "--out", out, "--reveal", "--lang", "zh", env=on(DAY)))
    book = openpyxl.load_workbook(out)
    sheet = book["变更记录"]
    headers = [c.value for c in sheet[1]]
    col = {h: headers.index(h) + 1 for h in headers}
    rows = {}
    for row in range(2, sheet.max_row + 1):
        rows.setdefault((sheet.cell(row, 3).value, sheet.cell(row, 4).value), []).append(row)
    member_row = rows[("H000001", "家庭成员身份证号")][-1]
    sheet.cell(member_row, col["内容"], value="110101********0022")
    first, second = rows[("H000002", "类别")][:2]
    sheet.cell(second, col["起始日期"], value="2026-11-01")
    book.save(out)
    result = invoke("import", out, "--format", "json", env=on(DAY, cli_env(new_ledger("t"))))
    assert result.exit_code == 2
    errors = {(e["row"], e["column"]): e["error"] for e in result.json()["errors"]}
    assert "masked" in errors[(member_row, "内容")]
    assert "out of order" in errors[(second, "起始日期")]
    del first


def test_a_fund_the_ledger_already_has_keeps_its_own_history(history_ledger, new_ledger, tmp_path):
    """A fund the ledger already holds (same code and name: used as it is) has its own
    history; the file's cannot be laid over it: each of its rows is a problem."""
    out = tmp_path / "台账.xlsx"
    ok(invoke("export", "--out", out, "--reveal", "--lang", "zh", env=on(DAY)))
    env = on(DAY, cli_env(new_ledger("target")))
    ok(invoke("fund", "create", FUND, "--name", "2026年春节慰问金", "--category", "低保", env=env))
    result = invoke("import", out, "--format", "json", env=env)
    assert result.exit_code == 2
    errors = [e for e in result.json()["errors"] if e["sheet"] == "变更记录"]
    assert len(errors) == 2 and all("already has its own history" in e["error"] for e in errors)
    assert {e["column"] for e in errors} == {"对象编号"}


def test_a_hand_made_history_sheet_out_of_order_is_refused(zf, funded, new_ledger, tmp_path):
    """A sheet typed by hand (no numbers, no recorded times, no ledger counts) is replayed
    in its own order: a change dated before the one above it for the same fact is refused."""
    import openpyxl

    out = tmp_path / "台账.xlsx"
    ok(zf("export", "--out", out, "--reveal", "--lang", "zh", env=on("2026-11-23")))
    book = openpyxl.load_workbook(out)
    del book["变更记录"]
    target = book["帮扶对象"]
    headers = [c.value for c in target[1]]
    # 王奶奶 is a 留守儿童 household today in the file (as if she changed category later)
    for row in range(2, target.max_row + 1):
        if target.cell(row, headers.index("户号") + 1).value == "H000002":
            target.cell(row, headers.index("类别") + 1, value="留守儿童")
    money = book["资金流水"]
    money.append([2, "2026-11-20", FUND, None, "发放", 300, "H000002", None, "李梅"])
    sheet = book.create_sheet("变更记录")
    sheet.append(["对象类型", "对象编号", "事项", "起始日期", "内容", "原因"])
    sheet.append(["帮扶对象", "H000002", "类别", "2026-11-23", "低保户", None])
    sheet.append(["帮扶对象", "H000002", "类别", "2026-11-22", "留守儿童", "倒序"])
    book.save(out)
    result = invoke("import", out, "--format", "json", env=on(DAY, cli_env(new_ledger("t"))))
    # the second change is dated before the first: out of order
    assert result.exit_code == 2
    assert [(e["row"], e["column"]) for e in result.json()["errors"]] == [(3, "起始日期")]


def test_a_hand_made_history_sheet_in_order_moves_in_and_judges_by_the_day(
    funded, ledger_path, new_ledger, tmp_path
):
    """Only the starred columns: every change is then known before the first payment, and
    each payment is judged by the facts of its day: the payment to 王奶奶 while she was 低保户
    is accepted, though the households sheet says 留守儿童 (her category of today)."""
    import openpyxl

    out = tmp_path / "台账.xlsx"
    ok(invoke("export", "--out", out, "--reveal", "--lang", "zh", env=on("2026-11-23")))
    book = openpyxl.load_workbook(out)
    del book["变更记录"]
    target = book["帮扶对象"]
    headers = [c.value for c in target[1]]
    for row in range(2, target.max_row + 1):
        if target.cell(row, headers.index("户号") + 1).value == "H000002":
            target.cell(row, headers.index("类别") + 1, value="留守儿童")
    book["资金流水"].append([2, "2026-11-24", FUND, None, "发放", 300, "H000002", None, "李梅"])
    sheet = book.create_sheet("变更记录")
    sheet.append(["对象类型", "对象编号", "事项", "起始日期", "内容"])
    sheet.append(["帮扶对象", "H000002", "类别", "2026-11-23", "低保户"])
    sheet.append(["帮扶对象", "H000002", "类别", "2026-11-25", "留守儿童"])
    book.save(out)
    env = on(DAY, cli_env(new_ledger("target")))
    result = invoke("import", out, "--format", "json", env=env)
    assert result.exit_code == 0, result.stdout + result.stderr
    assert result.json()["imported"]["history"] == 2
    changes = invoke("household", "history", "H000002", "--format", "json", env=env).json()
    assert [
        (c["from"], c["after"], c["imported"])
        for c in changes["changes"]
        if c["fact"] == "categories"
    ] == [("2026-11-23", ["low-income"], True), ("2026-11-25", ["left-behind-child"], True)]
    # the facts the sheet does not cover open as without it: on the enrolment day
    assert {c["fact"] for c in changes["changes"] if not c["imported"]} == {"status", "member_ids"}
    assert _findings(env)[0] == 0  # the payment of 11-24 is no finding


# ------------------------------------------------------------------ the sheet's values


def _category_words() -> dict[str, str]:
    from zoufang.labels import CATEGORY_ZH

    return dict(CATEGORY_ZH)


CATEGORY_WORDS = _category_words()
_ids = st.builds(
    lambda region, day, n: valid_id(f"{region}{day:%Y%m%d}{n:03d}"),
    st.sampled_from(["110101", "370203", "420106"]),
    st.dates(dt.date(1930, 1, 1), dt.date(2020, 12, 31)),
    st.integers(0, 999),
)
_days = st.dates(dt.date(1949, 10, 1), dt.date(2026, 11, 23))


def _values():
    from zoufang.services.fact_history import fund_rules_value

    categories = st.lists(st.sampled_from(sorted(CATEGORY_WORDS)), unique=True).map(sorted)
    relative = st.one_of(
        st.builds(
            lambda h, rel: {"household": f"H{h:06d}", "id_number": None, "relation": rel},
            st.integers(1, 999999),
            st.one_of(st.none(), st.sampled_from(["表兄", "配偶", "岳父母"])),
        ),
        st.builds(
            lambda n, rel: {"household": None, "id_number": n, "relation": rel},
            _ids,
            st.one_of(st.none(), st.sampled_from(["表兄", "配偶"])),
        ),
    )
    return st.one_of(
        st.tuples(st.just("categories"), categories),
        st.tuples(st.just("status"), st.sampled_from(["active", "exited"])),
        st.tuples(st.just("member_ids"), st.lists(_ids, unique=True).map(sorted)),
        st.tuples(
            st.just("relatives"),
            st.lists(relative, unique_by=lambda r: (r["household"], r["id_number"])).map(
                lambda rs: sorted(rs, key=lambda r: (r["household"] or "", r["id_number"] or ""))
            ),
        ),
        st.tuples(
            st.just("rules"),
            st.builds(
                fund_rules_value,
                categories,
                st.one_of(st.none(), st.integers(1, 10**9)),
                st.one_of(st.none(), _days),
                st.one_of(st.none(), _days),
            ),
        ),
    )


@settings(max_examples=300, deadline=None)
@given(_values(), st.sampled_from(["zh", "en"]))
def test_every_value_reads_back_exactly_as_it_was_written(fact_value, lang):
    from zoufang.fact_chain import value_text
    from zoufang.services.history_sheet import parsed_value, shown_value

    fact, value = fact_value
    words = CATEGORY_WORDS if lang == "zh" else {c: c for c in CATEGORY_WORDS}
    text = shown_value(fact, value, lang=lang, categories=words, id_number=lambda n: n)
    back = parsed_value(
        fact,
        text,
        field="内容",
        categories=CATEGORY_WORDS,
        household=lambda ref: ref,
        today=dt.date(2026, 11, 23),
    )
    assert value_text(back) == value_text(value)


def test_an_export_imported_into_its_own_ledger_is_refused_row_by_row(
    history_ledger, tmp_path, snapshot_db
):
    """Every household is already enrolled: a problem of its row (not an internal error
    when the rows are written), and the funds' history is the ledger's own."""
    out = tmp_path / "台账.xlsx"
    ok(invoke("export", "--out", out, "--reveal", "--lang", "zh", env=on(DAY)))
    before = snapshot_db()
    result = invoke("import", out, "--format", "json", env=on(DAY))
    assert result.exit_code == 2, result.stderr
    where = {(e["sheet"], e["column"]) for e in result.json()["errors"]}
    assert where == {("帮扶对象", "身份证号"), ("帮扶对象", "户号"), ("变更记录", "对象编号")}
    assert snapshot_db() == before


def test_each_unreadable_cell_is_one_problem_in_its_column(history_ledger, new_ledger, tmp_path):
    out, lines = _edited(
        tmp_path,
        [
            ("H000001", "类别", "对象类型", "外星"),
            ("H000001", "在册状态", "事项", "资金规则"),
            (FUND, "资金规则", "录入时间", "昨天"),
            ("C0002", "亲属", "录入时已有流水", "很多"),
            ("H000002", "在册状态", "起始日期", ""),
        ],
    )
    result = invoke("import", out, "--format", "json", env=on(DAY, cli_env(new_ledger("t"))))
    assert result.exit_code == 2
    # the payments of the fund and households whose history was refused are not judged
    # (and refused) again by a history with holes in it
    assert {e["sheet"] for e in result.json()["errors"]} == {"变更记录"}
    found = {(e["row"], e["column"]) for e in result.json()["errors"] if e["sheet"] == "变更记录"}
    assert found == {
        (lines[("H000001", "类别")], "对象类型"),
        (lines[("H000001", "在册状态")], "事项"),
        (lines[(FUND, "资金规则")], "录入时间"),
        (lines[("C0002", "亲属")], "录入时已有流水"),
        (lines[("H000002", "在册状态")], "起始日期"),
    }


def test_a_household_named_by_its_head_id_number_is_refused(history_ledger, new_ledger, tmp_path):
    """The households sheet maps a head's ID number to its household too; a history row
    names a household by its 户号 only (else its enrolment's periods and the file's would
    both stand)."""
    head_id = valid_id("11010119500101002")  # H000002's head (helpers.village)
    out, lines = _edited(tmp_path, [("H000002", "类别", "对象编号", head_id)])
    target = new_ledger("target")
    env = on(DAY, cli_env(target))
    result = invoke("import", out, "--format", "json", env=env)
    assert result.exit_code == 2, result.stderr
    errors = [e for e in result.json()["errors"] if e["sheet"] == "变更记录"]
    assert [(e["row"], e["column"]) for e in errors] == [(lines[("H000002", "类别")], "对象编号")]
    assert invoke("household", "list", "--format", "json", env=env).json() == []


def test_a_recorded_time_with_its_offset_is_kept_as_the_same_moment_in_utc():
    from zoufang.services.history_import import _to_the_second

    beijing = dt.timezone(dt.timedelta(hours=8))
    assert _to_the_second(dt.datetime(2026, 1, 10, 9, 30, 0, 600_000, tzinfo=beijing)) == (
        dt.datetime(2026, 1, 10, 1, 30, 1)
    )
    assert _to_the_second(dt.datetime(2026, 1, 10, 9, 30)) == dt.datetime(2026, 1, 10, 9, 30)
