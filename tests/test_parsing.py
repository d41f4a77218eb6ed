"""The parsers: every value a cadre types or a roster holds goes through zoufang.parsing.

Example tests pin the documented forms; Hypothesis properties cover the arithmetic (yuan ↔
fen) and the ID-number checksum. Every refusal is an InvalidInput naming the field it was
given, because that field is what the one stderr line shows.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from zoufang import labels
from zoufang.errors import InvalidInput
from zoufang.parsing import (
    EARLIEST_DATE,
    MAX_FEN,
    division_codes,
    format_money,
    id_check_digit,
    mask_id_number,
    parse_choice,
    parse_code,
    parse_count,
    parse_date,
    parse_id_number,
    parse_income,
    parse_money,
    parse_phone,
)

FIELD = "--some-field"
FULL_WIDTH = str.maketrans("0123456789.,", "０１２３４５６７８９．，")


def refused(parse, value, field: str = FIELD, **kwargs) -> str:
    """Assert that ``parse`` refuses ``value`` under ``field``; return the reason."""
    with pytest.raises(InvalidInput) as info:
        parse(value, field=field, **kwargs)
    assert info.value.field == field
    assert info.value.exit_code == 2
    assert info.value.reason and "\n" not in info.value.reason
    return info.value.reason


# ---------------------------------------------------------------------------- money


@pytest.mark.parametrize(
    ("text", "fen"),
    [
        ("500", 50000),
        ("500.5", 50050),
        ("500.50", 50050),
        ("500.05", 50005),
        ("0.01", 1),
        ("1,234.56", 123456),
        ("1,234,567.89", 123456789),
        ("12,345", 1234500),
        ("¥500", 50000),
        ("￥500", 50000),
        ("¥ 1,234.5", 123450),
        ("500元", 50000),
        ("  500  ", 50000),
    ],
)
def test_parse_money_accepts_yuan(text, fen):
    value = parse_money(text, field=FIELD)
    assert value == fen
    assert type(value) is int


@pytest.mark.parametrize(
    ("text", "reason_part"),
    [
        ("1.234", "more than two decimals"),
        ("1,234.567", "more than two decimals"),
        ("0.001", "more than two decimals"),
        ("-5", "negative"),
        ("-0.5", "negative"),
        ("¥-5", "negative"),
        ("0", "greater than zero"),
        ("0.00", "greater than zero"),
        ("¥0", "greater than zero"),
        ("1e3", "not an amount"),
        ("1E3", "not an amount"),
        ("5e-1", "not an amount"),
        ("NaN", "not an amount"),
        ("nan", "not an amount"),
        ("inf", "not an amount"),
        ("Infinity", "not an amount"),
        ("", "required"),
        ("   ", "required"),
        ("¥", "required"),
        ("1,23", "not an amount"),
        ("1,23.45", "not an amount"),
        ("1234,567", "not an amount"),
        ("12,34,567", "not an amount"),
        (",500", "not an amount"),
        ("500,", "not an amount"),
        ("1 000", "not an amount"),
        ("+500", "not an amount"),
        ("500.", "not an amount"),
        (".5", "not an amount"),
        ("0x10", "not an amount"),
        ("五百", "Chinese numerals"),
        ("٥٠٠", "ASCII digits"),
        ("10000000000000", "too large"),
    ],
)
def test_parse_money_refuses(text, reason_part):
    assert reason_part in refused(parse_money, text)


def test_parse_money_refuses_none_under_its_field():
    refused(parse_money, None, field="--cash")


def test_parse_money_largest_amount():
    assert parse_money(format_money(MAX_FEN - 1), field=FIELD) == MAX_FEN - 1
    refused(parse_money, format_money(MAX_FEN))


@given(st.integers(min_value=1, max_value=MAX_FEN - 1), st.booleans())
def test_format_then_parse_round_trips(fen, grouping):
    text = format_money(fen, grouping=grouping)
    value = parse_money(text, field=FIELD)
    assert value == fen
    assert type(value) is int


@given(
    yuan=st.integers(min_value=0, max_value=10**12),
    cents=st.integers(min_value=0, max_value=99),
    grouping=st.booleans(),
    short=st.booleans(),
    sign=st.sampled_from(["", "¥", "￥", "¥ "]),
    suffix=st.sampled_from(["", "元"]),
)
def test_parse_money_reads_every_spelling_of_an_amount(yuan, cents, grouping, short, sign, suffix):
    assume(yuan * 100 + cents > 0)
    whole = f"{yuan:,}" if grouping else str(yuan)
    if cents == 0 and short:
        text = whole
    elif cents % 10 == 0 and short:
        text = f"{whole}.{cents // 10}"
    else:
        text = f"{whole}.{cents:02d}"
    value = parse_money(sign + text + suffix, field=FIELD)
    assert value == yuan * 100 + cents
    assert type(value) is int


@given(
    st.integers(min_value=0, max_value=10**9),
    st.text(alphabet="0123456789", min_size=3, max_size=8),
)
def test_parse_money_refuses_three_or_more_decimals(yuan, decimals):
    assert "more than two decimals" in refused(parse_money, f"{yuan}.{decimals}")


@given(st.integers(min_value=1, max_value=MAX_FEN - 1))
def test_parse_money_refuses_negative_amounts(fen):
    refused(parse_money, "-" + format_money(fen))


@given(st.integers(min_value=1, max_value=MAX_FEN - 1), st.booleans())
def test_parse_money_reads_full_width_digits(fen, grouping):
    # a Chinese input method's ５００ and １，２３４．５６ are the same characters, not a typo
    text = format_money(fen, grouping=grouping).translate(FULL_WIDTH)
    assert parse_money(text, field=FIELD) == fen


@given(
    st.floats(allow_nan=False, allow_infinity=False, min_value=1, max_value=1e12),
    st.integers(min_value=-5, max_value=20),
)
def test_parse_money_refuses_exponents(mantissa, exponent):
    refused(parse_money, f"{mantissa}e{exponent}")


@given(
    head=st.text(alphabet="0123456789", min_size=1, max_size=5),
    groups=st.lists(st.text(alphabet="0123456789", min_size=0, max_size=5), min_size=1, max_size=4),
    frac=st.sampled_from(["", ".5", ".25"]),
)
def test_parse_money_refuses_bad_thousands_grouping(head, groups, frac):
    # after the first group, every group is exactly three digits (and the first at most three)
    assume(len(head) > 3 or any(len(g) != 3 for g in groups))
    refused(parse_money, ",".join([head, *groups]) + frac)


@pytest.mark.parametrize(
    ("fen", "grouped", "plain"),
    [
        (1, "0.01", "0.01"),
        (50, "0.50", "0.50"),
        (50000, "500.00", "500.00"),
        (123456, "1,234.56", "1234.56"),
        (123456789, "1,234,567.89", "1234567.89"),
        (0, "0.00", "0.00"),
        (-123456, "-1,234.56", "-1234.56"),
    ],
)
def test_format_money(fen, grouped, plain):
    assert format_money(fen) == grouped
    assert format_money(fen, grouping=False) == plain


# ---------------------------------------------------------------------------- income


@pytest.mark.parametrize("text", ["0", "0.0", "0.00", "00", "¥0", "￥0.00", "0元", "0,000", 0])
def test_parse_income_allows_zero(text):
    assert parse_income(text, field="--income") == 0


@pytest.mark.parametrize(
    ("text", "fen"), [("12000", 1200000), ("1,234.56", 123456), ("¥8,400", 840000), (1200, 120000)]
)
def test_parse_income(text, fen):
    value = parse_income(text, field="--income")
    assert value == fen
    assert type(value) is int


@pytest.mark.parametrize("text", ["-1", "-0.01", "¥-5", "1.234", "abc", "1e4", "", "NaN", "十二"])
def test_parse_income_refuses(text):
    reason = refused(parse_income, text, field="--income")
    if "-" in str(text):
        assert "negative" in reason


# ---------------------------------------------------------------------------- dates

TODAY = dt.date(2026, 11, 23)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("2026-11-23", dt.date(2026, 11, 23)),
        (" 2026-11-23 ", dt.date(2026, 11, 23)),
        ("2024-02-29", dt.date(2024, 2, 29)),
        ("1949-10-01", dt.date(1949, 10, 1)),
    ],
)
def test_parse_date_accepts_iso(text, value):
    assert parse_date(text, field="--date") == value


@pytest.mark.parametrize(
    "text",
    [
        "23/11/2026",
        "23-11-2026",
        "20261123",
        "2026-11-23T10:00",
        "2026-11-23 10:00",
        "yesterday",
        "",
        "   ",
    ],
)
def test_parse_date_refuses_other_forms(text):
    assert "YYYY-MM-DD" in refused(parse_date, text, field="--date")


@pytest.mark.parametrize(
    "text", ["2026-02-29", "2026-02-30", "2026-04-31", "2026-13-01", "2026-00-10"]
)
def test_parse_date_refuses_impossible_dates(text):
    assert "not a real calendar date" in refused(parse_date, text, field="--date")


@pytest.mark.parametrize("text", ["1949-09-30", "1900-01-01", "0001-01-01"])
def test_parse_date_refuses_dates_before_1949_10_01(text):
    assert "1949-10-01" in refused(parse_date, text, field="--date")


def test_parse_date_future():
    tomorrow = (TODAY + dt.timedelta(days=1)).isoformat()
    assert parse_date(tomorrow, field="--date", today=TODAY) == TODAY + dt.timedelta(days=1)
    assert parse_date(TODAY.isoformat(), field="--date", today=TODAY, allow_future=False) == TODAY
    assert "future" in refused(
        parse_date, tomorrow, field="--date", today=TODAY, allow_future=False
    )


def test_parse_date_future_without_today_means_the_real_date():
    refused(parse_date, "2999-01-01", field="--date", allow_future=False)
    assert parse_date("2000-01-01", field="--date", allow_future=False) == dt.date(2000, 1, 1)


@given(st.dates(min_value=EARLIEST_DATE))
def test_parse_date_round_trips(value):
    assert parse_date(value.isoformat(), field="--date") == value


@given(st.dates(max_value=EARLIEST_DATE - dt.timedelta(days=1)).filter(lambda d: d.year >= 1000))
def test_parse_date_refuses_every_date_before_1949_10_01(value):
    refused(parse_date, value.isoformat(), field="--date")


# ---------------------------------------------------------------------------- ID numbers

BIRTH_DATES = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2020, 12, 31))


#: Region codes an ID number may start with: GB/T 2260 codes below province level (current
#: and retired), Hong Kong/Macao/Taiwan residence permits, foreigners' permanent residence.
REGIONS = sorted(
    [c for c in division_codes() if c[:2] not in ("71", "81", "82", "83")]
    + ["810000", "820000", "830000", "911840", "931392", "944250", "965643"]
)


@st.composite
def valid_ids(draw) -> str:
    region = draw(st.sampled_from(REGIONS))
    birth = draw(BIRTH_DATES)
    sequence = draw(st.text(alphabet="0123456789", min_size=3, max_size=3))
    first17 = f"{region}{birth:%Y%m%d}{sequence}"
    return first17 + id_check_digit(first17)


def test_id_check_digit_known_examples():
    # GB 11643-1999's own example and one whose check character is X
    assert id_check_digit("11010519491231002") == "X"
    assert id_check_digit("44052418800101001") == "4"


@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_id_check_digit_is_the_standards_weighted_sum(first17):
    """GB 11643-1999: Σ digit × 2^(17-i) mod 11, read off "10X98765432"."""
    total = sum(int(d) * pow(2, 17 - i, 11) for i, d in enumerate(first17))
    assert id_check_digit(first17) == "10X98765432"[total % 11]


@given(st.text(max_size=20).filter(lambda t: not (len(t) == 17 and t.isascii() and t.isdigit())))
@example("\u0661" * 17)  # Arabic-Indic digits: two bytes each in UTF-8
@example("\uff11" * 17)  # full-width digits
def test_id_check_digit_refuses_anything_but_17_ascii_digits(text):
    with pytest.raises(ValueError):
        id_check_digit(text)


def test_parse_id_number_accepts_a_known_number():
    assert parse_id_number("11010519491231002X", field="--id-number") == "11010519491231002X"
    assert parse_id_number("440524188001010014", field="--id-number") == "440524188001010014"


def test_parse_id_number_normalises_lowercase_x_and_spaces():
    assert parse_id_number("11010519491231002x", field="--id-number") == "11010519491231002X"
    assert parse_id_number(" 110105 19491231 002x ", field="--id-number") == "11010519491231002X"


def test_parse_id_number_normalises_full_width_characters():
    # a Chinese input method's full-width digits are the same characters, not a typo
    assert parse_id_number("１１０１０５１９４９１２３１００２Ｘ", field="--id-number") == (
        "11010519491231002X"
    )


@given(valid_ids())
def test_generated_valid_ids_are_accepted(number):
    assert parse_id_number(number, field="--id-number") == number
    assert parse_id_number(number.lower(), field="--id-number") == number


@given(valid_ids(), st.integers(min_value=0, max_value=17), st.integers(min_value=1, max_value=10))
def test_any_single_character_change_is_refused(number, position, shift):
    alphabet = "0123456789X" if position == 17 else "0123456789"
    old = number[position]
    new = alphabet[(alphabet.index(old) + shift) % len(alphabet)]
    assume(new != old)
    changed = number[:position] + new + number[position + 1 :]
    refused(parse_id_number, changed, field="--id-number")


@given(valid_ids(), st.integers(min_value=0, max_value=16), st.integers(min_value=0, max_value=9))
def test_a_spliced_other_script_digit_is_refused(number, position, digit):
    # Arabic-Indic digits pass str.isdigit() and int(), but are not an ID number
    changed = number[:position] + chr(0x660 + digit) + number[position + 1 :]
    refused(parse_id_number, changed, field="--id-number")


def test_other_script_digits_with_check_x_are_refused():
    first17 = "11010519491231002"
    arabic = first17[:2] + "".join(chr(0x660 + int(c)) for c in first17[2:]) + "X"
    refused(parse_id_number, arabic, field="--id-number")


@given(
    valid_ids(),
    st.integers(min_value=1, max_value=17),
    st.text(alphabet="0123456789X", min_size=1, max_size=5),
)
def test_wrong_length_is_refused(number, cut, extra):
    shorter = refused(parse_id_number, number[:-cut], field="--id-number")
    # 15 digits is the obsolete first-generation number, refused with its own reason
    assert ("15-digit" if cut == 3 else "18 characters") in shorter
    assert "18 characters" in refused(parse_id_number, number + extra, field="--id-number")


@pytest.mark.parametrize(
    ("text", "reason_part"),
    [
        ("", "required"),
        ("1101051949123100", "18 characters"),
        ("1101051949123100211", "18 characters"),
        ("110105491231002", "15-digit"),
        ("11010519491231002A", "17 digits followed by a digit or X"),
        ("X10105194912310021", "17 digits followed by a digit or X"),
        ("000000194912310020", "region code"),
        ("99010519491231002X", "region code"),
    ],
)
def test_parse_id_number_refuses(text, reason_part):
    assert reason_part in refused(parse_id_number, text, field="--id-number")


@pytest.mark.parametrize(
    "birth", ["19450230", "19451301", "19450100", "20230229", "18791231", "29990101"]
)
def test_impossible_birth_dates_are_refused(birth):
    first17 = f"110101{birth}123"
    assert "birth date" in refused(
        parse_id_number, first17 + id_check_digit(first17), field="--id-number"
    )


@pytest.mark.parametrize(
    "text",
    [
        "1.10101E+17",
        "1.10101e+17",
        "1.10101194503071E+17",
        "1.1e17",
        "110101194503071237.0",
        "110101194503071237.00",
        1.1010119450307124e17,
    ],
)
def test_spreadsheet_numbers_are_refused_with_a_hint(text):
    reason = refused(parse_id_number, text, field="ID number")
    assert "spreadsheet" in reason
    assert "text" in reason


def test_wrong_check_digit_names_the_expected_one():
    assert refused(parse_id_number, "110101194503071238", field="--id-number") == (
        "wrong check digit: 8 (expected 7); mistyped?"
    )


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        ("110101194503071237", "110101********1237"),
        ("11010519491231002X", "110105********002X"),
        ("", ""),
        (None, ""),
        ("12345", "*****"),
    ],
)
def test_mask_id_number(number, masked):
    assert mask_id_number(number) == masked


@given(valid_ids())
def test_masking_hides_the_birth_date_and_sequence(number):
    masked = mask_id_number(number)
    assert len(masked) == 18
    assert masked[:6] == number[:6] and masked[-4:] == number[-4:]
    assert masked[6:14] == "*" * 8


# ---------------------------------------------------------------------------- phones


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("13812345678", "13812345678"),
        ("19912345678", "19912345678"),
        ("138 1234 5678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("+86-13812345678", "13812345678"),
        ("+8613812345678", "13812345678"),
        ("008613812345678", "13812345678"),
        ("１３８１２３４５６７８", "13812345678"),
        ("010-65123456", "010-65123456"),
        ("0755-83214567", "0755-83214567"),
        ("0755-8321456", "0755-8321456"),
        ("(010)65123456", "01065123456"),
        ("010-65123456-801", "010-65123456-801"),
    ],
)
def test_parse_phone_accepts(text, value):
    assert parse_phone(text, field="--phone") == value


@pytest.mark.parametrize(
    "text",
    [
        "",
        "12345678901",  # 12x is not a mobile prefix
        "1381234567",  # ten digits
        "138123456789",  # twelve
        "+1 415 555 0100",
        "65123456",  # landline without area code
        "010-05123456",  # local numbers do not start with 0
        "abc",
        "138l2345678",
        "+86",
    ],
)
def test_parse_phone_refuses(text):
    refused(parse_phone, text, field="--phone")


@given(
    st.sampled_from("3456789"),
    st.text(alphabet="0123456789", min_size=9, max_size=9),
    st.sampled_from(["", "+86", "+86 ", "0086"]),
)
def test_every_mobile_number_is_accepted_and_normalised(second, rest, prefix):
    number = "1" + second + rest
    assert parse_phone(prefix + number, field="--phone") == number
    spaced = f"{number[:3]} {number[3:7]} {number[7:]}"
    assert parse_phone(prefix + spaced, field="--phone") == number


# ---------------------------------------------------------------------------- counts


@pytest.mark.parametrize(("text", "value"), [("5", 5), (" 12 ", 12), ("0", 0), (7, 7)])
def test_parse_count(text, value):
    assert parse_count(text, field="--days") == value


@pytest.mark.parametrize("text", ["1.0", "1.5", "five", "", None, "1e3", "+", "--5", True])
def test_parse_count_refuses_non_numbers(text):
    assert "whole number" in refused(parse_count, text, field="--days")


def test_parse_count_bounds():
    assert parse_count("1", field="--members", minimum=1, maximum=100) == 1
    assert parse_count("100", field="--members", minimum=1, maximum=100) == 100
    assert "at least 1" in refused(parse_count, "0", field="--members", minimum=1, maximum=100)
    assert "at most 100" in refused(parse_count, "101", field="--members", minimum=1, maximum=100)
    assert "at least 0" in refused(parse_count, "-1", field="--days")


@given(st.integers(min_value=-(10**7), max_value=10**7))
def test_parse_count_is_exact_within_bounds(n):
    if 0 <= n <= 10**6:
        assert parse_count(str(n), field="--days") == n
    else:
        refused(parse_count, str(n), field="--days")


# ---------------------------------------------------------------------------- through the CLI


def test_cli_reports_a_parse_error_as_one_line_exit_2(zf, snapshot_db):
    before = snapshot_db()
    result = zf(
        "enroll",
        "--name",
        "张三",
        "--id-number",
        "110101194503071237",
        "--village",
        "红星村",
        "--category",
        "low-income",
        "--income",
        "1,234.567",
    )
    assert result.exit_code == 2
    assert result.stderr.splitlines() == ["error: --income: '1,234.567' has more than two decimals"]
    assert snapshot_db() == before


@pytest.mark.parametrize("text", ["2026-02-30", "23/11/2026", "１９４９-０９-３０", "1949-09-30"])
def test_cli_refuses_a_bad_today(zf, text):
    result = zf("--today", text, "due", "--days", "1")
    assert result.exit_code == 2
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith("error: --today: ")


def test_a_birth_date_after_the_ledgers_today_is_refused():
    """Birth dates are bounded by the ledger's today (``--today``), not only the clock."""
    born = "11010520260601" + "001"
    number = born + id_check_digit(born)
    assert parse_id_number(number, field="--id-number", today=dt.date(2026, 7, 1)) == number
    assert "impossible" in refused(
        parse_id_number, number, field="--id-number", today=dt.date(2026, 3, 1)
    )


