"""The core in Chinese (issue 14): parse, config and storage errors in the chosen language,
dates and amounts typed as Chinese offices write them, the words of docs/glossary.md kept in
step with zoufang.labels, and po/zh/core.po complete.

Tests run in English unless they choose Chinese (the ``chinese`` fixture or ``--lang zh``);
each Chinese check has its English twin, and JSON is the same in both.
"""

from __future__ import annotations

import re
import sqlite3
import sys
from pathlib import Path

import pytest

import rawdb
from helpers import FUND, english_words, error_line, ok
from zoufang import i18n, labels
from zoufang.errors import InvalidInput, no_cadre, no_household
from zoufang.parsing import parse_choice, parse_date, parse_money

REPO = Path(__file__).resolve().parents[1]
GLOSSARY = REPO / "docs" / "glossary.md"


# ---------------------------------------------------------------------------- the catalog


def test_core_catalog_is_complete():
    """Every message of the core (parsing, errors, config, chain, db) has a Chinese
    translation with the same placeholders, and the shipped catalog is compiled from it."""
    sys.path.insert(0, str(REPO / "scripts"))
    try:
        import i18n as catalog_tool  # scripts/i18n.py
    finally:
        sys.path.remove(str(REPO / "scripts"))
    assert catalog_tool.problems("zh", {"core"}) == []


# ---------------------------------------------------------------------------- the glossary


