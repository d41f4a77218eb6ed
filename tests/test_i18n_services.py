"""The services in Chinese: enumerated values and cadres typed as people say them, refusals
in the chosen language, and the same JSON whatever the language.

The village fixture: cadres C0001 王建国 (红星村党支部) and C0002 李梅; H000001 陈大爷
(veteran-member, elderly-alone), H000002 王奶奶 (low-income), H000003 刘小明
(left-behind-child), all assigned to C0001.
"""

from __future__ import annotations

import datetime as dt

import pytest

from helpers import FUND, TODAY, error_line, ok, valid_id

#: Someone not in the village.
OTHER_ID = valid_id("11010119800101001")
ZH = ("--lang", "zh")
EN = ("--lang", "en")


def _enroll(zf, *categories: str, lang=ZH, id_number: str = OTHER_ID, cadre: str | None = None):
    args = [*lang, "enroll", "--name", "张三", "--id-number", id_number, "--village", "红星村"]
    for c in categories:
        args += ["--category", c]
    if cadre:
        args += ["--cadre", cadre]
    return zf(*args, "--format", "json")


# ---------------------------------------------------------------------------- categories


@pytest.mark.parametrize("lang", [ZH, EN])
def test_a_category_is_taken_by_its_chinese_label_and_its_short_form(zf, village, lang):
    shown = ok(_enroll(zf, "老党员", "低保", "veteran-member", lang=lang)).json()
    assert shown["categories"] == ["low-income", "veteran-member"]


def test_categories_show_their_labels_in_chinese_and_their_codes_in_english(zf, village):
    zh = ok(zf(*ZH, "household", "list", "--category", "独居老人")).stdout
    assert "独居老人、老党员" in zh and "在册" in zh and "elderly-alone" not in zh
    en = ok(zf(*EN, "household", "list", "--category", "独居")).stdout
    assert "elderly-alone" in en and "active" in en and "独居老人" not in en


def test_a_category_of_ones_own_is_used_by_its_chinese_label(zf, village):
    ok(zf("category", "add", "flood-affected", "--label", "受灾群众", "--cadence", "30"))
    shown = ok(_enroll(zf, "受灾群众")).json()
    assert shown["categories"] == ["flood-affected"]
    listed = ok(zf(*ZH, "household", "list", "--category", "受灾群众")).stdout
    assert "受灾群众" in listed and "张三" in listed and "陈大爷" not in listed


def test_a_label_that_already_names_a_category_is_refused(zf, village):
    result = zf("category", "add", "poor", "--label", "低保", "--cadence", "30")
    assert result.exit_code == 1
    assert error_line(result) == "error: --label: '低保' already names category low-income"


def test_an_unknown_category_is_refused_with_the_accepted_labels_in_chinese(zf, village):
    result = _enroll(zf, "外星人")
    assert result.exit_code == 1
    line = error_line(result, starts="")
    assert "--category" in line and "没有类别 '外星人'，可填：" in line
    assert "低保户（low-income）" in line and "老党员（veteran-member）" in line
    english = _enroll(zf, "外星人", lang=EN)
    assert error_line(english) == (
        "error: --category: unknown category '外星人' (see `zoufang category list`)"
    )


# ---------------------------------------------------------------------------- visit kinds


@pytest.mark.parametrize("lang", [ZH, EN])
def test_a_visit_kind_is_taken_by_its_chinese_word(zf, village, lang):
    ok(zf(*lang, "visit", "log", "H000001", "--by", "C0001", "--kind", "节日慰问"))
    (visit,) = ok(zf("visit", "list", "--format", "json")).json()
    assert visit["kind"] == "festival"
    assert "节日慰问" in ok(zf(*ZH, "visit", "list")).stdout
    english = ok(zf(*EN, "visit", "list")).stdout
    assert "festival" in english and "节日慰问" not in english


def test_an_unknown_visit_kind_is_refused_with_the_kinds_in_the_chosen_language(zf, village):
    args = ("visit", "log", "H000001", "--by", "C0001", "--kind", "串门")
    zh = zf(*ZH, *args)
    assert zh.exit_code == 2
    line = error_line(zh, starts="")
    assert "'串门'" in line and "日常走访（routine）" in line and "核实（verification）" in line
    en = error_line(zf(*EN, *args))
    assert en.startswith("error: --kind: '串门' is not one of")
    assert "routine" in en and "日常走访" not in en


# ---------------------------------------------------------------------------- commitments


def _commitment_in_progress(zf) -> None:
    ok(zf("commitment", "add", "H000001", "修缮屋顶", "--cadre", "C0001", "--due", "2026-12-31"))
    ok(zf("commitment", "add", "H000002", "办理低保", "--cadre", "C0001", "--due", "2026-12-31"))
    ok(zf("commitment", "respond", "1", "--note", "已联系施工队"))


