#!/usr/bin/env bash
# Install zoufang into .venv, build a demo ledger (demo.db) and show who is due in 30 days.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e .
export ZOUFANG_DB="${ZOUFANG_DB:-$PWD/demo.db}"
if [ ! -s "$ZOUFANG_DB" ]; then
  .venv/bin/zoufang demo --households 200 --seed 7
fi
.venv/bin/zoufang due --days 30
