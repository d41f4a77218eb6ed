"""The command line in Chinese: every command's help, Click's and Typer's own words, usage
errors and the commands' own messages; English with `--lang en`; and how the language is
chosen (--lang, then ZOUFANG_LANG, then `lang` in the config file, then the locale, then zh).
"""

from __future__ import annotations

import json
import unicodedata

import pytest

from helpers import ENGLISH_ALLOWED, english_words, invoke, ok
from zoufang import labels


def command_paths() -> list[list[str]]:
    """Every command and group under the root, as typed after ``zoufang``."""
    import typer.main

    from zoufang.cli import app

    def walk(command, path):
        yield path
        for name in getattr(command, "commands", {}) or {}:
            yield from walk(command.commands[name], [*path, name])

    return list(walk(typer.main.get_command(app), []))


#: Codes people type, which a Chinese help names beside their words (`--kind routine`).
CODES = {
    *labels.VISIT_KIND_ZH,
    *labels.COMMITMENT_STATUS_ZH,
    *labels.HOUSEHOLD_STATUS_ZH,
    *labels.USER_ROLE_ZH,  # user add --role
    *"table plain markdown csv json xlsx html stdout email webhook all default".split(),
    *labels.WISH_STATUS_ZH,
    *labels.SUGGESTION_STATUS_ZH,
    *"households members visits commitments wishes suggestions ledger cadres funds".split(),
    *"sent items".split(),  # the JSON that `remind --format json` prints
    "LANG",  # the locale's environment variable
}
#: ... and the names of the commands themselves.
COMMANDS = {name for path in command_paths() for name in path}
ALLOWED = ENGLISH_ALLOWED | COMMANDS | {word for code in CODES for word in code.split("-")}


def _width(line: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)


@pytest.fixture
def terminal(monkeypatch):
    """An 80-column terminal, whatever runs the tests."""
    monkeypatch.setenv("COLUMNS", "80")


# ---------------------------------------------------------------------------- help


@pytest.mark.parametrize("path", command_paths(), ids=lambda p: " ".join(p) or "zoufang")
def test_help_is_chinese(chinese, terminal, path):
    result = ok(invoke(*path, "--help"))
    text = result.stdout
    assert text.startswith("用法：zoufang"), text
    assert "选项：" in text and "显示本帮助并退出。" in text
    assert english_words(text, ALLOWED) == [], text
    # wrapped by what a line takes on screen: a Chinese character is two columns
    assert max(_width(line) for line in text.splitlines()) <= 80, text


def test_the_listing_summarises_each_command_in_chinese(chinese, terminal):
    text = ok(invoke("--help")).stdout
    assert "命令：" in text and "[选项] 命令 [参数]..." in text
    assert "  due         应访农户：应访日期不晚于今天 + N 天，逾期最久的排在前面\n" in text
    assert "  fund        专项资金（专款专用）及其只增不改的流水\n" in text
    assert "。" not in text.split("命令：")[1]  # one sentence each, without its full stop


def test_metavars_and_typer_words_are_chinese(chinese, terminal):
    text = ok(invoke("fund", "disburse", "--help")).stdout
    assert "用法：zoufang fund disburse [选项] {编号} {户号} {元}" in text
    assert "参数：" in text and "[必填]" in text
    assert "--date 日期" in text and "--by 干部" in text
    assert "<str>" not in text  # a Python type says nothing to a person
    text = ok(invoke("visit", "log", "--help")).stdout
    assert "[默认：routine]" in text
    assert "[环境变量：ZOUFANG_DB]" in ok(invoke("--help")).stdout


@pytest.mark.parametrize("path", [[], ["enroll"], ["fund", "disburse"], ["audit"]])
def test_lang_en_gives_the_english_help(chinese, terminal, path):
    text = ok(invoke("--lang", "en", *path, "--help")).stdout
    assert text.startswith("Usage: zoufang")
    assert "Options:" in text and "Show this message and exit." in text
    assert "用法：" not in text and "选项：" not in text and "[必填]" not in text


