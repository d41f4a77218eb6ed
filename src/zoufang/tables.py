"""The ledger's schema, declared once: every table, column, key and index (SQLAlchemy Core).

Everything that talks to the database starts from these declarations:

* the ORM classes in :mod:`zoufang.models` are mapped onto these very ``Table`` objects
  (each field's column *is* the column below), so the models cannot drift from them;
* the county-wide services (`due`, `audit funds`, `report`, `visit log`) query them with
  Core, without importing SQLModel, pydantic and the models;
* Alembic compares the migrations with :data:`metadata` (``migrations/env.py``), and
  ``tests/test_migrations.py`` checks that a blank ledger migrated to head has exactly this
  schema on SQLite and PostgreSQL;
* :func:`max_length` reads a text column's length: every text option's limit comes from it
  (:func:`zoufang.services.limits.column_limit`), and `db copy` checks every row against it
  before writing.

What a declaration cannot hold lives in the migrations and is checked by the same tests: the
triggers that make ``ledger_entry``, ``plan_event``, ``plan_payment``, ``correction``,
``wish_event`` and ``suggestion_answer`` append-only.

Money is always an integer number of fen (``*_fen`` columns, 64-bit). Dates are ``date``
columns; timestamps are naive UTC, to the second (:func:`utcnow`). Codes (``H000001``,
``C0001``, category and fund codes) are what people type; integer ids are what rows join on.
"""

from __future__ import annotations

import datetime as dt
import functools

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    FetchedValue,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    TableClause,
    Text,
    UniqueConstraint,
    column,
    false,
)
from sqlalchemy import table as table_clause
from sqlalchemy.types import JSON, TypeDecorator

metadata = MetaData()


class JSONDocument(TypeDecorator):
    """JSON, stored as PostgreSQL's ``JSONB`` there (``JSON().with_variant(JSONB(),
    "postgresql")``, the type migration 0014 creates), with PostgreSQL's dialect imported
    only when a PostgreSQL ledger is used: importing it with the tables cost every command
    on a SQLite ledger ~35 ms, asyncio included (docs/benchmarks.md, issue 13)."""

    impl = JSON
    cache_ok = True

    def __init__(self, none_as_null: bool = False):
        super().__init__(none_as_null=none_as_null)
        self.none_as_null = none_as_null

    def load_dialect_impl(self, dialect):
        if dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import JSONB

            return dialect.type_descriptor(JSONB(none_as_null=self.none_as_null))
        return dialect.type_descriptor(JSON(none_as_null=self.none_as_null))