@pytest.mark.parametrize("lang", [ZH, EN])
def test_a_commitment_status_is_taken_by_its_chinese_word(zf, village, lang):
    _commitment_in_progress(zf)
    rows = ok(zf(*lang, "commitment", "list", "--status", "办理中", "--format", "json")).json()
    assert [(r["id"], r["status"]) for r in rows] == [(1, "in-progress")]
    rows = ok(zf(*lang, "commitment", "list", "--status", "待办", "--format", "json")).json()
    assert [(r["id"], r["status"]) for r in rows] == [(2, "open")]


def test_commitment_statuses_show_their_words_in_chinese(zf, village):
    _commitment_in_progress(zf)
    zh = ok(zf(*ZH, "commitment", "list")).stdout
    assert "办理中" in zh and "待办" in zh and "in-progress" not in zh
    en = ok(zf(*EN, "commitment", "list")).stdout
    assert "in-progress" in en and "办理中" not in en


def test_an_unknown_commitment_status_is_refused_in_the_chosen_language(zf, village):
    zh = zf(*ZH, "commitment", "list", "--status", "拖着")
    assert zh.exit_code == 2
    assert "待办（open）" in error_line(zh, starts="")
    en = error_line(zf(*EN, "commitment", "list", "--status", "拖着"))
    assert en.startswith("error: --status: '拖着' is not one of")


# ---------------------------------------------------------------------------- cadres by name


def test_a_cadre_is_taken_by_a_name_only_one_cadre_has(zf, village):
    ok(zf("assign", "H000002", "李梅"))
    rows = ok(zf("household", "list", "--cadre", "李梅", "--format", "json")).json()
    assert [r["code"] for r in rows] == ["H000002"]
    ok(zf("cadre", "relate", "李梅", "--household", "H000003", "--relation", "表兄"))
    ok(zf("assign", "--remove", "H000002", "李梅"))
    assert ok(zf("household", "list", "--cadre", "C0002", "--format", "json")).json() == []
    shown = ok(_enroll(zf, "low-income", cadre="王建国")).json()
    assert shown["cadres"] == ["C0001"]


def test_the_cadre_filters_take_a_name(zf, village):
    ok(zf("visit", "log", "H000001", "--by", "C0001", "--need", "修缮屋顶"))
    for command in (("visit", "list"), ("commitment", "list")):
        rows = ok(zf(*command, "--cadre", "王建国", "--format", "json")).json()
        assert [r["household"] for r in rows] == ["H000001"], command
    due = ok(zf("due", "--days", "10", "--cadre", "王建国", "--format", "json")).json()
    assert {r["household"] for r in due} == {"H000002", "H000003"}
    assert ok(zf("due", "--cadre", "李梅", "--format", "json")).json() == []


def _namesakes(zf) -> None:
    ok(zf("cadre", "add", "--name", "刘强", "--unit", "城关镇"))  # C0003
    ok(zf("cadre", "add", "--name", "刘强", "--unit", "民政办"))  # C0004


def test_a_name_several_cadres_share_is_refused_with_the_candidates(zf, village, snapshot_db):
    _namesakes(zf)
    before = snapshot_db()
    en = zf(*EN, "assign", "H000001", "刘强")
    assert en.exit_code == 2
    assert error_line(en) == (
        "error: CADRE: 刘强 is C0003 (城关镇) or C0004 (民政办); give the code"
    )
    zh = zf(*ZH, "household", "list", "--cadre", "刘强")
    assert zh.exit_code == 2
    assert error_line(zh, starts="").endswith(
        "--cadre: 有多名干部叫刘强：C0003（城关镇）、C0004（民政办），请填写干部编号"
    )
    assert snapshot_db() == before
    ok(zf("assign", "H000001", "C0004"))  # the code settles it


def test_an_unknown_cadre_name_is_not_found(zf, village):
    result = zf(*EN, "assign", "H000001", "张飞")
    assert result.exit_code == 1
    assert error_line(result) == "error: CADRE: no cadre '张飞' (see `zoufang cadre list`)"


def test_visits_payments_and_commitments_take_a_cadre_by_name(zf, funded, ledger_path):
    """`--by 李梅` and `commitment add --cadre 李梅`, at the services they call."""
    from zoufang.db import Ledger
    from zoufang.services.commitments import add_commitment
    from zoufang.services.funds import disburse
    from zoufang.services.visit_record import VisitIn, log_visit

    today = dt.date.fromisoformat(TODAY)
    ledger = Ledger(str(ledger_path))
    try:
        with ledger.session(write=True, operator="t", command="test") as s:
            visit = log_visit(
                session=s,
                data=VisitIn(
                    household="H000002",
                    cadres=["李梅", "C0002"],
                    visit_date=today,
                    kind="节日慰问",
                ),
                today=today,
            )
            entry = disburse(
                session=s,
                fund=FUND,
                household="H000002",
                amount_fen=50000,
                cadres=["李梅"],
                on=today,
                visit_id=visit.id,
            )
            commitment = add_commitment(
                session=s,
                household="H000002",
                text="送米面油",
                cadre="李梅",
                due=today,
                today=today,
            )
            assert entry.cadre_code == "C0002"
            assert commitment.cadre_id == 2
        _namesakes(zf)
        with ledger.session(write=True, operator="t", command="test") as s:
            with pytest.raises(Exception, match="give the code"):
                log_visit(
                    session=s,
                    data=VisitIn(household="H000001", cadres=["刘强"], visit_date=today),
                    today=today,
                )
    finally:
        ledger.engine.dispose()
    (listed,) = ok(zf("visit", "list", "--format", "json")).json()
    assert (listed["kind"], listed["cadres"]) == ("festival", ["C0002"])


