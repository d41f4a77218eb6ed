"""The ORM classes (SQLModel), mapped onto the one schema declaration in :mod:`zoufang.tables`.

Each class takes its table from there (``__table__``) and each field *is* that table's column
(``sa_column``): names, types, lengths, keys and indexes are declared once, in
:mod:`zoufang.tables`; what a class adds is the Python type of each field and its default,
for the services that work with objects. ``tests/test_migrations.py`` checks that every
class has a field for each of its table's columns with a matching Python type.

Importing this module loads SQLModel and pydantic; the county-wide services query the Core
tables instead and never import it.
"""

from __future__ import annotations

import datetime as dt

from sqlmodel import Field, SQLModel

from zoufang import tables
from zoufang.codes import COMMITMENT_CLOSED as COMMITMENT_CLOSED
from zoufang.codes import COMMITMENT_STATUSES as COMMITMENT_STATUSES
from zoufang.codes import HOUSEHOLD_ACTIVE as HOUSEHOLD_ACTIVE
from zoufang.codes import HOUSEHOLD_EXITED as HOUSEHOLD_EXITED
from zoufang.codes import VISIT_ITEM_KINDS as VISIT_ITEM_KINDS
from zoufang.codes import VISIT_KINDS as VISIT_KINDS
from zoufang.tables import utcnow as utcnow

_category = tables.category.c
_household = tables.household.c
_household_category = tables.household_category.c
_member = tables.member.c
_cadre = tables.cadre.c
_assignment = tables.assignment.c
_cadre_relative = tables.cadre_relative.c
_visit = tables.visit.c
_visit_cadre = tables.visit_cadre.c
_visit_item = tables.visit_item.c
_commitment = tables.commitment.c
_commitment_response = tables.commitment_response.c
_audit_log = tables.audit_log.c
_correction = tables.correction.c
_fund = tables.fund.c
_fund_category = tables.fund_category.c
_ledger_entry = tables.ledger_entry.c
_fact_change = tables.fact_change.c
_reminder_log = tables.reminder_log.c
_plan = tables.plan.c
_plan_line = tables.plan_line.c
_plan_event = tables.plan_event.c
_plan_payment = tables.plan_payment.c


class Category(SQLModel, table=True):
    __table__ = tables.category
    code: str = Field(sa_column=_category.code)
    label: str = Field(sa_column=_category.label)
    cadence_days: int = Field(sa_column=_category.cadence_days)
    builtin: bool = Field(default=False, sa_column=_category.builtin)


class Household(SQLModel, table=True):
    __table__ = tables.household
    id: int | None = Field(default=None, sa_column=_household.id)
    code: str = Field(sa_column=_household.code)
    head_name: str = Field(sa_column=_household.head_name)
    id_number: str = Field(sa_column=_household.id_number)
    phone: str | None = Field(default=None, sa_column=_household.phone)
    village: str = Field(sa_column=_household.village)
    grid: str | None = Field(default=None, sa_column=_household.grid)
    address: str | None = Field(default=None, sa_column=_household.address)
    members_count: int | None = Field(default=None, sa_column=_household.members_count)
    income_fen: int | None = Field(default=None, sa_column=_household.income_fen)
    housing: str | None = Field(default=None, sa_column=_household.housing)
    health: str | None = Field(default=None, sa_column=_household.health)
    employment: str | None = Field(default=None, sa_column=_household.employment)
    hardship: str | None = Field(default=None, sa_column=_household.hardship)
    cadence_days: int | None = Field(default=None, sa_column=_household.cadence_days)
    notes: str | None = Field(default=None, sa_column=_household.notes)
    status: str = Field(default=HOUSEHOLD_ACTIVE, sa_column=_household.status)
    exit_reason: str | None = Field(default=None, sa_column=_household.exit_reason)
    exited_on: dt.date | None = Field(default=None, sa_column=_household.exited_on)
    enrolled_on: dt.date = Field(sa_column=_household.enrolled_on)
    last_visit_on: dt.date | None = Field(default=None, sa_column=_household.last_visit_on)
    due_date: dt.date | None = Field(default=None, sa_column=_household.due_date)