# ---------------------------------------------------------------------------- Chinese input
# Dates and amounts as Chinese offices write them, and what a Chinese input method types by
# accident (docs/glossary.md, "Typing dates and amounts").

FULL_WIDTH_DATE = str.maketrans("0123456789-/.", "０１２３４５６７８９－／．")


@pytest.mark.parametrize(
    "text",
    [
        "2026-01-20",
        "2026-1-20",
        "2026/1/20",
        "2026/01/20",
        "2026.1.20",
        "2026年1月20日",
        "2026年01月20日",
        "2026年1月20号",
        "2026 年 1 月 20 日",
        "２０２６－０１－２０",
        "２０２６／１／２０",
        "２０２６年１月２０日",
        "2026年01月20",  # a roster cell cut to ten characters
    ],
)
def test_parse_date_reads_the_forms_offices_write(text):
    assert parse_date(text, field="--date") == dt.date(2026, 1, 20)


@pytest.mark.parametrize(
    "text",
    ["2026-1/20", "2026/1-20", "26/1/20", "2026/1/20/", "1月20日", "2026年1月", "2026-001-20"],
)
def test_parse_date_refuses_a_mixed_or_partial_date_naming_the_forms(text):
    assert refused(parse_date, text, field="--date") == (
        f"{text!r} is not a date in the form YYYY-MM-DD (or 2026/1/20, 2026.1.20, 2026年1月20日)"
    )


