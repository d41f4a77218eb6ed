"""Regenerate the command reference from the commands' own --help, in both languages:
docs/cli.md (English) and docs/cli.zh.md (Chinese). tests/test_docs.py checks both.

Run: .venv/bin/python scripts/gen_cli_docs.py
"""

from __future__ import annotations

import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parents[1] / "docs"
#: Each language's reference and its opening lines.
REFERENCES = {
    "en": (
        DOCS / "cli.md",
        [
            "# zoufang command reference",
            "",
            "[中文版](cli.zh.md). Generated from each command's `--help` by "
            "`scripts/gen_cli_docs.py`; `tests/test_docs.py` fails when it is out of date.",
            "",
            "JSON output is the same in every language: its keys and the values of its "
            "enumerations (categories, visit kinds, statuses, checks, severities) are the "
            "English codes, so that scripts and cron jobs do not break when a person changes "
            "their language. Tables, CSV and xlsx headers, messages and help follow the "
            "language (`--lang`, `ZOUFANG_LANG`, `lang` in the config file, the locale; "
            "Chinese by default).",
            "",
            "Text options are one line (names, villages, grids, addresses, relations, units, "
            "fund names, labels, reasons, memos, the household's housing, health, employment "
            "and hardship) or free text (visit notes, needs, suggestions, wishes, gifts, "
            "commitments and their notes). One line refuses line breaks, tabs, other control "
            "characters, bidirectional controls and invisible characters; names are letters "
            "with `·` `-` `'` or a space between parts. Each option holds at most what its "
            "column in the ledger holds (an over-long value is refused with the limit, exit 2); "
            'docs/guarantees.md ("Text and outputs") lists the rules.',
            "",
        ],
    ),
    "zh": (
        DOCS / "cli.zh.md",
        [
            "# zoufang 命令参考",
            "",
            "[English](cli.md)。由 `scripts/gen_cli_docs.py` 根据每条命令的 `--help` 生成；"
            "内容过期时 `tests/test_docs.py` 会失败。",
            "",
            "JSON 输出与界面语言无关：键名和枚举值（类别、走访类型、状态、检查项、级别）"
            "始终是英文代码，换了语言，脚本和定时任务也不会出错。表格、CSV 和 xlsx 的表头、"
            "提示信息和帮助随语言变化（`--lang`、`ZOUFANG_LANG`、配置文件中的 `lang`、"
            "系统区域设置；默认中文）。",
            "",
            "文字选项分两类：单行文字（姓名、村、网格、地址、关系、单位、资金名称、类别名称、"
            "原因、备注，以及农户的住房、健康、就业和致困原因）和多行文字（走访记录、诉求、"
            "意见建议、微心愿、慰问品、承诺事项及其办理情况）。单行文字不能含换行符、制表符、"
            "其他控制字符、双向控制字符和不可见字符；姓名由文字组成，各部分之间可用 `·`、`-`、"
            "`'` 或空格分隔。每个选项最多能填的字数与台账中对应字段一致，超出即拒绝并说明上限"
            "（退出码 2）；规则详见 docs/guarantees.md（“文字与输出”）。",
            "",
        ],
    ),
}


def walk(command, path):
    """Yield (path, command) for every command and group under the root, depth first."""
    yield path, command
    for name in getattr(command, "commands", {}) or {}:
        sub = command.commands[name]
        if getattr(sub, "hidden", False):
            continue
        yield from walk(sub, [*path, name])


def render(lang: str = "en") -> str:
    import typer

    from zoufang import i18n
    from zoufang.cli import app
    from zoufang.cli._lazy import speak_the_chosen_language

    i18n.activate(lang)
    root = typer.main.get_command(app)
    speak_the_chosen_language(root)
    parts = list(REFERENCES[lang][1])
    ctx_cls = root.context_class
    for path, command in walk(root, ["zoufang"]):
        parent = None
        ctx = ctx_cls(
            command,
            info_name=" ".join(path),
            parent=parent,
            terminal_width=100,
            max_content_width=100,
        )
        parts += [f"## `{' '.join(path)}`", "", "```text", ctx.get_help().rstrip(), "```", ""]
    return "\n".join(parts)


def main() -> int:
    stale = []
    for lang, (doc, _opening) in REFERENCES.items():
        text = render(lang)
        if "--check" in sys.argv:
            if not doc.exists() or doc.read_text(encoding="utf-8") != text:
                stale.append(doc)
            continue
        doc.write_text(text, encoding="utf-8")
        print(f"wrote {doc}")
    return 1 if stale else 0


if __name__ == "__main__":
    raise SystemExit(main())
