"""Text that is not what it looks like (issue 21, part 3; issue 20's name and bidi paper cuts).

Single-line fields refuse line breaks, tabs, other controls, bidirectional controls and
text that shows as nothing; free text keeps them but prints bidi controls visibly; every
person's name goes through one name parser; bytes that are not UTF-8 and malformed codes
are invalid input; errors echo at most 80 characters of what was typed. Each class of text
is tried on each kind of field through the real CLI, and the parsers by Hypothesis.
"""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from helpers import FUND, error_line, ok, refused, valid_id
from zoufang.errors import ECHO_MAX, InvalidInput
from zoufang.parsing import (
    BIDI_CONTROLS,
    parse_code,
    parse_line,
    parse_name,
    parse_text,
    shown,
    visible,
)

ID = valid_id("11010119450307123")
ID2 = valid_id("11010119520611234")

#: One of each class of text a single-line field refuses, and a word of the reason.
BAD_LINES = {
    "newline": ("红星\n村", "one line"),
    "carriage return": ("红星\r村", "one line"),
    "tab": ("红星\t村", "one line"),
    "escape": ("红星\x1b[31m村", "one line"),
    "line separator": ("红星\u2028村", "one line"),
    "paragraph separator": ("红星\u2029村", "one line"),
    "right-to-left override": ("红星\u202e村", "bidirectional"),
    "isolate": ("\u2067红星村\u2069", "bidirectional"),
    "zero-width space": ("红\u200b星村", "invisible"),
    "BOM": ("\ufeff红星村", "invisible"),
    "only a zero-width space": ("\u200b", "shows as nothing"),
    "lone combining mark": ("\u0301", "combining mark"),
    "Hangul filler": ("\u3164", "shows as nothing"),
}


def _enroll(*extra: str) -> list[str]:
    return ["enroll", "--name", "张三", "--id-number", ID, "--village", "红星村"] + [
        "--category",
        "low-income",
        *extra,
    ]


#: Every kind of single-line field: the command with ``{}`` where the bad value goes.
LINE_FIELDS = {
    "--village": lambda v: (
        ["enroll", "--name", "张三", "--id-number", ID, "--village", v]
        + ["--category", "low-income"]
    ),
    "--grid": lambda v: _enroll("--grid", v),
    "--address": lambda v: _enroll("--address", v),
    "--hardship": lambda v: _enroll("--hardship", v),
    "--unit": lambda v: ["cadre", "add", "--name", "李梅", "--unit", v],
    "--relation": lambda v: ["member", "add", "H000001", "--name", "李梅", "--relation", v],
    "--reason": lambda v: ["household", "exit", "H000001", "--reason", v],
    "--label": lambda v: ["category", "add", "flood", "--label", v, "--cadence", "30"],
    "--memo": lambda v: ["fund", "allocate", FUND, "100", "--memo", v],
    "--to": lambda v: ["commitment", "refer", "1", "--to", v],
    "--as": lambda v: ["--as", v, "cadre", "add", "--name", "李梅"],
    "--email": lambda v: ["cadre", "add", "--name", "李梅", "--email", v],
    "--contact": lambda v: ["notice", FUND, "--contact", v],
}
#: Every field that is a person's name.
NAME_FIELDS = {
    "enroll": lambda v: (
        ["enroll", "--name", v, "--id-number", ID, "--village", "红星村"]
        + ["--category", "low-income"]
    ),
    "cadre add": lambda v: ["cadre", "add", "--name", v],
    "member add": lambda v: ["member", "add", "H000001", "--name", v, "--relation", "配偶"],
    "household update": lambda v: ["household", "update", "H000001", "--name", v],
}


@pytest.fixture
def hamlet(zf):
    """One cadre, one household with a commitment, one fund: every field has a target."""
    ok(zf("cadre", "add", "--name", "王建国"))
    ok(zf(*_enroll("--cadre", "C0001")))
    ok(zf("visit", "log", "H000001", "--by", "C0001", "--need", "修缮屋顶"))
    ok(
        zf(
            "fund",
            "create",
            FUND,
            "--name",
            "春节慰问金",
            "--category",
            "low-income",
        )
    )


# ---------------------------------------------------------------------------- through the CLI


@pytest.mark.parametrize("kind", BAD_LINES)
@pytest.mark.parametrize("option", LINE_FIELDS)
def test_a_single_line_field_refuses_each_class_of_text(zf, hamlet, snapshot_db, option, kind):
    value, reason = BAD_LINES[kind]
    line = refused(zf, snapshot_db, *LINE_FIELDS[option](value), code=2, starts=f"{option}: ")
    assert reason in line


