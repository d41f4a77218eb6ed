"""The one place that turns text into values: money, dates, ID numbers, phones, counts, codes
and enumerated choices.

Used by the command line and by roster import alike. Every parser takes the *field* name
it reports errors under, and raises :class:`~zoufang.errors.InvalidInput` with a reason a
cadre can act on, in the chosen language.

What a Chinese input method types by accident is read as meant: full-width digits, letters
and punctuation (``２０２６－０１－０５``, ``５００元``, ``Ｈ０００００１``, ``１，２３４``)
are folded to their usual forms (NFKC) before anything is parsed. Dates and amounts are
read as Chinese offices write them (``2026年1月20日``, ``6万元``); a form that could be
misread is refused with what to type instead. docs/glossary.md ("Typing dates and amounts")
lists the forms and the reasons.
"""

from __future__ import annotations

import datetime as dt
import functools
import operator
import re
import unicodedata
from collections.abc import Iterable, Mapping
from decimal import Decimal

from zoufang import labels
from zoufang.errors import CODE_RE, InvalidInput, not_a_code_error, shown
from zoufang.i18n import _

#: The founding of the People's Republic: no visit, payment or response is dated earlier.
EARLIEST_DATE = dt.date(1949, 10, 1)


def fold(text: str) -> str:
    """Full-width digits, letters and punctuation as their usual forms, spaces trimmed: how
    a code typed with a Chinese input method (``Ｈ０００００１``) is read."""
    return unicodedata.normalize("NFKC", text).strip()


_fold = fold


# ---------------------------------------------------------------------------- money

#: An amount: yuan (grouped by three with commas, or not), up to any decimals (judged
#: after), and at most one unit: 元 (yuan), 万 or 万元 (ten thousand yuan).
_AMOUNT_RE = re.compile(
    r"(?P<int>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<frac>\d+))?\s*(?P<unit>元|万\s*元|万)?", re.ASCII
)
#: Larger than any real support fund (10^13 yuan); keeps fen inside a signed 64-bit column.
MAX_FEN = 10**15


def parse_money(text: str, *, field: str = "amount") -> int:
    """Parse yuan into a positive number of fen: ``500``, ``500.5``, ``1,234.56``, ``¥500``,
    ``500元``, ``6万``, ``1.5万元``, and the same in full-width characters (``５００元``).

    Refuses more than two decimals of yuan (``1.234``, ``0.0000001万``), signs, zero,
    exponents, NaN, spaces inside the number, other units and mixed forms (``500块``,
    ``6万5千``), Chinese numerals (``五百``) and other scripts' digits, each with what to
    type instead.
    """
    fen = _parse_yuan(text, field=field, negative=_("amounts are positive (use a reversal)"))
    if fen <= 0:
        raise InvalidInput(field, _("the amount must be greater than zero"))
    return fen


def _parse_yuan(text: str | int | float | None, *, field: str, negative: str) -> int:
    """Yuan → fen, zero included; the callers decide whether zero is allowed."""
    if text is None:
        raise InvalidInput(field, _("an amount is required"))
    raw = _fold(str(text))
    if raw[:1] == "¥":  # NFKC has made ￥ a ¥
        raw = raw[1:].strip()
    if raw in ("", "元", "万", "万元"):
        raise InvalidInput(field, _("an amount is required"))
    if raw.startswith("-"):
        raise InvalidInput(
            field, _("{text!r} is negative: {why}").format(text=shown(text), why=negative)
        )
    m = _AMOUNT_RE.fullmatch(raw)
    if m is None:
        raise InvalidInput(field, _not_an_amount(text, raw))
    digits, frac = m.group("int").replace(",", ""), m.group("frac") or ""
    if m.group("unit") in (None, "元"):  # else 万 or 万元
        if len(frac) > 2:
            raise InvalidInput(
                field, _("{text!r} has more than two decimals").format(text=shown(text))
            )
        fen = int(digits) * 100 + int(frac.ljust(2, "0"))
    else:  # 万: ten thousand yuan, which must still come to whole fen
        fen, rest = divmod(int(digits + frac) * 10**6, 10 ** len(frac))
        if rest:
            yuan = Decimal(f"{digits}.{frac}").scaleb(4).normalize()
            raise InvalidInput(
                field,
                _("{text!r} comes to {yuan} yuan, which has more than two decimals").format(
                    text=shown(text), yuan=f"{yuan:f}"
                ),
            )
    if fen >= MAX_FEN:
        raise InvalidInput(field, _("{text!r} is too large").format(text=shown(text)))
    return fen


