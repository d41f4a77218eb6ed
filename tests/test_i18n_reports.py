"""The reports in Chinese: audits, reminders, the campaign report, the public notice and the
export read in the chosen language, and the JSON is the same whatever the language.

The ledger: the village (conftest) and fund CJ2026 (cap 1,000.00 a household); H000001 陈大爷
paid 1,200.00 with --override and no visit that day (two warnings), H000002 王奶奶 visited
with nothing heard (a check-in visit) and promised a roof repair due 2026-12-01, never
answered. Audits and reminders are read on 2027-03-31, when every household is overdue.
"""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from helpers import FUND, ok

ZH = ("--lang", "zh")
EN = ("--lang", "en")
LATER = "2027-03-31"


@pytest.fixture
def ledger(zf, funded):
    ok(
        zf(
            "fund",
            "disburse",
            FUND,
            "H000001",
            "1,200",
            "--by",
            "C0001",
            "--override",
            "春节前特殊困难",
        )
    )
    ok(zf("visit", "log", "H000002", "--by", "C0001"))
    ok(
        zf(
            "commitment",
            "add",
            "H000002",
            "修缮漏雨的屋顶",
            "--cadre",
            "C0001",
            "--due",
            "2026-12-01",
        )
    )


def same_json(zf, *args) -> dict:
    """The command's JSON, byte for byte the same in Chinese and in English."""
    zh = zf(*ZH, *args, "--format", "json")
    en = zf(*EN, *args, "--format", "json")
    assert zh.exit_code == en.exit_code, (zh.stderr, en.stderr)
    assert zh.stdout == en.stdout
    return json.loads(zh.stdout)


# ---------------------------------------------------------------------------- the render layer


def test_a_code_is_its_word_in_a_table_and_its_code_in_json(chinese):
    from zoufang import i18n
    from zoufang.labels import CATEGORY, VISIT_KIND, Code
    from zoufang.output import Format, render

    rows = [
        {
            "kind": Code("return", VISIT_KIND),
            "categories": [Code("low-income", CATEGORY, "低保户"), Code("x", CATEGORY, "受灾群众")],
            "paid": True,
        }
    ]
    columns = [("kind", "类型"), ("categories", "类别"), ("paid", "已发放")]
    shown = {}
    for lang in ("zh", "en"):
        i18n.activate(lang)
        for fmt in (Format.plain, Format.csv, Format.json):
            out = io.StringIO()
            render(rows, columns, fmt, out=out)
            shown[lang, fmt] = out.getvalue()
    assert shown["zh", Format.plain].splitlines()[1].split() == ["回访", "低保户、受灾群众", "是"]
    assert shown["en", Format.plain].splitlines()[1].split() == ["return", "low-income、x", "yes"]
    assert shown["zh", Format.csv].splitlines()[1] == "回访,低保户; 受灾群众,是"
    assert shown["zh", Format.json] == shown["en", Format.json]
    assert json.loads(shown["zh", Format.json]) == [
        {"kind": "return", "categories": ["low-income", "x"], "paid": True}
    ]


def test_a_message_is_english_for_programs_and_translated_when_shown(chinese):
    import copy
    import pickle

    from zoufang import i18n
    from zoufang.i18n import N_
    from zoufang.labels import CHECK, Code, Message

    message = Message(
        N_('written with --override "{reason}" (broke: {broke})'),
        reason="急需",
        broke=[Code("over-cap", CHECK), Code("duplicate", CHECK)],
    )
    assert message == 'written with --override "急需" (broke: over-cap, duplicate)'
    assert message.label() == "经 --override 破例发放，理由“急需”（违反：超过限额、重复发放）"
    assert f"[{message}]" == f"[{message.label()}]"  # formatted into Chinese text: Chinese
    for again in (copy.deepcopy(message), pickle.loads(pickle.dumps(message))):
        assert again == message and again.label() == message.label()
    i18n.activate("en")
    assert message.label() == str(message)


# ---------------------------------------------------------------------------- audits


def test_audit_funds_in_chinese(zf, ledger):
    result = zf(*ZH, "audit", "funds", "--format", "plain")
    assert result.exit_code == 0, result.stderr  # warnings only
    lines = result.stdout.splitlines()
    override = next(line for line in lines if "破例发放  CJ2026" in line)
    assert override.split()[:5] == ["提醒", "破例发放", "CJ2026", "2", "H000001"]
    assert override.endswith("经 --override 破例发放，理由“春节前特殊困难”（违反：超过限额）")
    assert any(
        line.endswith("2026-11-23 向 H000001 陈大爷 发放资金，当天无走访记录") for line in lines
    )
    shown = result.stdout.replace("--override", "")  # option names are never translated
    for english in ("warning", "override", "no-visit", "over-cap", "cash paid"):
        assert english not in shown
    english = zf(*EN, "audit", "funds", "--format", "plain").stdout
    assert 'written with --override "春节前特殊困难" (broke: over-cap)' in english
    assert re.search(r"^warning +override +CJ2026", english, re.MULTILINE)


