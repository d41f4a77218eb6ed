"""``zoufang import FILE``: a township's whole 台账 moved in, all or nothing.

The workbook (:mod:`zoufang.services.workbook_file`) is imported kind by kind, each kind
able to refer to those before it and to what the ledger already holds:

1. cadres, 2. funds (with the categories they serve, their cap and period),
3. households (a roster: :mod:`zoufang.services.roster_validation`, exited ones too),
4. members, 5. visits with what was heard and given, 6. commitments with their responses,
7. the money ledger, entry by entry in the file's order: allocations, payments and
   reversals go through :func:`~zoufang.services.funds.allocate`,
   :func:`~zoufang.services.funds.disburse` and :func:`~zoufang.services.funds.reverse`, so
   a past payment obeys every fund rule (or carries its override reason) and is appended to
   the hash chain like any other,
8. the wishes and suggestions with their life cycles (:mod:`~zoufang.services.heard_import`),
9. last, the households the file marks exited are exited on their date.

Every row goes through the same functions as the command that records it by hand, inside the
command's one transaction; a row that is refused is noted (sheet, row, column, reason) and
the import goes on, so that every problem of the file is found in one run. The caller rolls
the transaction back if there is any problem, or on ``--dry-run``: nothing is written unless
everything is.

References between sheets are resolved inside the file: a visit's household by 户号 (or the
head's ID number, or a head's name that only one household has), a commitment's visit and a
payment's visit by the file's 走访编号, a reversal by the file's 流水号. A row that refers to
a row that was itself refused is not reported again.

A file already imported (the same SHA-256 in the audit log) is refused whole; a household
already enrolled is a problem of its row. Cadres and funds the ledger already has with the
same code are used as they are when the file says the same about them (the same name; the
same fund name), and are a problem otherwise.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from zoufang import labels, parsing
from zoufang import tables as T
from zoufang.codes import COMMITMENT_CLOSED, COMMITMENT_STATUSES
from zoufang.db.writing import indexes_built_after, insert_many
from zoufang.errors import InvalidInput, RuleViolation, ZoufangError
from zoufang.i18n import _
from zoufang.services import roster_file
from zoufang.services.audit_log import record
from zoufang.services.roster_file import cell_text, dash_or_none, is_blank, normalise_header
from zoufang.services.roster_validation import LIST_SEPARATORS, Row, Tidied, clean_name
from zoufang.services.workbook_file import KINDS, Sheet, Workbook, file_stamp, read_workbook
from zoufang.tables import audit_log as AL
from zoufang.tables import commitment as CM
from zoufang.tables import commitment_response as CR
from zoufang.tables import household as H

if TYPE_CHECKING:
    from zoufang.db import LedgerSession
    from zoufang.services.history_import import HistoryImport

#: ``2026-03-10 办理中: 已联系施工队`` — one response in the 办理记录 cell `export` writes.
_RESPONSE = re.compile(r"^(\d{4}-\d{1,2}-\d{1,2})\s+([^:：]+)[:：]\s*(.*)$")
#: A response's word (as `export` writes it in either language) → (action, new status).
_ACTIONS = {
    "respond": ("respond", "in-progress"),
    "refer": ("refer", "referred"),
    "resolved": ("resolved", "resolved"),
    "cannot-resolve": ("cannot-resolve", "cannot-resolve"),
}
#: What several items in one cell are separated by in a hand-made sheet (`export` writes
#: one a line).
_ITEMS = re.compile(r"[、;；]\s*")
#: The column a visit's error is about, by the option (of `visit log`) it names.
_VISIT_COLUMNS = {
    "--by": "cadres",
    "--kind": "kind",
    "--date": "date",
    "--next": "next",
    "HOUSEHOLD": "household",
}
#: The column an entry's error is about, by the option (of `fund …`) or field it names.
_ENTRY_COLUMNS = {
    "FUND": "fund",
    "--by": "cadre",
    "HOUSEHOLD": "household",
    "household": "household",
    "--visit": "visit",
    "ENTRY": "reverses",
    "--date": "date",
}
#: A visits sheet with these columns is one `export` wrote.
_EXPORT_MARK = {"recorded_at", "录入时间"}


@dataclass
class ImportResult:
    file: str
    sha256: str
    dry_run: bool
    errors: list[dict] = field(default_factory=list)  # {"sheet", "row", "column", "error"}
    counts: dict[str, int] = field(default_factory=dict)  # kind → rows imported
    not_read: list[str] = field(default_factory=list)  # sheets of no known kind
    unknown_columns: dict[str, list[str]] = field(default_factory=dict)  # sheet → headers
    skipped: list[dict] = field(default_factory=list)  # footer lines: {"sheet", "row", "text"}
    names_tidied: list[dict] = field(default_factory=list)
    cadres_created: list[dict] = field(default_factory=list)
    entries: dict[str, int] = field(default_factory=dict)  # "sheet:row" → new ledger seq
    kept_in_notes: list[str] = field(default_factory=list)  # households' unknown columns

    def as_dict(self) -> dict:
        return {
            "file": self.file,
            "dry_run": self.dry_run,
            "imported": {k: self.counts.get(k, 0) for k in KINDS},
            "errors": self.errors,
            "sheets_not_read": self.not_read,
            "unknown_columns": self.unknown_columns,
            "kept_in_notes": self.kept_in_notes,
            "skipped_rows": self.skipped,
            "names_tidied": self.names_tidied,
            "cadres_created": self.cadres_created,
        }


class IdMap:
    """The file's ids (text) → ledger ids, as a dict of them answers (``in``, ``get``,
    ``[]``): a file's id that is a plain whole number (``123``, not ``0123`` or ``+1``) is
    held in an array at that index, any other in a dict. A county's ~950,000 visits as a
    dict of strings to ints were ~110 MiB; as an array, 8 bytes each."""

    __slots__ = ("_array", "_other", "_count")

    #: An array index beyond max(this, 4 × the ids held so far) goes to the dict: a stray
    #: large number does not grow the array for nothing.
    SPAN = 1 << 20

    def __init__(self) -> None:
        from array import array

        self._array = array("q")
        self._other: dict[str, int] = {}
        self._count = 0

    @staticmethod
    def _array_of_none(n: int):
        from array import array

        return array("q", [-1]) * n

    def _index(self, key: str) -> int | None:
        if key.isdigit() and key.isascii() and (key == "0" or key[0] != "0") and len(key) < 16:
            return int(key)
        return None

    def __setitem__(self, key: str, value: int) -> None:
        i = self._index(key)
        if i is None or value < 0 or i >= max(self.SPAN, 4 * (self._count + 1)):
            if key not in self._other:
                self._count += 1
            self._other[key] = value
            return
        if self._other and self._other.pop(key, None) is not None:
            self._count -= 1
        a = self._array
        if i >= len(a):  # grown by half at least: not one new array for every new id
            a.extend(self._array_of_none(max(i + 1 - len(a), len(a) // 2)))
        if a[i] < 0:
            self._count += 1
        a[i] = value

    def get(self, key: str, default: int | None = None) -> int | None:
        i = self._index(key)
        if i is not None and i < len(self._array) and self._array[i] >= 0:
            return self._array[i]
        return self._other.get(key, default)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.get(key) is not None

    def __getitem__(self, key: str) -> int:
        found = self.get(key)
        if found is None:
            raise KeyError(key)
        return found

    def __len__(self) -> int:
        return self._count


class _Import:
    """One import's state: the maps from the file's references to the ledger's rows."""

    def __init__(
        self,
        session: LedgerSession,
        book: Workbook,
        today: dt.date,
        result: ImportResult,
        create_cadres: bool,
        progress: Callable[[int], None] | None,
    ) -> None:
        self.s, self.book, self.today, self.result = session, book, today, result
        self.create_cadres = create_cadres
        self.progress = progress
        self.done = 0
        self.households: dict[str, str] = {}  # file's 户号 / ID number → ledger code
        # head's name → its household's ledger code, or the codes of several (a list)
        self.head_names: dict[str, str | list[str]] = {}
        self.failed_households: set[str] = set()  # references to rows that were refused
        self.visits = IdMap()  # file's 走访编号 → ledger visit id
        self.failed_visits: set[str] = set()
        self.entries = IdMap()  # file's 流水号 → ledger seq
        self.failed_entries: set[str] = set()
        self.exits: list[tuple[str, dt.date, str, Sheet, int]] = []
        # each money row's sheet and line → its new seq, as runs of one sheet's lines and
        # seqs (arrays: a county's 233,000 "sheet:row" keys were ~30 MiB held while the
        # payments' facts are); ``result.entries`` is made of them at the end
        self.entry_runs: list[tuple[str, Any, Any]] = []
        # wishes and suggestions the visits opened that a row of their own sheet has found
        self.heard_taken: dict[str, set[int]] = {}
        # the file's fact history (变更记录), written as the money goes in
        self.history: HistoryImport | None = None
        # what a kind's rows look up again and again, read once (heard_import)
        self.lookups: dict[str, Any] = {}
        # a date cell's text (and whether it may be after today) → its day, parsed once
        self.dates_read: dict[tuple[str, bool], dt.date] = {}

    # ------------------------------------------------------------------ helpers

    def fail(self, sheet: Sheet, line: int, column: str, reason: str, name: str = "") -> None:
        self.result.errors.append(
            {"sheet": name or sheet.name, "row": line, "column": column, "error": reason}
        )

    def tick(self) -> None:
        self.done += 1
        if self.progress is not None and self.done % 50 == 0:
            self.progress(self.done)

    def rows(self, kind: str, count: bool = True):
        """(sheet name, line, cell getter) of each non-blank row of a kind's sheet, streamed
        from the file (``count``: this pass is the one the progress counts)."""
        sheet = self.book.sheets.get(kind)
        if sheet is None:
            return
        index = sheet.index
        dashes = roster_file._DASH_OR_NONE
        for name, line, cells in sheet.rows:
            if count:
                self.tick()
            if is_blank(cells):
                continue

            def get(key: str, cells=cells) -> str:
                i = index.get(key)
                if i is None or i >= len(cells):
                    return ""
                value = cells[i]
                text = value.strip() if value.__class__ is str else cell_text(value)
                if not text:
                    return ""
                dash = dashes.get(text)  # dash_or_none's own memory, without the call
                if dash is None:
                    dash = dash_or_none(text)
                return "" if dash else text

            yield sheet, name, line, get

    def household_ref(self, sheet: Sheet, get) -> str | None:
        """The ledger code of the household a row names: 户号, head's ID number, head's name.
        None (after noting why, unless that household's own row was refused)."""
        for key in ("household", "household_id_number"):
            given = parsing.fold(get(key)) if key == "household" else get(key).upper()
            if not given:
                continue
            if given in self.failed_households:
                return None
            code = self.households.get(given)
            if code is None:
                column = H.c.code if key == "household" else H.c.id_number
                code = self.s.connection().execute(select(H.c.code).where(column == given)).scalar()
            if code is None:
                raise RuleViolation(
                    sheet.label(key),
                    _("no household {ref!r} in the file or the ledger").format(ref=given),
                )
            return code
        name = clean_name(get("household_name"))
        if not name:
            raise InvalidInput(sheet.label("household"), _("is required"))
        known = self.head_names.get(name)
        if isinstance(known, str):
            codes = [known]
        else:
            codes = known or [
                c
                for (c,) in self.s.connection().execute(
                    select(H.c.code).where(H.c.head_name == name)
                )
            ]
        if len(codes) != 1:
            raise RuleViolation(
                sheet.label("household_name"),
                _("{count} households have the head {name}; give the 户号").format(
                    count=len(codes), name=name
                )
                if codes
                else _("no household with the head {name!r} in the file or the ledger").format(
                    name=name
                ),
            )
        return codes[0]

    def date(
        self, sheet: Sheet, get, key: str, *, required: bool = True, future: bool = False
    ) -> dt.date | None:
        """A date cell; one after today only where ``future`` (a deadline, a period's end)."""
        text = get(key)
        if not text:
            if required:
                raise InvalidInput(sheet.label(key), _("is required"))
            return None
        text = text[:10]  # a date and time: its day
        known = self.dates_read.get((text, future))  # days repeat: each text parsed once
        if known is not None:
            return known
        day = parsing.parse_date(
            text, field=sheet.label(key), today=self.today, allow_future=future
        )
        if len(self.dates_read) < 50_000:
            self.dates_read[text, future] = day
        return day

    def cadre_code(self, text: str, field: str) -> str:
        from zoufang.services.lookup import resolve_cadre

        return resolve_cadre(session=self.s, text=text, field=field).code

    @staticmethod
    def error_columns(
        sheet: Sheet, name: str, fields: dict[str, str], known: dict[str, dict[str, str]]
    ) -> dict[str, str]:
        """The column a row's error is about, by the option or field it names (``fields``:
        option → the sheet's field), worked out once for each sheet of ``name``."""
        found = known.get(name)
        if found is None:
            found = known[name] = {option: sheet.label(key) for option, key in fields.items()}
        return found

    def attempt(self, sheet: Sheet, name: str, line: int, column_of: dict[str, str], work) -> Any:
        """Run one row's work; a refusal is noted against the row (the column the error is
        about, by the option or field it names) and None returned."""
        try:
            return work()
        except ZoufangError as exc:
            if exc.field is None:
                column = ""
            elif str(exc.field) in column_of:
                column = column_of[str(exc.field)]
            elif isinstance(exc.field, labels.Code):  # a fund rule: its word
                column = exc.field.label()
            else:
                column = str(exc.field)
            self.fail(sheet, line, column, exc.reason, name)
            return None

    # ------------------------------------------------------------------ the kinds

    def cadres(self) -> None:
        from zoufang.services.cadres import add_cadre, parse_email
        from zoufang.tables import cadre as C

        conn = self.s.connection()
        for sheet, name, line, get in self.rows("cadres"):

            def work(sheet=sheet, get=get):
                person = parsing.parse_name(
                    clean_name(get("name")), field=sheet.label("name"), max_len=100
                )
                code = parsing.fold(get("code")) or None
                if code is not None:
                    known = conn.execute(select(C.c.name).where(C.c.code == code)).scalar()
                    if known is not None:
                        if known == person:
                            return None  # the same cadre: used as it is
                        raise RuleViolation(
                            sheet.label("code"),
                            _("{code} is {name} in the ledger, not {other}").format(
                                code=code, name=known, other=person
                            ),
                        )
                phone = get("phone")
                email = get("email")
                unit = get("unit")
                return add_cadre(
                    session=self.s,
                    name=person,
                    code=code,
                    unit=parsing.parse_line(unit, field=sheet.label("unit"), max_len=200)
                    if unit
                    else None,
                    phone=parsing.parse_phone(phone, field=sheet.label("phone")) if phone else None,
                    email=parse_email(email, field=sheet.label("email")) if email else None,
                )

            if self.attempt(sheet, name, line, {"--code": sheet.label("code")}, work):
                self.count("cadres")

    def funds(self) -> None:
        from zoufang.services.funds import FundIn, create_fund
        from zoufang.tables import fund as F

        conn = self.s.connection()
        for sheet, name, line, get in self.rows("funds"):

            def work(sheet=sheet, get=get):
                code = parsing.parse_code(get("code"), field=sheet.label("code"))
                title = parsing.parse_line(get("name"), field=sheet.label("name"), max_len=200)
                known = conn.execute(select(F.c.name).where(F.c.code == code)).scalar()
                if known is not None:
                    if known == title:
                        return None
                    raise RuleViolation(
                        sheet.label("code"),
                        _("fund {code} is {name} in the ledger, not {other}").format(
                            code=code, name=known, other=title
                        ),
                    )
                categories = [t for t in LIST_SEPARATORS.split(get("categories")) if t]
                cap = get("cap")
                created = self.date(sheet, get, "created_on", required=False) or self.today
                return create_fund(
                    session=self.s,
                    data=FundIn(
                        code=code,
                        name=title,
                        categories=categories,
                        cap_fen=parsing.parse_money(cap, field=sheet.label("cap")) if cap else None,
                        valid_from=self.date(sheet, get, "valid_from", required=False, future=True),
                        valid_to=self.date(sheet, get, "valid_to", required=False, future=True),
                        source=get("source") or None,
                    ),
                    today=created,
                )

            columns = {
                "--category": sheet.label("categories"),
                "--to": sheet.label("valid_to"),
                "CODE": sheet.label("code"),
            }
            if self.attempt(sheet, name, line, columns, work):
                self.count("funds")

    def households_(self) -> None:
        from zoufang.services.roster_validation import validate_roster

        sheet = self.book.sheets.get("households")
        if sheet is None:
            return
        roster = sheet.roster(self.book.file, self.book.sha256)
        tidied = Tidied(names=[], new_cadres={}, blank_rows=[])
        # Without --create-cadres the households are written 5,000 at a time as they are
        # checked (a county's checked rows are never held at once); a household the file
        # gives no 户号 is written last, numbered after every 户号 the file gives, as
        # before. With it, every new cadre is made first and then the households, as
        # `enroll --from` does.
        streamed = not self.create_cadres
        unnumbered: list[Row] = []

        def write(rows: list[Row]) -> None:
            numbered = [row for row in rows if row.household.code]
            unnumbered.extend(row for row in rows if not row.household.code)
            self._enrolled(sheet, numbered)

        try:
            good, errors, columns, _count = validate_roster(
                session=self.s,
                roster=roster,
                today=self.today,
                create_cadres=self.create_cadres,
                tidied=tidied,
                exited_ok=True,
                chunk=write if streamed else None,
            )
        except InvalidInput as exc:  # the sheet as a whole: a required column missing…
            self.fail(sheet, sheet.header_row, "", exc.reason)
            return
        self.done += len(roster.rows)
        for e in errors:
            self.fail(sheet, e["row"], e["field"], e["error"])
        bad_lines = {e["row"] for e in errors}
        # a row the ledger check refused (already enrolled…) is in both lists: never written
        good = [row for row in good if row.line not in bad_lines]
        for line, cells in roster.rows if bad_lines else ():  # a pass only if some were
            if line not in bad_lines:
                continue
            for key in ("code", "id_number"):
                i = columns.index.get(key)
                if i is not None and i < len(cells) and cell_text(cells[i]):
                    self.failed_households.add(parsing.fold(cell_text(cells[i])).upper())
        self.result.names_tidied += [{"sheet": sheet.name, **n} for n in tidied.names]
        if sheet.footer:
            self.result.skipped += [
                {"sheet": n, "row": line, "text": text} for n, line, text in sheet.footer
            ]
        unknown = [roster.headers[i] for i in columns.unknown if i >= 0]
        if unknown:  # kept in each household's notes, as `enroll --from` keeps them
            self.result.kept_in_notes = unknown
        if streamed:
            self._enrolled(sheet, unnumbered)
            return
        if not good:
            return
        from zoufang.services.cadres import add_cadre

        for made, first in tidied.new_cadres.items():
            cadre = add_cadre(session=self.s, name=made)
            self.result.cadres_created.append({"code": cadre.code, "name": made, "row": first})
        self._enrolled(sheet, good)

    def _enrolled(self, sheet: Sheet, rows: list[Row]) -> None:
        """Write checked households; remember how the file refers to them."""
        from zoufang.services.roster_import import _write

        if not rows:
            return
        codes = _write(self.s, rows, self.today, lambda done: None)
        for row, code in zip(rows, codes, strict=True):
            self.households[code] = code
            self.households[row.household.id_number] = code
            named = self.head_names.setdefault(row.household.name, code)
            if named is not code:  # a second household with this head's name
                if isinstance(named, str):
                    named = self.head_names[row.household.name] = [named]
                named.append(code)
            if row.exited is not None:
                self.exits.append((code, *row.exited, sheet, row.line))
        self.count("households", len(rows))

    def members(self) -> None:
        from zoufang.services.households import MemberBatch

        batch = MemberBatch(self.s)
        for sheet, name, line, get in self.rows("members"):

            def work(sheet=sheet, get=get):
                code = self.household_ref(sheet, get)
                if code is None:
                    return None
                number = get("id_number")
                if "*" in number:
                    raise InvalidInput(
                        sheet.label("id_number"),
                        _(
                            "{value!r} is masked: export the ledger again with --reveal to move "
                            "it with its ID numbers"
                        ).format(value=number),
                    )
                birth = get("birth_year")
                health = get("health")
                batch.add(  # checked now, written with its batch
                    code=code,
                    name=parsing.parse_name(
                        clean_name(get("name")), field=sheet.label("name"), max_len=100
                    ),
                    relation=parsing.parse_line(
                        get("relation"), field=sheet.label("relation"), max_len=40
                    ),
                    birth_year=parsing.parse_count(
                        birth,
                        field=sheet.label("birth_year"),
                        minimum=1880,
                        maximum=self.today.year,
                    )
                    if birth
                    else None,
                    health=parsing.parse_line(health, field=sheet.label("health"), max_len=300)
                    if health
                    else None,
                    id_number=parsing.parse_id_number(
                        number, field=sheet.label("id_number"), today=self.today
                    )
                    if number
                    else None,
                )
                return True

            if self.attempt(sheet, name, line, {"--id-number": sheet.label("id_number")}, work):
                self.count("members")
        batch.flush()

    def visits_(self) -> None:
        from zoufang.services.visit_record import VisitBatch, VisitIn

        def logged(ref: str, visit_id: int) -> None:
            if ref:
                self.visits[ref] = visit_id

        batch = VisitBatch(self.s, self.today, logged)

        needs_here = "commitments" not in self.book.sheets  # else they come from that sheet
        sheet_made = self.book.sheets.get("visits")
        exported = sheet_made is not None and any(
            normalise_header(h) in _EXPORT_MARK for h in sheet_made.headers
        )

        def items(text: str) -> list[str]:
            return _items(text, lines_only=exported)

        columns_of: dict[str, dict[str, str]] = {}
        for sheet, name, line, get in self.rows("visits"):
            ref = get("id")

            def work(sheet=sheet, get=get, ref=ref):
                code = self.household_ref(sheet, get)
                if code is None:
                    return None
                day = self.date(sheet, get, "date")
                assert day is not None
                nxt = self.date(sheet, get, "next", required=False, future=True)
                if nxt is not None and nxt <= day:
                    nxt = None  # a next date the visit has passed means nothing any more
                visit = VisitIn(
                    household=code,
                    cadres=[t for t in LIST_SEPARATORS.split(get("cadres")) if t],
                    visit_date=day,
                    kind=get("kind") or "routine",
                    notes=get("notes") or None,
                    needs=items(get("needs")) if needs_here else [],
                    suggestions=items(get("suggestions")),
                    wishes=items(get("wishes")),
                    gifts=items(get("gifts")),
                    next_date=nxt,
                )
                batch.add(visit, ref)  # checked now, written with its batch
                return True

            columns = self.error_columns(sheet, name, _VISIT_COLUMNS, columns_of)
            if self.attempt(sheet, name, line, columns, work) is None:
                if ref:
                    self.failed_visits.add(ref)
                continue
            self.count("visits")
        batch.flush()

    def visit_ref(self, sheet: Sheet, get, key: str, code: str) -> int | None | bool:
        """The ledger id of the file's visit ``get(key)``; False if that row was refused."""
        ref = get(key)
        if not ref:
            return None
        if ref in self.failed_visits:
            return False
        if ref not in self.visits:
            raise RuleViolation(sheet.label(key), _("no visit {id} in the file").format(id=ref))
        return self.visits[ref]

    def commitments(self) -> None:
        from zoufang.services.lookup import resolve_cadre
        from zoufang.services.visit_record import inserted_ids

        conn = self.s.connection()
        operator = self.s.info.get("operator", "unknown")
        known = tuple(COMMITMENT_STATUSES)
        # the household ids, read once (every household is in by now)
        household_ids = dict(conn.execute(select(H.c.code, H.c.id)).all())
        pending: list[tuple[dict, list]] = []

        def flush() -> None:
            """The kept rows written: one executemany each for the commitments and their
            responses, then their audit rows in the file's order."""
            rows = [row for row, _responses in pending]
            for row, new_id in zip(rows, inserted_ids(conn, CM, rows), strict=True):
                row["id"] = new_id
            answered = [
                {
                    "commitment_id": row["id"],
                    "response_date": on,
                    "action": action,
                    "note": note,
                    "operator": operator,
                }
                for row, responses in pending
                for on, action, note in responses
            ]
            if answered:
                insert_many(conn, CR, answered)
            for row, responses in pending:
                record(
                    self.s,
                    action="import",
                    object_type="commitment",
                    object_key=str(row["id"]),
                    after={**row, "responses": len(responses)},
                )
            pending.clear()

        for sheet, name, line, get in self.rows("commitments"):

            def work(sheet=sheet, get=get):
                code = self.household_ref(sheet, get)
                if code is None:
                    return None
                visit = self.visit_ref(sheet, get, "visit", code)
                if visit is False:
                    return None
                text = parsing.parse_text(get("text"), field=sheet.label("text"), max_len=2000)
                cadre = get("cadre")
                if not cadre:
                    raise InvalidInput(sheet.label("cadre"), _("is required"))
                cadre_code = self.cadre_code(cadre, sheet.label("cadre"))
                opened = self.date(sheet, get, "opened_on")
                due = self.date(sheet, get, "due_date", future=True)
                assert opened is not None and due is not None
                if due < opened:
                    raise InvalidInput(
                        sheet.label("due_date"),
                        _("{due} is before {opened}, when it was raised").format(
                            due=due, opened=opened
                        ),
                    )
                status = parsing.parse_choice(
                    get("status") or "open",
                    kind=labels.COMMITMENT_STATUS,
                    codes=known,
                    field=sheet.label("status"),
                )
                responses = _responses(get("responses"), sheet.label("responses"), opened)
                closed = self.date(sheet, get, "closed_on", required=False)
                if status in COMMITMENT_CLOSED and closed is None:
                    closed = responses[-1][0] if responses else None
                    if closed is None:
                        raise InvalidInput(
                            sheet.label("closed_on"), _("a closed commitment needs its date")
                        )
                if closed is not None and closed < opened:
                    raise InvalidInput(
                        sheet.label("closed_on"),
                        _("{date} is before {opened}, when it was raised").format(
                            date=closed, opened=opened
                        ),
                    )
                row = {
                    "household_id": household_ids[code],
                    "visit_id": visit,
                    "text": text,
                    "cadre_id": resolve_cadre(
                        session=self.s, text=cadre_code, field=sheet.label("cadre")
                    ).id,
                    "due_date": due,
                    "status": status,
                    "opened_on": opened,
                    "closed_on": closed if status in COMMITMENT_CLOSED else None,
                    "resolution": (get("resolution") or None)
                    if status in COMMITMENT_CLOSED
                    else None,
                    "referred_to": get("referred_to") or None,
                }
                pending.append((row, responses))  # written with its batch
                if len(pending) >= 2000:
                    flush()
                return row

            if self.attempt(sheet, name, line, {}, work):
                self.count("commitments")
        if pending:
            flush()

    def ledger(self) -> None:
        from zoufang.services.funds import allocate, disburse, reverse

        sheet = self.book.sheets.get("ledger")
        if sheet is None:
            return
        from zoufang.services.rights import require

        # the visits the payments name (the file's 走访编号), read at once with the facts:
        # a first pass over the sheet (streamed again below, not held)
        named: list[int] = []
        any_row = False
        first = ""
        for _sheet, _name, _line, get in self.rows("ledger", count=False):
            if not any_row:
                first = get("seq")
            any_row = True
            visit = self.visits.get(get("visit"))
            if visit is not None:
                named.append(visit)
        if any_row:
            # the money sheet is finance's work as the households are an officer's: on a
            # server ledger, refused in one line before any row (only the owner holds both)
            for right in ("funds", "pay", "reverse"):
                require(self.s, right)
        from zoufang.services.fund_payment import forget_facts, keep_facts

        if any_row and self.history is not None:
            # the history before the first entry written now, its rows let go before the
            # payments' facts are read (the same rows, in the same place in the chains)
            self.history.before_first_entry(first)

        # every payment judged by the same rules, on facts read once (nothing below adds a
        # household or a member; the file's fact changes written between the payments are
        # added to the kept facts as they are written: history_import)
        keep_facts(self.s, visit_ids=named)
        try:
            self._ledger_rows(self.rows("ledger"), allocate, disburse, reverse)
            forget_facts(self.s)  # the entries still held are written
        finally:
            forget_facts(self.s, write=False)  # after an error: rolled back, nothing written

    def _ledger_rows(self, rows, allocate, disburse, reverse) -> None:
        columns_of: dict[str, dict[str, str]] = {}
        for sheet, name, line, get in rows:
            ref = get("seq")
            # the facts the old ledger knew before this entry; none if its fund's were refused
            if self.history is not None and not self.history.before_entry(ref, get("fund")):
                if ref:
                    self.failed_entries.add(ref)
                continue

            def work(sheet=sheet, get=get):
                kind = parsing.parse_choice(
                    get("kind") or "disburse",
                    kind=labels.ENTRY_KIND,
                    codes=("allocate", "disburse", "reverse"),
                    field=sheet.label("kind"),
                )
                day = self.date(sheet, get, "date")
                assert day is not None
                fund = get("fund")
                if not fund and kind != "reverse":
                    raise InvalidInput(sheet.label("fund"), _("is required"))
                amount_text = get("amount")
                if not amount_text:
                    raise InvalidInput(sheet.label("amount"), _("is required"))
                amount = parsing.parse_money(amount_text, field=sheet.label("amount"))
                memo = get("memo") or None
                if kind == "allocate":
                    return allocate(session=self.s, code=fund, amount_fen=amount, on=day, memo=memo)
                if kind == "reverse":
                    original = get("reverses")
                    if not original:
                        raise InvalidInput(sheet.label("reverses"), _("is required"))
                    if original in self.failed_entries:
                        return None
                    if original not in self.entries:
                        raise RuleViolation(
                            sheet.label("reverses"),
                            _("no entry {seq} above it in the file").format(seq=original),
                        )
                    return reverse(
                        session=self.s,
                        seq=self.entries[original],
                        reason=memo
                        or _("reversal imported from {file}").format(file=self.book.file),
                        on=day,
                    )
                code = self.household_ref(sheet, get)
                if code is None:
                    return None
                visit = self.visit_ref(sheet, get, "visit", code)
                if visit is False:
                    return None
                cadre = get("cadre")
                if not cadre:
                    raise InvalidInput(sheet.label("cadre"), _("is required"))
                return disburse(
                    session=self.s,
                    fund=fund,
                    household=code,
                    amount_fen=amount,
                    cadres=[self.cadre_code(cadre, sheet.label("cadre"))],
                    on=day,
                    visit_id=visit,
                    memo=memo,
                    override=get("override") or None,
                )

            columns = self.error_columns(sheet, name, _ENTRY_COLUMNS, columns_of)
            entry = self.attempt(sheet, name, line, columns, work)
            if entry is None:
                if ref:
                    self.failed_entries.add(ref)
                continue
            if ref:
                self.entries[ref] = entry.seq
            self.entry_at(name, line, entry.seq)
            self.count("ledger")

    def exit_households(self) -> None:
        from zoufang.services.households import exit_household

        for code, on, reason, sheet, line in self.exits:

            def work(code=code, on=on, reason=reason):
                return exit_household(session=self.s, code=code, reason=reason, today=on)

            self.attempt(sheet, sheet.name, line, {}, work)

    def entry_at(self, name: str, line: int, seq: int) -> None:
        if not self.entry_runs or self.entry_runs[-1][0] != name:
            from array import array

            self.entry_runs.append((name, array("q"), array("q")))
        self.entry_runs[-1][1].append(line)
        self.entry_runs[-1][2].append(seq)

    def entries_by_row(self) -> dict[str, int]:
        """``result.entries``: "sheet:row" → seq, in the order the rows were written."""
        return {
            f"{name}:{line}": seq
            for name, lines, seqs in self.entry_runs
            for line, seq in zip(lines, seqs, strict=True)
        }

    def count(self, kind: str, n: int = 1) -> None:
        self.result.counts[kind] = self.result.counts.get(kind, 0) + n