@pytest.mark.parametrize("kind", ["newline", "right-to-left override", "zero-width space"])
@pytest.mark.parametrize("command", NAME_FIELDS)
def test_every_name_refuses_each_class_of_text(zf, hamlet, snapshot_db, command, kind):
    value, reason = BAD_LINES[kind]
    line = refused(zf, snapshot_db, *NAME_FIELDS[command](value), code=2, starts="--name: ")
    assert reason in line


@pytest.mark.parametrize(
    "name, why",
    [
        ("王\u200b五", "invisible"),
        ("王\u202e五", "bidirectional"),
        ("王五😀", "cannot be in a name"),
        ("NaN", "empty cell"),
        ("-5", "cannot be in a name"),
        ("2026-02-30", "cannot be in a name"),
        ("=HYPERLINK(1)", "cannot be in a name"),
    ],
)
@pytest.mark.parametrize("command", NAME_FIELDS)
def test_every_persons_name_goes_through_the_one_name_parser(
    zf, hamlet, snapshot_db, command, name, why
):
    # issue 20: `cadre add --name` accepted what `enroll --name` refused
    line = refused(zf, snapshot_db, *NAME_FIELDS[command](name), code=2, starts="--name: ")
    assert why in line


def test_a_roster_name_goes_through_the_name_parser(zf, hamlet, tmp_path):
    roster = tmp_path / "r.csv"
    roster.write_text(
        "姓名,身份证号,村,类别\nNaN,"
        + valid_id("11010119520611234")
        + ",红星村,低保\n石 磊,"
        + valid_id("37020320120415561")
        + ",红星村,低保\n",
        encoding="utf-8",
    )
    result = zf("enroll", "--from", roster, "--format", "json")
    assert result.exit_code == 2
    errors = result.json()["errors"]
    assert [(e["row"], "empty cell" in e["error"]) for e in errors] == [(2, True)]


def test_names_are_stored_as_the_name_parser_reads_them(zf, hamlet):
    shown_ = ok(zf("cadre", "add", "--name", "买买提•艾力", "--format", "json")).json()
    assert shown_["name"] == "买买提·艾力"
    member = ok(
        zf("member", "add", "H000001", "--name", "石　磊", "--relation", "子女", "-f", "json")
    ).json()
    assert member["name"] == "石磊"


@pytest.mark.parametrize("fmt", ["table", "plain", "markdown"])
def test_free_text_keeps_bidi_controls_but_prints_them_visibly(zf, hamlet, fmt):
    ok(zf("visit", "log", "H000001", "--by", "C0001", "--notes", "已付\u202e0001元"))
    stored = ok(zf("visit", "list", "--format", "json")).json()
    assert "已付\u202e0001元" in [v["notes"] for v in stored]  # kept as typed
    printed = ok(zf("visit", "list", "--format", fmt, env={"COLUMNS": "400"})).stdout
    assert "\u202e" not in printed
    assert "⟨U+202E⟩" in printed


def test_free_text_allows_lines_but_not_text_that_shows_as_nothing(zf, hamlet, snapshot_db):
    ok(zf("visit", "log", "H000001", "--by", "C0001", "--notes", "第一行\n第二行"))
    for value in ("\u200b", "\u0301", "\ufeff \u200b"):
        line = refused(
            zf,
            snapshot_db,
            "visit",
            "log",
            "H000001",
            "--by",
            "C0001",
            "--notes",
            value,
            code=2,
            starts="--notes: ",
        )
        assert "nothing" in line or "combining mark" in line


@pytest.mark.parametrize(
    "args, option",
    [
        (["enroll", "--name", "\udcff\udcfe"], "--name"),
        (["cadre", "add", "--name", "王五", "--unit=\udcff"], "--unit"),
        (["visit", "log", "H00\udcff", "--by", "C0001"], "argument"),
    ],
)
def test_bytes_that_are_not_utf8_are_invalid_input_naming_the_option(zf, args, option):
    result = zf(*args)
    assert result.exit_code == 2
    line = error_line(result, f"error: {option}: ")
    assert "UTF-8" in line


@pytest.mark.parametrize(
    "args, field",
    [
        (
            ["enroll", "--name", "王五", "--id-number", ID2, "--village", "红星村"]
            + ["--category", "poor x"],
            "--category",
        ),
        (["household", "show", "A B"], "household"),
        (["visit", "log", "A B", "--by", "C0001"], "HOUSEHOLD"),
        (["fund", "show", "A B"], "FUND"),
        (["assign", "H000001", "C 1"], "CADRE"),
    ],
)
def test_a_malformed_code_is_not_a_code_not_not_found(zf, hamlet, snapshot_db, args, field):
    line = refused(zf, snapshot_db, *args, code=2, starts=f"{field}: ")
    assert "is not a code" in line


