"""`zoufang report`: figures checked against a ledger built by hand through the CLI."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess

import pytest

from helpers import valid_id

PERIOD = ("--since", "2026-01-01", "--until", "2026-06-30")


@pytest.fixture(params=["one reader", "two readers"], autouse=True)
def readers(request, monkeypatch):
    """Every test twice: the report read on one connection, and (as on a county ledger) by
    two threads on two connections sharing one snapshot, which must engage."""
    import zoufang.db
    from zoufang.services import report

    if request.param == "two readers":
        monkeypatch.setattr(report, "PARALLEL_FROM_VISITS", 0)
        monkeypatch.setattr(zoufang.db.snapshots, "cores", lambda: 2)
        original, used = zoufang.db.second_reader, []

        @contextlib.contextmanager
        def second_reader(session):
            with original(session) as other:
                used.append(other)
                yield other

        monkeypatch.setattr(report, "second_reader", second_reader)
        yield request.param
        assert all(other is not None for other in used), "the second reader did not engage"
    else:
        monkeypatch.setattr(report, "PARALLEL_FROM_VISITS", 10**12)
        yield request.param


@pytest.fixture
def campaign(zf):
    """Five households enrolled 2026-01-05, four visits in the first half of 2026, two needs
    (one resolved), a fund with a reversed payment, one household exited in September."""

    def ok(*args):
        result = zf(*args)
        assert result.exit_code == 0, (args, result.stderr)
        return result

    ok("cadre", "add", "--name", "王建国")
    ok("cadre", "add", "--name", "李梅")
    people = [
        ("陈大爷", "11010119450307123", "红星村", ["veteran-member", "elderly-alone"], "C0001"),
        ("王奶奶", "11010119520611234", "东风社区", ["low-income"], "C0001"),
        ("刘小明", "37020320120415561", "红星村", ["left-behind-child"], "C0002"),
        ("赵四", "37020319600101001", "红星村", ["low-income", "disabled"], "C0002"),
        ("孙五", "37020319580101003", "东风社区", ["disabled"], None),
    ]
    for name, first17, village, categories, cadre in people:
        args = [
            "--today",
            "2026-01-05",
            "enroll",
            "--name",
            name,
            "--id-number",
            valid_id(first17),
            "--village",
            village,
        ]
        for c in categories:
            args += ["--category", c]
        if cadre:
            args += ["--cadre", cadre]
        ok(*args)
    ok(
        "fund",
        "create",
        "F1",
        "--name",
        "春节慰问金",
        "--category",
        "low-income",
        "--category",
        "veteran-member",
        "--from",
        "2026-01-01",
        "--to",
        "2026-12-31",
    )
    ok("fund", "allocate", "F1", "10,000", "--date", "2026-01-10")
    ok(
        "visit",
        "log",
        "H000001",
        "--by",
        "C0001",
        "--date",
        "2026-01-20",
        "--kind",
        "festival",
        "--need",
        "修缮屋顶",
        "--need-due",
        "2026-03-31",
        "--wish",
        "收音机",
        "--gift",
        "米面油",
        "--suggestion",
        "增设公交站",
        "--cash",
        "800",
        "--fund",
        "F1",
    )
    ok(
        "visit",
        "log",
        "H000001",
        "--by",
        "C0001",
        "--by",
        "C0002",
        "--date",
        "2026-03-10",
        "--need",
        "申请临时救助",
    )
    ok(
        "visit",
        "log",
        "H000002",
        "--by",
        "C0001",
        "--date",
        "2026-02-01",
        "--kind",
        "return",
        "--wish",
        "轮椅",
        "--suggestion",
        "修路灯",
    )
    ok("visit", "log", "H000003", "--by", "C0002", "--date", "2026-06-01", "--kind", "unannounced")
    ok("fund", "disburse", "F1", "H000002", "500", "--by", "C0001", "--date", "2026-02-01")
    ok("fund", "reverse", "3", "--reason", "金额有误", "--date", "2026-02-05")
    ok("fund", "disburse", "F1", "H000002", "300", "--by", "C0001", "--date", "2026-02-06")
    ok("fund", "disburse", "F1", "H000001", "100", "--by", "C0001", "--date", "2026-07-15")
    ok("commitment", "resolve", "1", "--note", "已修缮", "--date", "2026-03-20")
    ok(
        "commitment",
        "add",
        "H000002",
        "协助办理低保续期",
        "--cadre",
        "C0001",
        "--due",
        "2026-12-31",
    )
    ok("--today", "2026-09-01", "household", "exit", "H000004", "--reason", "迁出")
    # wish 1 (H000001, heard 01-20) claimed and fulfilled within the period; wish 2 (H000002,
    # 02-01) claimed by a unit, declined after it; wish 3 heard after it
    ok("wish", "claim", "1", "--by", "C0001", "--date", "2026-01-25")
    ok("wish", "fulfil", "1", "--date", "2026-02-10", "--note", "已送到")
    ok("wish", "claim", "2", "--unit", "县残联", "--date", "2026-02-05")
    ok("wish", "decline", "2", "--reason", "已有轮椅", "--date", "2026-07-10")
    ok("wish", "add", "H000003", "--text", "书包", "--date", "2026-08-01")
    # suggestion 1 adopted within the period, suggestion 2 not adopted after it
    ok("suggestion", "answer", "1", "--note", "已协调公交公司", "--adopted", "--date", "2026-02-01")
    ok("suggestion", "answer", "2", "--note", "暂无经费", "--not-adopted", "--date", "2026-07-01")


def report(zf, *args):
    result = zf("report", *args, "--format", "json")
    assert result.exit_code == 0, result.stderr
    return result.json()


def test_figures_match_the_hand_built_ledger(zf, campaign):
    r = report(zf, *PERIOD)
    assert r["period"] == {
        "since": "2026-01-01",
        "until": "2026-06-30",
        "village": None,
        "generated": "2026-11-23",
    }
    assert r["households"] == {
        "enrolled": 5,
        "visited": 3,
        "coverage": 60.0,
        "not_visited": 2,
        "never_visited": 2,
        "overdue": 4,
    }
    assert r["visits"]["total"] == 4
    assert [(k["kind"], k["visits"], k["households"]) for k in r["visits"]["by_kind"]] == [
        ("routine", 1, 1),
        ("festival", 1, 1),
        ("return", 1, 1),
        ("unannounced", 1, 1),
        ("verification", 0, 0),
    ]
    assert r["visits"]["by_village"] == [
        {"village": "东风社区", "households": 2, "visited": 1, "coverage": 50.0, "visits": 1},
        {"village": "红星村", "households": 3, "visited": 2, "coverage": 66.7, "visits": 3},
    ]
    by_category = {
        c["category"]: (c["households"], c["visited"], c["visits"])
        for c in r["visits"]["by_category"]
    }
    assert by_category == {
        "veteran-member": (1, 1, 2),
        "elderly-alone": (1, 1, 2),
        "low-income": (2, 1, 1),
        "left-behind-child": (1, 1, 1),
        "disabled": (2, 0, 0),
    }
    assert [h["household"] for h in r["never_visited"]] == ["H000004", "H000005"]
    assert r["needs"] == {
        "raised": 2,
        "resolved": 1,
        "referred": 0,
        "cannot_resolve": 0,
        "open": 1,
        "overdue": 1,
        "resolved_share": 50.0,
    }
    assert r["heard"] == {
        "suggestions": 2,
        "suggestions_answered": 1,
        "suggestions_adopted": 1,
        "wishes": 2,
        "wishes_claimed": 2,
        "wishes_fulfilled": 1,
        "wishes_declined": 0,
        "wishes_in_hand": 1,
        "wish_households": 2,
        "gifts": 1,
    }
    # 人次: four visits (one per household per visit), five cadre visits (two on 2026-03-10)
    assert (r["visits"]["person_visits"], r["visits"]["cadre_visits"]) == (4, 5)
    assert r["summary"] == (
        "2026-01-01 to 2026-06-30, all villages: visited 3 households in need, 4 person-visits (5 "
        "cadre visits); paid 1,100.00 yuan (0.11 ten-thousand yuan) in relief; helped "
        "resolve 1 practical difficulties; heard 2 suggestions (1 answered, 1 adopted); "
        "collected 2 small wishes, 1 fulfilled."
    )
    assert r["money"]["paid_in_period"] == "1100.00"
    assert r["money"]["by_fund"] == [
        {
            "fund": "F1",
            "name": "春节慰问金",
            "allocated": "10000.00",
            "paid": "1100.00",
            "left": "8900.00",
            "paid_in_period": "1100.00",
            "households": 2,
        }
    ]
    assert r["money"]["by_category"] == [
        {"category": "elderly-alone", "label": "独居老人", "paid": "800.00", "households": 1},
        {"category": "veteran-member", "label": "老党员", "paid": "800.00", "households": 1},
        {"category": "low-income", "label": "低保户", "paid": "300.00", "households": 1},
    ]
    # as of the period's end (2026-06-30): the household that exited in September still counts
    assert r["cadres"] == [
        {
            "cadre": "C0001",
            "name": "王建国",
            "households": 2,
            "visits": 3,
            "overdue_households": 2,
            "overdue_commitments": 1,
        },
        {
            "cadre": "C0002",
            "name": "李梅",
            "households": 2,
            "visits": 2,
            "overdue_households": 1,
            "overdue_commitments": 0,
        },
    ]


def test_village_filter(zf, campaign):
    r = report(zf, *PERIOD, "--village", "红星村")
    assert r["households"] == {
        "enrolled": 3,
        "visited": 2,
        "coverage": 66.7,
        "not_visited": 1,
        "never_visited": 1,
        "overdue": 2,
    }
    assert r["needs"]["raised"] == 2
    assert r["heard"]["wishes"] == 1
    assert (r["heard"]["wishes_fulfilled"], r["heard"]["suggestions_adopted"]) == (1, 1)
    assert r["visits"]["cadre_visits"] == 4  # 红星村: H000001's two visits (three cadres), H000003
    fund = r["money"]["by_fund"][0]
    assert (fund["allocated"], fund["paid_in_period"], fund["households"]) == (
        "10000.00",
        "800.00",
        1,
    )
    result = zf("report", "--village", "无名村")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == ["error: --village: no household is enrolled in '无名村'"]


def test_whole_history_by_default(zf, campaign):
    r = report(zf)
    assert r["period"]["since"] is None and r["period"]["until"] == "2026-11-23"
    assert r["needs"]["raised"] == 3  # the commitment added today counts now
    heard = r["heard"]
    assert (heard["wishes"], heard["wishes_declined"], heard["suggestions_answered"]) == (3, 1, 2)
    assert r["money"]["by_fund"][0]["paid"] == "1200.00"
    # H000004 exited in September: no longer counted as waiting for a first visit
    assert r["households"]["never_visited"] == 1


def test_bad_options(zf, campaign, tmp_path):
    result = zf("report", "--since", "2026-07-01", "--until", "2026-06-30")
    assert result.exit_code == 2 and result.stderr.startswith("error: --since:")
    result = zf("report", "--format", "pdf")
    assert result.exit_code == 2 and result.stderr.startswith("error: --format:")
    result = zf("report", "--lang", "fr")
    assert result.exit_code == 2 and result.stderr.startswith("error: --lang:")


def test_chinese_headings_follow_the_locale(zf, campaign, monkeypatch):
    monkeypatch.delenv("ZOUFANG_LANG")  # the tests' English; no other choice: the locale's
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    text = zf("report", *PERIOD, "--format", "plain").stdout
    assert re.search(r"\n走访覆盖率 +60\.0%\n", text) and "按走访类型" in text
    assert text.splitlines()[0] == (
        "2026-01-01 至 2026-06-30，全镇，走访困难群众3户4人次（干部入户5人次），发放慰问金"
        "0.11万元（1,100.00元），帮助解决实际困难1个，听取意见建议2条（已答复1条、采纳1条），"
        "收集微心愿2个、已圆梦1个。"
    )
    assert "微心愿和意见建议办理情况" in text and "已圆梦微心愿" in text
    english = zf("report", *PERIOD, "--format", "markdown", "--lang", "en").stdout
    assert "Coverage" in english and "## Visits by kind" in english


def _html(zf, tmp_path, *args, period=PERIOD):
    (tmp_path / "out").mkdir(exist_ok=True)
    out = tmp_path / "out" / "report.html"
    result = zf("report", *period, "--format", "html", "--out", out, *args)
    assert result.exit_code == 0, result.stderr
    return out, out.read_text(encoding="utf-8")


def test_html_is_one_self_contained_page_with_svg_charts(zf, campaign, tmp_path):
    out, page = _html(zf, tmp_path, "--lang", "zh")
    assert page.startswith("<!DOCTYPE html>")
    assert page.count("<svg") >= 4
    assert not re.search(r"https?://|<script|<link|<img|@import|url\(", page)
    assert "走访工作统计报告" in page and "王建国" in page and "60.0%" in page
    assert [p.name for p in out.parent.iterdir()] == ["report.html"]
    again = zf("report", "--format", "html", "--out", out)
    assert again.exit_code == 2 and "already exists" in again.stderr


def test_html_opens_with_the_campaign_sentence_and_charts_wishes_and_suggestions(
    zf, campaign, tmp_path
):
    _out, page = _html(zf, tmp_path, "--lang", "zh")
    body = page[page.index("<body>") :]
    first = re.search(r"<p[^>]*>(.*?)</p>", body)
    assert first is not None and first.group(1).startswith("2026-01-01 至 2026-06-30，全镇，走访")
    chart = page[page.index("<h2>微心愿和意见建议办理情况</h2>") :]
    chart = chart[: chart.index("</section>")]
    assert chart.count("<svg") == 2  # one bar for the wishes, one for the suggestions
    for legend in ("已圆梦微心愿</span>", "已圆梦微心愿 1</span>", "待认领微心愿 0</span>"):
        assert legend.replace("</span>", "") in chart
    assert "已采纳意见建议 1" in chart and "未答复意见建议 1" in chart


def test_html_escapes_what_people_typed(zf, tmp_path, monkeypatch):
    assert (
        zf(
            "enroll",
            "--name",
            "张桂兰",
            "--grid",
            "<b>一组</b>",
            "--id-number",
            valid_id("11010119450307123"),
            "--village",
            "<script>alert(1)</script>村",
            "--category",
            "low-income",
        ).exit_code
        == 0
    )
    monkeypatch.setenv("ZOUFANG_TODAY", "2026-11-24")  # never visited from the day after
    _, page = _html(zf, tmp_path, period=())
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;村" in page


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
def test_html_renders_in_a_headless_browser(zf, campaign, tmp_path):
    out, _ = _html(zf, tmp_path, "--lang", "zh")
    profile = tmp_path / "profile"
    shot = tmp_path / "report.png"
    subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--no-first-run",
            f"--user-data-dir={profile}",
            f"--screenshot={shot}",
            "--window-size=1200,1600",
            out.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
        env={**os.environ, "HOME": str(tmp_path)},
    )
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (1200, 1600)
    assert len(data) > 20_000  # a page with text and charts, not a blank screen


def test_every_human_format_opens_with_the_campaign_sentence(zf, campaign):
    sentence = report(zf, *PERIOD)["summary"]
    for fmt in ("plain", "markdown", "table"):
        text = zf("report", *PERIOD, "--format", fmt).stdout
        assert text.splitlines()[0] == sentence, fmt
    csv_text = zf("report", *PERIOD, "--format", "csv").stdout.splitlines()
    assert csv_text[1].endswith(",summary," + sentence) or sentence in csv_text[1]