def _not_an_amount(text: object, raw: str) -> str:
    """Why ``raw`` (``text`` folded, without ¥) is not an amount, and what to type instead."""
    compact = re.sub(r"\s+", "", raw)
    if "。" in compact and _AMOUNT_RE.fullmatch(fixed := compact.replace("。", ".")):
        return _(
            "{text!r} has a Chinese full stop (。) for the decimal point: write {amount}"
        ).format(text=shown(text), amount=fixed)
    if "," in compact and (plain := _AMOUNT_RE.fullmatch(compact.replace(",", ""))):
        unit = plain.group("unit") or ""
        head, _sep, tail = compact.removesuffix(unit).partition(",")
        whole = compact.replace(",", "")
        if head.isdigit() and tail.isdigit() and len(tail) <= 2:
            return _(
                "{text!r} is not an amount: commas separate thousands (1,234,567.89); "
                "did you mean {decimal} or {whole}?"
            ).format(text=shown(text), decimal=f"{head}.{tail}{unit}", whole=whole)
        return _(
            "{text!r} is not an amount: commas separate thousands (1,234,567.89); write {whole}"
        ).format(text=shown(text), whole=whole)
    tokens = _money_tokens(compact)
    if tokens is not None and any(kind == "digit" for kind, _v, _t in tokens):
        reading = _reading(tokens)
        if reading is None:
            return _(
                "{text!r} is in Chinese numerals: write it in digits, like 500 or 1.5万"
            ).format(text=shown(text))
        return _("{text!r} is in Chinese numerals: write it in digits, {amount}").format(
            text=shown(text), amount=_plain(reading[0])
        )
    if tokens is not None and any(kind in ("unit", "end") for kind, _v, _t in tokens):
        return _odd_units(text, tokens)
    if any(c.isdigit() and not c.isascii() for c in compact):
        return _("{text!r} is not an amount: use ASCII digits like 1,234.56").format(
            text=shown(text)
        )
    return _("{text!r} is not an amount in yuan like 500, 500.5 or 1,234.56").format(
        text=shown(text)
    )


#: Chinese digits (大写 too: 伍佰元整), units in yuan, and the words that end an amount;
#: read only to say what to type instead.
_DIGITS = {
    c: n
    for n, chars in enumerate("〇零 一壹 二贰两 三叁 四肆 五伍 六陆 七柒 八捌 九玖".split())
    for c in chars
}
_UNITS = {
    **dict.fromkeys("亿", Decimal(10**8)),
    **dict.fromkeys("万", Decimal(10**4)),
    **dict.fromkeys("千仟", Decimal(1000)),
    **dict.fromkeys("百佰", Decimal(100)),
    **dict.fromkeys("十拾", Decimal(10)),
    **dict.fromkeys("元圆块", Decimal(1)),
    **dict.fromkeys("角毛", Decimal("0.1")),
    **dict.fromkeys("分", Decimal("0.01")),
}
_ENDINGS = "整正钱"  # 伍佰元整, 五百块钱: nothing more
_CURRENCY = "元圆块"
_Token = tuple[str, Decimal, str]  # (number | digit | zero | unit | end, value, as typed)


def _money_tokens(text: str) -> list[_Token] | None:
    """``6万5千`` → numbers, Chinese digits and units; None if ``text`` holds anything else."""
    tokens: list[_Token] = []
    for m in re.finditer(r"[0-9][0-9,]*(?:\.[0-9]+)?|.", text):
        part = m.group()
        if part[0].isascii() and part[0].isdigit():
            tokens.append(("number", Decimal(part.replace(",", "")), part))
        elif part in _DIGITS:
            kind = "digit" if _DIGITS[part] else "zero"
            tokens.append((kind, Decimal(_DIGITS[part]), part))
        elif part in _UNITS:
            tokens.append(("unit", _UNITS[part], part))
        elif part in _ENDINGS:
            tokens.append(("end", Decimal(0), part))
        else:
            return None
    return tokens


