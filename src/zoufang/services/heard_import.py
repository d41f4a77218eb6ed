"""`zoufang import`: the wishes and suggestions sheets (`export`'s 微心愿 and 意见建议).

A wish or suggestion heard at a visit was already opened when the file's visit was recorded
(its 微心愿 / 意见建议 column, through `visit log`); its row here finds it — the same visit
(by the file's 走访编号) and the same text — and gives it back its life cycle: who claimed
it and when, by when, how it ended, with the append-only event rows; a suggestion its
answers. A row without a visit (`wish add`, `suggestion add`) is opened here.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, select, update

from zoufang import labels, parsing
from zoufang.codes import (
    SUGGESTION_ANSWERED,
    SUGGESTION_STATUSES,
    SUGGESTION_UNANSWERED,
    WISH_CLAIMED,
    WISH_DECLINED,
    WISH_FULFILLED,
    WISH_OPEN,
    WISH_STATUSES,
)
from zoufang.db.writing import insert_many
from zoufang.errors import InvalidInput, NotFound, RuleViolation, ZoufangError
from zoufang.i18n import _
from zoufang.services.audit_log import record
from zoufang.services.visit_record import _inserted_id
from zoufang.tables import household as H
from zoufang.tables import suggestion as S
from zoufang.tables import suggestion_answer as SA
from zoufang.tables import wish as W
from zoufang.tables import wish_event as WE

if TYPE_CHECKING:
    from zoufang.services.workbook_import import _Import

_ANSWER_LINE = re.compile(r"^(\d{4}-\d{2}-\d{2})\s+([^:：]+)[:：]\s*(.*)$")


def _heard_row(work: _Import, sheet, get, table) -> tuple[dict, Any, bool] | None:
    """The household, visit, text and responsible cadre of a row; the matching row already
    opened by its visit (or None); None for a row that refers to one that was refused."""
    code = work.household_ref(sheet, get)
    if code is None:
        return None
    visit = work.visit_ref(sheet, get, "visit", code)
    if visit is False:
        return None
    text = parsing.parse_text(get("text"), field=sheet.label("text"), max_len=2000)
    heard = work.date(sheet, get, "heard_on")
    cadre = get("cadre")
    cadre_id = _cadre_id(work, cadre, sheet.label("cadre")) if cadre else None
    household_id = _household_ids(work)[code]
    base = {
        "household_id": household_id,
        "visit_id": visit,
        "text": text,
        "heard_on": heard,
        "cadre_id": cadre_id,
    }
    existing = None
    if visit is not None:
        taken = work.heard_taken.setdefault(table.name, set())
        existing = next(
            (r for r in _opened(work, table).get((visit, text), ()) if r not in taken), None
        )
        if existing is not None:
            taken.add(existing)
    return base, existing, visit is not None


def _household_ids(work: _Import) -> dict[str, int]:
    """Every household's id by its code, read once (all are in by the time of these sheets)."""
    known = work.lookups.get("household_ids")
    if known is None:
        conn = work.s.connection()
        known = work.lookups["household_ids"] = dict(conn.execute(select(H.c.code, H.c.id)).all())
    return known


def _cadre_id(work: _Import, text: str, field: str) -> int:
    from zoufang.services.lookup import resolve_cadre

    return _remembered(
        work,
        ("id", text, field),
        lambda: resolve_cadre(session=work.s, text=work.cadre_code(text, field), field=field).id,
    )


def _cadre_code(work: _Import, text: str, field: str) -> str:
    return _remembered(work, ("code", text, field), lambda: work.cadre_code(text, field))


def _remembered(work: _Import, key: tuple, find):
    """A cadre found by what a cell says, or the refusal, remembered for the rest of these
    sheets (they add no cadre): a claimant that is a unit, not a cadre, was looked up among
    the county's cadres again on every row (~0.5 ms each)."""
    known = work.lookups.setdefault("heard_cadres", {})
    found = known.get(key)
    if found is None:
        try:
            found = find()
        except ZoufangError as exc:
            found = exc
        known[key] = found
    if isinstance(found, ZoufangError):
        # raised afresh: a remembered exception raised again would gather every earlier
        # row's frames (and their cells) in its traceback for the rest of the import
        raise found.with_traceback(None)
    return found


