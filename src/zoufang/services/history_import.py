"""``zoufang import``'s 变更记录 sheet: each household's, cadre's and fund's facts as the file's
history says, so that every past payment is judged by the facts of its day.

The sheet (:mod:`zoufang.services.history_sheet`, written by ``zoufang export``) holds every
change of every fact a fund rule reads, in the order the old ledger recorded them. The import
(:mod:`zoufang.services.workbook_import`) brings them in this way:

- Before any row is written, the (subject, fact) pairs the sheet covers are set aside
  (:data:`~zoufang.services.fact_history.FROM_FILE`): enrolling a household, adding a member,
  creating a fund and exiting a household still write the current state, but not their own
  history rows for those facts — the file's history takes their place.
- The changes are appended to the fact chain interleaved with the money, as they were in the
  old ledger: each row carries how many ledger entries existed when it was recorded
  (录入时已有流水), and it is written just before the file's first entry after those
  (:meth:`HistoryImport.before_entry`). Every payment is then judged, at write time, by
  exactly the facts the old ledger judged it by (the same rule book, nothing bypassed), and
  ``audit funds`` replays it the same way afterwards.
- Each change keeps its day in force, its value, its reason, who recorded it and when (the
  file's 录入人 and 录入时间); its ``origin`` is ``imported``, except a change that was
  ``backdated`` in the old ledger, which stays ``backdated`` — the audit lists it as before,
  and only it. The import's audit-log entry names the file.
- A cadre's relatives in force at the end become the cadre's current relatives.

Each bad row is one problem with its sheet, row and column (unknown household, unknown
category, a day out of order, a masked ID number…); the import is all or nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from sys import intern
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select

from zoufang import labels, parsing
from zoufang.db.writing import insert_many
from zoufang.errors import InvalidInput, RuleViolation, ZoufangError
from zoufang.fact_chain import value_text
from zoufang.i18n import _
from zoufang.services import fact_history
from zoufang.services.history_sheet import (
    FACTS,
    ORIGIN_ZH,
    SUBJECT_ZH,
    forget_read,
    parsed_value,
)
from zoufang.services.roster_file import cell_text, dash_or_none
from zoufang.tables import fact_change as _fact

if TYPE_CHECKING:
    from zoufang.services.workbook_file import Sheet
    from zoufang.services.workbook_import import _Import

_BAD: Any = object()
#: What the 来源 column may say, folded → origin.
_ORIGINS = {labels.normalise(w): code for code, w in ORIGIN_ZH.items()} | {
    code: code for code in ORIGIN_ZH
}
_KINDS = {labels.normalise(w): code for code, w in SUBJECT_ZH.items()} | {
    code: code for code in SUBJECT_ZH
}
_FACT_WORDS = {labels.normalise(w): code for code, w in labels.FACT_ZH.items()} | {
    code: code for code in labels.FACT_ZH
}


@dataclass(slots=True)
class _Row:
    sheet: Sheet
    name: str
    line: int
    order: int
    kind: str
    subject: str
    fact: str
    day: dt.date
    text: str
    reason: str | None
    origin: str
    ledger_seq: int
    recorded_at: dt.datetime | None
    operator: str | None
    value: Any = _BAD


class HistoryImport:
    """One import's history sheet: read and checked when made, written as the money goes
    in (:meth:`before_entry`, :meth:`finish`)."""

    def __init__(self, work: _Import) -> None:
        self.work = work
        self.rows: list[_Row] = []
        self.next = 0
        self.position = 0  # entries of the money sheet met so far
        self.read = 0  # rows of the history sheet read so far
        self.days: dict[str, dt.date] = {}
        # each recorded time and each count of entries held once (the rows keep them until
        # they are written: a county's 322,000), the first 10,000 of each (_once)
        self.times: dict[dt.datetime, dt.datetime] = {}
        self.counts: dict[int, int] = {}
        self.failed_funds: set[str] = set()
        self.prepared = False
        self.written = 0
        # each cadre's relatives row in force at the end, among those written (_flush)
        self.relatives: dict[str, _Row] = {}
        sheet = work.book.sheets.get("history")
        self.active = sheet is not None
        if sheet is None:
            return
        # Read straight from the cells, the columns picked once (a county's history is
        # hundreds of thousands of rows).
        columns = [sheet.index.get(key) for key in _KEYS]
        width = max((i for i in columns if i is not None), default=-1) + 1
        for name, line, cells in sheet.rows:
            if len(cells) < width:
                cells = [*cells, *([None] * (width - len(cells)))]
            values = [None if i is None else cells[i] for i in columns]
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                continue
            try:
                self.rows.append(self._read(sheet, values, name, line))
            except ZoufangError as exc:
                work.fail(sheet, line, str(exc.field or ""), exc.reason, name)
                kind = _word(_KINDS, _text(values[1]))
                if kind is not None:
                    self._refused_subject(kind, parsing.fold(_text(values[2])).upper())
        work.done += len(sheet.rows)
        self.rows.sort(key=lambda r: r.order)
        self._check_order()
        work.s.info[fact_history.FROM_FILE] = _Covered(self.rows)

    # ------------------------------------------------------------------ reading

    def _read(self, sheet: Sheet, values: list, name: str, line: int) -> _Row:
        """One row (its cells in :data:`_KEYS` order)."""
        (number, kind_cell, subject_cell, fact_cell, day_cell, value, reason, origin_cell,
         known, at_cell, operator) = values  # fmt: skip

        def required(key: str, cell: Any) -> str:
            text = _text(cell)
            if not text or (len(text) <= 4 and dash_or_none(text)):
                raise InvalidInput(sheet.label(key), _("is required"))
            return text

        kind = _word(_KINDS, required("subject_kind", kind_cell))
        if kind is None:
            raise InvalidInput(
                sheet.label("subject_kind"),
                _("{value!r} is not one of {accepted}").format(
                    value=_text(kind_cell), accepted=_words(SUBJECT_ZH)
                ),
            )
        fact = _word(_FACT_WORDS, required("fact", fact_cell))
        if fact not in FACTS[kind]:
            raise InvalidInput(
                sheet.label("fact"),
                _("{value!r} is not a fact of a {kind}; one of {accepted}").format(
                    value=_text(fact_cell),
                    kind=labels.label(SUBJECT_ZH, kind, "zh" if _zh() else "en"),
                    accepted=", ".join(labels.label_of(labels.FACT, f) for f in FACTS[kind]),
                ),
            )
        subject = parsing.fold(required("subject", subject_cell)).upper()
        if isinstance(day_cell, dt.date):  # a workbook's date (calamine: date or datetime)
            day_text = (
                day_cell.date() if isinstance(day_cell, dt.datetime) else day_cell
            ).isoformat()
        else:
            day_text = required("effective_from", day_cell)[:10]
        day = self.days.get(day_text)
        if day is None:  # a county's history has a few thousand days: each parsed once
            day = self.days[day_text] = parsing.parse_date(
                day_text,
                field=sheet.label("effective_from"),
                today=self.work.today,
                allow_future=False,
            )
        origin_text = _optional(origin_cell)
        origin = _word(_ORIGINS, origin_text) if origin_text else "imported"
        if origin is None:
            raise InvalidInput(
                sheet.label("origin"),
                _("{value!r} is not one of {accepted}").format(
                    value=origin_text, accepted=_words(ORIGIN_ZH)
                ),
            )
        ledger_seq = _count_cell(known, sheet.label("ledger_seq"), minimum=0) or 0
        recorded_at = None
        if isinstance(at_cell, dt.datetime):
            recorded_at = _to_the_second(at_cell)
        elif at_text := _optional(at_cell):
            try:
                recorded_at = _to_the_second(dt.datetime.fromisoformat(at_text))
            except ValueError:
                raise InvalidInput(
                    sheet.label("recorded_at"),
                    _("{value!r} is not a time like 2026-01-10 09:30:00").format(value=at_text),
                ) from None
        if recorded_at is not None:  # many changes share a time (a whole roster enrolled)
            recorded_at = _once(self.times, recorded_at)
        ledger_seq = _once(self.counts, ledger_seq)
        self.read += 1
        order = _count_cell(number, sheet.label("seq"), minimum=1)
        if order is None:
            order = 10**12 + self.read  # no number: the sheet's order
        why = _unquoted(_optional(reason)) or None
        who = _unquoted(_optional(operator)) or None
        # the rows are kept until the money sheet is done (a county's: 321,838): the texts
        # repeat (subjects, values, reasons, operators), so each is kept once
        return _Row(
            sheet,
            name,
            line,
            order,
            kind,
            intern(subject),
            fact,
            day,
            intern(_unquoted(_text(value))),
            intern(why[:500]) if why else None,
            origin,
            ledger_seq,
            recorded_at,
            intern(who[:100]) if who else None,
        )

    def _check_order(self) -> None:
        """The history only grows forwards: for each fact the days in force never go back,
        the ledger's count never goes back, a number is used once."""
        last_day: dict[tuple, _Row] = {}
        seen: set[int] = set()
        previous: _Row | None = None
        kept = []
        for r in self.rows:
            bad = None
            if r.order in seen:
                bad = (r.sheet.label("seq"), _("{number} is used twice").format(number=r.order))
            seen.add(r.order)
            before = last_day.get((r.kind, r.subject, r.fact))
            if bad is None and before is not None and r.day < before.day:
                bad = (
                    r.sheet.label("effective_from"),
                    _(
                        "dates out of order: {date} is before {earlier}, the day of the change "
                        "of row {row} it follows"
                    ).format(date=r.day, earlier=before.day, row=before.line),
                )
            if bad is None and previous is not None and r.ledger_seq < previous.ledger_seq:
                bad = (
                    r.sheet.label("ledger_seq"),
                    _("{count} is fewer than the change of row {row} before it ({before})").format(
                        count=r.ledger_seq, row=previous.line, before=previous.ledger_seq
                    ),
                )
            if bad is not None:
                self.work.fail(r.sheet, r.line, bad[0], bad[1], r.name)
                self._refused(r)
                continue
            last_day[(r.kind, r.subject, r.fact)] = r
            previous = r
            kept.append(r)
        self.rows = kept

    def _refused(self, r: _Row) -> None:
        self._refused_subject(r.kind, r.subject)

    def _refused_subject(self, kind: str, subject: str) -> None:
        """Rows of other sheets that refer to a household or fund whose history was refused
        are not reported again (they would be judged by a history with a hole in it)."""
        if kind == fact_history.HOUSEHOLD:
            self.work.failed_households.add(subject)
        elif kind == fact_history.FUND:
            self.failed_funds.add(subject)

    def _prepare(self) -> None:
        """Each row's subject and value, once the file's households, cadres and funds are in."""
        from zoufang.services.lookup import category_labels
        from zoufang.tables import cadre as C
        from zoufang.tables import fund as F
        from zoufang.tables import household as H

        self.prepared = True
        work, conn = self.work, self.work.s.connection()
        categories = category_labels(session=work.s)
        present = {
            fact_history.CADRE: {c for (c,) in conn.execute(select(C.c.code))},
            fact_history.FUND: {c for (c,) in conn.execute(select(F.c.code))},
        }
        own = self._own_history(conn)

        def household(ref: str) -> str:
            given = parsing.fold(ref).upper()
            code = work.households.get(given)
            if code is None:
                code = conn.execute(select(H.c.code).where(H.c.code == given)).scalar()
            if code is None:
                raise RuleViolation(
                    "value", _("no household {ref!r} in the file or the ledger").format(ref=given)
                )
            return code

        for r in self.rows:
            if r.kind == fact_history.HOUSEHOLD and r.subject in work.failed_households:
                continue  # its row was refused: not reported again
            label = r.sheet.label("value")
            try:
                if r.kind == fact_history.HOUSEHOLD:
                    # named by its 户号 (work.households also maps a head's ID number)
                    if work.households.get(r.subject) != r.subject:
                        raise RuleViolation(
                            r.sheet.label("subject"),
                            _("no household {ref!r} in the file's households sheet").format(
                                ref=r.subject
                            ),
                        )
                elif r.subject not in present[r.kind]:
                    raise RuleViolation(
                        r.sheet.label("subject"),
                        _("no cadre {code!r} in the file or the ledger").format(code=r.subject)
                        if r.kind == fact_history.CADRE
                        else _("no fund {code!r} in the file or the ledger").format(code=r.subject),
                    )
                if (r.kind, r.subject, r.fact) in own:
                    raise RuleViolation(
                        r.sheet.label("subject"),
                        _(
                            "{subject} already has its own history of {fact} in the ledger; "
                            "the file's cannot be added to it"
                        ).format(subject=r.subject, fact=labels.label_of(labels.FACT, r.fact)),
                    )
                value = parsed_value(
                    r.fact,
                    r.text,
                    field=label,
                    categories=categories,
                    household=household,
                    today=work.today,
                )
                # kept until written as the text the chain stores (not as parsed lists and
                # dicts: a county's 322,000 rows), but a cadre's relatives, which
                # _current_relatives reads again
                r.value = value if r.fact == fact_history.RELATIVES else intern(value_text(value))
                r.text = ""
            except ZoufangError as exc:
                column = label if exc.field == "value" else str(exc.field or "")
                work.fail(r.sheet, r.line, column, exc.reason, r.name)
                self._refused(r)
        forget_read()  # every value is read: its ID numbers need not stay in memory

    def _own_history(self, conn) -> set[tuple[str, str, str]]:
        """The covered facts the ledger already had a history of before the import (the
        import's own writers leave covered facts alone, so any row is an older one)."""
        by_kind: dict[str, list[str]] = {}
        for r in self.rows:
            by_kind.setdefault(r.kind, []).append(r.subject)
        found: set[tuple[str, str, str]] = set()
        for kind, subjects in by_kind.items():
            names = sorted(set(subjects))
            for start in range(0, len(names), 400):
                found |= {
                    (k, s, f)
                    for k, s, f in conn.execute(
                        select(_fact.c.subject_kind, _fact.c.subject, _fact.c.fact)
                        .where(
                            _fact.c.subject_kind == kind,
                            _fact.c.subject.in_(names[start : start + 400]),
                        )
                        .distinct()
                    )
                }
        return found

    # ------------------------------------------------------------------ writing

    def before_first_entry(self, ref: str) -> None:
        """Write now what :meth:`before_entry` will write before the money sheet's first
        entry ``ref`` (nearly all of a county's history: its opening facts): the rows are
        let go before the payments' facts are read, not held beside them."""
        if not self.active:
            return
        try:
            number = int(ref)
        except (TypeError, ValueError):
            number = self.position + 1
        self._flush(number)

    def before_entry(self, ref: str, fund: str = "") -> bool:
        """Write the changes the old ledger had recorded before its entry ``ref`` (the
        file's 流水号; without one, the entry's place in the sheet). False if the entry is
        not to be written: its fund's history was refused (a problem already listed)."""
        if not self.active:
            return True
        self.position += 1
        try:
            number = int(ref)
        except (TypeError, ValueError):
            number = self.position
        self._flush(number)
        return not (self.failed_funds and parsing.fold(fund).upper() in self.failed_funds)

    def finish(self) -> None:
        """Write the rest, and the cadres' relatives in force as their current ones."""
        if not self.active:
            return
        self._flush(None)
        self._current_relatives()
        if self.written:
            self.work.count("history", self.written)

    def _flush(self, below: int | None) -> None:
        from zoufang.services import fund_payment, money_chain

        if not self.prepared:
            self._prepare()
        batch = []
        held = self.rows
        while self.next < len(held) and (below is None or held[self.next].ledger_seq < below):
            r = held[self.next]
            held[self.next] = None  # type: ignore[call-overload]  # written: not held any more
            self.next += 1
            if r.value is not _BAD:
                batch.append(r)
                if r.fact == fact_history.RELATIVES:
                    last = self.relatives.get(r.subject)
                    if last is None or (r.day, r.order) >= (last.day, last.order):
                        self.relatives[r.subject] = r
        if not batch:
            return
        s = self.work.s
        money_chain.lock_for_append(s)
        conn = s.connection()
        head = fact_history._head(conn)
        # the chain's head as the payments appended it (their entries may still be held)
        ledger_seq = fund_payment.kept_chain_seq(s)
        if ledger_seq is None:
            ledger_seq = fact_history._ledger_head(conn)
        operator = s.info.get("operator", "unknown")
        now = s.recorded_at()
        rows: list[dict] = []  # 5,000 at a time (a county's opening facts: 300,000 rows)
        for r in batch:
            code = self.work.households.get(r.subject, r.subject)
            built = fact_history.build_rows(
                [(r.kind, code, r.fact, r.value, r.day, r.reason)],
                stored=r.fact != fact_history.RELATIVES,  # the value's text (_prepare)
                head=head,
                ledger_seq=ledger_seq,
                operator=r.operator or operator,
                origin="backdated" if r.origin == "backdated" else "imported",
                recorded_at=r.recorded_at or now,
            )
            head = (built[0]["seq"], built[0]["hash"])
            rows += built
            if len(rows) >= 5000:
                self._write(rows)
                rows = []
        if rows:
            self._write(rows)

    def _write(self, rows: list[dict]) -> None:
        from zoufang.services import fund_payment

        insert_many(self.work.s.connection(), _fact, rows)
        fund_payment.facts_appended(self.work.s, rows)  # the payments after them see them
        self.written += len(rows)

    def _current_relatives(self) -> None:
        from zoufang.tables import cadre as C
        from zoufang.tables import cadre_relative as CR
        from zoufang.tables import household as H

        conn = self.work.s.connection()
        for cadre, r in self.relatives.items():
            cadre_id = conn.execute(select(C.c.id).where(C.c.code == cadre)).scalar()
            if cadre_id is None:
                continue
            for relative in r.value:
                household_id = (
                    conn.execute(select(H.c.id).where(H.c.code == relative["household"])).scalar()
                    if relative["household"]
                    else None
                )
                conn.execute(
                    insert(CR).values(
                        cadre_id=cadre_id,
                        household_id=household_id,
                        id_number=relative["id_number"],
                        relation=relative["relation"],
                    )
                )


