"""a stalled holder of the write lock cannot stall the county (issue 19)

PostgreSQL only (nothing changes on SQLite; docs/security.md, "The write lock"). A writer
waiting for the ledger's write lock ends (``pg_terminate_backend``) the session of an ordinary
login that holds it and

* has done nothing for ``zoufang_stale_lock_seconds()`` (60): idle in its transaction, or
  asleep (``pg_sleep``) or waiting on another lock in it, since that long; or
* whose transaction is older than ``zoufang_max_lock_seconds()`` (3600), whatever it does.

A zoufang command holding the lock is always working (its statements follow each other within
milliseconds), so it is never ended however long an import takes, up to the hour. The schema
owner changes either limit by replacing the function (a login cannot: it is the owner's).
Sessions of the schema owner and of superusers (``db upgrade``, ``db copy``) are never ended.

* ``zoufang_break_stale_lock()`` (SECURITY DEFINER; nobody may call it but the owner's own
  functions) ends them, raises a NOTICE naming each, and writes an audit-log row
  (``terminate``, ``login``, the login ended; the operator is the waiting writer's login) in
  the waiting writer's transaction;
* ``zoufang_write_lock()`` takes the lock as before (at most 30 seconds), looking again every
  second while an ordinary login holds it.

The owner needs ``pg_signal_backend`` (to end the sessions) and ``pg_read_all_stats`` (to see
other logins' sessions); without them nothing is ended and writers give up after 30 seconds
as before.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 23:00:00
"""

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

#: Seconds a holder of the write lock may do nothing before a waiting writer ends it.
STALE_SECONDS = 60
#: Seconds a transaction may hold the write lock at most, working or not.
MAX_SECONDS = 3600
#: Seconds a writer waits for the lock at most (as the lock timeout of migration 0012).
WAIT_SECONDS = 30

#: The sessions of ordinary logins holding a lock on alembic_version that conflicts with the
#: write lock (every mode but ACCESS SHARE, which readers take), other than this one.
HOLDERS = (
    "FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
    "WHERE l.locktype = 'relation' AND l.granted AND l.mode <> 'AccessShareLock' "
    "AND l.relation = 'alembic_version'::regclass "
    "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
    "AND l.pid <> pg_backend_pid() AND NOT pg_has_role(a.usesysid, "
    "(SELECT relowner FROM pg_class WHERE oid = 'alembic_version'::regclass), 'USAGE')"
)
#: Which of them a waiting writer ends.
STALE = (
    "(a.xact_start < clock_timestamp() - make_interval(secs => zoufang_max_lock_seconds()) "
    "OR ((a.state <> 'active' OR a.wait_event_type IN ('Timeout', 'Lock')) "
    "AND a.state_change < clock_timestamp() "
    "- make_interval(secs => zoufang_stale_lock_seconds())))"
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    schema = op.get_bind().exec_driver_sql("SELECT current_schema()").scalar_one()
    path = f'"{schema}", pg_temp'
    op.execute(
        "CREATE OR REPLACE FUNCTION zoufang_stale_lock_seconds() RETURNS integer "
        f"LANGUAGE sql IMMUTABLE AS $$ SELECT {STALE_SECONDS} $$"
    )
    op.execute(
        "CREATE OR REPLACE FUNCTION zoufang_max_lock_seconds() RETURNS integer "
        f"LANGUAGE sql IMMUTABLE AS $$ SELECT {MAX_SECONDS} $$"
    )
    op.execute(
        "CREATE OR REPLACE FUNCTION zoufang_break_stale_lock() RETURNS integer "
        f"LANGUAGE plpgsql SECURITY DEFINER SET search_path = {path} AS $$ "
        "DECLARE h record; ended integer := 0; BEGIN "
        # pg_stat_activity is read once per transaction unless its snapshot is cleared
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
    op.execute("REVOKE ALL ON FUNCTION zoufang_break_stale_lock() FROM PUBLIC")
    op.execute(
        "CREATE OR REPLACE FUNCTION zoufang_write_lock() RETURNS void LANGUAGE plpgsql "
        f"SECURITY DEFINER SET search_path = {path} SET lock_timeout = '{WAIT_SECONDS}s' AS $$ "
        "DECLARE "
        f"  deadline timestamptz := clock_timestamp() + interval '{WAIT_SECONDS} seconds'; "
        "  wait interval; "
        "BEGIN LOOP "
        "  PERFORM zoufang_break_stale_lock(); "
        "  wait := deadline - clock_timestamp(); "
        f"  IF EXISTS (SELECT 1 {HOLDERS}) THEN wait := least(wait, interval '1 second'); "
        "  END IF; "
        "  PERFORM set_config('lock_timeout', "
        "    greatest(ceil(extract(epoch FROM wait) * 1000), 1)::bigint::text, true); "
        "  BEGIN "
        "    LOCK TABLE alembic_version IN EXCLUSIVE MODE; RETURN; "
        "  EXCEPTION WHEN lock_not_available THEN "
        "    IF clock_timestamp() >= deadline THEN RAISE; END IF; "
        "  END; "
        "END LOOP; END $$"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    schema = op.get_bind().exec_driver_sql("SELECT current_schema()").scalar_one()
    path = f'"{schema}", pg_temp'
    op.execute(
        "CREATE OR REPLACE FUNCTION zoufang_write_lock() RETURNS void LANGUAGE plpgsql "
        f"SECURITY DEFINER SET search_path = {path} SET lock_timeout = '30s' AS $$ "
        "BEGIN LOCK TABLE alembic_version IN EXCLUSIVE MODE; END $$"
    )
    op.execute("DROP FUNCTION IF EXISTS zoufang_break_stale_lock()")
    op.execute("DROP FUNCTION IF EXISTS zoufang_stale_lock_seconds()")
    op.execute("DROP FUNCTION IF EXISTS zoufang_max_lock_seconds()")