def test_a_well_formed_unknown_code_is_still_not_found(zf, hamlet):
    result = zf("household", "show", "H999999")
    assert result.exit_code == 1 and "no household" in result.stderr


@pytest.mark.parametrize("option", ["--members", "--income", "--cadre", "--address", "--phone"])
def test_enroll_refuses_an_empty_option_as_household_update_does(zf, hamlet, snapshot_db, option):
    line = refused(zf, snapshot_db, *_enroll(option, "  "), code=2, starts=f"{option}: ")
    assert "must not be empty" in line
    update = zf("household", "update", "H000001", option, "") if option != "--cadre" else None
    assert update is None or update.exit_code == 2


@pytest.mark.parametrize(
    "args",
    [
        ["household", "show", "A" * 500 + " B"],
        ["cadre", "add", "--name", "张" * 40 + "1" * 500],
        ["fund", "allocate", FUND, "9" * 500],
        ["due", "--days", "x" * 500],
    ],
)
def test_an_error_echoes_at_most_80_characters_of_the_value(zf, hamlet, args):
    result = zf(*args)
    assert result.exit_code == 2
    line = error_line(result)
    assert len(line) < 80 + 200, line
    assert "…" in line


def test_the_error_line_is_one_line_whatever_a_stored_value_holds(capsys):
    from zoufang.cli import _fail

    _fail("household: no household 'H1\nerror: forged \u202eline'", 1)
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "\u202e" not in err and "⟨U+202E⟩" in err


# ---------------------------------------------------------------------------- the parsers

_NOT_ON_A_LINE = {"Cc", "Cf", "Zl", "Zp", "Cs"}


@given(st.text())
def test_parse_line_returns_one_visible_line_or_refuses(text):
    try:
        value = parse_line(text, field="--x", max_len=100)
    except InvalidInput as exc:
        assert exc.field == "--x"
        assert "\n" not in exc.line() or "\\n" in repr(text)
        return
    assert value and len(value) <= 100
    assert not any(unicodedata.category(c) in _NOT_ON_A_LINE for c in value)
    assert not unicodedata.category(value[0]).startswith("M")
    assert parse_line(value, field="--x", max_len=100) == value  # idempotent


@given(st.text())
def test_parse_text_keeps_bidi_and_visible_shows_every_one(text):
    try:
        value = parse_text(text, field="--notes")
    except InvalidInput:
        return
    assert value == unicodedata.normalize("NFC", text).strip()
    printed = visible(value)
    assert not any(c in BIDI_CONTROLS for c in printed)
    assert printed.count("⟨U+") >= sum(c in BIDI_CONTROLS for c in value)


_NAME_PARTS = st.text(
    alphabet=st.sampled_from("王李张欧阳石磊明买提艾力AnneMarieOl"), min_size=1, max_size=6
)


@given(st.lists(_NAME_PARTS, min_size=1, max_size=3), st.sampled_from(["·", "-", " ", "•", "'"]))
def test_parse_name_reads_parts_joined_as_names_are(parts, joiner):
    # a spreadsheet's placeholders (``nAn``, ``nOne``: the alphabet spells them) are refused
    # on purpose (test_parse_name_accepts_only_letters_and_joiners)
    assume(joiner.join(parts).casefold() not in ("nan", "none", "null"))
    value = parse_name(joiner.join(parts), field="--name")
    assert parse_name(value, field="--name") == value  # idempotent
    assert all(unicodedata.category(c).startswith("L") or c in "·-' " for c in value)


@given(st.text())
def test_parse_name_accepts_only_letters_and_joiners(text):
    try:
        value = parse_name(text, field="--name")
    except InvalidInput as exc:
        assert exc.field == "--name"
        return
    assert unicodedata.category(value[0]).startswith("L")
    assert all(unicodedata.category(c)[0] in "LM" or c in "·.'’- " for c in value)
    assert value.casefold() not in ("nan", "none", "null")
    assert parse_name(value, field="--name") == value


@given(st.text(min_size=ECHO_MAX + 1))
def test_an_error_never_echoes_more_than_80_characters(text):
    try:
        parse_code(text, field="--code")
    except InvalidInput as exc:
        assert len(exc.reason) <= len(repr(shown(text))) + 60
        assert repr(shown(text)).endswith("…")
