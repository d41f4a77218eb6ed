"""What counts: the one definition of a visit (and a commitment) that the figures count.

A record corrected by mistake stays in the ledger (`visit void`, `visit amend`, `commitment
void`; :mod:`zoufang.services.corrections`) and counts nowhere: not in the due dates, `due`,
`remind`, `audit visits`, `report`, `household show`, `visit list` (without ``--all``),
`cadre list` or the export. Every query that counts visits or commitments takes its
condition from here, so a new kind of correction changes one function, not twenty queries.

The conditions are SQLAlchemy Core expressions on :mod:`zoufang.tables` (the ORM classes are
mapped onto the same columns, so they serve ORM queries too); pass an alias when the query
uses one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from zoufang.codes import (
    COMMITMENT_VOID,
    HOUSEHOLD_VOID,
    SUGGESTION_VOID,
    VISIT_CURRENT,
    WISH_VOID,
)
from zoufang.tables import commitment as _commitment
from zoufang.tables import correction as _correction
from zoufang.tables import household as _household
from zoufang.tables import suggestion as _suggestion
from zoufang.tables import visit as _visit
from zoufang.tables import wish as _wish

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement, Connection, FromClause


def visit_counts(visit: FromClause = _visit) -> ColumnElement[bool]:
    """A visit that counts: its current version (not void, not replaced by an amendment)."""
    return visit.c.status == VISIT_CURRENT


def commitment_counts(commitment: FromClause = _commitment) -> ColumnElement[bool]:
    """A commitment that counts: not voided (by `commitment void` or with its visit)."""
    return commitment.c.status != COMMITMENT_VOID


def wish_counts(wish: FromClause = _wish) -> ColumnElement[bool]:
    """A wish that counts: not void (heard at a visit voided by mistake)."""
    return wish.c.status != WISH_VOID


def suggestion_counts(suggestion: FromClause = _suggestion) -> ColumnElement[bool]:
    """A suggestion that counts: not void (heard at a visit voided by mistake)."""
    return suggestion.c.status != SUGGESTION_VOID


def household_counts(household: FromClause = _household) -> ColumnElement[bool]:
    """A household that counts: not voided as enrolled by mistake (`household void`)."""
    return household.c.status != HOUSEHOLD_VOID


def every_visit_counts(conn: Connection) -> bool:
    """Whether no visit in the ledger was ever voided or amended (one probe of the
    correction index; every change of a visit's status writes a correction): figures may
    then count a visit's cadres or items without looking the visit up."""
    C = _correction
    return conn.execute(select(C.c.id).where(C.c.object_type == "visit").limit(1)).first() is None