def _opened(work: _Import, table) -> dict[tuple[int, str], list[int]]:
    """The rows of ``table`` (wishes, suggestions) each visit opened, by (visit id, text), in
    id order: read once, and kept up to date as rows are inserted (:func:`_insert`)."""
    key = f"opened_{table.name}"
    known = work.lookups.get(key)
    if known is None:
        known = work.lookups[key] = {}
        for row_id, visit_id, text in work.s.connection().execute(
            select(table.c.id, table.c.visit_id, table.c.text)
            .where(table.c.visit_id.is_not(None))
            .order_by(table.c.id)
        ):
            known.setdefault((visit_id, text), []).append(row_id)
    return known


def _insert(work: _Import, table, values: dict) -> int:
    new_id = _inserted_id(work.s.connection(), table, values)
    if values["visit_id"] is not None:
        _opened(work, table).setdefault((values["visit_id"], values["text"]), []).append(new_id)
    return new_id


@functools.cache
def _update_by_id(table):
    """Built once: the SET clause is the parameters' columns."""
    return update(table).where(table.c.id == bindparam("heard_row_id"))


class _Held:
    """The updates of rows a visit opened and the rows of their life cycle (events,
    answers), written a batch at a time with one ``executemany`` each instead of a
    statement a row; nothing in these sheets reads them back before :meth:`write`."""

    def __init__(self, work: _Import, table, events_table) -> None:
        self.work, self.table, self.events_table = work, table, events_table
        self.updates: list[dict] = []
        self.events: list[dict] = []

    def update(self, row_id: int, values: dict) -> None:
        self.updates.append({**values, "heard_row_id": row_id})
        self._maybe_write()

    def add_events(self, rows: list[dict]) -> None:
        self.events += rows
        self._maybe_write()

    def _maybe_write(self) -> None:
        if len(self.updates) + len(self.events) >= 2000:
            self.write()

    def write(self) -> None:
        conn = self.work.s.connection()
        if self.updates:
            conn.execute(_update_by_id(self.table), self.updates)
        insert_many(conn, self.events_table, self.events)
        self.updates, self.events = [], []


def import_wishes(work: _Import) -> None:
    operator = work.s.info.get("operator", "unknown")
    held = _Held(work, W, WE)
    for sheet, name, line, get in work.rows("wishes"):

        def job(sheet=sheet, get=get):
            found = _heard_row(work, sheet, get, W)
            if found is None:
                return None
            base, existing, _at_visit = found
            status = parsing.parse_choice(
                get("status") or WISH_OPEN,
                kind=labels.WISH_STATUS,
                codes=WISH_STATUSES,
                field=sheet.label("status"),
            )
            claimed_on = work.date(sheet, get, "claimed_on", required=False)
            due = work.date(sheet, get, "due_date", required=False, future=True)
            closed = work.date(sheet, get, "closed_on", required=False)
            if status in (WISH_FULFILLED, WISH_DECLINED) and closed is None:
                raise InvalidInput(sheet.label("closed_on"), _("is required"))
            if status == WISH_CLAIMED and claimed_on is None:
                raise InvalidInput(sheet.label("claimed_on"), _("is required"))
            who = get("claimed_by")
            claimed_cadre = None
            if who and claimed_on is not None:
                try:
                    claimed_cadre = _cadre_code(work, who, sheet.label("claimed_by"))
                except (NotFound, InvalidInput):
                    claimed_cadre = None  # a unit, not a cadre
            entry = get("entry")
            if entry and entry not in work.entries and entry not in work.failed_entries:
                raise RuleViolation(
                    sheet.label("entry"),
                    _("no entry {seq} in the file's ledger sheet").format(seq=entry),
                )
            if claimed_on is not None and claimed_on < base["heard_on"]:
                raise InvalidInput(sheet.label("claimed_on"), _("is before the wish was heard"))
            if closed is not None and closed < (claimed_on or base["heard_on"]):
                raise InvalidInput(sheet.label("closed_on"), _("is before the wish was claimed"))
            values = {
                **base,
                "status": status,
                "claimed_on": claimed_on,
                "claimed_cadre_id": _cadre_id(work, claimed_cadre, sheet.label("claimed_by"))
                if claimed_cadre
                else None,
                "claimed_unit": None if claimed_cadre or not claimed_on else (who or None),
                "claimed_person": get("claimed_person") or None,
                "claimed_phone": get("claimed_phone") or None,
                "due_date": due,
                "closed_on": closed if status in (WISH_FULFILLED, WISH_DECLINED) else None,
                "outcome": get("outcome") or None,
                "entry_seq": work.entries.get(entry) if entry else None,
            }
            if existing is None:
                wish_id = _insert(work, W, values)
            else:
                wish_id = existing
                held.update(wish_id, values)
            events: list[tuple[dt.date, str, str | None]] = []
            if claimed_on is not None:
                events.append((claimed_on, "claim", who or None))
            if status == WISH_FULFILLED and closed is not None:
                events.append((closed, "fulfil", values["outcome"]))
            if status == WISH_DECLINED and closed is not None:
                events.append((closed, "decline", values["outcome"]))
            if events:
                held.add_events(
                    [
                        {
                            "wish_id": wish_id,
                            "kind": kind,
                            "event_date": on,
                            "note": note,
                            "operator": operator,
                            "recorded_at": work.s.recorded_at(),
                        }
                        for on, kind, note in events
                    ],
                )
            record(work.s, action="import", object_type="wish", object_key=str(wish_id))
            return wish_id

        if work.attempt(sheet, name, line, {}, job):
            work.count("wishes")
    held.write()