@pytest.mark.parametrize(
    "text", ["2026/2/30", "2026.4.31", "2026年2月29日", "２０２６－１３－０１"]
)
def test_parse_date_refuses_impossible_dates_in_every_form(text):
    assert refused(parse_date, text, field="--date") == f"{text!r} is not a real calendar date"


def test_parse_date_limits_hold_in_every_form():
    assert refused(parse_date, "1949/9/30", field="--date") == "1949-09-30 is before 1949-10-01"
    assert parse_date("1949年10月1日", field="--date") == EARLIEST_DATE
    assert refused(
        parse_date, "2026年11月24日", field="--date", today=TODAY, allow_future=False
    ) == ("2026-11-24 is in the future (today is 2026-11-23)")


@st.composite
def written_dates(draw) -> tuple[dt.date, str]:
    """A date, and the same date written in one of the forms offices use."""
    value = draw(st.dates(min_value=EARLIEST_DATE, max_value=dt.date(9999, 12, 31)))
    pad = draw(st.booleans())
    m, d = (f"{value.month:02d}", f"{value.day:02d}") if pad else (value.month, value.day)
    form = draw(
        st.sampled_from(
            ["{y}-{m}-{d}", "{y}/{m}/{d}", "{y}.{m}.{d}", "{y}年{m}月{d}日", "{y}年{m}月{d}号"]
        )
    )
    text = form.format(y=f"{value.year:04d}", m=m, d=d)
    if draw(st.booleans()):
        text = text.translate(FULL_WIDTH_DATE)
    return value, text


