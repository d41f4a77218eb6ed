"""the database's own trail of every change to village data (issue 19)

Both backends:

* ``change_trail``: one row per row inserted, updated or deleted in a table with village data
  (``TRAILED``), with the login, the time, the transaction, the table, the operation, the
  row's key and its old and new values; append-only (triggers refuse UPDATE and DELETE);
* ``audit_log.txid``: the transaction that wrote an audit-log row.

PostgreSQL only (docs/security.md, "The database's own trail"): statement-level triggers with
transition tables append the trail (one INSERT … SELECT per statement, so a bulk import pays
once per statement, not per row) through the SECURITY DEFINER function ``zoufang_trail()``:
no login needs, or has, a right to write the trail itself. ``audit_log.txid`` and
``change_trail.txid`` default to ``txid_current()`` and ``change_trail.login`` to
``session_user``; a login reads the trail of every village only if it reads every village,
else its own rows. ``audit funds`` lists a transaction that changed village data and wrote no
audit-log row (``unlogged-change``): a change made outside zoufang.

On SQLite the table stays empty: the file is one person's, who could drop any trigger.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 01:00:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

#: Tables with village data: (table, its primary key's columns, the columns naming a row in
#: the trail and in findings).
TRAILED = [
    ("household", "id", "code"),
    ("member", "id", "id"),
    ("household_category", "household_id,category_code", "household_id,category_code"),
    ("assignment", "household_id,cadre_id", "household_id,cadre_id"),
    ("cadre", "id", "code"),
    ("cadre_relative", "id", "id"),
    ("category", "code", "code"),
    ("visit", "id", "id"),
    ("visit_item", "id", "id"),
    ("visit_cadre", "visit_id,cadre_id", "visit_id,cadre_id"),
    ("commitment", "id", "id"),
    ("commitment_response", "id", "id"),
    ("correction", "id", "id"),
    ("wish", "id", "id"),
    ("wish_event", "id", "id"),
    ("suggestion", "id", "id"),
    ("suggestion_answer", "id", "id"),
]

OPERATIONS = ("INSERT", "UPDATE", "DELETE")


def _json() -> sa.types.TypeEngine:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    # A plain ADD COLUMN (no table rebuild: the audit log's triggers stay).
    op.add_column(
        "audit_log",
        sa.Column(
            "txid",
            sa.BigInteger(),
            nullable=True,
            server_default=sa.text("txid_current()") if postgres else None,
        ),
    )
    op.create_index("ix_audit_log_txid", "audit_log", ["txid"])
    op.create_table(
        "change_trail",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "at",
            sa.DateTime(),
            nullable=False,
            server_default=sa.text("(clock_timestamp() AT TIME ZONE 'UTC')") if postgres else None,
        ),
        sa.Column(
            "login",
            sa.String(length=100),
            nullable=False,
            server_default=sa.text("session_user") if postgres else None,
        ),
        sa.Column(
            "txid",
            sa.BigInteger(),
            nullable=False,
            server_default=sa.text("txid_current()") if postgres else None,
        ),
        sa.Column("table_name", sa.String(length=63), nullable=False),
        sa.Column("operation", sa.String(length=6), nullable=False),
        sa.Column("row_key", sa.String(length=200), nullable=False),
        sa.Column("old_values", _json(), nullable=True),
        sa.Column("new_values", _json(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_change_trail_txid", "change_trail", ["txid"])
    if not postgres:
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER change_trail_no_{event.lower()} BEFORE {event} ON change_trail "
                "BEGIN SELECT RAISE(ABORT, 'the change trail is append-only'); END"
            )
        return
    _postgresql_upgrade()


def _postgresql_upgrade() -> None:
    schema = op.get_bind().exec_driver_sql("SELECT current_schema()").scalar_one()
    path = f'"{schema}", pg_temp'
    op.execute(
        "CREATE OR REPLACE FUNCTION zoufang_change_trail_append_only() RETURNS trigger AS $$ "
        "BEGIN RAISE EXCEPTION USING ERRCODE = '42501', "
        "MESSAGE = 'the change trail is append-only'; END; $$ LANGUAGE plpgsql"
    )
    op.execute(
        "CREATE TRIGGER change_trail_append_only BEFORE UPDATE OR DELETE ON change_trail "
        "FOR EACH ROW EXECUTE FUNCTION zoufang_change_trail_append_only()"
    )
    op.execute(
        "CREATE TRIGGER change_trail_no_truncate BEFORE TRUNCATE ON change_trail "
        "FOR EACH STATEMENT EXECUTE FUNCTION zoufang_change_trail_append_only()"
    )
    # The key of a row (as JSON) from the names of its key columns (one or two): a plain
    # expression the planner inlines, no aggregate per row.
    op.execute(
        "CREATE OR REPLACE FUNCTION zoufang_row_key(r jsonb, cols text[]) RETURNS text "
        "LANGUAGE sql IMMUTABLE AS $$ SELECT left(concat_ws('/', r ->> cols[1], "
        "r ->> cols[2]), 200) $$"
    )
    # One INSERT … SELECT per statement: TG_ARGV[0] the primary key's columns (pairs an
    # updated row's old and new values), TG_ARGV[1] the columns shown as its key.
    op.execute(
        "CREATE OR REPLACE FUNCTION zoufang_trail() RETURNS trigger LANGUAGE plpgsql "
        f"SECURITY DEFINER SET search_path = {path} AS $$ "
        "DECLARE pk text[] := string_to_array(TG_ARGV[0], ','); "
        "shown text[] := string_to_array(TG_ARGV[1], ','); "
        "BEGIN "
        "IF TG_OP = 'INSERT' THEN "
        "  INSERT INTO change_trail (table_name, operation, row_key, new_values) "
        "  SELECT TG_TABLE_NAME, TG_OP, coalesce(zoufang_row_key(j, shown), ''), j "
        "  FROM (SELECT to_jsonb(n) AS j FROM new_rows n) s; "
        "ELSIF TG_OP = 'DELETE' THEN "
        "  INSERT INTO change_trail (table_name, operation, row_key, old_values) "
        "  SELECT TG_TABLE_NAME, TG_OP, coalesce(zoufang_row_key(j, shown), ''), j "
        "  FROM (SELECT to_jsonb(o) AS j FROM old_rows o) s; "
        "ELSE "
        "  INSERT INTO change_trail (table_name, operation, row_key, old_values, new_values) "
        "  SELECT TG_TABLE_NAME, TG_OP, "
        "    coalesce(zoufang_row_key(coalesce(n.j, o.j), shown), ''), o.j, n.j "
        "  FROM (SELECT to_jsonb(o) AS j FROM old_rows o) o "
        "  FULL JOIN (SELECT to_jsonb(n) AS j FROM new_rows n) n "
        "    ON zoufang_row_key(o.j, pk) = zoufang_row_key(n.j, pk) "
        "  WHERE o.j IS DISTINCT FROM n.j; "
        "END IF; RETURN NULL; END $$"
    )
    op.execute("REVOKE ALL ON FUNCTION zoufang_trail() FROM PUBLIC")
    for table, pk, shown in TRAILED:
        for event in OPERATIONS:
            transition = {
                "INSERT": "NEW TABLE AS new_rows",
                "UPDATE": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
                "DELETE": "OLD TABLE AS old_rows",
            }[event]
            op.execute(
                f"CREATE TRIGGER {table}_trail_{event.lower()} AFTER {event} ON {table} "
                f"REFERENCING {transition} FOR EACH STATEMENT "
                f"EXECUTE FUNCTION zoufang_trail('{pk}', '{shown}')"
            )
    # Read whole by those who read every village; by anyone else, its own rows only.
    op.execute("ALTER TABLE change_trail ENABLE ROW LEVEL SECURITY")
    op.execute(
        "CREATE POLICY zoufang_read ON change_trail FOR SELECT USING ("
        "(SELECT zoufang_all_villages()) OR login = session_user)"
    )


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        for table, _pk, _shown in TRAILED:
            for event in OPERATIONS:
                op.execute(f"DROP TRIGGER IF EXISTS {table}_trail_{event.lower()} ON {table}")
    op.drop_index("ix_change_trail_txid", table_name="change_trail")
    op.drop_table("change_trail")
    if postgres:
        for function in (
            "zoufang_trail()",
            "zoufang_row_key(jsonb, text[])",
            "zoufang_change_trail_append_only()",
        ):
            op.execute(f"DROP FUNCTION IF EXISTS {function}")
    op.drop_index("ix_audit_log_txid", table_name="audit_log")
    if postgres:
        op.drop_column("audit_log", "txid")
    else:
        op.get_bind().exec_driver_sql("ALTER TABLE audit_log DROP COLUMN txid")