def utcnow() -> dt.datetime:
    """Now, UTC, to the second: how the ledger stores timestamps."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


def max_length(table: Table, column: str) -> int | None:
    """The length a text column holds (None for unbounded ``Text``): where input limits
    should come from, so that what the program accepts is what every backend stores."""
    return getattr(table.c[column].type, "length", None)


@functools.cache
def without_types(table: Table) -> TableClause:
    """The table as a bare Core table clause, the same columns and no type processing: for
    bulk inserts of values already in the database's own form (`demo`, roster import). One
    per table (the bulk writer keeps a plan per table and keys)."""
    return table_clause(table.name, *(column(c.name) for c in table.columns))


category = Table(
    "category",
    metadata,
    Column("code", String(40), primary_key=True),
    Column("label", String(100), nullable=False),
    Column("cadence_days", Integer, nullable=False),
    Column("builtin", Boolean, nullable=False, default=False),
)

household = Table(
    "household",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(20), nullable=False, unique=True),
    Column("head_name", String(100), nullable=False),
    Column("id_number", String(18), nullable=False, unique=True),
    Column("phone", String(40)),
    Column("village", String(100), nullable=False, index=True),
    Column("grid", String(100)),
    Column("address", String(300)),
    Column("members_count", Integer),
    Column("income_fen", BigInteger),
    Column("housing", String(300)),
    Column("health", String(300)),
    Column("employment", String(300)),
    Column("hardship", String(500)),
    Column("cadence_days", Integer),
    # What a roster said that has no column of its own (性别, 年龄, 备注…; migration 0010).
    Column("notes", Text),
    Column("status", String(10), nullable=False, default="active"),
    Column("exit_reason", String(500)),
    Column("exited_on", Date),
    Column("enrolled_on", Date, nullable=False),
    # Derived from the visits (kept in step by services.due.refresh_due_dates in the same
    # transaction as every write that changes them) so that `due` is one indexed query.
    Column("last_visit_on", Date),
    Column("due_date", Date),
    # `due` reads this index alone, in order (migration 0004).
    Index(
        "ix_household_due", "status", "due_date", "code", "head_name", "village", "last_visit_on"
    ),
)

household_category = Table(
    "household_category",
    metadata,
    Column(
        "household_id",
        Integer,
        ForeignKey("household.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("category_code", String(40), ForeignKey("category.code"), primary_key=True, index=True),
)

member = Table(
    "member",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("household_id", Integer, ForeignKey("household.id"), nullable=False, index=True),
    Column("name", String(100), nullable=False),
    Column("relation", String(40), nullable=False),
    Column("birth_year", Integer),
    Column("health", String(300)),
    Column("id_number", String(18), index=True),
    # current / removed (`member remove --reason`: kept, shown as removed; migration 0009)
    Column("status", String(10), nullable=False, default="current", server_default="current"),
)

cadre = Table(
    "cadre",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(40), nullable=False, unique=True),
    Column("name", String(100), nullable=False),
    Column("unit", String(200)),
    Column("phone", String(40)),
    Column("email", String(200)),
    # The PostgreSQL login this cadre works as (`cadre add --login`; migration 0012): on a
    # county server the chain records the paying cadre (``ledger_entry.cadre_code``) and the
    # login that wrote the entry (``operator``, which the database sets to ``session_user``).
    Column("login", String(100)),
    Index("ix_cadre_login", "login", unique=True),
)

assignment = Table(
    "assignment",
    metadata,
    Column("household_id", Integer, ForeignKey("household.id"), primary_key=True),
    Column("cadre_id", Integer, ForeignKey("cadre.id"), primary_key=True, index=True),
    Column("assigned_on", Date, nullable=False),
)

#: A relative of a cadre: a household or a person's ID number (conflict of interest).
cadre_relative = Table(
    "cadre_relative",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("cadre_id", Integer, ForeignKey("cadre.id"), nullable=False, index=True),
    Column("household_id", Integer, ForeignKey("household.id"), index=True),
    Column("id_number", String(18), index=True),
    Column("relation", String(40)),
)

visit = Table(
    "visit",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("household_id", Integer, ForeignKey("household.id"), nullable=False),
    Column("visit_date", Date, nullable=False, index=True),
    Column("kind", String(20), nullable=False),
    Column("notes", Text),
    Column("next_date", Date),
    # The real clock (LedgerSession.recorded_at), set by the writer.
    Column("recorded_at", DateTime, nullable=False, default=utcnow),
    Column("operator", String(100), nullable=False),
    # current / void / superseded (codes.VISIT_STATUSES): only a current visit counts
    # (services.counting.visit_counts); the correction table says who changed it, when, why.
    Column("status", String(12), nullable=False, default="current", server_default="current"),
    # `report` counts kinds per household from this index alone, the status with them so
    # that only the visits that count are counted (migrations 0005, 0009).
    Index(
        "ix_visit_household_date_kind_status", "household_id", "visit_date", "id", "kind", "status"
    ),
)

visit_cadre = Table(
    "visit_cadre",
    metadata,
    Column("visit_id", Integer, ForeignKey("visit.id"), primary_key=True),
    Column("cadre_id", Integer, ForeignKey("cadre.id"), primary_key=True, index=True),
)

#: What a visit heard or gave that is not a commitment: suggestions, wishes, gifts.
visit_item = Table(
    "visit_item",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("visit_id", Integer, ForeignKey("visit.id"), nullable=False, index=True),
    Column("kind", String(20), nullable=False),
    Column("text", String(2000), nullable=False),
)

commitment = Table(
    "commitment",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("household_id", Integer, ForeignKey("household.id"), nullable=False, index=True),
    Column("visit_id", Integer, ForeignKey("visit.id"), index=True),
    Column("text", String(2000), nullable=False),
    Column("cadre_id", Integer, ForeignKey("cadre.id"), nullable=False, index=True),
    Column("due_date", Date, nullable=False),
    Column("status", String(20), nullable=False, default="open"),
    Column("opened_on", Date, nullable=False),
    Column("closed_on", Date),
    Column("resolution", String(2000)),
    Column("referred_to", String(200)),
    Index("ix_commitment_status_due", "status", "due_date"),
)

commitment_response = Table(
    "commitment_response",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("commitment_id", Integer, ForeignKey("commitment.id"), nullable=False, index=True),
    Column("response_date", Date, nullable=False),
    Column("action", String(20), nullable=False),  # respond / resolve / refer / cannot-resolve
    Column("note", String(2000), nullable=False),
    Column("operator", String(100), nullable=False),
    # The real clock (zoufang.clock); NULL for responses recorded before migration 0007,
    # which the audit's date checks skip.
    Column("recorded_at", DateTime),
)

#: A small wish (微心愿) a household told a visit (or `wish add`): open until a cadre, a unit
#: or a volunteer claims it (by a due date), then fulfilled or declined (the household told
#: why); ``void`` with the visit it was heard at. ``cadre_id`` is the responsible cadre (the
#: first visiting cadre); ``entry_seq`` the ledger entry that paid for it, if a fund did.
#: Every step is also a row of the append-only ``wish_event`` (docs/wishes.md).
wish = Table(
    "wish",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("household_id", Integer, ForeignKey("household.id"), nullable=False, index=True),
    Column("visit_id", Integer, ForeignKey("visit.id"), index=True),
    Column("text", String(2000), nullable=False),
    Column("heard_on", Date, nullable=False),
    Column("cadre_id", Integer, ForeignKey("cadre.id"), index=True),
    Column("status", String(12), nullable=False, default="open"),
    Column("claimed_on", Date),
    Column("claimed_cadre_id", Integer, ForeignKey("cadre.id")),
    Column("claimed_unit", String(200)),
    Column("claimed_person", String(100)),
    Column("claimed_phone", String(40)),
    Column("due_date", Date),
    Column("closed_on", Date),
    Column("outcome", String(2000)),
    Column("entry_seq", Integer, ForeignKey("ledger_entry.seq")),
    Index("ix_wish_status_due", "status", "due_date"),
)

#: What was done about a wish, in order, never updated or deleted (triggers of migration
#: 0011): ``claim``, ``fulfil``, ``decline``, ``void``.
wish_event = Table(
    "wish_event",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("wish_id", Integer, ForeignKey("wish.id"), nullable=False, index=True),
    Column("kind", String(12), nullable=False),
    Column("event_date", Date, nullable=False),
    Column("note", String(2000)),
    Column("operator", String(100), nullable=False),
    Column("recorded_at", DateTime, nullable=False, default=utcnow),
)

#: A suggestion (意见建议) heard at a visit (or `suggestion add`): unanswered until it is
#: answered (``answered``, ``adopted`` or ``not-adopted``); ``void`` with its visit.
#: ``cadre_id`` is the responsible cadre (the first visiting cadre); the latest answer is
#: copied here, every answer (and amended answer) is a row of ``suggestion_answer``.
suggestion = Table(
    "suggestion",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("household_id", Integer, ForeignKey("household.id"), nullable=False, index=True),
    Column("visit_id", Integer, ForeignKey("visit.id"), index=True),
    Column("text", String(2000), nullable=False),
    Column("heard_on", Date, nullable=False),
    Column("cadre_id", Integer, ForeignKey("cadre.id"), index=True),
    Column("status", String(12), nullable=False, default="unanswered"),
    Column("answered_on", Date),
    Column("answer", String(2000)),
    Column("answered_by", Integer, ForeignKey("cadre.id")),
    Index("ix_suggestion_status_heard", "status", "heard_on"),
)

#: Every answer given to a suggestion, amendments included, never updated or deleted
#: (triggers of migration 0011). ``stance``: answered / adopted / not-adopted.
suggestion_answer = Table(
    "suggestion_answer",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("suggestion_id", Integer, ForeignKey("suggestion.id"), nullable=False, index=True),
    Column("answer_date", Date, nullable=False),
    Column("stance", String(12), nullable=False),
    Column("note", String(2000), nullable=False),
    Column("cadre_id", Integer, ForeignKey("cadre.id")),
    Column("amends", Boolean, nullable=False, default=False),
    Column("operator", String(100), nullable=False),
    Column("recorded_at", DateTime, nullable=False, default=utcnow),
)

#: Who changed what and when: one row per object written, never updated.
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", DateTime, nullable=False, index=True, default=utcnow),
    Column("operator", String(100), nullable=False),
    Column("command", String(100), nullable=False),
    Column("action", String(40), nullable=False),
    Column("object_type", String(40), nullable=False),
    Column("object_key", String(100), nullable=False, index=True),
    Column("before", Text),
    Column("after", Text),
    # The database transaction that wrote the row (PostgreSQL: a column default of migration
    # 0014, ``txid_current()``; NULL on SQLite): the change trail's rows of a transaction
    # that wrote no audit-log row were made outside zoufang (`audit funds`, unlogged-change).
    Column("txid", BigInteger, server_default=FetchedValue(), index=True),
    # The server whose counter that txid is of (PostgreSQL: its system identifier; a ledger
    # copied to another server keeps its rows' txids, and that server counts them again).
    Column("cluster_id", BigInteger, server_default=FetchedValue()),
)

#: One correction of a record made by mistake (``visit void``/``amend``, ``commitment void``
#: …): who, when, why, and what it changed. Never updated or deleted: triggers made by
#: migration 0009 refuse it, as they do for ``ledger_entry``. The record corrected stays
#: where it is, marked (a visit's or commitment's ``status``); ``object_key`` is its id
#: (or code), ``replaced_by`` the id of the version that replaced it (``amend``), and
#: ``household_id`` the household it belonged to, so a household's corrections are one
#: indexed query. ``changes`` is JSON: ``{"field": [before, after], …}``.
correction = Table(
    "correction",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("object_type", String(20), nullable=False),
    Column("object_key", String(100), nullable=False),
    Column("action", String(20), nullable=False),
    Column("replaced_by", String(100)),
    Column("household_id", Integer, ForeignKey("household.id"), index=True),
    Column("reason", String(500), nullable=False),
    Column("changes", Text),
    Column("operator", String(100), nullable=False),
    Column("at", DateTime, nullable=False),
    Index("ix_correction_object", "object_type", "object_key"),
)

#: A ring-fenced pot of money (专款): who may receive it, how much, and when.
fund = Table(
    "fund",
    metadata,
    Column("code", String(40), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("source", String(200)),
    Column("cap_fen", BigInteger),
    Column("valid_from", Date),
    Column("valid_to", Date),
    Column("created_on", Date, nullable=False),
    # Paid only through approved distribution plans (`fund create --requires-plan`, 0008).
    Column("requires_plan", Boolean, nullable=False, default=False, server_default=false()),
)

fund_category = Table(
    "fund_category",
    metadata,
    Column("fund_code", String(40), ForeignKey("fund.code"), primary_key=True),
    Column("category_code", String(40), ForeignKey("category.code"), primary_key=True),
)

#: One append-only money movement in the hash chain (:mod:`zoufang.chain` describes the
#: canonical form; :mod:`zoufang.services.money_chain` appends). Never updated or deleted:
#: triggers made by migration 0002 refuse it. ``seq`` is contiguous from 1, assigned inside
#: the writing transaction.
ledger_entry = Table(
    "ledger_entry",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("fund_code", String(40), ForeignKey("fund.code"), nullable=False),
    Column("kind", String(10), nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
    Column("household_code", String(20), ForeignKey("household.code")),
    Column("visit_id", Integer, ForeignKey("visit.id")),
    Column("entry_date", Date, nullable=False),
    Column("cadre_code", String(40), ForeignKey("cadre.code")),
    Column("operator", String(100), nullable=False),
    Column("memo", String(500)),
    Column("reverses_seq", Integer, ForeignKey("ledger_entry.seq"), index=True),
    Column("override_reason", String(500)),
    Column("recorded_at", DateTime, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False, unique=True),
    Index("ix_ledger_entry_fund_household", "fund_code", "household_code"),
    Index("ix_ledger_entry_household_date", "household_code", "entry_date"),
)

#: A distribution plan (慰问名单): who is to receive how much from a fund, drafted, approved
#: by another operator, posted, then paid (docs/funds.md, "Distribution plans"). ``code`` is
#: ``FUND/N``, N counting the fund's plans from 1. Its state is not stored here: it is read
#: from its events (an ``approve`` event makes it approved), which are append-only.
plan = Table(
    "plan",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(50), nullable=False, unique=True),
    Column("fund_code", String(40), ForeignKey("fund.code"), nullable=False, index=True),
    Column("number", Integer, nullable=False),
    Column("name", String(200), nullable=False),
    Column("planned_on", Date),
    Column("from_plan_id", Integer, ForeignKey("plan.id")),
    Column("drafted_by", String(100), nullable=False),
    Column("created_at", DateTime, nullable=False, default=utcnow),
)

#: One household on a plan and the amount planned for it. Rows change only while the plan
#: is a draft (add, remove); every change is also a ``plan_event``.
plan_line = Table(
    "plan_line",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("plan_id", Integer, ForeignKey("plan.id"), nullable=False),
    Column("household_code", String(20), ForeignKey("household.code"), nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
    UniqueConstraint("plan_id", "household_code", name="uq_plan_line_plan_household"),
)

#: What happened to a plan, in order, never updated or deleted (triggers of migration 0008):
#: ``create``, ``add``, ``remove``, ``approve`` (note = the minutes), ``override`` (note =
#: the reason), ``object`` and ``resolve`` (``decision`` keep/remove) — the evidence of who
#: drafted, approved, overrode and decided what.
plan_event = Table(
    "plan_event",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("plan_id", Integer, ForeignKey("plan.id"), nullable=False, index=True),
    Column("kind", String(20), nullable=False),
    Column("household_code", String(20)),
    Column("amount_fen", BigInteger),
    Column("decision", String(10)),
    Column("note", String(500)),
    Column("operator", String(100), nullable=False),
    Column("at", DateTime, nullable=False, default=utcnow),
)

#: Which ledger entry paid which plan line: a link beside the chain, so that the chain's
#: canonical form (docs/funds.md) is unchanged. Append-only (triggers of migration 0008).
plan_payment = Table(
    "plan_payment",
    metadata,
    Column("entry_seq", Integer, ForeignKey("ledger_entry.seq"), primary_key=True),
    Column("plan_line_id", Integer, ForeignKey("plan_line.id"), nullable=False, index=True),
)

#: One item told to one recipient by one channel on one day (``zoufang remind``), so that
#: `remind` stays quiet about what a recipient was already told: an item is not sent again
#: by the same channel within ``--every`` days unless its ``level`` (whole weeks overdue)
#: has risen. ``recipient`` is a cadre code or ``supervisor``; ``item_key`` is
#: ``visit:H000001`` or ``commitment:12``.
reminder_log = Table(
    "reminder_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("recipient", String(200), nullable=False),
    Column("item_key", String(60), nullable=False),
    Column("level", Integer, nullable=False),
    Column("channel", String(40), nullable=False),
    Column("sent_on", Date, nullable=False),
    Column("sent_at", DateTime, nullable=False, default=utcnow),
    Index("ix_reminder_log_channel_sent_on", "channel", "sent_on"),
)

#: The dated, append-only history of every fact a payment rule reads (:mod:`zoufang.fact_chain`
#: describes the canonical form; :mod:`zoufang.services.fact_history` appends and reads). A
#: period runs from a row's ``effective_from`` until the next row's for the same subject and
#: fact; rows are never updated or deleted (triggers made by migration 0006 refuse it).
#: ``ledger_seq`` is how many ledger entries existed when the change was recorded: a payment
#: is judged by the changes recorded before it. ``value`` is canonical JSON text.
fact_change = Table(
    "fact_change",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("subject_kind", String(10), nullable=False),
    Column("subject", String(40), nullable=False),
    Column("fact", String(20), nullable=False),
    Column("value", Text, nullable=False),
    Column("effective_from", Date, nullable=False),
    Column("ledger_seq", Integer, nullable=False),
    Column("origin", String(10), nullable=False),
    Column("recorded_at", DateTime, nullable=False),
    Column("operator", String(100), nullable=False),
    Column("reason", String(500)),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False, unique=True),
    Index("ix_fact_change_subject", "subject_kind", "subject", "fact", "effective_from"),
)


#: Who may do what on a PostgreSQL ledger (`zoufang user add`; migration 0012; docs/security.md):
#: one row per login zoufang manages, its role kind (``codes.USER_ROLES``) and whether it is
#: still active (``user revoke`` keeps the row). The database's row-level security policies
#: read it through SECURITY DEFINER functions; on a SQLite ledger it stays empty.
login_role = Table(
    "login_role",
    metadata,
    Column("login", String(100), primary_key=True),
    Column("role", String(10), nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("changed_at", DateTime, nullable=False, default=utcnow),
    Column("changed_by", String(100), nullable=False),
)

#: The villages a login works in (``user add --village``): the scope of its row-level security.
#: A cadre has at least one; an officer without any works in every village.
login_village = Table(
    "login_village",
    metadata,
    Column("login", String(100), ForeignKey("login_role.login"), primary_key=True),
    Column("village", String(100), primary_key=True),
)


#: The database's own trail of every change to the tables with village data (migration 0014;
#: docs/security.md): on PostgreSQL statement-level triggers append one row per row inserted,
#: updated or deleted, whoever wrote it and however (zoufang or psql): the login
#: (``session_user``), the time, the transaction (``txid_current()``), the table, the
#: operation, the row's key and its old and new values. Nobody but the schema owner may
#: write it, and nobody may update or delete it (triggers). Empty on a SQLite ledger, whose
#: one user owns the file and could drop any trigger.
change_trail = Table(
    "change_trail",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", DateTime, nullable=False),
    Column("login", String(100), nullable=False),
    Column("txid", BigInteger, nullable=False, index=True),
    Column("cluster_id", BigInteger),
    Column("table_name", String(63), nullable=False),
    Column("operation", String(6), nullable=False),
    Column("row_key", String(200), nullable=False),
    Column("old_values", JSONDocument(none_as_null=True)),
    Column("new_values", JSONDocument(none_as_null=True)),
)