def test_english_help_names_no_python_type(terminal):
    text = ok(invoke("household", "show", "--help")).stdout
    assert "Usage: zoufang household show [OPTIONS] {HOUSEHOLD}" in text
    assert "  HOUSEHOLD  Household code, e.g. H000001.  [required]" in text


# ---------------------------------------------------------------------------- usage errors


@pytest.mark.parametrize(
    "args, line",
    [
        (["household", "exit", "H000001"], "错误：--reason: 缺少选项“--reason”。"),
        (["due", "--bogus"], "错误：--bogus: 没有此选项：--bogus"),
        (["household", "show", "H1", "H2"], "错误：zoufang household show: 多余的参数（H2）"),
        (["household", "show"], "错误：户号: 缺少参数“户号”。"),
        (["due", "--cadre"], "错误：--cadre: 选项“--cadre”后面需要一个值。"),
        (["nosuch"], "错误：zoufang: 没有命令 'nosuch'。"),
        (["household", "lst"], "错误：zoufang household: 没有命令 'lst'，是不是要用 'list'？"),
        (
            ["due", "--format", "pdf"],
            "错误：--format: 'pdf' 不是以下之一：table, plain, markdown, csv, json",
        ),
    ],
)
def test_usage_errors_are_chinese(chinese, args, line):
    result = invoke(*args)
    assert result.exit_code == 2
    assert result.stderr == line + "\n"
    assert english_words(result.stderr, ALLOWED | set(args)) == []  # what was typed is echoed


def test_usage_errors_in_english_are_as_click_wrote_them():
    result = invoke("household", "lst")
    assert result.exit_code == 2
    assert (
        result.stderr == "error: zoufang household: No such command 'lst'. Did you mean 'list'?\n"
    )
    assert invoke("household", "show").stderr == "error: HOUSEHOLD: Missing argument 'HOUSEHOLD'.\n"


def test_a_group_without_its_command_shows_its_chinese_help(chinese):
    result = invoke("household")
    assert result.exit_code == 2
    assert result.stderr.startswith("用法：zoufang household [选项] 命令 [参数]...")


# ---------------------------------------------------------------------------- messages


@pytest.fixture
def village(zf):
    ok(zf("demo", "--households", "5"))


def test_the_commands_own_messages_are_chinese(zf, chinese, village):
    result = zf("household", "list", "--status", "有效")
    assert result.exit_code == 2
    assert result.stderr == "错误：--status: '有效' 不是在册（active）或已退出（exited）\n"
    result = zf("visit", "log", "H000001")
    assert result.stderr == "错误：--by: 至少需要一名走访干部\n"
    result = zf("visit", "list", "--since", "2026-11-02", "--until", "2026-11-01")
    assert result.stderr == "错误：--since: 2026-11-02 晚于 --until 2026-11-01\n"
    result = zf("export", "--out", "台账.pdf")
    assert (
        result.stderr == "错误：--format: 请指定 xlsx、csv 或 json（--out 的扩展名不是其中之一）\n"
    )
    result = zf("visit", "list", "--since", "2030-01-01", "--format", "table")
    assert result.stderr == "(没有走访记录)\n"


def test_enroll_asks_in_chinese_on_a_terminal(zf, chinese, monkeypatch):
    import types

    import zoufang.cli.common as common

    terminal = types.SimpleNamespace(stdin=types.SimpleNamespace(isatty=lambda: True))
    monkeypatch.setattr(common, "sys", terminal)
    typed = "110101194503071237\n红星村\n低保，独居\n"  # a Chinese input method's comma
    result = zf("enroll", "--name", "张三", "--format", "json", input=typed)
    assert result.exit_code == 0, result.stderr
    assert result.stderr == "身份证号：村/社区：类别（多个用逗号分隔）："
    row = json.loads("{" + result.stdout.split("{", 1)[1])
    assert row["categories"] == ["elderly-alone", "low-income"]


