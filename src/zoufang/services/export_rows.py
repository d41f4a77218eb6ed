"""The rows of ``zoufang export``: each table's rows as tuples of plain Python values in the
order of :mod:`zoufang.services.export_columns`.

Streaming: rows come from the database in batches (``yield_per``; server-side cursors on
PostgreSQL) and go straight to the file. A visit's cadres, suggestions, wishes, gifts and
needs are not fetched per visit: the detail tables are read in the same order as the visits
(by visit id) and merged as they go, so a million visits never sit in memory at once.
ID numbers are masked unless revealed; with ``lang="zh"`` statuses, kinds and categories
are Chinese labels and cadres their names (codes in English).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter
from collections.abc import Callable, Iterator
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from zoufang.codes import HOUSEHOLD_ACTIVE

if TYPE_CHECKING:
    from zoufang.db import LedgerSession

#: Rows fetched per round trip to the database.
BATCH = 5000


class _Details:
    """A detail table's rows grouped by their parent id, read in parent-id order and taken
    for ascending parent ids: a streaming merge join. ``fold`` turns one parent's rows
    (the id first) into the value the export shows; :meth:`take` gives ``empty`` for a
    parent without rows."""

    __slots__ = ("_groups", "_fold", "_key", "_rows")
    _key: Any  # the parent id of the group at hand; None when the rows are used up
    _rows: Any

    def __init__(self, result, fold: Callable[[Iterator[Any]], Any]) -> None:
        self._groups = itertools.groupby(result, key=itemgetter(0))
        self._fold = fold
        self._key, self._rows = next(self._groups, (None, None))

    def take(self, key: int, empty: Any) -> Any:
        while self._key is not None and self._key < key:
            self._key, self._rows = next(self._groups, (None, None))
        if self._key != key:
            return empty
        value = self._fold(self._rows)  # before moving on: that invalidates the group
        self._key, self._rows = next(self._groups, (None, None))
        return value


class _CadreNames(dict):
    """Cadre ids to what the export shows; an id with no cadre (none should) shows as is."""

    def __missing__(self, cadre_id: int) -> str:
        return str(cadre_id)


class RowReader:
    """Each table's rows, in the columns' order, as plain Python values.

    Read with SQLAlchemy Core on the session's connection, not through the ORM: for a
    million visits the ORM's result machinery cost more than the query itself.
    """

    def __init__(self, session: LedgerSession, *, lang: str, reveal: bool, today: dt.date) -> None:
        from sqlalchemy import select

        from zoufang.tables import cadre as C
        from zoufang.tables import category as K

        self.connection = session.connection()
        self.lang, self.reveal, self.today = lang, reveal, today
        self.sep = "、" if lang == "zh" else "; "
        cadres = self.connection.execute(select(C.c.id, C.c.code, C.c.name)).all()
        # Chinese sheets name cadres (a code means nothing to a reader); English ones give
        # codes. `enroll --from` and `import` accept either. A name two cadres share is given
        # by the code, so that `import` reads the export back to the same cadre.
        named = Counter(name for _, _, name in cadres)

        def shown(code: str, name: str) -> str:
            return name if lang == "zh" and named[name] == 1 else code

        self.cadre_by_id = _CadreNames({i: shown(code, name) for i, code, name in cadres})
        self.cadre_by_code = {code: shown(code, name) for _, code, name in cadres}
        self.category = (
            {c: label for c, label in self.connection.execute(select(K.c.code, K.c.label))}
            if lang == "zh"
            else {}
        )

    def _stream(self, statement):
        return self.connection.execute(statement.execution_options(yield_per=BATCH))

    def _id_number(self, value: str | None) -> str | None:
        if value is None or self.reveal:
            return value
        from zoufang.parsing import mask_id_number

        return mask_id_number(value)

    def _label(self, mapping: dict[str, str], code: str | None) -> str | None:
        from zoufang.labels import label

        return label(mapping, code, self.lang)

    def rows(self, table: str) -> Iterator[tuple]:
        return getattr(self, "_" + table)()

    def count(self, table: str) -> int:
        from sqlalchemy import func, select

        from zoufang import tables

        stored = {
            "households": tables.household,
            "members": tables.member,
            "visits": tables.visit,
            "commitments": tables.commitment,
            "wishes": tables.wish,
            "suggestions": tables.suggestion,
            "ledger": tables.ledger_entry,
            "cadres": tables.cadre,
            "funds": tables.fund,
            "history": tables.fact_change,
        }[table]
        return self.connection.execute(select(func.count()).select_from(stored)).scalar_one()

    def _households(self) -> Iterator[tuple]:
        from sqlalchemy import select

        from zoufang.labels import HOUSEHOLD_STATUS_ZH
        from zoufang.tables import assignment as A
        from zoufang.tables import household as H
        from zoufang.tables import household_category as HC

        label, cadre, sep = self.category, self.cadre_by_id, self.sep
        categories = _Details(
            self._stream(
                select(HC.c.household_id, HC.c.category_code).order_by(
                    HC.c.household_id, HC.c.category_code
                )
            ),
            lambda rows: sep.join(label.get(c, c) for _, c in rows),
        )
        cadres = _Details(
            self._stream(
                select(A.c.household_id, A.c.cadre_id).order_by(A.c.household_id, A.c.cadre_id)
            ),
            lambda rows: sep.join(cadre[c] for _, c in rows),
        )
        for h in self._stream(
            select(
                H.c.id,
                H.c.code,
                H.c.head_name,
                H.c.id_number,
                H.c.village,
                H.c.grid,
                H.c.address,
                H.c.phone,
                H.c.members_count,
                H.c.income_fen,
                H.c.housing,
                H.c.health,
                H.c.employment,
                H.c.hardship,
                H.c.notes,
                H.c.cadence_days,
                H.c.status,
                H.c.exit_reason,
                H.c.exited_on,
                H.c.enrolled_on,
                H.c.last_visit_on,
                H.c.due_date,
            ).order_by(H.c.id)
        ):
            yield (
                h.code,
                h.head_name,
                self._id_number(h.id_number),
                h.village,
                h.grid,
                h.address,
                h.phone,
                categories.take(h.id, ""),
                cadres.take(h.id, ""),
                h.members_count,
                h.income_fen,
                h.housing,
                h.health,
                h.employment,
                h.hardship,
                h.notes,
                h.cadence_days,
                self._label(HOUSEHOLD_STATUS_ZH, h.status),
                h.exit_reason,
                h.exited_on,
                h.enrolled_on,
                h.last_visit_on,
                h.due_date if h.status == HOUSEHOLD_ACTIVE else None,  # never due once exited
            )

    def _members(self) -> Iterator[tuple]:
        from sqlalchemy import select

        from zoufang.tables import household as H
        from zoufang.tables import member as M

        for m in self._stream(
            select(
                H.c.code,
                H.c.head_name,
                M.c.id,
                M.c.name,
                M.c.relation,
                M.c.birth_year,
                M.c.health,
                M.c.id_number,
            )
            .join(H, H.c.id == M.c.household_id)
            .order_by(M.c.id)
        ):
            yield (*m[:7], self._id_number(m.id_number))

    def _visits(self) -> Iterator[tuple]:
        from sqlalchemy import select

        from zoufang.labels import VISIT_KIND_ZH
        from zoufang.services.counting import commitment_counts, visit_counts
        from zoufang.tables import commitment as CM
        from zoufang.tables import household as H
        from zoufang.tables import visit as V
        from zoufang.tables import visit_cadre as VC
        from zoufang.tables import visit_item as VI

        cadre, sep = self.cadre_by_id, self.sep
        kinds = VISIT_KIND_ZH if self.lang == "zh" else {}

        def heard(rows) -> tuple[str, str, str]:
            said: dict[str, list[str]] = {"suggestion": [], "wish": [], "gift": []}
            for _, kind, text in rows:
                said.setdefault(kind, []).append(text)
            # one a line: a gift may itself be 米、油 (`zoufang import` splits on lines)
            return "\n".join(said["suggestion"]), "\n".join(said["wish"]), "\n".join(said["gift"])

        cadres = _Details(
            self._stream(
                select(VC.c.visit_id, VC.c.cadre_id).order_by(VC.c.visit_id, VC.c.cadre_id)
            ),
            lambda rows: sep.join([cadre[c] for _, c in rows]),
        )
        items = _Details(
            self._stream(
                select(VI.c.visit_id, VI.c.kind, VI.c.text).order_by(VI.c.visit_id, VI.c.id)
            ),
            heard,
        )
        needs = _Details(
            self._stream(
                select(CM.c.visit_id, CM.c.text)
                .where(CM.c.visit_id.is_not(None), commitment_counts(CM))
                .order_by(CM.c.visit_id, CM.c.id)
            ),
            lambda rows: "\n".join([t for _, t in rows]),
        )
        nothing_heard = ("", "", "")
        for (
            visit_id,
            date,
            code,
            name,
            village,
            kind,
            notes,
            next_date,
            recorded_at,
            operator,
        ) in self._stream(
            select(
                V.c.id,
                V.c.visit_date,
                H.c.code,
                H.c.head_name,
                H.c.village,
                V.c.kind,
                V.c.notes,
                V.c.next_date,
                V.c.recorded_at,
                V.c.operator,
            )
            .join(H, H.c.id == V.c.household_id)
            .where(visit_counts(V))  # a void or superseded visit is not exported
            .order_by(V.c.id)
        ):
            suggestions, wishes, gifts = items.take(visit_id, nothing_heard)
            yield (
                visit_id,
                date,
                code,
                name,
                village,
                kinds.get(kind, kind),
                cadres.take(visit_id, ""),
                notes,
                needs.take(visit_id, ""),
                suggestions,
                wishes,
                gifts,
                next_date,
                recorded_at,
                operator,
            )

    def _commitments(self) -> Iterator[tuple]:
        from sqlalchemy import select

        from zoufang.codes import COMMITMENT_CLOSED
        from zoufang.labels import COMMITMENT_STATUS_ZH
        from zoufang.tables import commitment as C
        from zoufang.tables import commitment_response as CR
        from zoufang.tables import household as H

        cadre, today = self.cadre_by_id, self.today
        statuses = COMMITMENT_STATUS_ZH if self.lang == "zh" else {}
        responses = _Details(
            self._stream(
                select(
                    CR.c.commitment_id,
                    CR.c.response_date,
                    CR.c.action,
                    CR.c.note,
                ).order_by(
                    CR.c.commitment_id,
                    CR.c.response_date,
                    CR.c.id,
                )
            ),
            lambda rows: "\n".join(
                f"{d.isoformat()} {statuses.get(a, a)}: {n}" for _, d, a, n in rows
            ),
        )
        for c in self._stream(
            select(
                C.c.id,
                H.c.code,
                H.c.head_name,
                H.c.village,
                C.c.text,
                C.c.cadre_id,
                C.c.opened_on,
                C.c.due_date,
                C.c.status,
                C.c.closed_on,
                C.c.resolution,
                C.c.referred_to,
                C.c.visit_id,
            )
            .join(H, H.c.id == C.c.household_id)
            .order_by(C.c.id)
        ):
            overdue = None if c.status in COMMITMENT_CLOSED else (today - c.due_date).days
            yield (
                c.id,
                c.code,
                c.head_name,
                c.village,
                c.text,
                cadre.get(c.cadre_id),
                c.opened_on,
                c.due_date,
                statuses.get(c.status, c.status),
                overdue,
                c.closed_on,
                c.resolution,
                c.referred_to,
                c.visit_id,
                responses.take(c.id, ""),
            )

    def _wishes(self) -> Iterator[tuple]:
        from sqlalchemy import select

        from zoufang.codes import WISH_CLAIMED
        from zoufang.labels import WISH_STATUS_ZH
        from zoufang.tables import household as H
        from zoufang.tables import wish as W

        cadre, today = self.cadre_by_id, self.today
        statuses = WISH_STATUS_ZH if self.lang == "zh" else {}
        for w in self._stream(
            select(W, H.c.code, H.c.head_name, H.c.village)
            .join(H, H.c.id == W.c.household_id)
            .order_by(W.c.id)
        ):
            late = (
                (today - w.due_date).days
                if w.status == WISH_CLAIMED and w.due_date is not None
                else None
            )
            claimed_by = (
                cadre.get(w.claimed_cadre_id) if w.claimed_cadre_id is not None else w.claimed_unit
            )
            yield (
                w.id,
                w.code,
                w.head_name,
                w.village,
                w.text,
                w.heard_on,
                None if w.cadre_id is None else cadre.get(w.cadre_id),
                statuses.get(w.status, w.status),
                claimed_by,
                w.claimed_person,
                w.claimed_phone,
                w.claimed_on,
                w.due_date,
                late,
                w.closed_on,
                w.outcome,
                w.entry_seq,
                w.visit_id,
            )

    def _suggestions(self) -> Iterator[tuple]:
        from sqlalchemy import select

        from zoufang.labels import SUGGESTION_STATUS_ZH
        from zoufang.tables import household as H
        from zoufang.tables import suggestion as S
        from zoufang.tables import suggestion_answer as SA

        cadre = self.cadre_by_id
        statuses = SUGGESTION_STATUS_ZH if self.lang == "zh" else {}
        answers = _Details(
            self._stream(
                select(SA.c.suggestion_id, SA.c.answer_date, SA.c.stance, SA.c.note).order_by(
                    SA.c.suggestion_id, SA.c.id
                )
            ),
            lambda rows: "\n".join(
                f"{d.isoformat()} {statuses.get(a, a)}: {n}" for _, d, a, n in rows
            ),
        )
        for x in self._stream(
            select(S, H.c.code, H.c.head_name, H.c.village)
            .join(H, H.c.id == S.c.household_id)
            .order_by(S.c.id)
        ):
            yield (
                x.id,
                x.code,
                x.head_name,
                x.village,
                x.text,
                x.heard_on,
                None if x.cadre_id is None else cadre.get(x.cadre_id),
                statuses.get(x.status, x.status),
                x.answered_on,
                x.answer,
                None if x.answered_by is None else cadre.get(x.answered_by),
                x.visit_id,
                answers.take(x.id, ""),
            )

    def _ledger(self) -> Iterator[tuple]:
        from sqlalchemy import select

        from zoufang.labels import LEDGER_KIND_ZH
        from zoufang.tables import fund as F
        from zoufang.tables import household as H
        from zoufang.tables import ledger_entry as E

        kinds = LEDGER_KIND_ZH if self.lang == "zh" else {}
        cadre = self.cadre_by_code
        for e in self._stream(
            select(
                E.c.seq,
                E.c.entry_date,
                E.c.fund_code,
                F.c.name,
                E.c.kind,
                E.c.amount_fen,
                E.c.household_code,
                H.c.head_name,
                E.c.cadre_code,
                E.c.visit_id,
                E.c.reverses_seq,
                E.c.memo,
                E.c.override_reason,
                E.c.operator,
                E.c.recorded_at,
                E.c.hash,
            )
            .join(F, F.c.code == E.c.fund_code)
            .outerjoin(H, H.c.code == E.c.household_code)
            .order_by(E.c.seq)
        ):
            yield (
                e.seq,
                e.entry_date,
                e.fund_code,
                e.name,
                kinds.get(e.kind, e.kind),
                e.amount_fen,
                e.household_code,
                e.head_name,
                None if e.cadre_code is None else cadre.get(e.cadre_code, e.cadre_code),
                e.visit_id,
                e.reverses_seq,
                e.memo,
                e.override_reason,
                e.operator,
                e.recorded_at,
                e.hash,
            )

    def _cadres(self) -> Iterator[tuple]:
        from sqlalchemy import select

        from zoufang.tables import cadre as C

        yield from self._stream(
            select(C.c.code, C.c.name, C.c.unit, C.c.phone, C.c.email).order_by(C.c.id)
        )

    def _funds(self) -> Iterator[tuple]:
        from sqlalchemy import select

        from zoufang.tables import fund as F
        from zoufang.tables import fund_category as FC

        label, sep = self.category, self.sep
        kept: dict[str, list[str]] = {}
        for code, category in self.connection.execute(
            select(FC.c.fund_code, FC.c.category_code).order_by(FC.c.fund_code, FC.c.category_code)
        ):
            kept.setdefault(code, []).append(label.get(category, category))
        for f in self.connection.execute(
            select(
                F.c.code,
                F.c.name,
                F.c.source,
                F.c.cap_fen,
                F.c.valid_from,
                F.c.valid_to,
                F.c.created_on,
            ).order_by(F.c.code)
        ):
            yield (
                f.code,
                f.name,
                f.source,
                sep.join(kept.get(f.code, [])),
                f.cap_fen,
                f.valid_from,
                f.valid_to,
                f.created_on,
            )

    def _history(self) -> Iterator[tuple]:
        """Every fact change in the order recorded, its value as a person reads it
        (:mod:`zoufang.services.history_sheet`)."""
        import json

        from sqlalchemy import select

        from zoufang.labels import FACT_ZH
        from zoufang.services.history_sheet import ORIGIN_ZH, SUBJECT_ZH, shown_value
        from zoufang.tables import category as K
        from zoufang.tables import fact_change as FC

        words = (
            self.category
            if self.lang == "zh"
            else {c: c for (c,) in self.connection.execute(select(K.c.code))}
        )
        for r in self._stream(
            select(
                FC.c.seq,
                FC.c.subject_kind,
                FC.c.subject,
                FC.c.fact,
                FC.c.effective_from,
                FC.c.value,
                FC.c.reason,
                FC.c.origin,
                FC.c.ledger_seq,
                FC.c.recorded_at,
                FC.c.operator,
            ).order_by(FC.c.seq)
        ):
            try:
                value = json.loads(r.value)
            except ValueError:  # a hand edit: shown as stored (`audit funds` reports it)
                value = r.value
            yield (
                r.seq,
                self._label(SUBJECT_ZH, r.subject_kind),
                r.subject,
                self._label(FACT_ZH, r.fact),
                r.effective_from,
                shown_value(
                    r.fact, value, lang=self.lang, categories=words, id_number=self._id_number
                ),
                r.reason,
                self._label(ORIGIN_ZH, r.origin),
                r.ledger_seq,
                r.recorded_at,
                r.operator,
            )