def _table(section: str) -> list[list[str]]:
    """The rows of the first table under ``## section`` in docs/glossary.md, as cells."""
    text = GLOSSARY.read_text(encoding="utf-8")
    body = text.split(f"\n## {section}\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in body.splitlines() if line.startswith("|")]
    return [[c.strip() for c in row.strip("|").split("|")] for row in rows[2:]]


def _words(cell: str) -> list[str]:
    return [w for w in re.split(r"[、,，]\s*", cell) if w]


@pytest.mark.parametrize(
    ("section", "words"),
    [
        ("Visit kinds (走访类型)", labels.VISIT_KIND_ZH),
        ("Commitment statuses (办理状态)", labels.COMMITMENT_STATUS_ZH),
        ("Household status (状态)", labels.HOUSEHOLD_STATUS_ZH),
        ("Ledger entry kinds (流水类型)", labels.LEDGER_KIND_ZH),
        ("Plan statuses (名单状态)", labels.PLAN_STATUS_ZH),
        ("Plan line statuses (名单发放状态)", labels.PLAN_LINE_STATUS_ZH),
        ("Objection decisions (异议处理)", labels.PLAN_DECISION_ZH),
        ("Visit status (走访记录状态)", labels.VISIT_STATUS_ZH),
        ("Corrections (更正)", labels.CORRECTION_ZH),
        ("Member status (成员状态)", labels.MEMBER_STATUS_ZH),
    ],
)
def test_the_glossarys_words_are_the_labels(section, words):
    assert {row[0].strip("`"): row[1] for row in _table(section)} == words


def test_the_glossarys_categories_are_the_labels():
    rows = _table("Categories (类别)")
    assert {row[0].strip("`"): row[1] for row in rows} == labels.CATEGORY_ZH
    short = {word: row[0].strip("`") for row in rows for word in _words(row[2])}
    assert short == labels.CATEGORY_SHORT_FORMS
    assert labels.SHORT_FORMS[labels.CATEGORY] == labels.CATEGORY_SHORT_FORMS


def test_the_glossarys_short_forms_are_the_labels():
    kinds = {
        "visit kind": labels.VISIT_KIND,
        "commitment status": labels.COMMITMENT_STATUS,
        "household status": labels.HOUSEHOLD_STATUS,
        "wish status": labels.WISH_STATUS,
        "suggestion status": labels.SUGGESTION_STATUS,
        "entry kind": labels.ENTRY_KIND,
        "severity": labels.SEVERITY,
    }
    documented: dict[str, dict[str, str]] = {}
    for kind, cell, code in _table("Short forms accepted on input"):
        for word in _words(cell):
            documented.setdefault(kinds[kind], {})[word] = code.strip("`")
    in_code = {k: v for k, v in labels.SHORT_FORMS.items() if k != labels.CATEGORY}
    assert documented == in_code


def test_no_short_form_names_two_codes_or_shadows_a_word():
    for kind, forms in labels.SHORT_FORMS.items():
        words = labels.input_words(kind, set(forms.values()) | set(labels._ZH.get(kind, {})))
        for form, code in forms.items():
            assert words[labels.normalise(form)] == code, (kind, form)


# ---------------------------------------------------------------------------- messages


def test_parse_errors_in_chinese(chinese):
    def reason(parse, text, **kwargs):
        with pytest.raises(InvalidInput) as info:
            parse(text, field="--x", **kwargs)
        assert info.value.field == "--x"  # an option name is never translated
        return info.value.reason

    assert reason(parse_date, "20260120") == (
        "'20260120' 不是日期，请按 2026-01-20、2026/1/20、2026.1.20 或 2026年1月20日 的格式填写"
    )
    assert reason(parse_date, "2026年2月30日") == "'2026年2月30日' 不是实际存在的日期"
    assert reason(parse_date, "1949/9/30") == "1949-09-30 早于 1949-10-01"
    assert reason(parse_money, "6万5") == "'6万5' 有歧义，请用数字写出完整金额：65000"
    assert reason(parse_money, "6万5千") == "'6万5千' 分段书写，请用数字写出完整金额：65000"
    assert reason(parse_money, "五百") == "'五百' 是汉字数字，请用阿拉伯数字填写：500"
    assert reason(parse_money, "500块") == "'500块'：金额后只能写“元”或“万”，请写作 500 或 500元"
    assert reason(parse_money, "500元元") == (
        "'500元元' 写了不止一个单位，单位只写一次：元、万或万元（如 500元、6万元）"
    )
    assert reason(parse_money, "1，23") == (
        "'1，23' 不是金额：逗号只用于每三位分隔（如 1,234,567.89）。是要写 1.23 还是 123？"
    )
    assert reason(parse_money, "-5") == "'-5' 是负数：金额必须为正数（如需退回请冲销）"


def test_parse_choice_lists_the_accepted_words_in_the_chosen_language(chinese):
    with pytest.raises(InvalidInput) as info:
        parse_choice("串门", kind=labels.VISIT_KIND, codes=labels.VISIT_KIND_ZH, field="--kind")
    assert info.value.reason == (
        "'串门' 不是可选的值，可选：日常走访（routine）、节日慰问（festival）、回访（return）、"
        "暗访（unannounced）、核实（verification）"
    )
    with pytest.raises(InvalidInput) as info:
        parse_choice(
            "贫困", kind=labels.CATEGORY, codes=["low-income", "poor"], field="--category",
            words={"poor": "困难户"},
        )  # fmt: skip
    assert info.value.reason == "'贫困' 不是可选的值，可选：低保户（low-income）、困难户（poor）"
    i18n.activate("en")
    with pytest.raises(InvalidInput) as info:
        parse_choice("串门", kind=labels.VISIT_KIND, codes=labels.VISIT_KIND_ZH, field="--kind")
    assert info.value.reason == (
        "'串门' is not one of routine, festival, return, unannounced, verification"
    )


def test_not_found_in_chinese(chinese):
    assert no_household("H000009", "HOUSEHOLD").line() == "HOUSEHOLD: 户号 'H000009' 不存在"
    assert no_cadre("C0009", "--by").line() == (
        "--by: 干部 'C0009' 不存在（见 `zoufang cadre list`）"
    )
    i18n.activate("en")
    assert no_household("H000009", "HOUSEHOLD").line() == "HOUSEHOLD: no household 'H000009'"


def test_anchor_errors_in_chinese_and_full_width_anchors(chinese):
    from zoufang.chain import ChainHead, parse_anchor

    assert parse_anchor("４２：" + "ＡＢ" * 32) == ChainHead(42, "ab" * 32)
    with pytest.raises(InvalidInput) as info:
        parse_anchor("42")
    assert info.value.line() == (
        "--anchor: '42' 不是“流水号:哈希值”（如 42:9f86d081884c，哈希值取前 12 位或全部 64 位十六进制数）"
    )


def test_chain_problems_read_in_both_languages(chinese):
    from zoufang.chain import verify_chain

    _count, _head, problems = verify_chain([(2, *([None] * 12), "0" * 64, "f" * 64)])
    shown = [labels.Message(p.message, **p.params) for p in problems]
    assert shown[0].label() == "流水号从 0 跳到 2：有流水缺失或被插入"
    assert (
        str(shown[0])
        == problems[0].detail
        == ("sequence jumps from 0 to 2: entries missing or inserted")
    )


@pytest.mark.parametrize(
    ("contents", "zh", "en"),
    [
        ("[smpt]\nhost = 'x'\n", "没有配置节 'smpt'（可用：[audit], [remind], [smtp], [webhook]）",
         "unknown section 'smpt' (known: [audit], [remind], [smtp], [webhook])"),
        ("[smtp]\nport = 'x'\n", "应为整数，实际为 'x'", "must be a whole number, got 'x'"),
        ("[smtp\n", "不是有效的 TOML：", "not valid TOML: "),
    ],
)  # fmt: skip
def test_config_errors_in_both_languages(tmp_path, contents, zh, en):
    from zoufang.config import load_config

    path = tmp_path / "config.toml"
    path.write_text(contents, encoding="utf-8")
    path.chmod(0o600)
    for lang, expected in (("zh", zh), ("en", en)):
        i18n.activate(lang)
        with pytest.raises(InvalidInput) as info:
            load_config({"ZOUFANG_CONFIG": str(path)})
        assert info.value.reason.startswith(expected)


# ---------------------------------------------------------------------------- the command line


def test_a_bad_date_through_the_cli_in_both_languages(zf):
    zh = error_line(zf("--lang", "zh", "--today", "2026年13月1日", "due"), "错误：--today: ")
    assert zh == "错误：--today: '2026年13月1日' 不是实际存在的日期"
    assert english_words(zh) == []
    en = error_line(zf("--lang", "en", "--today", "2026年13月1日", "due"))
    assert en == "error: --today: '2026年13月1日' is not a real calendar date"


@pytest.mark.parametrize(
    "today", ["2026年11月23日", "2026/11/23", "2026.11.23", "２０２６－１１－２３"]
)
def test_a_date_in_any_office_form_gives_the_same_result(zf, village, today):
    iso = ok(zf("--today", "2026-11-23", "due", "--days", "30", "--format", "json")).stdout
    assert ok(zf("--today", today, "due", "--days", "３０", "--format", "json")).stdout == iso


def test_amounts_in_yuan_and_wan_through_the_cli(zf, funded, ledger_path):
    ok(zf("--lang", "zh", "fund", "allocate", FUND, "1.5万元", "--date", "2026年11月2日"))
    ok(
        zf(
            "visit", "log", "H000001", "--by", "Ｃ０００１", "--date", "2026/11/20",
            "--notes", "春节慰问", "--cash", "５００元", "--fund", FUND,
        )
    )  # fmt: skip
    rows = rawdb.query(
        ledger_path, "SELECT kind, amount_fen, entry_date FROM ledger_entry ORDER BY seq"
    )
    assert [(kind, fen, str(day)[:10]) for kind, fen, day in rows] == [
        ("allocate", 500000, "2026-11-01"),
        ("allocate", 1500000, "2026-11-02"),
        ("disburse", 50000, "2026-11-20"),
    ]


def test_an_odd_amount_through_the_cli_in_both_languages(zf, funded, snapshot_db):
    before = snapshot_db()
    zh = error_line(zf("--lang", "zh", "fund", "allocate", FUND, "6万5"), "错误：AMOUNT: ")
    assert zh == "错误：AMOUNT: '6万5' 有歧义，请用数字写出完整金额：65000"
    en = error_line(zf("--lang", "en", "fund", "allocate", FUND, "500块"))
    assert (
        en == "error: AMOUNT: '500块': only 元 and 万 are read after an amount; write 500 or 500元"
    )
    assert snapshot_db() == before


def test_json_is_the_same_in_both_languages_after_chinese_input(zf, funded):
    ok(zf("fund", "allocate", FUND, "6万", "--date", "2026年11月3日"))
    for command in (["fund", "show", FUND], ["due", "--days", "30"]):
        zh = ok(zf("--lang", "zh", *command, "--format", "json")).stdout
        assert ok(zf("--lang", "en", *command, "--format", "json")).stdout == zh


@pytest.mark.sqlite_only  # a SQLite file holding someone else's tables
def test_a_storage_error_in_both_languages(zf, tmp_path):
    other = tmp_path / "other.db"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE notes (x)")
    con.close()
    zh = error_line(zf("--lang", "zh", "--db", str(other), "due"), "错误：--db: ")
    assert zh == f"错误：--db: {other} 中有其他数据表，不是 zoufang 台账"
    en = error_line(zf("--lang", "en", "--db", str(other), "due"))
    assert en == f"error: --db: {other} holds other tables and is not a zoufang ledger"