def _reading(tokens: list[_Token]) -> tuple[Decimal, bool] | None:
    """The amount in yuan that ``tokens`` say as people say it, and whether it takes the
    colloquial reading of a last bare digit (6万5 is 65000, 5块5 is 5.5, 三千五 is 3500);
    None where the reading is not clear or not whole fen."""
    total = section = Decimal(0)
    pending: tuple[Decimal, int] | None = None  # a number not yet multiplied by a unit
    last: Decimal | None = None  # the last unit
    big_seen: set[Decimal] = set()
    after_zero = False  # 一千零五: the number after 零 counts as it is
    for kind, value, typed in tokens:
        if kind in ("number", "digit"):
            if pending is not None:
                return None
            pending = (value, len(typed.split(".")[0].replace(",", "")))
        elif kind == "zero":
            if pending is not None:
                return None
            after_zero = True
        elif kind == "unit":
            if last is not None and value >= last and not (value >= 10**4 > last):
                return None  # units go down, except 万/亿 after a smaller one (五千万)
            count = pending[0] if pending else None
            if value >= 10**4:
                if value in big_seen or (section == 0 and not count):
                    return None
                total += (section + (count or 0)) * value
                big_seen.add(value)
                section = Decimal(0)
            elif value >= 10:
                if count is None and value != 10:  # 十五 is 15; 百五 is nothing
                    return None
                section += (count if count is not None else 1) * value
            elif value == 1:
                total += section + (count or 0)
                section = Decimal(0)
            else:
                if count is None:
                    return None
                total += section + count * value
                section = Decimal(0)
            pending, last, after_zero = None, value, False
    colloquial = False
    if pending is not None:
        count, digits = pending
        if last is None or after_zero:
            total += section + count
        elif digits == 1 and last > Decimal("0.01"):
            total += section + count * last / 10
            colloquial = True
        elif last >= 10 and Decimal(10) ** digits == last:  # 6万2500
            total += section + count
        else:
            return None
    else:
        total += section
    if total <= 0 or (total * 100) % 1:
        return None
    return total, colloquial


def _odd_units(text: object, tokens: list[_Token]) -> str:
    """Why an amount written with units zoufang does not read (500块, 6万5, 6万5千) is
    refused, and what to type instead."""
    trailing: list[str] = []
    for kind, _value, typed in reversed(tokens):
        if kind not in ("unit", "end"):
            break
        trailing.insert(0, typed)
    units = [u for u in trailing if u not in _ENDINGS]
    currencies = [u for u in units if u in _CURRENCY]
    if (
        len(set(units)) < len(units)
        or len(currencies) > 1
        or (currencies and units[-1] not in _CURRENCY)
    ):
        return _(
            "{text!r} has more than one unit: write the number once, with 元, 万 or 万元 "
            "(500元, 6万元)"
        ).format(text=shown(text))
    reading = _reading(tokens)
    if reading is None:
        return _(
            "{text!r} is ambiguous: write the whole amount in digits, like 65000 or 6.5万"
        ).format(text=shown(text))
    amount, colloquial = _plain(reading[0]), reading[1]
    if colloquial:
        return _("{text!r} is ambiguous: write the whole amount in digits, {amount}").format(
            text=shown(text), amount=amount
        )
    if sum(1 for kind, _v, _t in tokens if kind == "number") > 1:
        return _("{text!r} is written in parts: write the whole amount in digits, {amount}").format(
            text=shown(text), amount=amount
        )
    return _(
        "{text!r}: only 元 and 万 are read after an amount; write {amount} or {amount}元"
    ).format(text=shown(text), amount=amount)


def _plain(yuan: Decimal) -> str:
    """Yuan as a person types them: ``65000``, ``5.50``."""
    return str(int(yuan)) if yuan == yuan.to_integral_value() else f"{yuan:.2f}"


def format_money(fen: int, *, grouping: bool = True) -> str:
    """Print fen as yuan with two decimals (``1,234.56``); JSON uses ``grouping=False``."""
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), 100)
    whole = f"{yuan:,}" if grouping else str(yuan)
    return f"{sign}{whole}.{cents:02d}"


