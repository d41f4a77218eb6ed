"""Which language this command speaks, decided before the command line is parsed.

Help, usage errors and everything the command prints follow it, so it is chosen first, from
(in this order): ``--lang`` anywhere on the command line, ``ZOUFANG_LANG``, ``lang`` in the config file,
the locale (``LC_ALL``, ``LC_MESSAGES``, ``LANG``), and zh where none of them says. The root
command's ``--lang`` option validates the value again, as part of the normal parse.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

from zoufang import i18n


def lang_in_argv(argv: Sequence[str]) -> str | None:
    """The value of ``--lang`` (``--lang en`` or ``--lang=en``): the root option, or the same
    option of `export`, `report` and `remind`, which also choose the language of their files
    and messages. The last one given wins, as Click's own parsing would have it."""
    found = None
    for i, arg in enumerate(argv):
        if arg == "--":
            break
        if arg == "--lang" and i + 1 < len(argv):
            found = argv[i + 1]
        elif arg.startswith("--lang="):
            found = arg.partition("=")[2]
    return found


def config_lang(environ: Mapping[str, str]) -> str | None:
    """``lang`` at the top of the config file; None if there is none, or the file cannot be
    used (``zoufang remind``, which needs the file, says why)."""
    from zoufang.config import load_config
    from zoufang.errors import ZoufangError

    try:
        value = load_config(environ).get("", "lang")
    except ZoufangError:
        return None
    return value if isinstance(value, str) else None


def choose(argv: Sequence[str], environ: Mapping[str, str] = os.environ) -> str:
    """zh or en, for this command (see the module docstring). A value that names neither
    language is passed over here; the root option refuses it with a message."""
    for candidate in (
        lambda: lang_in_argv(argv),
        lambda: environ.get("ZOUFANG_LANG") or None,
        lambda: config_lang(environ),
    ):
        value = candidate()
        if value is not None and (lang := i18n.parse_lang(value)) is not None:
            return lang
    return i18n.locale_lang(dict(environ)) or i18n.DEFAULT_LANG
