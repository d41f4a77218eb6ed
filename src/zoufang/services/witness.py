"""The witness: the highest chain head this computer has seen of each ledger, kept outside it.

The chain alone cannot show that its newest entries were deleted: what is left is a valid,
shorter chain. So zoufang writes down, outside the ledger, the highest head it has seen:
after every write and every `audit funds`. `audit funds` then reports ``chain-shortened``
(an error) when the ledger's head is behind it, or when the entry at the witnessed ``seq``
no longer has the witnessed hash. Every notice, `fund show`, report and reminder digest
prints the head too, so that paper on a wall witnesses it as well.

Where: ``witness.json`` in ``$ZOUFANG_STATE_DIR``, else ``$XDG_STATE_HOME/zoufang``, else
``~/.local/state/zoufang`` (mode 0600, directory 0700), replaced atomically under a lock
file, so that concurrent writers never lose each other's update or leave half a file.

A ledger is known by the hash of its first entry (its *identity*): it survives a file
moved, copied (`db copy`, `db backup`) or served from another URL, and cannot be changed
without rewriting the whole chain, which the identity then no longer matches. A ledger with
no entries has nothing to witness; one whose every entry was deleted is found by its
location (file path or URL without password).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from zoufang.chain import ChainHead
from zoufang.i18n import N_
from zoufang.labels import Message
from zoufang.services.audit_findings import Finding, audit_report, finding
from zoufang.tables import ledger_entry as _entry

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

STATE_DIR_VARIABLE = "ZOUFANG_STATE_DIR"
FILE_NAME = "witness.json"
FORMAT = 1


def state_dir() -> Path:
    explicit = os.environ.get(STATE_DIR_VARIABLE, "").strip()
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_STATE_HOME", "").strip() or os.path.expanduser("~/.local/state")
    return Path(base) / "zoufang"


def witness_file() -> Path:
    return state_dir() / FILE_NAME


@dataclass(frozen=True)
class Witnessed:
    """One ledger's highest head seen here."""

    ledger: str  # identity: the hash of entry 1
    seq: int
    hash: str
    seen_at: str  # UTC, ISO, to the second
    where: str  # the ledger's file or URL when last seen

    @property
    def short(self) -> str:
        return f"{self.seq}:{self.hash[:12]}"


@dataclass(frozen=True)
class Observed:
    """What one command saw of a ledger: its identity, head, and whether the entry at the
    witnessed seq (if any) still has the witnessed hash."""

    ledger: str | None
    head: ChainHead
    where: str
    witnessed: Witnessed | None
    hash_at_witnessed: str | None

    @property
    def shortened(self) -> bool:
        """The ledger is behind, or differs from, what was witnessed."""
        w = self.witnessed
        return w is not None and (self.head.seq < w.seq or self.hash_at_witnessed != w.hash)


def load() -> list[Witnessed]:
    """Every witness (none if the file is missing or unreadable)."""
    try:
        data = json.loads(witness_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    out = []
    for ledger, w in (data.get("ledgers") or {}).items():
        with contextlib.suppress(KeyError, TypeError, ValueError):
            out.append(
                Witnessed(ledger, int(w["seq"]), str(w["hash"]), str(w["seen_at"]), str(w["where"]))
            )
    return sorted(out, key=lambda w: (w.where, w.ledger))


def observe(conn: Connection, where: str) -> Observed:
    """The ledger's identity and head, and its entry at the witnessed seq (in the caller's
    transaction: a few indexed reads)."""
    E = _entry
    first = conn.execute(select(E.c.hash).where(E.c.seq == 1)).scalar()
    row = conn.execute(select(E.c.seq, E.c.hash).order_by(E.c.seq.desc()).limit(1)).first()
    head = ChainHead(0, "0" * 64) if row is None else ChainHead(int(row[0]), str(row[1]))
    known = load()
    witnessed = next((w for w in known if first is not None and w.ledger == first), None)
    if witnessed is None and first is None:  # every entry gone: known by location
        witnessed = next((w for w in known if w.where == where), None)
    at = None
    if witnessed is not None:
        at = conn.execute(select(E.c.hash).where(E.c.seq == witnessed.seq)).scalar()
    return Observed(first, head, where, witnessed, at)


@contextlib.contextmanager
def _locked() -> Iterator[Path]:
    from zoufang import filelocks

    directory = state_dir()
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(directory / (FILE_NAME + ".lock"), os.O_CREAT | os.O_RDWR, 0o600)
    try:
        filelocks.lock(fd)  # LockUnavailable is an OSError: the witness is skipped
        yield directory / FILE_NAME
    finally:
        os.close(fd)  # releases the lock


def remember(observed: Observed) -> bool:
    """Raise the witness of ``observed.ledger`` to its head; never lower it, and leave it
    alone when the ledger disagrees with it (the evidence of a shortened chain stays until an
    audit has reported it and someone deals with it). True if the file changed. A witness
    that cannot be written (read-only home) is skipped: it never fails a command."""
    if observed.ledger is None or observed.shortened:
        return False
    try:
        with _locked() as path:
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                data = {}
            ledgers: dict[str, Any] = data.get("ledgers") or {}
            known = ledgers.get(observed.ledger)
            if known is not None and int(known.get("seq", 0)) >= observed.head.seq:
                if known.get("where") == observed.where:
                    return False
            seen = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0).isoformat()
            if known is None or int(known.get("seq", 0)) < observed.head.seq:
                known = {"seq": observed.head.seq, "hash": observed.head.hash, "seen_at": seen}
            ledgers[observed.ledger] = {**known, "where": observed.where}
            _write(path, {"format": FORMAT, "ledgers": ledgers})
            return True
    except OSError:
        return False


def _write(path: Path, data: dict) -> None:
    """Atomically: a private temporary file beside it, synced, renamed over it."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".witness-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, ensure_ascii=False, indent=1, sort_keys=True)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def shortened_findings(observed: Observed) -> list[Finding]:
    """``chain-shortened`` (an error) when the ledger is behind or differs from its witness."""
    w = observed.witnessed
    if w is None or not observed.shortened:
        return []
    if observed.head.seq < w.seq:
        detail = Message(
            N_(
                "the chain ends at entry {seq}, but this computer saw it reach entry {witnessed} "
                "({hash}…) on {seen} UTC: the newest entries were deleted"
            ),
            seq=observed.head.seq,
            witnessed=w.seq,
            hash=w.hash[:12],
            seen=w.seen_at.replace("T", " "),
        )
    else:
        detail = Message(
            N_(
                "entry {witnessed} now hashes to {now}…, but this computer saw {hash}… on "
                "{seen} UTC: the chain up to it was rewritten"
            ),
            witnessed=w.seq,
            now=(observed.hash_at_witnessed or "")[:12],
            hash=w.hash[:12],
            seen=w.seen_at.replace("T", " "),
        )
    return [finding("chain-shortened", detail, entry=w.seq, severity="error")]


def with_witness(report: dict, observed: Observed) -> dict:
    """An audit report with the witness's finding added (and ``ok`` judged again)."""
    extra = audit_report(shortened_findings(observed), checked=0, head=None)["findings"]
    if not extra:
        return report
    findings = report["findings"] + extra
    return {**report, "ok": False, "findings": findings}


def as_rows(witnesses: list[Witnessed]) -> list[dict]:
    """The witnesses as `db anchors` lists them."""
    return [
        {
            "ledger": w.ledger[:12],
            "where": w.where,
            "seq": w.seq,
            "hash": w.hash,
            "anchor": w.short,
            "seen_at": w.seen_at,
        }
        for w in witnesses
    ]