def test_audit_funds_json_is_the_same_in_both_languages(zf, ledger):
    report = same_json(zf, "audit", "funds")
    assert [(f["check"], f["severity"], f["detail"]) for f in report["findings"]] == [
        ("override", "warning", 'written with --override "春节前特殊困难" (broke: over-cap)'),
        (
            "no-visit",
            "warning",
            "cash paid to H000001 陈大爷 on 2026-11-23 with no visit recorded that day",
        ),
    ]


def test_audit_visits_in_chinese(zf, ledger):
    result = zf(*ZH, "--today", LATER, "audit", "visits", "--format", "plain")
    assert result.exit_code == 1
    text = result.stdout
    for words in ("从未走访", "逾期未访", "打卡式走访", "承诺逾期未回应", "错误", "提醒"):
        assert words in text, words
    assert "H000003 刘小明 于 2026-11-23 纳入，从未走访" in text
    assert "承诺事项 1“修缮漏雨的屋顶”已于 2026-12-01 到期，尚无回应" in text
    for english in ("error", "warning", "never-visited", "check-in", "unanswered", "visited"):
        assert english not in text, english
    csv_rows = list(
        csv.reader(io.StringIO(zf(*ZH, "--today", LATER, "audit", "visits", "-f", "csv").stdout))
    )
    assert csv_rows[0] == ["severity", "check", "fund", "entry", "household", "detail"]
    assert {row[1] for row in csv_rows[1:]} == {
        "从未走访",
        "逾期未访",
        "打卡式走访",
        "承诺逾期未回应",
    }


def test_audit_visits_json_is_the_same_in_both_languages(zf, ledger):
    report = same_json(zf, "--today", LATER, "audit", "visits")
    assert {(f["check"], f["severity"]) for f in report["findings"]} == {
        ("never-visited", "error"),
        ("overdue", "error"),
        ("check-in", "warning"),
        ("unanswered", "error"),
    }
    assert 'commitment 1 "修缮漏雨的屋顶" was due 2026-12-01 and has no response' in [
        f["detail"] for f in report["findings"]
    ]


def test_fund_list_and_show_json_are_the_same_in_both_languages(zf, ledger):
    assert same_json(zf, "fund", "list")[0]["code"] == FUND
    assert same_json(zf, "fund", "show", FUND)["code"] == FUND


# ---------------------------------------------------------------------------- remind


def test_remind_dry_run_in_chinese_and_english(zf, ledger):
    zh = zf(*ZH, "--today", LATER, "remind", "--dry-run")
    assert zh.exit_code == 0, zh.stderr
    assert zh.stdout.startswith(
        "# 将通过 stdout 发送给 C0001 王建国\n"
        "【走访提醒】王建国（C0001），截至 2027-03-31：\n"
        "应走访 3 户：\n"
    )
    assert "1. #1 H000002 王奶奶：修缮漏雨的屋顶（期限 2026-12-01，逾期 120 天）" in zh.stdout
    # the ledger's chain head closes every digest (a witness in every inbox)
    assert re.search(
        "请及时走访、办结，并在台账中记录。\n台账链头：\\d+:[0-9a-f]{12}。\n$", zh.stdout
    )
    en = zf(*EN, "--today", LATER, "remind", "--dry-run")
    assert en.stdout.startswith(
        "# would send to C0001 王建国 by stdout\n"
        "zoufang reminder for 王建国 (C0001), as of 2027-03-31:\n"
        "Visits due (3):\n"
    )
    assert (
        "1. #1 H000002 王奶奶: 修缮漏雨的屋顶 (deadline 2026-12-01, 120 days overdue)" in en.stdout
    )


def test_reminders_follow_the_chosen_language_unless_remind_chooses(zf, ledger, monkeypatch):
    monkeypatch.setenv("ZOUFANG_LANG", "zh")
    assert zf("--today", LATER, "remind", "--dry-run").stdout.startswith("# 将通过 stdout")
    assert "【走访提醒】王建国" in zf("--today", LATER, "remind", "--dry-run").stdout
    # [remind] lang chooses the messages' language alone; zoufang's own lines stay Chinese
    monkeypatch.setenv("ZOUFANG_REMIND_LANG", "en")
    text = zf("--today", LATER, "remind", "--dry-run").stdout
    assert text.startswith("# 将通过 stdout 发送给 C0001 王建国\nzoufang reminder for 王建国")