# ---------------------------------------------------------------------------- dates

#: ``2026-01-20``, ``2026-1-20``, ``2026/1/20``, ``2026.1.20`` (one separator throughout),
#: ``2026年1月20日`` (or 号, or neither: a cell cut to ten characters), after NFKC.
_DATE_RE = re.compile(
    r"(?P<y>\d{4})(?:(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})"
    r"|\s*年\s*(?P<cm>\d{1,2})\s*月\s*(?P<cd>\d{1,2})\s*[日号]?)",
    re.ASCII,
)


def parse_date(
    text: str,
    *,
    field: str = "date",
    today: dt.date | None = None,
    allow_future: bool = True,
) -> dt.date:
    """Parse a date as offices write it: ``2026-01-20`` (ISO), ``2026-1-20``, ``2026/1/20``,
    ``2026.1.20``, ``2026年1月20日`` (or 号), full-width forms too (``２０２６－０１－２０``).
    With ``allow_future=False`` refuse dates after today (``today``, or the real date when it
    is not given).

    Dates before 1949-10-01 are always refused: the ledger has nothing to record then.
    """
    m = _DATE_RE.fullmatch(_fold(text or ""))
    if m is None:
        raise InvalidInput(
            field,
            _(
                "{text!r} is not a date in the form YYYY-MM-DD "
                "(or 2026/1/20, 2026.1.20, 2026年1月20日)"
            ).format(text=shown(text)),
        )
    try:
        value = dt.date(int(m["y"]), int(m["m"] or m["cm"]), int(m["d"] or m["cd"]))
    except ValueError:
        raise InvalidInput(
            field, _("{text!r} is not a real calendar date").format(text=shown(text))
        ) from None
    if value < EARLIEST_DATE:
        raise InvalidInput(
            field,
            _("{date} is before {earliest}").format(
                date=value.isoformat(), earliest=EARLIEST_DATE.isoformat()
            ),
        )
    if not allow_future:
        limit = today or dt.date.today()
        if value > limit:
            raise InvalidInput(
                field,
                _("{date} is in the future (today is {today})").format(
                    date=value.isoformat(), today=limit.isoformat()
                ),
            )
    return value


# ---------------------------------------------------------------------------- ID numbers

#: The first two digits of every region code (GB/T 2260 provinces, plus 71/81/82/83 and 91).
PROVINCE_CODES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 "
    "61 62 63 64 65 71 81 82 83 91".split()
)
#: Provinces where a foreigner's permanent-residence number can be issued (its digits 2–3).
MAINLAND_PROVINCES = PROVINCE_CODES - {"71", "81", "82", "83", "91"}
#: Hong Kong, Macao and Taiwan residents' residence permits: these region codes, no county.
HMT_REGIONS = frozenset({"810000", "820000", "830000"})
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


@functools.cache
def division_codes() -> frozenset[str]:
    """Every GB/T 2260 administrative division code since 1980, current and retired
    (``data/divisions.tsv``, shipped with the package; see ``data/LICENSES.md``)."""
    from importlib.resources import files

    text = files("zoufang").joinpath("data", "divisions.tsv").read_text(encoding="utf-8")
    return frozenset(line[:6] for line in text.splitlines() if line and not line.startswith("#"))


def region_code_problem(number: str) -> str | None:
    """Why the first six digits of an 18-digit ID number name no place that issues one, or
    None when they do:

    * a resident ID number: a division code of GB/T 2260, current or retired (people keep
      the code of their birth registration), except Taiwan's ``71``: no ID number carries
      it (Taiwan residents' permits carry ``830000``);
    * a Hong Kong, Macao or Taiwan resident's residence permit: ``810000``, ``820000`` or
      ``830000``;
    * a foreigner's permanent-residence number (2017 and 2023 cards): ``9``, then the code
      of the mainland province that issued it (``911`` Beijing … ``965`` Xinjiang), then a
      three-digit nationality code, not checked further.
    """
    region = number[:6]
    if region[0] == "9":
        if region[1:3] in MAINLAND_PROVINCES:
            return None
        return _(
            "{region} is not a region code: a foreigner's permanent-residence number starts "
            "with 9 and the code of the mainland province that issued it ({province} is none)"
        ).format(region=region, province=region[1:3])
    if region[:2] not in PROVINCE_CODES:
        return _("{region} is not a region code (province {province} unknown)").format(
            region=region, province=region[:2]
        )
    if region in HMT_REGIONS:
        return None
    if region[:2] == "71" or region not in division_codes():
        return _(
            "{region} is not a region code: no administrative division has it (GB/T 2260, "
            "current or retired)"
        ).format(region=region)
    return None


