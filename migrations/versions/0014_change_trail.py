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

The write lock (PostgreSQL; docs/security.md, "The write lock"): a waiting writer ends a
holder that did nothing for ``zoufang_stale_lock_seconds()`` — now 10 instead of 60 — or has
run one statement for ``zoufang_statement_lock_seconds()`` (new: 30), or holds the lock in a
transaction older than ``zoufang_max_lock_seconds()`` — now 900 instead of 3600. Limits the
schema owner changed from 0013's defaults are kept. Measured with ``bench/lock_gaps.py``: a
township's import (2,000 households) sat at most 1.5 s between statements and ran none
longer than 0.7 s, holding the lock 131 s; a payment and ``remind`` held it 0.05 s.

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

#: The write lock's limits, seconds: (function, 0013's default, this migration's).
LIMITS = [
    ("zoufang_stale_lock_seconds", 60, 10),
    ("zoufang_max_lock_seconds", 3600, 900),
]
#: Seconds one statement of a holder may run (a new limit).
STATEMENT_SECONDS = 30

#: As in migration 0013, the sessions of ordinary logins holding the write lock; an admin
#: login (a member of the owner, to run `db upgrade` as it) is not ended either: its upgrade
#: holds ``alembic_version`` and may run long statements.
HOLDERS = (
    "FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
    "WHERE l.locktype = 'relation' AND l.granted AND l.mode <> 'AccessShareLock' "
    "AND l.relation = 'alembic_version'::regclass "
    "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
    "AND l.pid <> pg_backend_pid() AND NOT pg_has_role(a.usesysid, "
    "(SELECT relowner FROM pg_class WHERE oid = 'alembic_version'::regclass), 'MEMBER')"
)
#: Which of them a waiting writer ends: 0013's rules and one statement running too long.
STALE = (
    "(a.xact_start < clock_timestamp() - make_interval(secs => zoufang_max_lock_seconds()) "
    "OR ((a.state <> 'active' OR a.wait_event_type IN ('Timeout', 'Lock')) "
    "AND a.state_change < clock_timestamp() "
    "- make_interval(secs => zoufang_stale_lock_seconds())) "
    "OR (a.state = 'active' AND a.query_start < clock_timestamp() "
    "- make_interval(secs => zoufang_statement_lock_seconds())))"
)


def _break_stale_lock(path: str) -> str:
    """0013's ``zoufang_break_stale_lock()`` with :data:`STALE`."""
    return (
        "CREATE OR REPLACE FUNCTION zoufang_break_stale_lock() RETURNS integer "
        f"LANGUAGE plpgsql SECURITY DEFINER SET search_path = {path} AS $$ "
        "DECLARE h record; ended integer := 0; BEGIN "
        "PERFORM pg_stat_clear_snapshot(); "
        "FOR h IN SELECT DISTINCT l.pid, a.usename::text AS login, a.xact_start, a.state, "
        f"a.wait_event {HOLDERS} AND {STALE} LOOP "
        "  BEGIN "
        "    IF pg_terminate_backend(h.pid, 5000) THEN "
        "      ended := ended + 1; "
        "      RAISE NOTICE 'zoufang: ended session % of the login %, which held the "
        "ledger''s write lock since % (%)', h.pid, h.login, h.xact_start, "
        "coalesce(h.wait_event, h.state); "
        "      INSERT INTO audit_log (at, command, action, object_type, object_key, after) "
        "      VALUES (clock_timestamp() AT TIME ZONE 'UTC', 'write lock', 'terminate', "
        "        'login', h.login, json_build_object('pid', h.pid, 'xact_start', "
        "        h.xact_start, 'state', h.state, 'wait_event', h.wait_event)::text); "
        "    END IF; "
        "  EXCEPTION WHEN insufficient_privilege THEN "
        "    RAISE NOTICE 'zoufang: cannot end session % of the login % (the schema owner "
        "needs pg_signal_backend)', h.pid, h.login; "
        "  END; "
        "END LOOP; RETURN ended; END $$"
    )


def _limit(function: str, seconds: int) -> str:
    return (
        f"CREATE OR REPLACE FUNCTION {function}() RETURNS integer "
        f"LANGUAGE sql IMMUTABLE AS $$ SELECT {seconds} $$"
    )


def _write_lock_upgrade(path: str) -> None:
    bind = op.get_bind()
    for function, before, after in LIMITS:
        if bind.exec_driver_sql(f"SELECT {function}()").scalar_one() == before:
            op.execute(_limit(function, after))
    op.execute(_limit("zoufang_statement_lock_seconds", STATEMENT_SECONDS))
    op.execute(_break_stale_lock(path))
    op.execute("REVOKE ALL ON FUNCTION zoufang_break_stale_lock() FROM PUBLIC")


def _write_lock_downgrade() -> None:
    """0013's function and limits (the limits back to 0013's defaults if they are ours)."""
    import importlib.util
    from pathlib import Path

    bind = op.get_bind()
    for function, before, after in LIMITS:
        if bind.exec_driver_sql(f"SELECT {function}()").scalar_one() == after:
            op.execute(_limit(function, before))
    script = next(Path(__file__).parent.glob("0013_*.py"))
    spec = importlib.util.spec_from_file_location("zoufang_migration_0013", script)
    assert spec is not None and spec.loader is not None
    previous = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(previous)
    schema = bind.exec_driver_sql("SELECT current_schema()").scalar_one()
    path = f'"{schema}", pg_temp'
    # 0013's break function, as 0013 made it (its STALE, without the statement rule)
    op.execute(
        _break_stale_lock(path).replace(STALE, previous.STALE).replace(HOLDERS, previous.HOLDERS)
    )
    op.execute("DROP FUNCTION IF EXISTS zoufang_statement_lock_seconds()")


def _json() -> sa.types.TypeEngine:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


#: The server's own identifier (pg_control_system() may be run by every login).
_CLUSTER = "(pg_control_system()).system_identifier"


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    # Which server's transaction counter a txid is of: a ledger copied (`db copy`) or
    # restored into another server keeps its rows' txids, and that server counts through
    # the same numbers again (audit_trail compares both).
    cluster = {"server_default": sa.text(_CLUSTER)} if postgres else {}
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
    op.add_column("audit_log", sa.Column("cluster_id", sa.BigInteger(), nullable=True, **cluster))
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
        sa.Column("cluster_id", sa.BigInteger(), nullable=True, **cluster),
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
        # `db copy` into a new ledger copies the source's trail instead (the owner's only)
        "IF current_setting('zoufang.copy', true) = 'on' AND zoufang_privileged() THEN "
        "  RETURN NULL; "
        "END IF; "
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
    _write_lock_upgrade(path)
    # Read whole by those who read every village; by anyone else, its own rows only.
    op.execute("ALTER TABLE change_trail ENABLE ROW LEVEL SECURITY")
    op.execute(
        "CREATE POLICY zoufang_read ON change_trail FOR SELECT USING ("
        "(SELECT zoufang_all_villages()) OR login = session_user)"
    )


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        _write_lock_downgrade()
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
    for column in ("cluster_id", "txid"):
        if postgres:
            op.drop_column("audit_log", column)
        else:
            op.get_bind().exec_driver_sql(f"ALTER TABLE audit_log DROP COLUMN {column}")
