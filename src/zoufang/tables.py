"""The ledger's tables for SQLAlchemy Core: names and the columns the Core services read.

`due`, `audit funds` and `report` query county-wide and start without SQLModel, pydantic and
the models (a third of a second); they use these light declarations instead of the SQLModel
classes. The schema itself is the migrations' (and :mod:`zoufang.models` mirrors it);
``tests/test_migrations.py`` checks that every column declared here exists in the models
with the same type.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Date, DateTime, Integer, String, column
from sqlalchemy import table as table_clause

household = table_clause(
    "household", column("id", Integer), column("code", String), column("head_name", String),
    column("id_number", String), column("village", String), column("status", String),
    column("cadence_days", Integer), column("enrolled_on", Date), column("exited_on", Date),
    column("last_visit_on", Date), column("due_date", Date))
household_category = table_clause(
    "household_category", column("household_id", Integer), column("category_code", String))
category = table_clause("category", column("code", String), column("label", String),
                        column("cadence_days", Integer))
member = table_clause("member", column("household_id", Integer), column("id_number", String))
cadre = table_clause("cadre", column("id", Integer), column("code", String),
                     column("name", String))
cadre_relative = table_clause("cadre_relative", column("cadre_id", Integer),
                              column("household_id", Integer), column("id_number", String))
assignment = table_clause("assignment", column("household_id", Integer),
                          column("cadre_id", Integer))
visit = table_clause("visit", column("id", Integer), column("household_id", Integer),
                     column("visit_date", Date), column("next_date", Date),
                     column("kind", String))
visit_cadre = table_clause("visit_cadre", column("visit_id", Integer),
                           column("cadre_id", Integer))
visit_item = table_clause("visit_item", column("visit_id", Integer), column("kind", String))
commitment = table_clause(
    "commitment", column("household_id", Integer), column("cadre_id", Integer),
    column("status", String), column("opened_on", Date), column("closed_on", Date),
    column("due_date", Date))
fund = table_clause("fund", column("code", String), column("name", String),
                    column("cap_fen", BigInteger), column("valid_from", Date),
                    column("valid_to", Date))
fund_category = table_clause("fund_category", column("fund_code", String),
                             column("category_code", String))
ledger_entry = table_clause(
    "ledger_entry", column("seq", Integer), column("fund_code", String), column("kind", String),
    column("amount_fen", BigInteger), column("household_code", String),
    column("visit_id", Integer), column("entry_date", Date), column("cadre_code", String),
    column("operator", String), column("memo", String), column("reverses_seq", Integer),
    column("override_reason", String), column("recorded_at", DateTime),
    column("prev_hash", String), column("hash", String))
