"""The fact history's chain: the canonical form of a fact change, its hash, and the check.

Pure functions of stored values (no database), like :mod:`zoufang.chain` for the money.

Every fact a payment rule reads (a household's categories, status and people's ID numbers, a
cadre's relatives, a fund's rules) is kept as dated periods in ``fact_change``: one row per
change, holding the whole value after it and the day it takes effect (``effective_from``).
A period runs from its row's ``effective_from`` until the next row's for the same subject and
fact, so no row is ever updated; triggers make the database refuse UPDATE and DELETE.

Rows form their own SHA-256 hash chain (``seq`` 1, 2, 3 …; ``prev_hash`` 64 zeros for
seq 1). Canonical form (format version 1): the lower-case hex SHA-256 of the UTF-8 bytes of
this JSON object, keys sorted, no whitespace, non-ASCII written as itself, text NFC::

    {"effective_from": "2026-01-10",  effective_from, ISO date
     "fact": "categories",            categories | status | member_ids | relatives | rules
     "ledger_seq": 3,                 ledger entries that existed when it was recorded
     "operator": "...",
     "origin": "change",              upgrade | opening | change
     "prev": "<64 hex>",              prev_hash
     "reason": "..." | null,
     "recorded_at": "2026-01-10T09:30:00",  UTC, to the second, as for ledger entries
     "seq": 7,
     "subject": "H000001",            a household, cadre or fund code
     "subject_kind": "household",     household | cadre | fund
     "v": 1,
     "value": "[\\"elderly-alone\\"]"}  the value column: canonical JSON text, as a string

``value`` is itself canonical JSON (keys sorted, no whitespace, non-ASCII as itself),
embedded as a JSON *string*. Dates and times are read from storage as for the ledger's chain
(first 10 / 19 characters, the space of SQLite's timestamps replaced by ``T``).
"""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from hashlib import sha256
from typing import Any

from zoufang.chain import GENESIS_HASH, ChainHead, ChainProblem
from zoufang.i18n import N_

FORMAT_VERSION = 1

#: The columns of a stored ``fact_change`` row, in the order :func:`verify_facts` takes them.
STORED_COLUMNS = (
    "seq",
    "subject_kind",
    "subject",
    "fact",
    "value",
    "effective_from",
    "ledger_seq",
    "origin",
    "recorded_at",
    "operator",
    "reason",
    "prev_hash",
    "hash",
)


