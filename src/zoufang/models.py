"""The ledger's tables (SQLModel). The schema itself is owned by the Alembic migrations in
``migrations/``; a test migrates a blank ledger and compares it with these models.

Money is always an integer number of fen (``*_fen`` columns). Dates are ``date`` columns,
timestamps are UTC. Codes (``H000001``, ``C0001``, category and fund codes) are what people
type; integer ids are what rows join on.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Column, DateTime, Index, Text
from sqlmodel import Field, SQLModel

from zoufang.codes import COMMITMENT_CLOSED as COMMITMENT_CLOSED
from zoufang.codes import COMMITMENT_STATUSES as COMMITMENT_STATUSES
from zoufang.codes import HOUSEHOLD_ACTIVE as HOUSEHOLD_ACTIVE
from zoufang.codes import HOUSEHOLD_EXITED as HOUSEHOLD_EXITED
from zoufang.codes import VISIT_ITEM_KINDS as VISIT_ITEM_KINDS
from zoufang.codes import VISIT_KINDS as VISIT_KINDS
from zoufang.tables import utcnow as utcnow


class Category(SQLModel, table=True):
    __tablename__ = "category"
    code: str = Field(primary_key=True, max_length=40)
    label: str = Field(max_length=100)
    cadence_days: int
    builtin: bool = False


class Household(SQLModel, table=True):
    __tablename__ = "household"
    # `due` reads this index alone, in order (migration 0004).
    __table_args__ = (
        Index(
            "ix_household_due",
            "status",
            "due_date",
            "code",
            "head_name",
            "village",
            "last_visit_on",
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=20, unique=True)
    head_name: str = Field(max_length=100)
    id_number: str = Field(max_length=18, unique=True)
    phone: str | None = Field(default=None, max_length=40)
    village: str = Field(max_length=100, index=True)
    grid: str | None = Field(default=None, max_length=100)
    address: str | None = Field(default=None, max_length=300)
    members_count: int | None = None
    income_fen: int | None = Field(default=None, sa_type=BigInteger)
    housing: str | None = Field(default=None, max_length=300)
    health: str | None = Field(default=None, max_length=300)
    employment: str | None = Field(default=None, max_length=300)
    hardship: str | None = Field(default=None, max_length=500)
    cadence_days: int | None = None
    status: str = Field(default=HOUSEHOLD_ACTIVE, max_length=10)
    exit_reason: str | None = Field(default=None, max_length=500)
    exited_on: dt.date | None = None
    enrolled_on: dt.date
    # Derived from the visits (kept in step by services.due.refresh_due_dates in the same
    # transaction as every write that changes them) so that `due` is one indexed query.
    last_visit_on: dt.date | None = None
    due_date: dt.date | None = None


class HouseholdCategory(SQLModel, table=True):
    __tablename__ = "household_category"
    household_id: int = Field(foreign_key="household.id", primary_key=True, ondelete="CASCADE")
    category_code: str = Field(
        foreign_key="category.code", primary_key=True, index=True, max_length=40
    )


class Member(SQLModel, table=True):
    __tablename__ = "member"
    id: int | None = Field(default=None, primary_key=True)
    household_id: int = Field(foreign_key="household.id", index=True)
    name: str = Field(max_length=100)
    relation: str = Field(max_length=40)
    birth_year: int | None = None
    health: str | None = Field(default=None, max_length=300)
    id_number: str | None = Field(default=None, max_length=18, index=True)


class Cadre(SQLModel, table=True):
    __tablename__ = "cadre"
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True)
    name: str = Field(max_length=100)
    unit: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=40)
    email: str | None = Field(default=None, max_length=200)


class Assignment(SQLModel, table=True):
    __tablename__ = "assignment"
    household_id: int = Field(foreign_key="household.id", primary_key=True)
    cadre_id: int = Field(foreign_key="cadre.id", primary_key=True, index=True)
    assigned_on: dt.date


class CadreRelative(SQLModel, table=True):
    """A relative of a cadre: a household or a person's ID number (conflict-of-interest)."""

    __tablename__ = "cadre_relative"
    id: int | None = Field(default=None, primary_key=True)
    cadre_id: int = Field(foreign_key="cadre.id", index=True)
    household_id: int | None = Field(default=None, foreign_key="household.id", index=True)
    id_number: str | None = Field(default=None, max_length=18, index=True)
    relation: str | None = Field(default=None, max_length=40)


class Visit(SQLModel, table=True):
    __tablename__ = "visit"
    __table_args__ = (
        Index("ix_visit_household_date_kind", "household_id", "visit_date", "id", "kind"),
    )
    id: int | None = Field(default=None, primary_key=True)
    household_id: int = Field(foreign_key="household.id")
    visit_date: dt.date = Field(index=True)
    kind: str = Field(max_length=20)
    notes: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    next_date: dt.date | None = None
    recorded_at: dt.datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime, nullable=False)
    )
    operator: str = Field(max_length=100)


class VisitCadre(SQLModel, table=True):
    __tablename__ = "visit_cadre"
    visit_id: int = Field(foreign_key="visit.id", primary_key=True)
    cadre_id: int = Field(foreign_key="cadre.id", primary_key=True, index=True)


