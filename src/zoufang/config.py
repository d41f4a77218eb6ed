"""zoufang's settings file and the environment variables that override it.

A TOML file at ``$ZOUFANG_CONFIG``, else ``config.toml`` in the platformdirs user config
directory (``~/.config/zoufang/`` on Linux). It is optional, and refused when group or others
may read or write it, because it may hold passwords (SMTP, robot secrets). Unknown sections
and keys are refused, so that a typo does not silently do nothing.

Every key can also be given as an environment variable ``ZOUFANG_<SECTION>_<KEY>``
(``ZOUFANG_SMTP_PASSWORD``, ``ZOUFANG_WEBHOOK_SECRET``, ``ZOUFANG_WEBHOOK_URL``…), which wins
over the file; a command-line option wins over both. Secrets are never taken on the command
line, where other users would see them in the process list.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zoufang.errors import InvalidInput
from zoufang.i18n import N_, _

#: Keys at the top of the config file (not in a section), with their type; each can also be
#: given as ``ZOUFANG_<KEY>``. ``Config.get("", key)`` reads them.
TOP_LEVEL_KEYS: dict[str, type] = {"lang": str}
#: Every key the config file may hold, with its type. Unknown keys are refused (typos).
CONFIG_KEYS: dict[str, dict[str, type]] = {
    # days an evidence row may be dated before it was recorded without a late-entry warning
    "audit": {"late_days": int},
    "remind": {"channel": str, "supervisor": str, "every": int, "days": int, "lang": str},
    "smtp": {
        "host": str,
        "port": int,
        "security": str,
        "username": str,
        "password": str,
        "from": str,
        "cafile": str,
        "timeout": int,
    },
    "webhook": {"url": str, "kind": str, "secret": str, "interval": float, "timeout": int},
}


@dataclass
class Config:
    """Settings from the config file and ``ZOUFANG_<SECTION>_<KEY>`` variables."""

    path: Path | None = None
    values: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: where each value came from, to name it in an error ("ZOUFANG_SMTP_PORT", "[smtp] port")
    sources: dict[tuple[str, str], str] = field(default_factory=dict)

    def get(self, section: str, key: str, default: Any = None) -> Any:
        return self.values.get(section, {}).get(key, default)

    def source(self, section: str, key: str) -> str:
        return self.sources.get((section, key), f"[{section}] {key}")


def default_config_path() -> Path:
    """``config.toml`` in the user config directory. On Linux that is the XDG directory,
    found here without importing platformdirs: every command reads it at start-up (for
    ``lang``), and platformdirs gives the same path there."""
    import sys

    if sys.platform.startswith("linux"):
        base = os.environ.get("XDG_CONFIG_HOME", "").strip() or os.path.expanduser("~/.config")
        return Path(base) / "zoufang" / "config.toml"
    from platformdirs import user_config_path

    return user_config_path("zoufang", appauthor=False) / "config.toml"


def load_config(environ: Mapping[str, str] | None = None) -> Config:
    """Read the config file (if there is one) and the environment overrides."""
    env = os.environ if environ is None else environ
    explicit = env.get("ZOUFANG_CONFIG") or None
    path = Path(explicit).expanduser() if explicit else default_config_path()
    config = Config()
    if path.exists() or explicit:
        config.path = path
        for section, values in _read_config_file(path).items():
            for key, value in values.items():
                config.values.setdefault(section, {})[key] = value
                where = f"[{section}] {key}" if section else key
                config.sources[(section, key)] = f"{path}: {where}"
    for section, keys in CONFIG_KEYS.items():
        for key, kind in keys.items():
            name = f"ZOUFANG_{section}_{key}".upper()
            raw = env.get(name)
            if raw is None or raw == "":
                continue
            config.values.setdefault(section, {})[key] = _convert(raw, kind, name)
            config.sources[(section, key)] = name
    return config


def _read_config_file(path: Path) -> dict[str, dict[str, Any]]:
    import tomllib

    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise InvalidInput("ZOUFANG_CONFIG", _("{path} does not exist").format(path=path)) from None
    except OSError as exc:
        raise InvalidInput(
            str(path), _("cannot read the config file: {error}").format(error=exc.strerror)
        ) from None
    if mode & 0o077:
        raise InvalidInput(
            str(path),
            _(
                "the config file is open to group or others (mode {mode}) and may hold "
                "passwords; refusing to use it: run chmod 600 {path}"
            ).format(mode=f"{mode & 0o777:04o}", path=path),
        )
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(
            str(path), _("cannot read the config file: {error}").format(error=exc)
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(str(path), _("not valid TOML: {error}").format(error=exc)) from None
    out: dict[str, dict[str, Any]] = {}
    for section, values in data.items():
        if section in TOP_LEVEL_KEYS and not isinstance(values, dict):
            top_kind = TOP_LEVEL_KEYS[section]
            out.setdefault("", {})[section] = _check_type(values, top_kind, f"{path}: {section}")
            continue
        if section not in CONFIG_KEYS or not isinstance(values, dict):
            known = ", ".join(f"[{s}]" for s in CONFIG_KEYS)
            raise InvalidInput(
                str(path),
                _("unknown section {section!r} (known: {known})").format(
                    section=section, known=known
                ),
            )
        for key, value in values.items():
            kind = CONFIG_KEYS[section].get(key)
            if kind is None:
                known = ", ".join(CONFIG_KEYS[section])
                raise InvalidInput(
                    str(path),
                    _("[{section}] has no key {key!r} (known: {known})").format(
                        section=section, key=key, known=known
                    ),
                )
            out.setdefault(section, {})[key] = _check_type(
                value, kind, f"{path}: [{section}] {key}"
            )
    return out


#: What a value of each type must be, for the error when it is not.
_WANTED: dict[type, str] = {
    str: N_("must be a string, got {value!r}"),
    int: N_("must be a whole number, got {value!r}"),
    float: N_("must be a number, got {value!r}"),
}


def _check_type(value: Any, kind: type, where: str) -> Any:
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, bool) or not isinstance(value, kind):
        raise InvalidInput(where, _(_WANTED[kind]).format(value=value))
    return value


def _convert(raw: str, kind: type, name: str) -> Any:
    if kind is str:
        return raw
    try:
        return kind(raw.strip())
    except ValueError:
        raise InvalidInput(name, _(_WANTED[kind]).format(value=raw)) from None
