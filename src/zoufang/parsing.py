"""The one place that turns text into values: money, dates, ID numbers, phones, counts.

Used by the command line and by roster import alike. Every parser takes the *field* name
it reports errors under, and raises :class:`~zoufang.errors.InvalidInput` with a reason a
cadre can act on.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from zoufang.errors import InvalidInput

#: The founding of the People's Republic: no visit, payment or response is dated earlier.
EARLIEST_DATE = dt.date(1949, 10, 1)

# ---------------------------------------------------------------------------- money

_MONEY_RE = re.compile(r"^(?P<int>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<frac>\d{1,2}))?$")
#: Larger than any real support fund (10^13 yuan); keeps fen inside a signed 64-bit column.
MAX_FEN = 10**15


def parse_money(text: str, *, field: str = "amount") -> int:
    """Parse yuan (``500``, ``500.5``, ``1,234.56``, ``¥500``) into a positive number of fen.

    Refuses three decimals, signs, zero, exponents, NaN, spaces inside the number and
    full-width or other non-ASCII digits (which cannot be read back safely).
    """
    fen = _parse_yuan(text, field=field, negative="amounts are positive (use a reversal)")
    if fen <= 0:
        raise InvalidInput(field, "the amount must be greater than zero")
    return fen


def _parse_yuan(text: str | int | float | None, *, field: str, negative: str) -> int:
    """Yuan → fen, zero included; the callers decide whether zero is allowed."""
    if text is None:
        raise InvalidInput(field, "an amount is required")
    raw = str(text).strip()
    if raw[:1] in ("¥", "￥"):
        raw = raw[1:].strip()
    if raw.endswith("元"):
        raw = raw[:-1].strip()
    if not raw:
        raise InvalidInput(field, "an amount is required")
    if not raw.isascii():
        raise InvalidInput(field, f"{text!r} is not an amount: use ASCII digits like 1,234.56")
    if raw.startswith("-"):
        raise InvalidInput(field, f"{text!r} is negative: {negative}")
    m = _MONEY_RE.match(raw)
    if not m:
        if re.fullmatch(r"(\d{1,3}(?:,\d{3})+|\d+)\.\d{3,}", raw):
            raise InvalidInput(field, f"{text!r} has more than two decimals")
        raise InvalidInput(field, f"{text!r} is not an amount in yuan like 500, 500.5 or 1,234.56")
    fen = int(m.group("int").replace(",", "")) * 100 + int((m.group("frac") or "0").ljust(2, "0"))
    if fen >= MAX_FEN:
        raise InvalidInput(field, f"{text!r} is too large")
    return fen


def format_money(fen: int, *, grouping: bool = True) -> str:
    """Print fen as yuan with two decimals (``1,234.56``); JSON uses ``grouping=False``."""
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), 100)
    whole = f"{yuan:,}" if grouping else str(yuan)
    return f"{sign}{whole}.{cents:02d}"


# ---------------------------------------------------------------------------- dates

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)


def parse_date(
    text: str,
    *,
    field: str = "date",
    today: dt.date | None = None,
    allow_future: bool = True,
) -> dt.date:
    """Parse an ISO ``YYYY-MM-DD`` date; with ``allow_future=False`` refuse dates after today
    (``today``, or the real date when it is not given).

    Dates before 1949-10-01 are always refused: the ledger has nothing to record then.
    """
    raw = (text or "").strip()
    if not _DATE_RE.match(raw):
        raise InvalidInput(field, f"{text!r} is not a date in the form YYYY-MM-DD")
    try:
        value = dt.date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(field, f"{text!r} is not a real calendar date") from None
    if value < EARLIEST_DATE:
        raise InvalidInput(field, f"{raw} is before {EARLIEST_DATE.isoformat()}")
    if not allow_future:
        limit = today or dt.date.today()
        if value > limit:
            raise InvalidInput(field, f"{raw} is in the future (today is {limit.isoformat()})")
    return value


# ---------------------------------------------------------------------------- ID numbers

#: The first two digits of every region code (GB/T 2260 provinces, plus 71/81/82/83 and 91).
PROVINCE_CODES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 "
    "61 62 63 64 65 71 81 82 83 91".split()
)
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def id_check_digit(first17: str) -> str:
    """The GB 11643-1999 check character for the first 17 digits of an ID number."""
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def parse_id_number(text: str, *, field: str = "id-number", today: dt.date | None = None) -> str:
    """Validate an 18-character resident ID number: length, digits, birth date (a real date
    from 1880 to ``today``, the ledger's today: the clock's unless ``--today`` says otherwise),
    checksum.

    Returns it normalised (upper-case ``X``). Numbers a spreadsheet stored as numbers
    (``1.10101E+17``, ``110101199003071234.0``) are refused with a hint, because their last
    digits are already lost.
    """
    raw = unicodedata.normalize("NFKC", str(text or "")).strip().replace(" ", "")
    if not raw:
        raise InvalidInput(field, "an ID number is required")
    if re.fullmatch(r"\d(\.\d+)?[eE]\+?\d+", raw) or re.fullmatch(r"\d{15,18}\.0+", raw):
        raise InvalidInput(
            field,
            f"{text!r} was stored by a spreadsheet as a number and has lost digits; "
            "format the column as text and type the ID number again",
        )
    raw = raw.upper()
    if len(raw) == 15 and raw.isdigit():
        raise InvalidInput(field, "15-digit ID numbers are obsolete: use the 18-digit number")
    if len(raw) != 18:
        raise InvalidInput(field, f"must be 18 characters, got {len(raw)}")
    # isdigit() alone would let other scripts' digits (e.g. Arabic-Indic) through.
    if not raw.isascii() or not raw[:17].isdigit() or not (raw[17].isdigit() or raw[17] == "X"):
        raise InvalidInput(field, "must be 17 digits followed by a digit or X")
    if raw[:2] not in PROVINCE_CODES:
        raise InvalidInput(field, f"{raw[:6]} is not a region code (province {raw[:2]} unknown)")
    try:
        birth = dt.date(int(raw[6:10]), int(raw[10:12]), int(raw[12:14]))
    except ValueError:
        raise InvalidInput(field, f"birth date {raw[6:14]} is not a real date") from None
    if birth.year < 1880 or birth > (today or dt.date.today()):
        raise InvalidInput(field, f"birth date {raw[6:14]} is impossible")
    expected = id_check_digit(raw[:17])
    if raw[17] != expected:
        raise InvalidInput(field, f"wrong check digit: {raw[17]} (expected {expected}); mistyped?")
    return raw


def mask_id_number(id_number: str | None) -> str:
    """``110101199003071234`` → ``110101********1234``: region code and last four kept."""
    if not id_number:
        return ""
    if len(id_number) < 11:  # not a real ID number: keeping 10 characters would show it all
        return "*" * len(id_number)
    return id_number[:6] + "*" * (len(id_number) - 10) + id_number[-4:]


# ---------------------------------------------------------------------------- phones

_MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE_RE = re.compile(r"^0\d{2,3}-?[2-9]\d{6,7}(-\d{1,6})?$")


def parse_phone(text: str, *, field: str = "phone") -> str:
    """A Chinese mobile (``13812345678``, ``+86 138 1234 5678``) or landline (``010-65123456``)."""
    raw = unicodedata.normalize("NFKC", str(text or "")).strip()
    compact = re.sub(r"[\s()]", "", raw)
    if compact.startswith("+86"):
        compact = compact[3:].lstrip("-")
    elif compact.startswith("0086"):
        compact = compact[4:]
    if _MOBILE_RE.match(compact.replace("-", "")):
        return compact.replace("-", "")
    if _LANDLINE_RE.match(compact):
        return compact
    raise InvalidInput(
        field, f"{text!r} is not a Chinese mobile (11 digits from 1) or landline (0xx-xxxxxxxx)"
    )


# ---------------------------------------------------------------------------- text & numbers


#: Unicode category Cc (C0, DEL, C1) except tab and line feed, as one fast regex: roster
#: import calls parse_text about ten times per household.
_CONTROL_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def parse_text(text: str | None, *, field: str, required: bool = True, max_len: int = 2000) -> str:
    """Trim and NFC-normalise free text; refuse empty text where required."""
    value = unicodedata.normalize("NFC", str(text or "")).strip()
    if required and not value:
        raise InvalidInput(field, "must not be empty")
    if len(value) > max_len:
        raise InvalidInput(field, f"is longer than {max_len} characters")
    if _CONTROL_RE.search(value):
        raise InvalidInput(field, "contains control characters")
    return value


def parse_count(
    text: str | int | None, *, field: str, minimum: int = 0, maximum: int = 10**6
) -> int:
    """A whole number within [minimum, maximum] (members, cadence days, --days)."""
    raw = str(text).strip() if text is not None else ""
    if not re.fullmatch(r"-?\d+", raw):
        raise InvalidInput(field, f"{text!r} is not a whole number")
    value = int(raw)
    if value < minimum:
        raise InvalidInput(field, f"must be at least {minimum}, got {value}")
    if value > maximum:
        raise InvalidInput(field, f"must be at most {maximum}, got {value}")
    return value


def parse_income(text: str | int | None, *, field: str = "income") -> int:
    """Annual household income in yuan → fen; zero (``0``, ``0.00``, ``¥0``, a numeric 0 cell
    from a roster) is allowed, negative is not."""
    return _parse_yuan(text, field=field, negative="income cannot be below zero")


_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")


def parse_code(text: str | None, *, field: str) -> str:
    """A user-given code (fund, cadre, category): ASCII letters, digits, ``-_.``; ≤ 40 chars."""
    raw = (text or "").strip()
    if not _CODE_RE.match(raw):
        raise InvalidInput(field, f"{text!r} is not a code (letters, digits, - _ . ; up to 40)")
    return raw
