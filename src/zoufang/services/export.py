"""Writing ledger data into files people open in Excel.

Cells that start with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return would be taken
by a spreadsheet as a formula (CSV/formula injection); :func:`safe_cell` prefixes them with a
single quote so they stay text.
"""

from __future__ import annotations

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_TRIGGERS) else value