_ID_CHECK = "10X98765432"
_ID_ZEROS = ord("0") * sum(_ID_WEIGHTS)
#: an ID number a spreadsheet stored as a number: 1.10101E+17, 110101199003071234.0
_SPREADSHEET_NUMBER = re.compile(r"\d(\.\d+)?[eE]\+?\d+")
_SPREADSHEET_DECIMAL = re.compile(r"\d{15,18}\.0+")


def id_check_digit(first17: str) -> str:
    """The GB 11643-1999 check character for the first 17 digits of an ID number (17 ASCII
    digits: :func:`parse_id_number` has read full-width ones as such; anything else is a
    ValueError)."""
    if len(first17) != len(_ID_WEIGHTS) or not (first17.isascii() and first17.isdigit()):
        raise ValueError(f"{first17!r} is not 17 digits")
    # each digit's byte is 48 more than the digit: one subtraction for all of them
    total = sum(map(operator.mul, first17.encode(), _ID_WEIGHTS)) - _ID_ZEROS
    return _ID_CHECK[total % 11]


def parse_id_number(text: str, *, field: str = "id-number", today: dt.date | None = None) -> str:
    """Validate an 18-character resident ID number: length, digits, region code
    (:func:`region_code_problem`), birth date (a real date
    from 1880 to ``today``, the ledger's today: the clock's unless ``--today`` says otherwise),
    checksum. Full-width digits and Ｘ are read as such.

    Returns it normalised (upper-case ``X``). Numbers a spreadsheet stored as numbers
    (``1.10101E+17``, ``110101199003071234.0``) are refused with a hint, because their last
    digits are already lost.
    """
    raw = unicodedata.normalize("NFKC", str(text or "")).strip().replace(" ", "")
    if not raw:
        raise InvalidInput(field, _("an ID number is required"))
    if _SPREADSHEET_NUMBER.fullmatch(raw) or _SPREADSHEET_DECIMAL.fullmatch(raw):
        raise InvalidInput(
            field,
            _(
                "{text!r} was stored by a spreadsheet as a number and has lost digits; "
                "format the column as text and type the ID number again"
            ).format(text=shown(text)),
        )
    raw = raw.upper()
    if len(raw) == 15 and raw.isdigit():
        raise InvalidInput(field, _("15-digit ID numbers are obsolete: use the 18-digit number"))
    if len(raw) != 18:
        raise InvalidInput(field, _("must be 18 characters, got {n}").format(n=len(raw)))
    # isdigit() alone would let other scripts' digits (e.g. Arabic-Indic) through.
    if not raw.isascii() or not raw[:17].isdigit() or not (raw[17].isdigit() or raw[17] == "X"):
        raise InvalidInput(field, _("must be 17 digits followed by a digit or X"))
    problem = region_code_problem(raw)
    if problem is not None:
        raise InvalidInput(field, problem)
    try:
        birth = dt.date(int(raw[6:10]), int(raw[10:12]), int(raw[12:14]))
    except ValueError:
        raise InvalidInput(
            field, _("birth date {birth} is not a real date").format(birth=raw[6:14])
        ) from None
    if birth.year < 1880 or birth > (today or dt.date.today()):
        raise InvalidInput(field, _("birth date {birth} is impossible").format(birth=raw[6:14]))
    expected = id_check_digit(raw[:17])
    if raw[17] != expected:
        raise InvalidInput(
            field,
            _("wrong check digit: {got} (expected {expected}); mistyped?").format(
                got=raw[17], expected=expected
            ),
        )
    return raw


