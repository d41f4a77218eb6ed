#!/usr/bin/env bash
# A throw-away PostgreSQL server for the test suite, on 127.0.0.1, data under /tmp.
#
#   bash scripts/pg.sh start   # installs Debian's postgresql if missing, initdb, start,
#                              # create role and database "zoufang"; prints the URL to use
#   bash scripts/pg.sh stop    # stops the server and removes its data directory
#   bash scripts/pg.sh status  # exit 0 when it is running
#   bash scripts/pg.sh url     # prints the URL
#
# The server runs as the `postgres` user (initdb refuses root) with fsync off: it is for
# tests only, never for a real ledger (see docs/postgresql.md for a county server).
# Settings: ZOUFANG_PG_PORT (54329), ZOUFANG_PG_DIR (/tmp/zoufang-pg).
set -euo pipefail

PORT="${ZOUFANG_PG_PORT:-54329}"
DIR="${ZOUFANG_PG_DIR:-/tmp/zoufang-pg}"
DATA="$DIR/data"
URL="postgresql+psycopg://zoufang@127.0.0.1:$PORT/zoufang"

find_bin() {
  local found
  found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -z "$found" ] && command -v pg_ctl >/dev/null 2>&1; then
    found=$(dirname "$(command -v pg_ctl)")
  fi
  echo "$found"
}

as_postgres() {
  if [ "$(id -un)" = postgres ]; then
    "$@"
  elif [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    echo "error: run as root (to start the server as postgres) or as postgres" >&2
    exit 1
  fi
}

start() {
  BIN=$(find_bin)
  if [ -z "$BIN" ] || [ ! -x "$BIN/initdb" ]; then
    if [ "$(id -u)" -ne 0 ]; then
      echo "error: PostgreSQL is not installed; run as root or: apt-get install -y postgresql" >&2
      exit 1
    fi
    echo "pg.sh: installing PostgreSQL from the distribution's packages" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq </dev/null >/dev/null
    apt-get install -y -qq postgresql </dev/null >/dev/null
    BIN=$(find_bin)
  fi
  id postgres >/dev/null 2>&1 || useradd --system --home-dir "$DIR" postgres
  if ! as_postgres "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
    mkdir -p "$DIR"
    chown postgres "$DIR"
    chmod 700 "$DIR"
    if [ ! -f "$DATA/PG_VERSION" ]; then
      rm -rf "$DATA"
      as_postgres "$BIN/initdb" -D "$DATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
        >"$DIR/initdb.log" 2>&1 || { cat "$DIR/initdb.log" >&2; exit 1; }
    fi
    # Test server: no durability needed, many short-lived databases, 8+ concurrent writers.
    as_postgres "$BIN/pg_ctl" -D "$DATA" -l "$DIR/server.log" -w -t 60 start -o \
      "-c listen_addresses=127.0.0.1 -c port=$PORT -c unix_socket_directories=$DIR \
       -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
       -c max_connections=200 -c shared_buffers=128MB" >/dev/null \
      || { tail -n 20 "$DIR/server.log" >&2; exit 1; }
  fi
  psql_admin() { as_postgres "$BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$DIR" -p "$PORT" -U postgres "$@"; }
  # Superuser on this test server only: tests play the tamperer who switches off triggers
  # and foreign keys behind the program's back. A county server's role is a plain owner.
  if [ -z "$(psql_admin -tAc "SELECT 1 FROM pg_roles WHERE rolname = 'zoufang'")" ]; then
    psql_admin -c "CREATE ROLE zoufang LOGIN SUPERUSER"
  else
    psql_admin -c "ALTER ROLE zoufang LOGIN SUPERUSER"
  fi
  if [ -z "$(psql_admin -tAc "SELECT 1 FROM pg_database WHERE datname = 'zoufang'")" ]; then
    psql_admin -c "CREATE DATABASE zoufang OWNER zoufang"
  fi
  echo "$URL"
}

stop() {
  BIN=$(find_bin)
  if [ -n "$BIN" ] && [ -f "$DATA/PG_VERSION" ]; then
    as_postgres "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$DIR"
}

running() {
  BIN=$(find_bin)
  [ -n "$BIN" ] && [ -f "$DATA/PG_VERSION" ] && as_postgres "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) running ;;
  url) echo "$URL" ;;
  *) echo "usage: bash scripts/pg.sh start|stop|status|url" >&2; exit 2 ;;
esac