@given(written_dates())
def test_every_written_form_of_a_date_reads_as_that_date(case):
    value, text = case
    assert parse_date(text, field="--date") == value


@pytest.mark.parametrize(
    ("text", "fen"),
    [
        ("500元", 50000),
        ("500.00元", 50000),
        ("500 元", 50000),
        ("6万", 6_000_000),
        ("6万元", 6_000_000),
        ("6 万 元", 6_000_000),
        ("1.5万", 1_500_000),
        ("1.5万元", 1_500_000),
        ("¥6万", 6_000_000),
        ("1.23456万", 1_234_560),  # 12,345.60 yuan
        ("0.000001万", 1),  # 0.01 yuan: still whole fen
        ("1,234.56元", 123456),
        ("1,000万", 1_000_000_000),
        ("５００元", 50000),
        ("５００", 50000),
        ("１，２３４．５６", 123456),
        ("１，２３４元", 123400),
        ("６万元", 6_000_000),
        ("￥５００", 50000),
    ],
)
def test_parse_money_reads_the_forms_offices_write(text, fen):
    value = parse_money(text, field=FIELD)
    assert value == fen
    assert type(value) is int


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("6万5", "'6万5' is ambiguous: write the whole amount in digits, 65000"),
        ("6万5千", "'6万5千' is written in parts: write the whole amount in digits, 65000"),
        ("6万2500", "'6万2500' is written in parts: write the whole amount in digits, 62500"),
        ("5元5角", "'5元5角' is written in parts: write the whole amount in digits, 5.50"),
        ("5块5", "'5块5' is ambiguous: write the whole amount in digits, 5.50"),
        (
            "6万50",
            "'6万50' is ambiguous: write the whole amount in digits, like 65000 or 6.5万",
        ),
        ("五百", "'五百' is in Chinese numerals: write it in digits, 500"),
        ("伍佰元整", "'伍佰元整' is in Chinese numerals: write it in digits, 500"),
        ("三千五", "'三千五' is in Chinese numerals: write it in digits, 3500"),
        ("一千零五", "'一千零五' is in Chinese numerals: write it in digits, 1005"),
        ("二〇二六", "'二〇二六' is in Chinese numerals: write it in digits, like 500 or 1.5万"),
        ("500块", "'500块': only 元 and 万 are read after an amount; write 500 or 500元"),
        ("500块钱", "'500块钱': only 元 and 万 are read after an amount; write 500 or 500元"),
        ("3千", "'3千': only 元 and 万 are read after an amount; write 3000 or 3000元"),
        ("500元整", "'500元整': only 元 and 万 are read after an amount; write 500 or 500元"),
        *(
            (
                text,
                f"{text!r} has more than one unit: write the number once, with 元, 万 or 万元 "
                "(500元, 6万元)",
            )
            for text in ("500元元", "6万万", "6万元元", "500块元", "500元万")
        ),
        (
            "0.0000001万",
            "'0.0000001万' comes to 0.001 yuan, which has more than two decimals",
        ),
        (
            "1，23",
            "'1，23' is not an amount: commas separate thousands (1,234,567.89); "
            "did you mean 1.23 or 123?",
        ),
        (
            "1，23万",
            "'1，23万' is not an amount: commas separate thousands (1,234,567.89); "
            "did you mean 1.23万 or 123万?",
        ),
        (
            "12，34，567",
            "'12，34，567' is not an amount: commas separate thousands (1,234,567.89); "
            "write 1234567",
        ),
        (
            "500。5",
            "'500。5' has a Chinese full stop (。) for the decimal point: write 500.5",
        ),
        ("-6万", "'-6万' is negative: amounts are positive (use a reversal)"),
        ("－５００元", "'－５００元' is negative: amounts are positive (use a reversal)"),
        ("0万", "the amount must be greater than zero"),
        ("万元", "an amount is required"),
        ("100000000000万", "'100000000000万' is too large"),
        ("500美元", "'500美元' is not an amount in yuan like 500, 500.5 or 1,234.56"),
    ],
)
def test_parse_money_refuses_odd_forms_saying_what_to_type(text, reason):
    assert refused(parse_money, text) == reason