class VisitItem(SQLModel, table=True):
    """What a visit heard or gave that is not a commitment: suggestions, wishes, gifts."""

    __tablename__ = "visit_item"
    id: int | None = Field(default=None, primary_key=True)
    visit_id: int = Field(foreign_key="visit.id", index=True)
    kind: str = Field(max_length=20)
    text: str = Field(max_length=2000)


class Commitment(SQLModel, table=True):
    __tablename__ = "commitment"
    __table_args__ = (Index("ix_commitment_status_due", "status", "due_date"),)
    id: int | None = Field(default=None, primary_key=True)
    household_id: int = Field(foreign_key="household.id", index=True)
    visit_id: int | None = Field(default=None, foreign_key="visit.id", index=True)
    text: str = Field(max_length=2000)
    cadre_id: int = Field(foreign_key="cadre.id", index=True)
    due_date: dt.date
    status: str = Field(default="open", max_length=20)
    opened_on: dt.date
    closed_on: dt.date | None = None
    resolution: str | None = Field(default=None, max_length=2000)
    referred_to: str | None = Field(default=None, max_length=200)


class CommitmentResponse(SQLModel, table=True):
    __tablename__ = "commitment_response"
    id: int | None = Field(default=None, primary_key=True)
    commitment_id: int = Field(foreign_key="commitment.id", index=True)
    response_date: dt.date
    action: str = Field(max_length=20)  # respond / resolve / refer / cannot-resolve
    note: str = Field(max_length=2000)
    operator: str = Field(max_length=100)


class AuditLog(SQLModel, table=True):
    """Who changed what and when: one row per object written, never updated."""

    __tablename__ = "audit_log"
    id: int | None = Field(default=None, primary_key=True)
    at: dt.datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime, nullable=False, index=True)
    )
    operator: str = Field(max_length=100)
    command: str = Field(max_length=100)
    action: str = Field(max_length=40)
    object_type: str = Field(max_length=40)
    object_key: str = Field(max_length=100, index=True)
    before: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    after: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


LEDGER_KINDS = ("allocate", "disburse", "reverse")


class Fund(SQLModel, table=True):
    """A ring-fenced pot of money (专款): who may receive it, how much, and when."""

    __tablename__ = "fund"
    code: str = Field(primary_key=True, max_length=40)
    name: str = Field(max_length=200)
    source: str | None = Field(default=None, max_length=200)
    cap_fen: int | None = Field(default=None, sa_type=BigInteger)
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    created_on: dt.date


class FundCategory(SQLModel, table=True):
    __tablename__ = "fund_category"
    fund_code: str = Field(foreign_key="fund.code", primary_key=True, max_length=40)
    category_code: str = Field(foreign_key="category.code", primary_key=True, max_length=40)


class LedgerEntry(SQLModel, table=True):
    """One append-only money movement; see :mod:`zoufang.services.ledger` for the chain.

    Never updated or deleted (database triggers refuse it). ``seq`` is contiguous from 1,
    assigned inside the writing transaction; ``hash`` covers the canonical form of every
    field and the previous entry's hash.
    """

    __tablename__ = "ledger_entry"
    __table_args__ = (
        Index("ix_ledger_entry_fund_household", "fund_code", "household_code"),
        Index("ix_ledger_entry_household_date", "household_code", "entry_date"),
    )
    seq: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    fund_code: str = Field(foreign_key="fund.code", max_length=40)
    kind: str = Field(max_length=10)
    amount_fen: int = Field(sa_type=BigInteger)
    household_code: str | None = Field(default=None, foreign_key="household.code", max_length=20)
    visit_id: int | None = Field(default=None, foreign_key="visit.id")
    entry_date: dt.date
    cadre_code: str | None = Field(default=None, foreign_key="cadre.code", max_length=40)
    operator: str = Field(max_length=100)
    memo: str | None = Field(default=None, max_length=500)
    reverses_seq: int | None = Field(default=None, foreign_key="ledger_entry.seq", index=True)
    override_reason: str | None = Field(default=None, max_length=500)
    recorded_at: dt.datetime = Field(sa_column=Column(DateTime, nullable=False))
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64, unique=True)


__all__ = [
    "Fund",
    "FundCategory",
    "LedgerEntry",
    "AuditLog",
    "Assignment",
    "Cadre",
    "CadreRelative",
    "Category",
    "Commitment",
    "CommitmentResponse",
    "Household",
    "HouseholdCategory",
    "Member",
    "Visit",
    "VisitCadre",
    "VisitItem",
    "ReminderLog",
]


class ReminderLog(SQLModel, table=True):
    """One item told to one recipient by one channel on one day (``zoufang remind``).

    ``remind`` reads it to stay quiet about what a recipient was already told: an item is
    not sent again by the same channel within ``--every`` days unless its ``level`` (whole
    weeks overdue) has risen. ``recipient`` is a cadre code or ``supervisor``; ``item_key``
    is ``visit:H000001`` or ``commitment:12``.
    """

    __tablename__ = "reminder_log"
    __table_args__ = (Index("ix_reminder_log_channel_sent_on", "channel", "sent_on"),)
    id: int | None = Field(default=None, primary_key=True)
    recipient: str = Field(max_length=200)
    item_key: str = Field(max_length=60)
    level: int
    channel: str = Field(max_length=40)
    sent_on: dt.date
    sent_at: dt.datetime = Field(default_factory=utcnow, sa_column=Column(DateTime, nullable=False))
