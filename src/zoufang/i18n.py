"""The language a person reads: Chinese (zh, the default) or English (en).

Every text a person reads is written in English in the source, marked with :func:`_` (or
:func:`N_` where it must be translated later, e.g. option help that Typer reads before the
language is known), and translated from the GNU gettext catalog of the chosen language:
``locale/zh/LC_MESSAGES/zoufang.po`` in the package, compiled to ``zoufang.mo`` beside it
(``scripts/i18n.py`` extracts, compiles and checks; docs/architecture.md says how).

What is never translated: JSON keys and the JSON values of enumerations (the English codes,
whatever the language: scripts depend on them), codes people type (``H000001``, ``C0001``),
ID numbers, option names and file names.

The language is chosen once per command, before anything is printed (:func:`choose`):
``--lang``, then ``ZOUFANG_LANG``, then ``lang`` in the config file, then the locale
(``LC_ALL``, ``LC_MESSAGES``, ``LANG``: ``zh*`` → zh, anything else → en), and zh where none
of them says. Only the chosen language's catalog is read, when the first text is translated.

Typer's own strings ("Options", "Commands", "Missing command." …) go through the standard
library's :mod:`gettext` with the global domain: :func:`activate` binds that domain to the
same catalog, so they follow the choice too.
"""

from __future__ import annotations

import contextlib
import gettext as _gettext
import os
from collections.abc import Iterator
from pathlib import Path

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"
DOMAIN = "zoufang"
LOCALE_DIR = Path(__file__).with_name("locale")

_lang: str = DEFAULT_LANG
_catalog: _gettext.NullTranslations | None = None


def parse_lang(text: str) -> str | None:
    """``zh``, ``zh_CN.UTF-8``, ``中文``, ``en``, ``en_US``, ``English`` → zh / en; None if
    it names neither."""
    value = text.strip().lower()
    if value.startswith("zh") or value in ("中文", "汉语", "chinese", "cn"):
        return "zh"
    if value.startswith("en") or value in ("英文", "英语", "english"):
        return "en"
    return None


def locale_lang(environ: os._Environ[str] | dict[str, str] = os.environ) -> str | None:
    """The language the locale asks for (the first of LC_ALL, LC_MESSAGES, LANG that is set):
    zh for a Chinese locale, en for any other; None when none is set (or it is C/POSIX)."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name)
        if value:
            if value.split(".")[0] in ("C", "POSIX"):
                return None
            return "zh" if value.lower().startswith("zh") else "en"
    return None


def activate(lang: str) -> None:
    """Make ``lang`` the language of everything printed from now on in this process."""
    global _lang, _catalog
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}")
    if lang != _lang or _catalog is None:
        _lang, _catalog = lang, None
    # Typer (and anything else calling gettext.gettext) looks in the global domain, in the
    # languages named by LANGUAGE: point both at zoufang's catalog.
    _gettext.bindtextdomain(DOMAIN, str(LOCALE_DIR))
    _gettext.textdomain(DOMAIN)
    os.environ["LANGUAGE"] = lang


@contextlib.contextmanager
def speaking(lang: str | None) -> Iterator[None]:
    """Everything inside in ``lang`` (a document's own ``--lang``: a report, a reminder),
    then back to the language of the rest of the command; None changes nothing."""
    before = current()
    if lang is None or lang == before:
        yield
        return
    activate(lang)
    try:
        yield
    finally:
        activate(before)


def current() -> str:
    """The chosen language: ``zh`` or ``en``."""
    return _lang


def _translations() -> _gettext.NullTranslations:
    global _catalog
    if _catalog is None:
        _catalog = _gettext.translation(
            DOMAIN, localedir=str(LOCALE_DIR), languages=[_lang], fallback=True
        )
    return _catalog


def _(message: str) -> str:
    """``message`` (English, as in the source) in the chosen language. The few words the
    source writes in Chinese (column headings) have their English in :mod:`zoufang.english`."""
    if not message:
        return message
    if _lang == "en":
        if message.isascii():
            return message
        from zoufang.english import ENGLISH

        return ENGLISH.get(message, message)
    return _translations().gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    if _lang == "en":
        return singular if n == 1 else plural
    return _translations().ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """``message`` translated in ``context`` (the same English word can need two Chinese
    words: a visit kind ``return`` is 回访)."""
    if _lang == "en":
        return message
    return _translations().pgettext(context, message)


def N_(message: str) -> str:
    """Mark ``message`` for the catalog without translating it now (it is translated where
    it is shown, e.g. help text that Typer reads at start-up)."""
    return message


def zh() -> bool:
    return _lang == "zh"
