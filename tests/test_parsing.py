"""The parsers: every value a cadre types or a roster holds goes through zoufang.parsing.

Example tests pin the documented forms; Hypothesis properties cover the arithmetic (yuan ↔
fen) and the ID-number checksum. Every refusal is an InvalidInput naming the field it was
given, because that field is what the one stderr line shows.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from zoufang.errors import InvalidInput
from zoufang.parsing import (
    EARLIEST_DATE,
    MAX_FEN,
    PROVINCE_CODES,
    format_money,
    id_check_digit,
    mask_id_number,
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
        ("五百", "ASCII digits"),
        ("５００", "ASCII digits"),
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
def test_parse_money_refuses_full_width_digits(fen, grouping):
    text = format_money(fen, grouping=grouping).translate(FULL_WIDTH)
    refused(parse_money, text)


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


@pytest.mark.parametrize("text", ["-1", "-0.01", "¥-5", "1.234", "abc", "1e4", "", "NaN", "１２"])
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
        "2026/11/23",
        "23-11-2026",
        "2026-1-5",
        "20261123",
        "2026-11-23T10:00",
        "2026-11-23 10:00",
        "2026年11月23日",
        "２０２６-１１-２３",
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


@st.composite
def valid_ids(draw) -> str:
    province = draw(st.sampled_from(sorted(PROVINCE_CODES)))
    region = draw(st.text(alphabet="0123456789", min_size=4, max_size=4))
    birth = draw(BIRTH_DATES)
    sequence = draw(st.text(alphabet="0123456789", min_size=3, max_size=3))
    first17 = f"{province}{region}{birth:%Y%m%d}{sequence}"
    return first17 + id_check_digit(first17)


def test_id_check_digit_known_examples():
    # GB 11643-1999's own example and one whose check character is X
    assert id_check_digit("11010519491231002") == "X"
    assert id_check_digit("44052418800101001") == "4"


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


@pytest.mark.parametrize("text", ["2026-02-30", "2026/11/23", "１９４９-１０-０１", "1949-09-30"])
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