class HouseholdCategory(SQLModel, table=True):
    __table__ = tables.household_category
    household_id: int = Field(sa_column=_household_category.household_id)
    category_code: str = Field(sa_column=_household_category.category_code)


class Member(SQLModel, table=True):
    __table__ = tables.member
    id: int | None = Field(default=None, sa_column=_member.id)
    household_id: int = Field(sa_column=_member.household_id)
    name: str = Field(sa_column=_member.name)
    relation: str = Field(sa_column=_member.relation)
    birth_year: int | None = Field(default=None, sa_column=_member.birth_year)
    health: str | None = Field(default=None, sa_column=_member.health)
    id_number: str | None = Field(default=None, sa_column=_member.id_number)
    status: str = Field(default="current", sa_column=_member.status)


class Cadre(SQLModel, table=True):
    __table__ = tables.cadre
    id: int | None = Field(default=None, sa_column=_cadre.id)
    code: str = Field(sa_column=_cadre.code)
    name: str = Field(sa_column=_cadre.name)
    unit: str | None = Field(default=None, sa_column=_cadre.unit)
    phone: str | None = Field(default=None, sa_column=_cadre.phone)
    email: str | None = Field(default=None, sa_column=_cadre.email)
    login: str | None = Field(default=None, sa_column=_cadre.login)


class Assignment(SQLModel, table=True):
    __table__ = tables.assignment
    household_id: int = Field(sa_column=_assignment.household_id)
    cadre_id: int = Field(sa_column=_assignment.cadre_id)
    assigned_on: dt.date = Field(sa_column=_assignment.assigned_on)


class CadreRelative(SQLModel, table=True):
    """A relative of a cadre: a household or a person's ID number (conflict-of-interest)."""

    __table__ = tables.cadre_relative
    id: int | None = Field(default=None, sa_column=_cadre_relative.id)
    cadre_id: int = Field(sa_column=_cadre_relative.cadre_id)
    household_id: int | None = Field(default=None, sa_column=_cadre_relative.household_id)
    id_number: str | None = Field(default=None, sa_column=_cadre_relative.id_number)
    relation: str | None = Field(default=None, sa_column=_cadre_relative.relation)


class Visit(SQLModel, table=True):
    __table__ = tables.visit
    id: int | None = Field(default=None, sa_column=_visit.id)
    household_id: int = Field(sa_column=_visit.household_id)
    visit_date: dt.date = Field(sa_column=_visit.visit_date)
    kind: str = Field(sa_column=_visit.kind)
    notes: str | None = Field(default=None, sa_column=_visit.notes)
    next_date: dt.date | None = Field(default=None, sa_column=_visit.next_date)
    recorded_at: dt.datetime = Field(default_factory=utcnow, sa_column=_visit.recorded_at)
    operator: str = Field(sa_column=_visit.operator)
    status: str = Field(default="current", sa_column=_visit.status)


class VisitCadre(SQLModel, table=True):
    __table__ = tables.visit_cadre
    visit_id: int = Field(sa_column=_visit_cadre.visit_id)
    cadre_id: int = Field(sa_column=_visit_cadre.cadre_id)


class VisitItem(SQLModel, table=True):
    """What a visit heard or gave that is not a commitment: suggestions, wishes, gifts."""

    __table__ = tables.visit_item
    id: int | None = Field(default=None, sa_column=_visit_item.id)
    visit_id: int = Field(sa_column=_visit_item.visit_id)
    kind: str = Field(sa_column=_visit_item.kind)
    text: str = Field(sa_column=_visit_item.text)


