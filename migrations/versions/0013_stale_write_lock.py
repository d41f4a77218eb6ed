"""a stalled holder of the write lock cannot stall the county (issue 19)

PostgreSQL only (nothing changes on SQLite; docs/security.md, "The write lock"):

* ``zoufang_stale_lock_seconds()``: how long a transaction may hold the ledger's write lock
  before a waiting writer ends it — 120 seconds, which the schema owner changes by
  replacing the function (never the caller: a login cannot lower it to end other writers);
* ``zoufang_break_stale_lock()`` (SECURITY DEFINER, nobody may call it but the owner's own
  functions): ends (``pg_terminate_backend``) every session of an ordinary login that holds
  a lock on ``alembic_version`` conflicting with the write lock and whose transaction began
  more than that many seconds ago, raises a NOTICE naming it and writes an audit-log row
  (``terminate``, ``login``, the login) in the waiting writer's transaction. Sessions of the
  schema owner and of superusers (``db upgrade``) are never ended;
* ``zoufang_write_lock()`` takes the lock as before (at most 30 seconds), but waits on a
  holder only until that holder becomes stale, ends it, and takes the lock then.

The owner needs ``pg_signal_backend`` (to end the sessions) and ``pg_read_all_stats`` (to see
when other logins' transactions began); without them nothing is ended and writers wait and
give up as before.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 23:00:00
"""

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

#: Seconds a transaction may hold the write lock before a waiting writer ends it.
STALE_SECONDS = 120
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
        "CREATE OR REPLACE FUNCTION zoufang_break_stale_lock() RETURNS integer "
        f"LANGUAGE plpgsql SECURITY DEFINER SET search_path = {path} AS $$ "
        "DECLARE h record; ended integer := 0; BEGIN "
        "FOR h IN SELECT DISTINCT l.pid, a.usename::text AS login, a.xact_start "
        f"{HOLDERS} AND a.xact_start < clock_timestamp() "
        "  - make_interval(secs => zoufang_stale_lock_seconds()) LOOP "
        "  BEGIN "
        "    IF pg_terminate_backend(h.pid, 5000) THEN "
        "      ended := ended + 1; "
        "      RAISE NOTICE 'zoufang: ended session % of the login %, which held the "
        "ledger''s write lock since %', h.pid, h.login, h.xact_start; "
        "      INSERT INTO audit_log (at, command, action, object_type, object_key, after) "
        "      VALUES (clock_timestamp() AT TIME ZONE 'UTC', 'write lock', 'terminate', "
        "        'login', h.login, json_build_object('pid', h.pid, 'xact_start', "
        "        h.xact_start, 'stale_seconds', zoufang_stale_lock_seconds())::text); "
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
        "  oldest timestamptz; wait interval; "
        "BEGIN LOOP "
        "  PERFORM zoufang_break_stale_lock(); "
        f"  SELECT min(a.xact_start) INTO oldest {HOLDERS}; "
        "  wait := deadline - clock_timestamp(); "
        "  IF oldest IS NOT NULL THEN wait := least(wait, greatest(oldest "
        "    + make_interval(secs => zoufang_stale_lock_seconds()) - clock_timestamp(), "
        "    interval '0') + interval '200 milliseconds'); END IF; "
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