def _items(text: str, *, lines_only: bool = False) -> list[str]:
    """A cell of several items: one a line (as `export` writes them: ``lines_only``, since
    one gift may be 米、油), or in a hand-made sheet also separated by 、 or ；."""
    text = text or ""
    parts = text.splitlines() if lines_only or "\n" in text else _ITEMS.split(text)
    return [t.strip() for t in parts if t.strip()]


def _responses(text: str, column: str, opened: dt.date) -> list[tuple[dt.date, str, str]]:
    """The 办理记录 cell, one response a line: ``2026-03-10 办理中: 已联系施工队``."""
    found = []
    for raw in (text or "").splitlines():
        line = raw.strip()
        if not line:
            continue
        match = _RESPONSE.match(line)
        if match is None:
            raise InvalidInput(
                column,
                _("{line!r} is not a response like '2026-03-10 respond: called the clinic'").format(
                    line=line
                ),
            )
        on = parsing.parse_date(match.group(1), field=column)
        word = match.group(2).strip()
        action = _ACTIONS.get(word.lower())
        if action is None:
            status = labels.resolve(labels.COMMITMENT_STATUS, word, COMMITMENT_STATUSES)
            action = {
                "in-progress": _ACTIONS["respond"],
                "open": _ACTIONS["respond"],
                "referred": _ACTIONS["refer"],
                "resolved": _ACTIONS["resolved"],
                "cannot-resolve": _ACTIONS["cannot-resolve"],
            }.get(status or "")
        if action is None:
            raise InvalidInput(
                column,
                _("{word!r} is not a response (respond, refer, resolved…)").format(word=word),
            )
        if on < opened:
            raise InvalidInput(
                column,
                _("{date} is before {opened}, when it was raised").format(date=on, opened=opened),
            )
        found.append((on, action[0], match.group(3).strip() or word))
    return found


