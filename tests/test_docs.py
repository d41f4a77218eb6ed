"""Docs that cannot rot: every command has help, and docs/cli.md is regenerated from it."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
import typer

from zoufang.cli import app

ROOT = Path(__file__).resolve().parents[1]


def _generator():
    spec = importlib.util.spec_from_file_location(
        "gen_cli_docs", ROOT / "scripts" / "gen_cli_docs.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_command_has_help_text():
    gen = _generator()
    missing = [
        " ".join(path)
        for path, command in gen.walk(typer.main.get_command(app), ["zoufang"])
        if not (command.help or "").strip()
    ]
    assert missing == []


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_cli_reference_is_current(lang):
    gen = _generator()
    doc, _opening = gen.REFERENCES[lang]
    assert doc.read_text(encoding="utf-8") == gen.render(lang), (
        f"{doc.name} is out of date: run `python scripts/gen_cli_docs.py`"
    )


def test_every_command_group_is_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    root = typer.main.get_command(app)
    absent = [name for name in root.commands if f"zoufang {name}" not in readme]
    assert absent == []
