"""`fund plan create --amounts FILE`: a list of households and amounts (.csv or .xlsx).

The file has a header row naming the household's code (户号, ``code``) and the amount (金额,
慰问金, ``amount``; in yuan as people type it: ``500``, ``1,000``, ``1.5万``). Every row is
checked before anything is written, and every bad row is reported at once (exit 2).
"""

from __future__ import annotations

from pathlib import Path

from zoufang import parsing
from zoufang.errors import InvalidInput
from zoufang.i18n import _
from zoufang.services.roster_file import (
    ALIASES,
    cell_text,
    is_blank,
    normalise_header,
    read_roster,
)

FIELD = "--amounts"
#: Headers of the amount column (compared as :func:`normalise_header` reads them).
AMOUNT_HEADERS = {
    normalise_header(h)
    for h in ("amount", "amount_yuan", "金额", "发放金额", "慰问金", "慰问金额", "拟发放金额")
}
#: Show at most this many bad rows in the one error line.
SHOWN = 10


def read_amounts(path: Path) -> list[tuple[str, int]]:
    """(household code, fen) per data row, in file order; InvalidInput naming every bad row."""
    try:
        roster = read_roster(path)
    except InvalidInput as exc:
        raise InvalidInput(FIELD, exc.reason) from None
    keys = [normalise_header(h) for h in roster.headers]
    code_at = next((i for i, k in enumerate(keys) if ALIASES.get(k) == "code"), None)
    amount_at = next((i for i, k in enumerate(keys) if k in AMOUNT_HEADERS), None)
    if code_at is None or amount_at is None:
        raise InvalidInput(
            FIELD,
            _("{file} needs a household code column (户号) and an amount column (金额)").format(
                file=roster.file
            ),
        )
    out: list[tuple[str, int]] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for number, cells in roster.rows:
        if is_blank(cells):
            continue
        cells = list(cells) + [None] * (max(code_at, amount_at) + 1 - len(cells))
        try:
            code = parsing.parse_code(cell_text(cells[code_at]), field=roster.headers[code_at])
            fen = parsing.parse_money(cell_text(cells[amount_at]), field=roster.headers[amount_at])
        except InvalidInput as exc:
            problems.append(_("row {row}: {reason}").format(row=number, reason=exc.line()))
            continue
        if code in seen:
            problems.append(
                _("row {row}: {code} is also on row {first}").format(
                    row=number, code=code, first=seen[code]
                )
            )
            continue
        seen[code] = number
        out.append((code, fen))
    if problems:
        more = len(problems) - SHOWN
        listed = "; ".join(problems[:SHOWN]) + (
            _(" (and {n} more)").format(n=more) if more > 0 else ""
        )
        raise InvalidInput(
            FIELD,
            _("{file}: {n} bad rows, nothing written: {rows}").format(
                file=roster.file, n=len(problems), rows=listed
            ),
        )
    if not out:
        raise InvalidInput(FIELD, _("{file} has no data rows").format(file=roster.file))
    return out