class _Covered:
    """The (subject_kind, subject, fact) triples the file's history covers, as a set of them
    answers ``in``: each subject held once in a set per (subject_kind, fact), not a tuple per
    triple (a county's ~300,000 tuples were ~30 MiB, held for the whole import)."""

    __slots__ = ("by",)

    def __init__(self, rows: list[_Row]) -> None:
        self.by: dict[tuple[str, str], set[str]] = {}
        for r in rows:
            self.by.setdefault((r.kind, r.fact), set()).add(r.subject)

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, tuple) or len(key) != 3:
            return False
        subjects = self.by.get((key[0], key[2]))
        return subjects is not None and key[1] in subjects

    def __bool__(self) -> bool:
        return bool(self.by)


#: The sheet's columns, in the order :meth:`HistoryImport._read` takes them.
_KEYS = (
    "seq",
    "subject_kind",
    "subject",
    "fact",
    "effective_from",
    "value",
    "reason",
    "origin",
    "ledger_seq",
    "recorded_at",
    "operator",
)


def _once(seen: dict, value: Any) -> Any:
    """The object equal to ``value`` met first (among the first 10,000 kept in ``seen``):
    a value many rows share is held once; one that every row has its own costs no more."""
    found = seen.get(value)
    if found is not None:
        return found
    if len(seen) < 10_000:
        seen[value] = value
    return value


