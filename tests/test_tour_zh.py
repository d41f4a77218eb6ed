"""The README's tour, as a Chinese office runs it: everything on screen is Chinese.

``examples/village.sh`` (the tour of README.md and README.zh-CN.md) is run under zh in its
own processes, and every line it prints — output, confirmations, refusals, audits — is checked
for English words (``--help`` of every command is checked the same way by test_i18n_cli.py).
What may stay as it is: codes (H000001, C0001, CJ2026), ID numbers, option names, file
names, format names, and the product's name. The same tour under en prints English, and the
JSON of every listing is the same in both — but a notice's title and note, which are the
notice's own text in its language (README, "Decisions").
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import english_words

ROOT = Path(__file__).resolve().parents[1]
TOUR = ROOT / "examples" / "village.sh"

pytestmark = [pytest.mark.sqlite_only, pytest.mark.slow]


def run_tour(tmp_path: Path, lang: str) -> str:
    bindir = Path(sys.executable).parent
    if not (bindir / "zoufang").exists():
        pytest.skip(f"the zoufang script is not installed next to {sys.executable}")
    env = {
        **os.environ,
        "PATH": f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}",
        "ZOUFANG_LANG": lang,
        "PYTHONIOENCODING": "utf-8",
    }
    env.pop("ZOUFANG_DB", None)
    done = subprocess.run(
        ["bash", str(TOUR), str(tmp_path / "village.db")],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout + done.stderr


def zoufang(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "zoufang", *args],
        capture_output=True,
        text=True,
        env={**env, "PYTHONIOENCODING": "utf-8"},
        timeout=300,
    )


def screen_lines(text: str) -> list[str]:
    """What the tour shows, without the echoed commands (``$ zoufang …``: what was typed)."""
    return [line for line in text.splitlines() if not line.startswith("$ zoufang")]


def test_the_tour_in_chinese_shows_no_english(tmp_path):
    output = run_tour(tmp_path, "zh")
    found = {line: english_words(line) for line in screen_lines(output)}
    assert {line: words for line, words in found.items() if words} == {}


def test_the_tour_in_english_is_english(tmp_path):
    output = run_tour(tmp_path, "en")
    assert "Usage" not in output
    assert "error: over-cap:" in output or "error: --" in output
    assert "OK: 3 checked" in output


def test_json_is_the_same_in_both_languages(tmp_path):
    run_tour(tmp_path, "zh")
    ledger = tmp_path / "village.db"
    env = {**os.environ, "ZOUFANG_DB": str(ledger), "ZOUFANG_TODAY": "2026-02-10"}
    listings = [
        ["household", "list"],
        ["household", "show", "H000001"],
        ["visit", "list"],
        ["commitment", "list"],
        ["wish", "list"],
        ["suggestion", "list"],
        ["due", "--days", "30"],
        ["fund", "list"],
        ["fund", "show", "CJ2026"],
        ["cadre", "list"],
        ["category", "list"],
        ["audit", "funds"],
        ["audit", "visits"],
        ["report"],
        ["notice", "CJ2026"],
    ]
    for args in listings:
        outputs = {}
        for lang in ("zh", "en"):
            done = zoufang(*args, "--format", "json", env={**env, "ZOUFANG_LANG": lang})
            assert done.returncode in (0, 1), (args, done.stderr)
            outputs[lang] = done.stdout
        zh, en = json.loads(outputs["zh"]), json.loads(outputs["en"])
        if args[0] == "notice":  # the notice's own text is in its language
            assert zh.pop("title") != en.pop("title") and zh.pop("note") != en.pop("note")
            assert zh == en, args
        elif args[0] == "report":  # the campaign sentence is in its language (issue 15)
            assert zh.pop("summary") != en.pop("summary")
            assert zh == en, args
        else:
            assert outputs["zh"] == outputs["en"], args
    shutil.rmtree(tmp_path, ignore_errors=True)