def mask_id_number(id_number: str | None) -> str:
    """``110101199003071234`` → ``110101********1234``: region code and last four kept."""
    if not id_number:
        return ""
    if len(id_number) < 11:  # not a real ID number: keeping 10 characters would show it all
        return "*" * len(id_number)
    return id_number[:6] + "*" * (len(id_number) - 10) + id_number[-4:]


# ---------------------------------------------------------------------------- phones

_MOBILE_RE = re.compile(r"^1[3-9]\d{9}$", re.ASCII)
_LANDLINE_RE = re.compile(r"^0\d{2,3}-?[2-9]\d{6,7}(-\d{1,6})?$", re.ASCII)


def parse_phone(text: str, *, field: str = "phone") -> str:
    """A Chinese mobile (``13812345678``, ``+86 138 1234 5678``, ``１３８…``) or landline
    (``010-65123456``, ``０１０－６５１２３４５６``)."""
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
        field,
        _("{text!r} is not a Chinese mobile (11 digits from 1) or landline (0xx-xxxxxxxx)").format(
            text=shown(text)
        ),
    )


# ---------------------------------------------------------------------------- text & numbers


#: Unicode category Cc (C0, DEL, C1) except tab and line feed, as one fast regex: roster
#: import calls parse_text about ten times per household.
_CONTROL_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
#: Lone surrogates: what Python makes of bytes that are not UTF-8 (``surrogateescape``).
_SURROGATE_RE = re.compile("[\ud800-\udfff]")
#: The bidirectional controls: embeddings, overrides, isolates and the marks (ALM, LRM,
#: RLM). They reorder how the text around them is shown (``U+202E`` shows ``abc`` as
#: ``cba``).
BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_BIDI_RE = re.compile(f"[{BIDI_CONTROLS}]")
#: Letters and symbols that are drawn as nothing (Hangul fillers, the blank braille pattern).
_BLANK_LOOKING = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def visible(text: str) -> str:
    """``text`` as printed in a table, a plain listing or a terminal line: bidirectional
    controls shown as ``⟨U+202E⟩`` instead of reordering what a reader sees (the ledger keeps
    the text as it was typed). Fast for the usual text, which has none."""
    if _BIDI_RE.search(text) is None:
        return text
    return _BIDI_RE.sub(lambda m: f"⟨U+{ord(m.group()):04X}⟩", text)


def _code_point(char: str) -> str:
    return f"U+{ord(char):04X}"


def _refuse_unshowable(value: str, field: str) -> None:
    """Refuse text that is not valid UTF-8, or that shows as nothing: only spaces,
    invisible characters, marks and blank letters, or a combining mark with no letter
    before it to sit on."""
    if _SURROGATE_RE.search(value):
        raise InvalidInput(field, _("is not valid UTF-8 text (check the terminal's encoding)"))
    if value and unicodedata.category(value[0]).startswith("M"):
        raise InvalidInput(
            field,
            _("begins with a combining mark ({code}) that has no letter to sit on").format(
                code=_code_point(value[0])
            ),
        )
    if value and all(
        c in _BLANK_LOOKING or c.isspace() or unicodedata.category(c)[0] in "MCZ" for c in value
    ):
        raise InvalidInput(field, _("shows as nothing (only invisible characters or marks)"))


def _refuse_multiline(value: str, field: str) -> None:
    """Refuse what a single line of text must not hold: line breaks (``\\n``, ``\\r``,
    U+2028, U+2029), tabs and other control characters, bidirectional controls, and
    invisible format characters (zero-width spaces and joiners, a BOM, soft hyphens)."""
    if value.isprintable():  # the usual text: none of them (nor any space but " ")
        return
    for char in value:
        category = unicodedata.category(char)
        if category in ("Cc", "Zl", "Zp"):
            raise InvalidInput(
                field,
                _(
                    "must be one line of text: it contains a line break, tab or control "
                    "character ({code})"
                ).format(code=_code_point(char)),
            )
        if char in BIDI_CONTROLS:
            raise InvalidInput(
                field,
                _(
                    "contains a bidirectional control character ({code}) that changes how "
                    "text is shown"
                ).format(code=_code_point(char)),
            )
        if category == "Cf":
            raise InvalidInput(
                field,
                _("contains an invisible character ({code})").format(code=_code_point(char)),
            )