class Commitment(SQLModel, table=True):
    __table__ = tables.commitment
    id: int | None = Field(default=None, sa_column=_commitment.id)
    household_id: int = Field(sa_column=_commitment.household_id)
    visit_id: int | None = Field(default=None, sa_column=_commitment.visit_id)
    text: str = Field(sa_column=_commitment.text)
    cadre_id: int = Field(sa_column=_commitment.cadre_id)
    due_date: dt.date = Field(sa_column=_commitment.due_date)
    status: str = Field(default="open", sa_column=_commitment.status)
    opened_on: dt.date = Field(sa_column=_commitment.opened_on)
    closed_on: dt.date | None = Field(default=None, sa_column=_commitment.closed_on)
    resolution: str | None = Field(default=None, sa_column=_commitment.resolution)
    referred_to: str | None = Field(default=None, sa_column=_commitment.referred_to)


class CommitmentResponse(SQLModel, table=True):
    __table__ = tables.commitment_response
    id: int | None = Field(default=None, sa_column=_commitment_response.id)
    commitment_id: int = Field(sa_column=_commitment_response.commitment_id)
    response_date: dt.date = Field(sa_column=_commitment_response.response_date)
    action: str = Field(sa_column=_commitment_response.action)
    note: str = Field(sa_column=_commitment_response.note)
    operator: str = Field(sa_column=_commitment_response.operator)
    recorded_at: dt.datetime | None = Field(
        default=None, sa_column=_commitment_response.recorded_at
    )


_wish = tables.wish.c
_wish_event = tables.wish_event.c
_suggestion = tables.suggestion.c
_suggestion_answer = tables.suggestion_answer.c


class Wish(SQLModel, table=True):
    """A small wish (微心愿); services/wishes.py works on the table with Core."""

    __table__ = tables.wish
    id: int | None = Field(default=None, sa_column=_wish.id)
    household_id: int = Field(sa_column=_wish.household_id)
    visit_id: int | None = Field(default=None, sa_column=_wish.visit_id)
    text: str = Field(sa_column=_wish.text)
    heard_on: dt.date = Field(sa_column=_wish.heard_on)
    cadre_id: int | None = Field(default=None, sa_column=_wish.cadre_id)
    status: str = Field(default="open", sa_column=_wish.status)
    claimed_on: dt.date | None = Field(default=None, sa_column=_wish.claimed_on)
    claimed_cadre_id: int | None = Field(default=None, sa_column=_wish.claimed_cadre_id)
    claimed_unit: str | None = Field(default=None, sa_column=_wish.claimed_unit)
    claimed_person: str | None = Field(default=None, sa_column=_wish.claimed_person)
    claimed_phone: str | None = Field(default=None, sa_column=_wish.claimed_phone)
    due_date: dt.date | None = Field(default=None, sa_column=_wish.due_date)
    closed_on: dt.date | None = Field(default=None, sa_column=_wish.closed_on)
    outcome: str | None = Field(default=None, sa_column=_wish.outcome)
    entry_seq: int | None = Field(default=None, sa_column=_wish.entry_seq)


class WishEvent(SQLModel, table=True):
    __table__ = tables.wish_event
    id: int | None = Field(default=None, sa_column=_wish_event.id)
    wish_id: int = Field(sa_column=_wish_event.wish_id)
    kind: str = Field(sa_column=_wish_event.kind)
    event_date: dt.date = Field(sa_column=_wish_event.event_date)
    note: str | None = Field(default=None, sa_column=_wish_event.note)
    operator: str = Field(sa_column=_wish_event.operator)
    recorded_at: dt.datetime = Field(default_factory=utcnow, sa_column=_wish_event.recorded_at)