def test_household_status_is_typed_in_chinese(zf, chinese, village):
    listed = zf("household", "list", "--status", "在册", "--format", "json").json()
    assert len(listed) == 5
    assert zf("household", "list", "--status", "已退出", "--format", "json").json() == []


def test_detail_views_and_summaries_are_chinese(zf, chinese, village):
    text = ok(zf("household", "show", "H000001", "--format", "plain")).stdout
    assert "家庭成员" in text and "走访记录" in text and "未办结承诺" in text
    assert "身份证号" in text and "id_number" not in text
    audit = zf("audit", "visits", "--format", "plain")
    last = audit.stdout.splitlines()[-1]
    assert last.startswith(("通过：共核查 ", "未通过：共核查 ")), last
    assert english_words(last, ALLOWED) == []


def test_demo_says_what_it_made_in_chinese(zf, chinese):
    result = ok(zf("demo", "--households", "3"))
    assert result.stderr.startswith("演示数据：3 户、"), result.stderr


def test_json_is_the_same_in_both_languages(zf, village):
    english = ok(zf("household", "show", "H000001", "--format", "json")).stdout
    chinese = ok(zf("--lang", "zh", "household", "show", "H000001", "--format", "json")).stdout
    assert chinese == english


# ---------------------------------------------------------------------------- the choice


def _language(monkeypatch, tmp_path, *args, env=None, config=None) -> str:
    """The language `zoufang [args] --help` answers in, with only ``env`` set."""
    for name in ("ZOUFANG_LANG", "LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in (env or {}).items():
        monkeypatch.setenv(name, value)
    if config is not None:
        path = tmp_path / "config.toml"
        path.write_text(config, encoding="utf-8")
        path.chmod(0o600)  # zoufang refuses a config file others can read
        monkeypatch.setenv("ZOUFANG_CONFIG", str(path))
    text = ok(invoke(*args, "--help")).stdout
    return "zh" if text.startswith("用法：") else "en" if text.startswith("Usage:") else text


@pytest.mark.parametrize(
    "args, env, config, lang",
    [
        ([], {}, None, "zh"),  # nothing says: the product is for Chinese offices
        ([], {"LANG": "en_US.UTF-8"}, None, "en"),
        ([], {"LANG": "C.UTF-8"}, None, "zh"),  # the C locale says nothing
        ([], {"LANG": "en_US.UTF-8", "LC_ALL": "zh_CN.UTF-8"}, None, "zh"),
        ([], {"LANG": "zh_CN.UTF-8"}, 'lang = "en"\n', "en"),  # config beats the locale
        ([], {"ZOUFANG_LANG": "zh"}, 'lang = "en"\n', "zh"),  # ZOUFANG_LANG beats config
        (["--lang", "en"], {"ZOUFANG_LANG": "zh"}, 'lang = "zh"\n', "en"),  # --lang beats all
        (["--lang=zh"], {"ZOUFANG_LANG": "en", "LANG": "en_US"}, None, "zh"),
        (["export", "--lang", "en"], {"ZOUFANG_LANG": "zh"}, None, "en"),
        ([], {"ZOUFANG_LANG": "中文"}, None, "zh"),
    ],
)
def test_the_language_is_chosen_in_order(monkeypatch, tmp_path, args, env, config, lang):
    assert _language(monkeypatch, tmp_path, *args, env=env, config=config) == lang


@pytest.mark.parametrize(
    "env, line",
    [
        ({"ZOUFANG_LANG": "en"}, "error: --lang: 'xx' is not zh or en\n"),
        ({"ZOUFANG_LANG": "zh"}, "错误：--lang: 'xx' 不是 zh 或 en\n"),
    ],
)
def test_an_unknown_language_is_one_line_and_exit_2(monkeypatch, zf, env, line):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    result = zf("--lang", "xx", "due")
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", line)