# ---------------------------------------------------------------------------- rules


def test_a_payment_rule_is_told_in_the_chosen_language(zf, funded, snapshot_db):
    args = ("fund", "disburse", FUND, "H000003", "100", "--by", "C0001")
    zh = zf(*ZH, *args)
    assert zh.exit_code == 1
    line = error_line(zh, starts="")
    assert "H000003 刘小明：留守儿童；资金 CJ2026 仅限独居老人、低保户、老党员" in line
    assert "未发放" in line and "--override" in line
    assert error_line(zf(*EN, *args)) == (
        "error: ineligible: H000003 刘小明 is left-behind-child; fund CJ2026 is for "
        "elderly-alone, low-income, veteran-member; nothing was paid (use --override REASON "
        "to pay anyway)"
    )


# ---------------------------------------------------------------------------- JSON


def test_json_is_the_same_in_chinese_and_english(zf, funded):
    ok(zf("visit", "log", "H000001", "--by", "C0001", "--kind", "festival", "--need", "修缮屋顶"))
    ok(zf("visit", "log", "H000002", "--by", "C0002", "--kind", "核实"))
    ok(zf("commitment", "respond", "1", "--note", "已联系施工队"))
    ok(zf("fund", "disburse", FUND, "H000002", "300", "--by", "C0002"))
    ok(zf("household", "exit", "H000003", "--reason", "迁出"))
    for command in (
        ("household", "list"),
        ("household", "show", "H000001"),
        ("household", "show", "H000002"),
        ("visit", "list"),
        ("commitment", "list"),
        ("fund", "show", FUND),
        ("due", "--days", "365"),
    ):
        zh = ok(zf(*ZH, *command, "--format", "json")).stdout
        en = ok(zf(*EN, *command, "--format", "json")).stdout
        assert zh == en, command


def test_roster_problems_are_told_in_chinese(zf, village, tmp_path):
    roster = tmp_path / "花名册.csv"
    roster.write_text(
        "姓名,身份证号,村/社区,类别,联系干部\n"
        f"张三,{valid_id('11010119600101123')},红星村,低保、外星人,李梅\n",
        encoding="utf-8",
    )
    result = zf(*ZH, "enroll", "--from", roster, "--dry-run", "--format", "json")
    assert result.exit_code == 2
    (problem,) = result.json()["errors"]
    assert problem == {
        "row": 2,
        "field": "类别",
        "error": "没有类别 '外星人'（见 `zoufang category list`）",
    }


# ---------------------------------------------------------------------------- by name, full width


def test_every_cadre_option_takes_a_unique_name(zf, funded):
    visit = ok(zf(*ZH, "visit", "log", "H000001", "--by", "王建国", "--format", "json")).json()
    assert visit["household"] == "H000001"
    paid = ok(zf("fund", "disburse", FUND, "H000003", "100", "--by", "王建国", "--override",
                 "核实后发放", "--format", "json")).json()  # fmt: skip
    assert paid["kind"] == "disburse"
    promised = ok(zf("commitment", "add", "H000001", "修屋顶", "--cadre", "李梅", "--due",
                     "2026-12-31", "--format", "json")).json()  # fmt: skip
    assert promised["cadre"] == "C0002"
    related = ok(zf("cadre", "relate", "李梅", "--household", "H000002", "--format", "json"))
    assert related.json()["cadre"] == "C0002"


def test_a_fund_is_created_for_categories_named_in_chinese(zf, village):
    shown = ok(zf("fund", "create", "LB", "--name", "低保慰问金", "--category", "低保",
                  "--category", "老党员", "--format", "json")).json()  # fmt: skip
    assert shown["categories"] == ["low-income", "veteran-member"]


def test_a_household_code_typed_full_width_is_read(zf, village):
    visit = ok(
        zf("visit", "log", "Ｈ０００００１", "--by", "Ｃ０００１", "--format", "json")
    ).json()
    assert visit["household"] == "H000001"
    assert ok(zf("household", "show", "Ｈ０００００２", "--format", "json")).json()["code"] == (
        "H000002"
    )