class Suggestion(SQLModel, table=True):
    """A suggestion (意见建议); services/suggestions.py works on the table with Core."""

    __table__ = tables.suggestion
    id: int | None = Field(default=None, sa_column=_suggestion.id)
    household_id: int = Field(sa_column=_suggestion.household_id)
    visit_id: int | None = Field(default=None, sa_column=_suggestion.visit_id)
    text: str = Field(sa_column=_suggestion.text)
    heard_on: dt.date = Field(sa_column=_suggestion.heard_on)
    cadre_id: int | None = Field(default=None, sa_column=_suggestion.cadre_id)
    status: str = Field(default="unanswered", sa_column=_suggestion.status)
    answered_on: dt.date | None = Field(default=None, sa_column=_suggestion.answered_on)
    answer: str | None = Field(default=None, sa_column=_suggestion.answer)
    answered_by: int | None = Field(default=None, sa_column=_suggestion.answered_by)


class SuggestionAnswer(SQLModel, table=True):
    __table__ = tables.suggestion_answer
    id: int | None = Field(default=None, sa_column=_suggestion_answer.id)
    suggestion_id: int = Field(sa_column=_suggestion_answer.suggestion_id)
    answer_date: dt.date = Field(sa_column=_suggestion_answer.answer_date)
    stance: str = Field(sa_column=_suggestion_answer.stance)
    note: str = Field(sa_column=_suggestion_answer.note)
    cadre_id: int | None = Field(default=None, sa_column=_suggestion_answer.cadre_id)
    amends: bool = Field(default=False, sa_column=_suggestion_answer.amends)
    operator: str = Field(sa_column=_suggestion_answer.operator)
    recorded_at: dt.datetime = Field(
        default_factory=utcnow, sa_column=_suggestion_answer.recorded_at
    )


class AuditLog(SQLModel, table=True):
    """Who changed what and when: one row per object written, never updated."""

    __table__ = tables.audit_log
    id: int | None = Field(default=None, sa_column=_audit_log.id)
    at: dt.datetime = Field(default_factory=utcnow, sa_column=_audit_log.at)
    operator: str = Field(sa_column=_audit_log.operator)
    command: str = Field(sa_column=_audit_log.command)
    action: str = Field(sa_column=_audit_log.action)
    object_type: str = Field(sa_column=_audit_log.object_type)
    object_key: str = Field(sa_column=_audit_log.object_key)
    before: str | None = Field(default=None, sa_column=_audit_log.before)
    after: str | None = Field(default=None, sa_column=_audit_log.after)
    txid: int | None = Field(default=None, sa_column=_audit_log.txid)
    cluster_id: int | None = Field(default=None, sa_column=_audit_log.cluster_id)


class Correction(SQLModel, table=True):
    """One correction of a record made by mistake: who, when, why (append-only)."""

    __table__ = tables.correction
    id: int | None = Field(default=None, sa_column=_correction.id)
    object_type: str = Field(sa_column=_correction.object_type)
    object_key: str = Field(sa_column=_correction.object_key)
    action: str = Field(sa_column=_correction.action)
    replaced_by: str | None = Field(default=None, sa_column=_correction.replaced_by)
    household_id: int | None = Field(default=None, sa_column=_correction.household_id)
    reason: str = Field(sa_column=_correction.reason)
    changes: str | None = Field(default=None, sa_column=_correction.changes)
    operator: str = Field(sa_column=_correction.operator)
    at: dt.datetime = Field(default_factory=utcnow, sa_column=_correction.at)


class Fund(SQLModel, table=True):
    """A ring-fenced pot of money (专款): who may receive it, how much, and when."""

    __table__ = tables.fund
    code: str = Field(sa_column=_fund.code)
    name: str = Field(sa_column=_fund.name)
    source: str | None = Field(default=None, sa_column=_fund.source)
    cap_fen: int | None = Field(default=None, sa_column=_fund.cap_fen)
    valid_from: dt.date | None = Field(default=None, sa_column=_fund.valid_from)
    valid_to: dt.date | None = Field(default=None, sa_column=_fund.valid_to)
    created_on: dt.date = Field(sa_column=_fund.created_on)
    requires_plan: bool = Field(default=False, sa_column=_fund.requires_plan)


