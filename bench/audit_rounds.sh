#!/usr/bin/env bash
# Interleaved rounds of `audit funds` under two source trees and the sqlite3 shell's own
# queries (bench/sql/audit_funds.sql) on one copy of a ledger: wall, user and system CPU of
# each (the audit's worker included), the load average, and whether the two audits' JSON is
# the same (docs/benchmarks.md, issue 13).
#
#   bash bench/audit_rounds.sh ROUNDS SRC_BEFORE SRC_AFTER COPY.db
#   (SRC_*: a `src` directory, e.g. from `git archive REV src | tar -x -C DIR`)
#
# The copy gets a witness directory of its own (ZOUFANG_STATE_DIR), so the rounds neither
# read nor raise this computer's witness of the ledger it was copied from.
set -euo pipefail
rounds=$1 before=$2 after=$3 db=$4
here=$(cd "$(dirname "$0")/.." && pwd)
python=${PYTHON:-$here/.venv/bin/python}
state=$(mktemp -d)
out=$(mktemp -d)
trap 'rm -rf "$state" "$out"' EXIT
export ZOUFANG_TODAY=${ZOUFANG_TODAY:-2026-03-01} LANG=en_US.UTF-8 ZOUFANG_STATE_DIR=$state
timed() { { /usr/bin/time -f "%e s (%U + %S)" "$@"; } 2>&1 >/dev/null | tail -n 1; }
for i in $(seq 1 "$rounds"); do
  load=$(cut -d' ' -f1 /proc/loadavg)
  a=$( { PYTHONPATH=$before /usr/bin/time -f "%e s (%U + %S)" "$python" -m zoufang --db "$db" audit funds --format json >"$out/before.json"; } 2>&1 | tail -n 1)
  b=$( { PYTHONPATH=$after /usr/bin/time -f "%e s (%U + %S)" "$python" -m zoufang --db "$db" audit funds --format json >"$out/after.json"; } 2>&1 | tail -n 1)
  s=$(timed sqlite3 "$db" <"$here/bench/sql/audit_funds.sql")
  same=$(cmp -s "$out/before.json" "$out/after.json" && echo "same output" || echo "OUTPUT DIFFERS")
  echo "round $i (load $load): before $a | after $b | shell $s | $same"
done