@given(
    fen=st.integers(min_value=1, max_value=MAX_FEN - 1),
    unit=st.sampled_from(["元", "万", "万元"]),
    full_width=st.booleans(),
    sign=st.sampled_from(["", "¥", "￥"]),
)
def test_an_amount_in_fen_written_in_yuan_or_wan_reads_back(fen, unit, full_width, sign):
    if unit == "元":
        text = format_money(fen, grouping=False) + unit
    else:
        wan, rest = divmod(fen, 10**6)  # 1万 = 10,000 yuan = 1,000,000 fen
        text = (f"{wan}.{rest:06d}".rstrip("0").rstrip(".") if rest else str(wan)) + unit
    if full_width:
        text = text.translate(FULL_WIDTH)
    value = parse_money(sign + text, field=FIELD)
    assert value == fen
    assert type(value) is int


@given(
    wan=st.integers(min_value=0, max_value=10**6),
    decimals=st.text(alphabet="0123456789", min_size=7, max_size=10),
)
def test_wan_with_less_than_a_fen_is_refused(wan, decimals):
    assume(decimals[6:].strip("0"))  # beyond six decimals of 万 is below one fen
    assert "more than two decimals" in refused(parse_money, f"{wan}.{decimals}万")


def test_parse_income_reads_wan():
    assert parse_income("1.2万", field="--income") == 1_200_000
    assert parse_income("０", field="--income") == 0