def _too_long(value: str, field: str, max_len: int | None) -> None:
    if max_len is not None and len(value) > max_len:
        raise InvalidInput(
            field,
            _("is {length} characters long; at most {max_len} fit").format(
                length=len(value), max_len=max_len
            ),
        )


#: What free text is capped at when its column is unbounded (visit notes).
FREE_TEXT_MAX = 2000


def parse_text(
    text: str | None, *, field: str, required: bool = True, max_len: int | None = FREE_TEXT_MAX
) -> str:
    """Free text (notes, needs, commitments, responses): several lines allowed. Trimmed and
    NFC-normalised (full-width characters stay: they are the text); refuses empty text
    where required, text that shows as nothing, and control characters other than tab
    and line feed. Bidirectional controls are kept (they are part of what was typed) and
    shown as ``⟨U+202E⟩`` when printed (:func:`visible`)."""
    value = unicodedata.normalize("NFC", str(text or "")).strip()
    if required and not value:
        raise InvalidInput(field, _("must not be empty"))
    _refuse_unshowable(value, field)
    _too_long(value, field, max_len)
    if _CONTROL_RE.search(value):
        raise InvalidInput(field, _("contains control characters"))
    return value


def parse_line(
    text: str | None, *, field: str, required: bool = True, max_len: int | None = None
) -> str:
    """One line of text (villages, grids, addresses, relations, units, fund names, labels,
    reasons, memos): like :func:`parse_text`, and also refuses line breaks, tabs,
    U+2028/U+2029, bidirectional controls and invisible characters (zero-width space, BOM),
    each naming the character. ``max_len`` is the column's (:func:`zoufang.tables.max_length`)."""
    value = unicodedata.normalize("NFC", str(text or "")).strip()
    if required and not value:
        raise InvalidInput(field, _("must not be empty"))
    _refuse_unshowable(value, field)
    _refuse_multiline(value, field)
    _too_long(value, field, max_len)
    return value


#: A space (or several) between two Han characters: a name typed to line up in a column
#: (``石 磊`` beside ``欧阳小明``); it is not part of the name.
_HAN_GAP_RE = re.compile(
    r"(?<=[\u3400-\u9fff\U00020000-\U0003134f])\s+(?=[\u3400-\u9fff\U00020000-\U0003134f])"
)
#: The dots that separate the parts of a name (买买提·艾力), as people type them: all are
#: stored as U+00B7, as ID cards print them.
_NAME_DOTS = str.maketrans(dict.fromkeys("•・‧∙⋅．", "·"))
#: What may stand between the parts of a name besides a space.
_NAME_JOINERS = frozenset("·.'’-")
#: A spreadsheet's (or a program's) word for an empty cell, not anyone's name (``Na`` is:
#: 那, so it is not one of them).
_PLACEHOLDERS = frozenset(("nan", "none", "null", "n/a", "#n/a", "undefined"))


def parse_name(text: str | None, *, field: str, max_len: int | None = 100) -> str:
    """A person's name (head of household, member, cadre, a roster's names): one line
    (:func:`parse_line`) of letters, Chinese or any other script, with ``·`` ``-`` ``'``
    ``.`` or a space between parts (``买买提·艾力``, ``Anne-Marie O'Neil``).

    Spaces between two Han characters are dropped (``石 磊`` → ``石磊``: padding that lines
    names up, not part of them), other runs of spaces become one, and every middle dot
    (``•``, ``・``, ``．``) is stored as ``·``. Refuses digits, emoji and other symbols
    (``-5``, ``2026-02-30``, ``😀``) and a spreadsheet's placeholders (``NaN``, ``None``,
    ``#N/A``)."""
    value = parse_line(text, field=field, max_len=None)
    value = " ".join(_HAN_GAP_RE.sub("", value).split()).translate(_NAME_DOTS)
    if value.casefold() in _PLACEHOLDERS:
        raise InvalidInput(
            field,
            _("{text!r} is a spreadsheet's word for an empty cell, not a name").format(
                text=shown(text)
            ),
        )
    previous = " "
    for char in value:
        category = unicodedata.category(char)
        letter = category.startswith("L") or (category.startswith("M") and previous != " ")
        after_part = previous not in _NAME_JOINERS and previous != " "
        joiner = (char in _NAME_JOINERS and after_part) or (
            char == " " and (after_part or previous == ".")
        )
        if not letter and not joiner:
            raise InvalidInput(
                field,
                _(
                    "{text!r} is not a name: {char!r} cannot be in a name (names are letters, "
                    "with · - ' or a space between their parts)"
                ).format(text=shown(text), char=char),
            )
        previous = char
    if previous in _NAME_JOINERS and previous != ".":
        raise InvalidInput(
            field,
            _(
                "{text!r} is not a name: {char!r} cannot be in a name (names are letters, "
                "with · - ' or a space between their parts)"
            ).format(text=shown(text), char=previous),
        )
    _too_long(value, field, max_len)
    return value