class FundCategory(SQLModel, table=True):
    __table__ = tables.fund_category
    fund_code: str = Field(sa_column=_fund_category.fund_code)
    category_code: str = Field(sa_column=_fund_category.category_code)


class LedgerEntry(SQLModel, table=True):
    """One append-only money movement (see :data:`zoufang.tables.ledger_entry`)."""

    __table__ = tables.ledger_entry
    seq: int = Field(sa_column=_ledger_entry.seq)
    fund_code: str = Field(sa_column=_ledger_entry.fund_code)
    kind: str = Field(sa_column=_ledger_entry.kind)
    amount_fen: int = Field(sa_column=_ledger_entry.amount_fen)
    household_code: str | None = Field(default=None, sa_column=_ledger_entry.household_code)
    visit_id: int | None = Field(default=None, sa_column=_ledger_entry.visit_id)
    entry_date: dt.date = Field(sa_column=_ledger_entry.entry_date)
    cadre_code: str | None = Field(default=None, sa_column=_ledger_entry.cadre_code)
    operator: str = Field(sa_column=_ledger_entry.operator)
    memo: str | None = Field(default=None, sa_column=_ledger_entry.memo)
    reverses_seq: int | None = Field(default=None, sa_column=_ledger_entry.reverses_seq)
    override_reason: str | None = Field(default=None, sa_column=_ledger_entry.override_reason)
    recorded_at: dt.datetime = Field(sa_column=_ledger_entry.recorded_at)
    prev_hash: str = Field(sa_column=_ledger_entry.prev_hash)
    hash: str = Field(sa_column=_ledger_entry.hash)


class FactChange(SQLModel, table=True):
    """One append-only change of a dated fact (see :data:`zoufang.tables.fact_change`)."""

    __table__ = tables.fact_change
    seq: int = Field(sa_column=_fact_change.seq)
    subject_kind: str = Field(sa_column=_fact_change.subject_kind)
    subject: str = Field(sa_column=_fact_change.subject)
    fact: str = Field(sa_column=_fact_change.fact)
    value: str = Field(sa_column=_fact_change.value)
    effective_from: dt.date = Field(sa_column=_fact_change.effective_from)
    ledger_seq: int = Field(sa_column=_fact_change.ledger_seq)
    origin: str = Field(sa_column=_fact_change.origin)
    recorded_at: dt.datetime = Field(sa_column=_fact_change.recorded_at)
    operator: str = Field(sa_column=_fact_change.operator)
    reason: str | None = Field(default=None, sa_column=_fact_change.reason)
    prev_hash: str = Field(sa_column=_fact_change.prev_hash)
    hash: str = Field(sa_column=_fact_change.hash)


class ReminderLog(SQLModel, table=True):
    """One item told to one recipient by one channel on one day (``zoufang remind``)."""

    __table__ = tables.reminder_log
    id: int | None = Field(default=None, sa_column=_reminder_log.id)
    recipient: str = Field(sa_column=_reminder_log.recipient)
    item_key: str = Field(sa_column=_reminder_log.item_key)
    level: int = Field(sa_column=_reminder_log.level)
    channel: str = Field(sa_column=_reminder_log.channel)
    sent_on: dt.date = Field(sa_column=_reminder_log.sent_on)
    sent_at: dt.datetime = Field(default_factory=utcnow, sa_column=_reminder_log.sent_at)


class Plan(SQLModel, table=True):
    """A distribution plan (慰问名单) of a fund."""

    __table__ = tables.plan
    id: int | None = Field(default=None, sa_column=_plan.id)
    code: str = Field(sa_column=_plan.code)
    fund_code: str = Field(sa_column=_plan.fund_code)
    number: int = Field(sa_column=_plan.number)
    name: str = Field(sa_column=_plan.name)
    planned_on: dt.date | None = Field(default=None, sa_column=_plan.planned_on)
    from_plan_id: int | None = Field(default=None, sa_column=_plan.from_plan_id)
    drafted_by: str = Field(sa_column=_plan.drafted_by)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_column=_plan.created_at)