def _text(cell: Any) -> str:
    if cell is None:
        return ""
    return cell.strip() if isinstance(cell, str) else cell_text(cell)


def _whole(cell: Any) -> Any:
    """A workbook's number cell as an int where it is a whole number (calamine gives 3.0)."""
    if type(cell) is float and cell.is_integer():
        return int(cell)
    return cell


def _optional(cell: Any) -> str:
    """An optional cell's text; a dash, a slash or 无 is empty."""
    text = _text(cell)
    return "" if len(text) <= 4 and dash_or_none(text) else text


#: Words met in a column → what they name (a few distinct words in many rows).
_SEEN: dict[tuple[int, str], str | None] = {}


def _word(words: dict[str, str], text: str) -> str | None:
    key = (id(words), text)
    if key not in _SEEN:
        _SEEN[key] = words.get(labels.normalise(text))
    return _SEEN[key]


def _unquoted(text: str) -> str:
    """A cell as typed: the CSV export puts ``'`` before a text that begins with a formula
    trigger (docs/rosters.md, "Spreadsheets and formulas"); it is taken off again here."""
    if text[:1] == "'" and text[1:2] in ("=", "+", "-", "@", "\t", "\r"):
        return text[1:]
    return text


def _count_cell(value: Any, field: str, *, minimum: int) -> int | None:
    """A count typed as a number or as text (None if the cell is empty)."""
    value = _whole(value)
    if type(value) is int and value >= minimum:
        return value
    text = _optional(value)
    return parsing.parse_count(text, field=field, minimum=minimum, maximum=10**9) if text else None


def _to_the_second(at: dt.datetime) -> dt.datetime:
    """A recorded time as the ledger keeps it (naive UTC, to the second); a spreadsheet's
    time may come back a fraction of a second off (Excel keeps days as a float)."""
    if at.tzinfo is not None:  # a time typed with its offset: the same moment in UTC
        at = at.astimezone(dt.UTC).replace(tzinfo=None)
    if at.microsecond >= 500_000:
        at += dt.timedelta(seconds=1)
    return at.replace(microsecond=0)


def _words(words: dict[str, str]) -> str:
    """The values a column accepts, as the error names them in the chosen language."""
    return "、".join(words.values()) if _zh() else ", ".join(words)


def _zh() -> bool:
    from zoufang import i18n

    return i18n.zh()