@pytest.mark.parametrize(
    ("text", "value"), [("３０", 30), ("　３０　", 30), ("１２", 12), (" 7 ", 7)]
)
def test_parse_count_reads_full_width_digits(text, value):
    assert parse_count(text, field="--days") == value


@pytest.mark.parametrize("text", ["三十", "٣٠", "3０.5"])
def test_parse_count_refuses_other_numerals(text):
    assert "whole number" in refused(parse_count, text, field="--days")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Ｈ０００００１", "H000001"),
        ("Ｃ０００３", "C0003"),
        ("ＣＪ２０２６", "CJ2026"),
        (" low-income ", "low-income"),
    ],
)
def test_parse_code_reads_full_width_letters_and_digits(text, value):
    assert parse_code(text, field="CODE") == value


def test_parse_phone_reads_full_width_landlines():
    assert parse_phone("０１０－６５１２３４５６", field="--phone") == "010-65123456"
    assert parse_phone("（０１０）６５１２３４５６", field="--phone") == "01065123456"


# ---------------------------------------------------------------------------- choices

STATUSES = ["open", "in-progress", "resolved", "referred", "cannot-resolve"]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("in-progress", "in-progress"),
        ("IN-PROGRESS", "in-progress"),
        ("in progress", "in-progress"),
        ("in_progress", "in-progress"),
        ("办理中", "in-progress"),
        ("在办", "in-progress"),
        ("正在办理", "in-progress"),
        ("  已办结 ", "resolved"),
        ("ｒｅｓｏｌｖｅｄ", "resolved"),
        ("待办", "open"),
    ],
)
def test_parse_choice_reads_code_word_and_short_form(text, code):
    assert (
        parse_choice(text, kind=labels.COMMITMENT_STATUS, codes=STATUSES, field="--status") == code
    )