def value_text(value: Any) -> str:
    """A fact's value as canonical JSON text (what the ``value`` column holds)."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _text(value: Any, *, nullable: bool = False) -> str | None:
    if value is None and nullable:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not text")
    return unicodedata.normalize("NFC", value)


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{value!r} is not an integer")
    return value


def canonical(row: Mapping[str, Any]) -> bytes:
    """The canonical bytes of a fact change (see the module docstring), from stored fields.
    Raises ValueError for a row no change can have."""
    recorded_at = row["recorded_at"]
    if isinstance(recorded_at, dt.datetime):
        recorded_at = recorded_at.replace(microsecond=0).isoformat()
    day = row["effective_from"]
    if isinstance(day, dt.date):
        day = day.isoformat()
    if not isinstance(day, str) or not isinstance(recorded_at, str):
        raise ValueError(f"{day!r} / {recorded_at!r} is not a date / time")
    form = {
        "effective_from": day[:10],
        "fact": _text(row["fact"]),
        "ledger_seq": _int(row["ledger_seq"]),
        "operator": _text(row["operator"]),
        "origin": _text(row["origin"]),
        "prev": _text(row["prev_hash"]),
        "reason": _text(row["reason"], nullable=True),
        "recorded_at": recorded_at.replace(" ", "T")[:19],
        "seq": _int(row["seq"]),
        "subject": _text(row["subject"]),
        "subject_kind": _text(row["subject_kind"]),
        "v": FORMAT_VERSION,
        "value": _text(row["value"]),
    }
    return json.dumps(form, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def fact_hash(row: Mapping[str, Any]) -> str:
    return sha256(canonical(row)).hexdigest()


_string = json.encoder.encode_basestring  # what json.dumps(ensure_ascii=False) writes
_VERSION = str(FORMAT_VERSION)


def _nfc_text(value: Any) -> bool:
    return type(value) is str and (value.isascii() or unicodedata.is_normalized("NFC", value))


def _common_form(row: Sequence[Any]) -> str | None:
    """:func:`canonical` of a stored row of the usual shape (exact ints, NFC text, dates as
    SQLite or PostgreSQL return them), as text, faster; None for any other row, which
    :func:`canonical` then judges. A test compares the two."""
    seq, kind, subject, fact, value, day, ledger_seq, origin, at, operator, reason, prev = row[:12]
    if not (
        type(seq) is int
        and type(ledger_seq) is int
        and type(kind) is str
        and type(subject) is str
        and type(fact) is str
        and type(value) is str
        and type(origin) is str
        and type(operator) is str
        and type(prev) is str
        and (reason is None or type(reason) is str)
    ):
        return None
    if not (
        value.isascii()
        and operator.isascii()
        and subject.isascii()
        and kind.isascii()
        and fact.isascii()
        and origin.isascii()
        and prev.isascii()
    ):  # every text field canonical() takes as NFC: one of them decomposed steps aside
        for text in (kind, subject, fact, value, origin, operator, prev):
            if not _nfc_text(text):
                return None
    if reason is not None and not _nfc_text(reason):
        return None
    if type(day) is str:
        day = day[:10]
    elif type(day) is dt.date:
        day = day.isoformat()
    else:
        return None
    if type(at) is str:
        at = at.replace(" ", "T")[:19]
    elif type(at) is dt.datetime:
        at = at.replace(microsecond=0).isoformat()[:19]
    else:
        return None
    # keys in sorted order, values already JSON-encoded (an f-string: ~15 % faster than a
    # % format on a county's history)
    return (
        f'{{"effective_from":{_string(day)},"fact":{_string(fact)},"ledger_seq":{ledger_seq},'
        f'"operator":{_string(operator)},"origin":{_string(origin)},"prev":{_string(prev)},'
        f'"reason":{"null" if reason is None else _string(reason)},'
        f'"recorded_at":{_string(at)},"seq":{seq},"subject":{_string(subject)},'
        f'"subject_kind":{_string(kind)},"v":{_VERSION},"value":{_string(value)}}}'
    )


def row_hash(row: Sequence[Any]) -> str:
    """The hash a stored row (in :data:`STORED_COLUMNS` order) should carry; ValueError for
    a row no change can have."""
    form = _common_form(row)
    if form is not None:
        return sha256(form.encode()).hexdigest()
    return fact_hash(dict(zip(STORED_COLUMNS, row, strict=True)))


def verify_facts(rows: Iterable[Sequence[Any]]) -> tuple[int, ChainHead, list[ChainProblem]]:
    """Recompute the fact chain from stored rows (tuples in :data:`STORED_COLUMNS` order, by
    seq): (count, head, problems). Finds edited rows, deleted or inserted rows and a row
    whose hash was recomputed alone, as :func:`zoufang.chain.verify_chain` does."""
    problems: list[ChainProblem] = []
    expected, prev, count, head_seq = 1, GENESIS_HASH, 0, 0
    for row in rows:
        count += 1
        seq, stored_prev, stored_hash = row[0], row[11], row[12]
        if seq != expected:
            problems.append(
                ChainProblem(
                    seq,
                    N_(
                        "fact history jumps from change {last} to {seq}: changes missing or inserted"
                    ),
                    {"last": expected - 1, "seq": seq},
                )
            )
        if stored_prev != prev:
            problems.append(
                ChainProblem(
                    seq,
                    N_(
                        "fact change {seq} does not follow the change before it (prev_hash "
                        "differs): a change was edited, removed or inserted before it"
                    ),
                    {"seq": seq},
                )
            )
        try:
            actual = row_hash(row)
        except ValueError as exc:
            problems.append(
                ChainProblem(
                    seq,
                    N_("fact change {seq} holds a value no change can have ({problem})"),
                    {"seq": seq, "problem": str(exc)},
                )
            )
            actual = stored_hash
        if actual != stored_hash:
            problems.append(
                ChainProblem(
                    seq,
                    N_(
                        "fact change {seq} was changed after it was written "
                        "(stored hash {stored}…, contents hash to {actual}…)"
                    ),
                    {"seq": seq, "stored": str(stored_hash)[:12], "actual": actual[:12]},
                )
            )
        expected = (seq + 1) if isinstance(seq, int) else expected + 1
        prev, head_seq = stored_hash, seq
    return count, ChainHead(head_seq if isinstance(head_seq, int) else 0, prev), problems


def parse_anchors(text_value: str) -> tuple[ChainHead | None, ChainHead | None]:
    """``--anchor``: the money chain's head ``SEQ:HASH``, the fact history's ``fSEQ:HASH``,
    or both separated by a comma (as `audit funds` prints them). (ledger, facts)."""
    from zoufang.chain import parse_anchor

    ledger = facts = None
    for part in (text_value or "").replace("，", ",").split(","):
        part = part.strip()
        if part[:1] in ("f", "F", "ｆ", "Ｆ"):
            facts = parse_anchor(part[1:])
        else:
            ledger = parse_anchor(part)
    return ledger, facts
