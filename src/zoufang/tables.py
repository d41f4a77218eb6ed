"""The ledger's tables for SQLAlchemy Core: names and the columns the Core services use.

`due`, `audit funds` and `report` query county-wide, and `visit log` writes a visit, each
without importing SQLModel, pydantic and the models (a third of a second); they use these
light declarations instead of the SQLModel classes. The schema itself is the migrations' (and :mod:`zoufang.models` mirrors it);
``tests/test_migrations.py`` checks that every column declared here exists in the models
with the same type.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Date, DateTime, Integer, String, Text, column
from sqlalchemy import table as table_clause


def utcnow() -> dt.datetime:
    """Now, UTC, to the second: how the ledger stores timestamps."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


household = table_clause(
    "household",
    column("id", Integer),
    column("code", String),
    column("head_name", String),
    column("id_number", String),
    column("village", String),
    column("status", String),
    column("cadence_days", Integer),
    column("enrolled_on", Date),
    column("exited_on", Date),
    column("exit_reason", String),
    column("last_visit_on", Date),
    column("due_date", Date),
)
household_category = table_clause(
    "household_category", column("household_id", Integer), column("category_code", String)
)
category = table_clause(
    "category", column("code", String), column("label", String), column("cadence_days", Integer)
)
member = table_clause("member", column("household_id", Integer), column("id_number", String))
cadre = table_clause("cadre", column("id", Integer), column("code", String), column("name", String))
cadre_relative = table_clause(
    "cadre_relative",
    column("cadre_id", Integer),
    column("household_id", Integer),
    column("id_number", String),
)
assignment = table_clause(
    "assignment", column("household_id", Integer), column("cadre_id", Integer)
)
visit = table_clause(
    "visit",
    column("id", Integer),
    column("household_id", Integer),
    column("visit_date", Date),
    column("next_date", Date),
    column("kind", String),
    column("notes", Text),
    column("recorded_at", DateTime),
    column("operator", String),
)
visit_cadre = table_clause("visit_cadre", column("visit_id", Integer), column("cadre_id", Integer))
visit_item = table_clause(
    "visit_item",
    column("id", Integer),
    column("visit_id", Integer),
    column("kind", String),
    column("text", String),
)
commitment = table_clause(
    "commitment",
    column("id", Integer),
    column("household_id", Integer),
    column("visit_id", Integer),
    column("text", String),
    column("cadre_id", Integer),
    column("due_date", Date),
    column("status", String),
    column("opened_on", Date),
    column("closed_on", Date),
    column("resolution", String),
    column("referred_to", String),
)
audit_log = table_clause(
    "audit_log",
    column("id", Integer),
    column("at", DateTime),
    column("operator", String),
    column("command", String),
    column("action", String),
    column("object_type", String),
    column("object_key", String),
    column("before", Text),
    column("after", Text),
)
fund = table_clause(
    "fund",
    column("code", String),
    column("name", String),
    column("cap_fen", BigInteger),
    column("valid_from", Date),
    column("valid_to", Date),
)
fund_category = table_clause(
    "fund_category", column("fund_code", String), column("category_code", String)
)
ledger_entry = table_clause(
    "ledger_entry",
    column("seq", Integer),
    column("fund_code", String),
    column("kind", String),
    column("amount_fen", BigInteger),
    column("household_code", String),
    column("visit_id", Integer),
    column("entry_date", Date),
    column("cadre_code", String),
    column("operator", String),
    column("memo", String),
    column("reverses_seq", Integer),
    column("override_reason", String),
    column("recorded_at", DateTime),
    column("prev_hash", String),
    column("hash", String),
)
