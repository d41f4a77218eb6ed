#!/usr/bin/env bash
# Install zoufang with its test dependencies into .venv, run the checks of `make lint` (ruff
# check, ruff format --check, mypy), then the whole test suite twice: on SQLite ledger files,
# then on PostgreSQL (a throw-away server from scripts/pg.sh, which installs Debian's
# postgresql when it is missing: run as root, or have it installed). scripts/browser.sh
# installs chromium and fonts-noto-cjk for the PDF notice's tests the same way.
# This is the README's test command and what CI runs (.ci/run).
#
#   ZOUFANG_TEST_BACKENDS=sqlite bash scripts/test.sh       # one backend only
#   bash scripts/test.sh -m "not slow"                      # arguments go to pytest
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test]'

# the PDF notice's tests print with a headless browser and need a CJK font (root installs them)
bash scripts/browser.sh >/dev/null

echo "== lint: ruff check, ruff format --check, mypy ==" >&2
make --no-print-directory lint PYTHON=.venv/bin/python

BACKENDS="${ZOUFANG_TEST_BACKENDS:-sqlite postgresql}"
started_pg=""
cleanup() {
  if [ -n "$started_pg" ]; then bash scripts/pg.sh stop; fi
}
trap cleanup EXIT

for backend in $BACKENDS; do
  case "$backend" in
    sqlite|postgresql) ;;
    *) echo "error: ZOUFANG_TEST_BACKENDS: unknown backend $backend (sqlite, postgresql)" >&2
       exit 2 ;;
  esac
done
# The server is up for both runs: the SQLite run's db copy tests copy into it too.
case " $BACKENDS " in
  *" postgresql "*)
    if [ -z "${ZOUFANG_TEST_PG_URL:-}" ]; then
      # a server that was already running (another run's) is left running afterwards
      bash scripts/pg.sh status || started_pg=1
      ZOUFANG_TEST_PG_URL=$(bash scripts/pg.sh start)
    fi
    export ZOUFANG_TEST_PG_URL
    ;;
esac

overall=0
for backend in $BACKENDS; do
  echo "== zoufang tests on $backend ==" >&2
  start=$(date +%s)
  set +e
  ZOUFANG_TEST_BACKEND="$backend" .venv/bin/python -m pytest "$@"
  status=$?
  set -e
  echo "== $backend: pytest exit $status after $(( $(date +%s) - start ))s ==" >&2
  if [ "$status" -eq 5 ]; then
    echo "error: pytest collected no tests on $backend; that is a failure, not a pass" >&2
    status=1
  fi
  if [ "$status" -ne 0 ]; then overall=$status; fi
done
exit "$overall"