def parse_count(
    text: str | int | None, *, field: str, minimum: int = 0, maximum: int = 10**6
) -> int:
    """A whole number within [minimum, maximum] (members, cadence days, --days); full-width
    digits (``３０``) are read as digits."""
    raw = _fold(str(text)) if text is not None else ""
    if not re.fullmatch(r"-?[0-9]+", raw):
        raise InvalidInput(field, _("{text!r} is not a whole number").format(text=shown(text)))
    value = int(raw)
    if value < minimum:
        raise InvalidInput(
            field, _("must be at least {minimum}, got {value}").format(minimum=minimum, value=value)
        )
    if value > maximum:
        raise InvalidInput(
            field, _("must be at most {maximum}, got {value}").format(maximum=maximum, value=value)
        )
    return value


def parse_income(text: str | int | None, *, field: str = "income") -> int:
    """Annual household income in yuan → fen, in the forms of :func:`parse_money`
    (``1.2万``); zero (``0``, ``0.00``, ``¥0``, a numeric 0 cell from a roster) is allowed,
    negative is not."""
    return _parse_yuan(text, field=field, negative=_("income cannot be below zero"))


def parse_reference(text: str | None, *, field: str) -> str:
    """A cadre or category given by code or by its Chinese name (``--by C0001`` or
    ``--by 刘强``, ``--category 低保``): text with Chinese in it is a name (the service finds
    whose); anything else must be a code (:func:`parse_code`: ``C 1`` is not a code)."""
    folded = fold(text or "")
    if folded.isascii():
        return parse_code(text, field=field)
    return parse_line(folded, field=field, max_len=100)


def parse_code(text: str | None, *, field: str) -> str:
    """A user-given code (fund, cadre, category, household): ASCII letters, digits, ``-_.``;
    ≤ 40 chars. Full-width letters and digits (``Ｈ０００００１``) are read as such."""
    raw = _fold(text or "")
    if not CODE_RE.match(raw):
        raise not_a_code_error(text, field)
    return raw


def parse_plan_code(text: str | None, *, field: str) -> str:
    """A distribution plan's code: ``FUND/N`` (``CJ2026/1``), the fund's code and the plan's
    number; full-width characters are read as such."""
    raw = _fold(text or "")
    fund, slash, number = raw.rpartition("/")
    if not slash or not CODE_RE.match(fund) or not number.isdigit() or len(number) > 6:
        raise InvalidInput(
            field,
            _("{text!r} is not a plan (FUND/N, e.g. CJ2026/1)").format(text=text),
        )
    return f"{fund}/{int(number)}"


# ---------------------------------------------------------------------------- choices


def parse_choice(
    text: str | None,
    *,
    kind: str,
    codes: Iterable[str],
    field: str,
    words: Mapping[str, str] | None = None,
) -> str:
    """The code among ``codes`` (of ``kind``, a :mod:`zoufang.labels` kind) that ``text``
    names: the code in any case, its Chinese word or a short form (``节日慰问``, ``办理中``,
    ``低保``), full-width or not. ``words`` (code → word) are the caller's own, e.g. the
    categories' labels in the ledger. An unknown value is refused with the accepted ones,
    in the chosen language."""
    known = tuple(codes)
    code = labels.resolve(kind, text or "", known, words)
    if code is None:
        raise InvalidInput(
            field,
            _("{value!r} is not one of {accepted}").format(
                value=shown(text), accepted=labels.accepted(kind, known, words)
            ),
        )
    return code