def already_imported(session: LedgerSession, sha256: str) -> dt.datetime | None:
    """When a file with this SHA-256 was imported, if it was."""
    for at, after in session.connection().execute(
        select(AL.c.at, AL.c.after).where(AL.c.action == "import", AL.c.object_type == "workbook")
    ):
        if sha256 in (after or "") and json.loads(after).get("sha256") == sha256:
            return at
    return None


def import_workbook(
    *,
    session: LedgerSession,
    path: Path,
    today: dt.date,
    dry_run: bool = False,
    create_cadres: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """Import every sheet of the workbook in ``session``'s transaction; the caller commits
    only if ``result.errors`` is empty and it is not a dry run (see the module docstring)."""
    book = read_workbook(path)
    result = ImportResult(
        file=book.file, sha256=book.sha256, dry_run=dry_run, not_read=book.not_read
    )
    at = already_imported(session, book.sha256)
    if at is not None:
        raise RuleViolation(
            "FILE",
            _(
                "{file} was already imported on {date} (see the audit log); nothing was written"
            ).format(file=book.file, date=at.date()),
        )
    total = sum(len(s.rows) for s in book.sheets.values())
    work = _Import(
        session,
        book,
        today,
        result,
        create_cadres,
        (lambda done: progress(done, total)) if progress else None,
    )
    for sheet in book.sheets.values():
        if sheet.kind != "households" and sheet.unknown:
            result.unknown_columns[sheet.name] = sheet.unknown
    # A bulk write: the audit rows go in together at the end, the due dates are computed
    # once for every household at the end (they depend on the visits alone), each cadre's
    # name is looked up once, and each fund's balance is summed once and then kept up to
    # date entry by entry (not summed again over the whole fund for every payment).
    from zoufang.services import audit_log, due, fact_history, money_chain
    from zoufang.services.lookup import CADRES_KNOWN

    audit_log.hold(session)
    due.defer(session)
    money_chain.keep_totals(session)
    session.info[CADRES_KNOWN] = {}
    try:
        from zoufang.services.history_import import HistoryImport

        work.history = HistoryImport(work)  # read first: it sets the covered facts aside
        work.cadres()
        work.funds()
        # into empty tables, the indexes are built after each kind's rows (none of these
        # kinds asks its own tables a question its dropped indexes would answer)
        conn = session.connection()
        with indexes_built_after(conn, (H, T.household_category, T.assignment)):
            work.households_()
        with indexes_built_after(conn, (T.member,)):
            work.members()
        with indexes_built_after(
            conn, (T.visit, T.visit_cadre, T.visit_item, CM, T.wish, T.suggestion)
        ):
            work.visits_()
        with indexes_built_after(conn, (CM, CR)):
            work.commitments()
        work.ledger()
        work.history.finish()
        from zoufang.services.heard_import import import_suggestions, import_wishes

        import_wishes(work)
        import_suggestions(work)
        # before the exits, which record each household as it then is (its due date too)
        due.refresh_deferred(session)
        work.exit_households()
    except BaseException:
        session.info.pop(audit_log.HELD, None)  # the transaction is rolled back anyway
        raise
    finally:
        session.info.pop(fact_history.FROM_FILE, None)
        session.info.pop(CADRES_KNOWN, None)
        session.info.pop(due.DEFERRED, None)
        session.info.pop(money_chain.TOTALS, None)
    result.entries = work.entries_by_row()
    work.entry_runs.clear()
    if file_stamp(path) != book.stamp:  # its rows were read from it again and again
        raise InvalidInput(
            "FILE",
            _(
                "{file} changed while it was being imported: nothing was imported; import it again"
            ).format(file=book.file),
        )
        # the rows under each sheet's data that sign it off, known once its rows have been read
    # (the households sheet's are noted as it is imported)
    result.skipped[:0] = [
        {"sheet": n, "row": r, "text": t}
        for sheet in book.sheets.values()
        if sheet.kind != "households"
        for n, r, t in sheet.footer
    ]
    if progress:
        total = max(total, work.done)
        progress(total, total)
    if result.errors:
        kinds = _kinds_of(book)
        result.errors.sort(
            key=lambda e: (KINDS.index(kinds.get(e["sheet"], KINDS[0])), e["sheet"], e["row"])
        )
    if not result.errors:
        chain = session.connection().execute(select(func.count()).select_from(_ledger())).scalar()
        record(
            session,
            action="import",
            object_type="workbook",
            object_key=book.file[:100],
            after={
                "file": book.file,
                "sha256": book.sha256,
                "imported": result.as_dict()["imported"],
                "sheets_not_read": book.not_read,
                "unknown_columns": result.unknown_columns,
                "skipped_rows": result.skipped,
                "names_tidied": result.names_tidied,
                "cadres_created": result.cadres_created,
                # each payment's sheet and row in the file → its entry on the chain
                "entries": result.entries,
                "chain_length": chain,
            },
        )
        audit_log.write_held(session)
    else:
        session.info.pop(audit_log.HELD, None)  # nothing is written: the caller rolls back
    return result


def _ledger():
    from zoufang.tables import ledger_entry

    return ledger_entry


def _kinds_of(book: Workbook) -> dict[str, str]:
    """The kind of each sheet an error may name (a continuation sheet: its first sheet's),
    found in one pass (not one pass over every row for each error: quadratic in a county's
    file with many problems)."""
    kinds: dict[str, str] = {}
    for kind, sheet in book.sheets.items():
        kinds.setdefault(sheet.name, kind)
        for n in sheet.names:
            kinds.setdefault(n, kind)
    return kinds