class PlanLine(SQLModel, table=True):
    """One household on a plan and its planned amount."""

    __table__ = tables.plan_line
    id: int | None = Field(default=None, sa_column=_plan_line.id)
    plan_id: int = Field(sa_column=_plan_line.plan_id)
    household_code: str = Field(sa_column=_plan_line.household_code)
    amount_fen: int = Field(sa_column=_plan_line.amount_fen)


class PlanEvent(SQLModel, table=True):
    """What happened to a plan (append-only)."""

    __table__ = tables.plan_event
    id: int | None = Field(default=None, sa_column=_plan_event.id)
    plan_id: int = Field(sa_column=_plan_event.plan_id)
    kind: str = Field(sa_column=_plan_event.kind)
    household_code: str | None = Field(default=None, sa_column=_plan_event.household_code)
    amount_fen: int | None = Field(default=None, sa_column=_plan_event.amount_fen)
    decision: str | None = Field(default=None, sa_column=_plan_event.decision)
    note: str | None = Field(default=None, sa_column=_plan_event.note)
    operator: str = Field(sa_column=_plan_event.operator)
    at: dt.datetime = Field(default_factory=utcnow, sa_column=_plan_event.at)


class PlanPayment(SQLModel, table=True):
    """The ledger entry that paid a plan line (append-only)."""

    __table__ = tables.plan_payment
    entry_seq: int = Field(sa_column=_plan_payment.entry_seq)
    plan_line_id: int = Field(sa_column=_plan_payment.plan_line_id)


class LoginRole(SQLModel, table=True):
    """A login `zoufang user add` manages on a PostgreSQL ledger, and its role kind."""

    __table__ = tables.login_role
    login: str = Field(sa_column=tables.login_role.c.login)
    role: str = Field(sa_column=tables.login_role.c.role)
    active: bool = Field(default=True, sa_column=tables.login_role.c.active)
    changed_at: dt.datetime = Field(
        default_factory=utcnow, sa_column=tables.login_role.c.changed_at
    )
    changed_by: str = Field(sa_column=tables.login_role.c.changed_by)


class LoginVillage(SQLModel, table=True):
    """A village a login works in."""

    __table__ = tables.login_village
    login: str = Field(sa_column=tables.login_village.c.login)
    village: str = Field(sa_column=tables.login_village.c.village)


class ChangeTrail(SQLModel, table=True):
    """One row changed in a table with village data, as the database recorded it."""

    __table__ = tables.change_trail
    id: int | None = Field(default=None, sa_column=tables.change_trail.c.id)
    at: dt.datetime = Field(sa_column=tables.change_trail.c.at)
    login: str = Field(sa_column=tables.change_trail.c.login)
    txid: int = Field(sa_column=tables.change_trail.c.txid)
    cluster_id: int | None = Field(default=None, sa_column=tables.change_trail.c.cluster_id)
    table_name: str = Field(sa_column=tables.change_trail.c.table_name)
    operation: str = Field(sa_column=tables.change_trail.c.operation)
    row_key: str = Field(sa_column=tables.change_trail.c.row_key)
    old_values: object | None = Field(default=None, sa_column=tables.change_trail.c.old_values)
    new_values: object | None = Field(default=None, sa_column=tables.change_trail.c.new_values)


__all__ = [
    "ChangeTrail",
    "Assignment",
    "AuditLog",
    "Cadre",
    "CadreRelative",
    "Category",
    "Commitment",
    "CommitmentResponse",
    "Correction",
    "Fund",
    "FundCategory",
    "Household",
    "HouseholdCategory",
    "LedgerEntry",
    "LoginRole",
    "LoginVillage",
    "Member",
    "Plan",
    "PlanEvent",
    "PlanLine",
    "PlanPayment",
    "ReminderLog",
    "Visit",
    "VisitCadre",
    "VisitItem",
]