def test_parse_choice_refuses_with_the_accepted_values():
    assert refused(
        parse_choice, "finished", field="--status", kind=labels.COMMITMENT_STATUS, codes=STATUSES
    ) == ("'finished' is not one of open, in-progress, resolved, referred, cannot-resolve")
    # a word of another kind, or a code not offered here, is not accepted either
    refused(parse_choice, "回访", field="--status", kind=labels.COMMITMENT_STATUS, codes=STATUSES)
    refused(
        parse_choice, "open", field="--status", kind=labels.COMMITMENT_STATUS, codes=["resolved"]
    )
    refused(parse_choice, None, field="--status", kind=labels.COMMITMENT_STATUS, codes=STATUSES)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("low-income", "low-income"),
        ("低保户", "low-income"),
        ("低保", "low-income"),
        ("困难党员", "hardship-member"),
        ("烈属", "bereaved-family"),
        ("牺牲干部家属", "bereaved-family"),
        ("功勋荣誉", "honour-recipient"),
        ("荣誉表彰", "honour-recipient"),
        ("因病致贫", "illness-poverty"),
        ("残疾", "disabled"),
        ("独居", "elderly-alone"),
        ("留守", "left-behind-child"),
        ("老党员", "veteran-member"),
        ("贫困户", "poor"),  # a category of one's own, by its label in the ledger
        ("贫困", "poor"),  # and without its last 户
    ],
)
def test_parse_choice_reads_categories_with_the_callers_words(text, code):
    words = {**labels.CATEGORY_ZH, "poor": "贫困户"}
    assert (
        parse_choice(text, kind=labels.CATEGORY, codes=words, field="--category", words=words)
        == code
    )


def test_a_categorys_own_label_wins_over_a_short_form():
    words = {"low-income": "低保户", "dibao-2": "低保"}
    found = parse_choice("低保", kind=labels.CATEGORY, codes=words, field="--category", words=words)
    assert found == "dibao-2"
