"""Where a ledger is: ``--db`` / ``ZOUFANG_DB`` turned into a SQLAlchemy URL, the file behind a
SQLite URL, and a URL as it may be shown to people (no password)."""

from __future__ import annotations

import os
from pathlib import Path


def default_db_path() -> Path:
    from platformdirs import user_data_path

    return user_data_path("zoufang", appauthor=False) / "zoufang.db"


def database_url(db: str | os.PathLike[str] | None) -> str:
    """Turn ``--db`` (a path or a URL) into a SQLAlchemy URL."""
    if db is None or str(db) == "":
        db = default_db_path()
    text = str(db)
    if "://" in text:
        return text
    return "sqlite:///" + str(Path(text).expanduser().resolve())


def hide_password(url: str) -> str:
    """``postgresql+psycopg://user:secret@host/db`` → ``postgresql+psycopg://user:***@host/db``."""
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return url
    credentials, at, host = rest.rpartition("@")
    user, colon, _password = credentials.partition(":")
    return f"{scheme}://{user}{':***' if colon else ''}@{host}"


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL, or None for another backend / in-memory."""
    if not url.startswith("sqlite"):
        return None
    rest = url.split("://", 1)[1]
    path = rest[1:] if rest.startswith("/") else rest
    path, _, query = path.partition("?")
    if path.startswith("file:"):  # sqlite:///file:/path/ledger.db?mode=ro&uri=true
        if "mode=memory" in query:
            return None
        path = path.removeprefix("file:")
        if path.startswith("//"):  # file:///path (empty authority)
            path = path[2:]
    if path in ("", ":memory:"):
        return None
    return Path(path)
