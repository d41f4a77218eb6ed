"""The message catalog as a whole: every message in the code (and every help text of the real
command line) has a Chinese translation with the same placeholders, none fuzzy or empty, and
the catalog shipped in the package is compiled from the sources in po/. A new string that
nobody translated fails here."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def catalog_tool():
    spec = importlib.util.spec_from_file_location("i18n_tool", REPO / "scripts" / "i18n.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_message_has_a_chinese_translation_and_the_catalog_is_compiled():
    pytest.importorskip("babel")
    assert catalog_tool().problems("zh") == []


def test_a_new_untranslated_message_is_found(tmp_path, monkeypatch):
    """The check itself can fail: a message in the code that the catalog lacks is named."""
    pytest.importorskip("babel")
    tool = catalog_tool()
    original = tool.code_messages

    def with_a_new_one():
        yield from original()
        yield ("a message nobody translated", None), None, "cli/new.py:1"

    monkeypatch.setattr(tool, "code_messages", with_a_new_one)
    found = tool.problems("zh", {"cli"})
    assert any("a message nobody translated" in p for p in found)


def test_placeholders_must_match():
    tool = catalog_tool()
    assert tool.placeholders("no fund {code!r}") == tool.placeholders("没有资金 {code!r}")
    assert tool.placeholders("{n} households") != tool.placeholders("{count} 户")


def test_the_catalog_ships_inside_the_package():
    from zoufang.i18n import LOCALE_DIR

    assert (LOCALE_DIR / "zh" / "LC_MESSAGES" / "zoufang.mo").is_file()


def test_config_path_without_platformdirs_is_the_platformdirs_one(monkeypatch, tmp_path):
    import sys

    from platformdirs import user_config_path

    from zoufang.config import default_config_path

    if not sys.platform.startswith("linux"):
        pytest.skip("the quick path is Linux's")
    for xdg in (str(tmp_path), ""):
        monkeypatch.setenv("XDG_CONFIG_HOME", xdg)
        expected = user_config_path("zoufang", appauthor=False) / "config.toml"
        assert default_config_path() == expected
