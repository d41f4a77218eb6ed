"""Regenerate docs/cli.md from the commands' own --help (tests/test_docs.py checks it).

Run: .venv/bin/python scripts/gen_cli_docs.py
"""

from __future__ import annotations

import sys
from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "cli.md"


def walk(command, path):
    """Yield (path, command) for every command and group under the root, depth first."""
    yield path, command
    for name in getattr(command, "commands", {}) or {}:
        sub = command.commands[name]
        if getattr(sub, "hidden", False):
            continue
        yield from walk(sub, [*path, name])


def render() -> str:
    import typer

    from zoufang.cli import app

    root = typer.main.get_command(app)
    parts = [
        "# zoufang command reference",
        "",
        "Generated from each command's `--help` by `scripts/gen_cli_docs.py`; "
        "`tests/test_docs.py` fails when it is out of date.",
        "",
    ]
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
    text = render()
    if "--check" in sys.argv:
        return 0 if DOC.exists() and DOC.read_text() == text else 1
    DOC.parent.mkdir(exist_ok=True)
    DOC.write_text(text)
    print(f"wrote {DOC}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