def import_suggestions(work: _Import) -> None:
    operator = work.s.info.get("operator", "unknown")
    held = _Held(work, S, SA)
    for sheet, name, line, get in work.rows("suggestions"):

        def job(sheet=sheet, get=get):
            found = _heard_row(work, sheet, get, S)
            if found is None:
                return None
            base, existing, _at_visit = found
            status = parsing.parse_choice(
                get("status") or SUGGESTION_UNANSWERED,
                kind=labels.SUGGESTION_STATUS,
                codes=SUGGESTION_STATUSES,
                field=sheet.label("status"),
            )
            answered_on = work.date(sheet, get, "answered_on", required=False)
            answered = status in SUGGESTION_ANSWERED
            if answered and answered_on is None:
                raise InvalidInput(sheet.label("answered_on"), _("is required"))
            by = get("answered_by")
            by_id = _cadre_id(work, by, sheet.label("answered_by")) if by else None
            values = {
                **base,
                "status": status,
                "answered_on": answered_on if answered else None,
                "answer": (get("answer") or None) if answered else None,
                "answered_by": by_id if answered else None,
            }
            if existing is None:
                suggestion_id = _insert(work, S, values)
            else:
                suggestion_id = existing
                held.update(suggestion_id, values)
            answers = _answers(get("answers")) if answered else []
            if answered and not answers:
                answers = [(answered_on, status, values["answer"] or "")]
            if answers:
                held.add_events(
                    [
                        {
                            "suggestion_id": suggestion_id,
                            "answer_date": on,
                            "stance": stance,
                            "note": note,
                            "cadre_id": by_id,
                            "amends": i > 0,
                            "operator": operator,
                            "recorded_at": work.s.recorded_at(),
                        }
                        for i, (on, stance, note) in enumerate(answers)
                    ],
                )
            record(work.s, action="import", object_type="suggestion", object_key=str(suggestion_id))
            return suggestion_id

        if work.attempt(sheet, name, line, {}, job):
            work.count("suggestions")
    held.write()


def _answers(text: str) -> list[tuple[Any, str, str]]:
    """The 答复记录 cell, one answer a line: ``2026-03-10 已采纳: 已列入计划``; lines that do
    not read so are left out (the latest answer is on the row itself)."""
    found = []
    for raw in (text or "").splitlines():
        m = _ANSWER_LINE.match(raw.strip())
        if m is None:
            continue
        stance = labels.resolve(labels.SUGGESTION_STATUS, m.group(2), SUGGESTION_ANSWERED)
        if stance is None:
            continue
        try:
            day = dt.date.fromisoformat(m.group(1))
        except ValueError:  # 2026-02-30: not a day, so not an answer line
            continue
        found.append((day, stance, m.group(3)))
    return found