# ---------------------------------------------------------------------------- report


def test_report_in_chinese(zf, ledger):
    text = ok(zf(*ZH, "report", "--format", "plain")).stdout
    # the campaign sentence first, ready to paste into a report to superiors
    sentence, blank, heading = text.splitlines()[:3]
    assert sentence.startswith("截至 2026-11-23，全镇，走访困难群众1户1人次（干部入户1人次）")
    assert "发放慰问金0.12万元（1,200.00元）" in sentence
    assert sentence.endswith("收集微心愿0个、已圆梦0个。")
    assert (blank, heading) == ("", "走访工作统计报告 — 概况")
    for words in ("在册户数", "已办结", "已转办", "无法办结", "按走访类型", "日常走访", "老党员"):
        assert words in text, words
    assert "已解决" not in text and "routine" not in text and "Coverage" not in text
    english = ok(zf(*EN, "report", "--format", "plain")).stdout
    assert english.startswith("up to 2026-11-23, all villages: visited 1 households")
    assert "\n\nVisiting campaign report — Summary\n" in english and "routine" in english


def test_report_html_in_chinese(zf, ledger, tmp_path):
    out = tmp_path / "report.html"
    ok(zf(*ZH, "report", "--format", "html", "--out", out))
    page = out.read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in page
    assert "办结率" in page and "未办结·未逾期" in page and "由 zoufang 走访台账生成" in page
    assert "Resolved" not in page


def test_report_json_is_the_same_in_both_languages_but_its_summary(zf, ledger):
    """The JSON's keys and codes are the same in both languages; only ``summary``, the
    campaign sentence to paste into a report upward, is in the chosen language (issue 15)."""
    zh = json.loads(ok(zf(*ZH, "report", "--format", "json")).stdout)
    en = json.loads(ok(zf(*EN, "report", "--format", "json")).stdout)
    assert zh.pop("summary").startswith("截至 2026-11-23，全镇，走访困难群众1户")
    assert en.pop("summary").startswith("up to 2026-11-23, all villages: visited 1")
    assert zh == en
    assert [r["kind"] for r in zh["visits"]["by_kind"]][0] == "routine"


# ---------------------------------------------------------------------------- notice, export


def test_notice_in_chinese(zf, ledger):
    text = ok(zf(*ZH, "notice", FUND, "--format", "plain")).stdout
    lines = text.splitlines()
    assert lines[0] == "2026年春节慰问金 发放公示"
    assert lines[1] == "资金来源：市委组织部代管党费；发放户数：1；合计：1,200.00 元"
    assert lines[3].split() == ["序号", "村/社区", "户主", "身份证号", "类别", "金额(元)"]
    # the period with its first and last day, then the signature block (the date), then the
    # ledger's chain head: posted on a wall, a witness (issue 21)
    period = "公示期 7 天：2026年11月23日至2026年11月29日。如有异议，请向村（社区）党组织反映。"
    filled = [line for line in lines if line.strip()]
    assert filled[-3:-1] == [period, "2026年11月23日"]
    assert re.fullmatch(r"资金流水链头：\d+:[0-9a-f]{12}", filled[-1])
    english = ok(zf(*EN, "notice", FUND, "--format", "plain", "--days", "1")).stdout
    filled = [line for line in english.splitlines() if line.strip()]
    assert filled[0] == "2026年春节慰问金: public notice of payments"
    assert filled[-3:-1] == [
        "Notice period: 1 day, from 2026-11-23 to 2026-11-23. "
        "Objections may be raised with the village (community) Party organisation.",
        "2026-11-23",
    ]
    assert re.fullmatch(r"Money ledger chain head: \d+:[0-9a-f]{12}", filled[-1])


@pytest.mark.parametrize(
    "lang, header",
    [
        ("zh", ["编号", "走访日期", "户号", "户主", "村/社区", "走访类型"]),
        ("en", ["id", "date", "household", "name", "village", "kind"]),
    ],
)
def test_export_csv_headers_follow_the_language(zf, ledger, monkeypatch, lang, header):
    monkeypatch.setenv("ZOUFANG_LANG", lang)
    result = zf("export", "--table", "visits", "--format", "csv", "--out", "-")
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0][:6] == header
    assert rows[1][5] == ("日常走访" if lang == "zh" else "routine")


def test_export_json_holds_codes_in_both_languages(zf, ledger):
    zh = ok(zf(*ZH, "export", "--table", "visits", "--format", "json", "--out", "-")).stdout
    en = ok(zf(*EN, "export", "--table", "visits", "--format", "json", "--out", "-")).stdout
    assert zh == en
    assert json.loads(zh)[0]["kind"] == "routine" and json.loads(zh)[0]["cadres"] == "C0001"
