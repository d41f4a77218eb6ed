"""Money through the command line: every bad amount is refused with exit 2 and one line on
stderr, nothing is written; good amounts are stored as integer fen and printed as yuan."""

from __future__ import annotations

import pytest

import rawdb
from helpers import create_fund, error_line

BAD_AMOUNTS = [
    ("500.123", "has more than two decimals"),
    ("-5", "is negative"),
    ("0", "greater than zero"),
    ("0.00", "greater than zero"),
    ("1e3", "is not an amount"),
    ("NaN", "is not an amount"),
    ("", "an amount is required"),
    ("五百", "in Chinese numerals"),  # ５００ is read as 500 (full-width digits)
    ("1,23", "is not an amount"),
]

GOOD_AMOUNTS = [("500", 50000), ("500.5", 50050), ("1,234.56", 123456), ("¥500", 50000)]


@pytest.fixture
def fund(zf, village):
    """Fund CJ for veteran members and low-income households, 10,000 allocated, no cap and
    no period (the amounts below go past CJ2026's cap)."""
    return create_fund(
        zf, "CJ", name="春节慰问金", categories=["veteran-member", "low-income"], allocate="10,000"
    )


def amounts(ledger_path) -> list[tuple[str, int | None, int]]:
    return rawdb.query(
        ledger_path, "SELECT kind, household_code, amount_fen FROM ledger_entry ORDER BY seq"
    )


# "--" keeps "-5" an argument rather than an unknown option.
COMMANDS = {
    "allocate": (lambda a: ["fund", "allocate", "CJ", "--", a], "AMOUNT"),
    "disburse": (
        lambda a: ["fund", "disburse", "CJ", "H000001", "--by", "C0001", "--", a],
        "AMOUNT",
    ),
    "visit-cash": (
        lambda a: [
            "visit",
            "log",
            "H000001",
            "--by",
            "C0001",
            "--notes",
            "看望",
            "--fund",
            "CJ",
            "--cash",
            a,
        ],
        "--cash",
    ),
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize(
    ("text", "reason"), BAD_AMOUNTS, ids=[a or "empty" for a, _ in BAD_AMOUNTS]
)
def test_bad_amount_refused(zf, fund, snapshot_db, command, text, reason):
    args, field = COMMANDS[command]
    before = snapshot_db()
    result = zf(*args(text))
    assert result.exit_code == 2, result.stderr
    assert reason in error_line(result, f"error: {field}: ")
    assert snapshot_db() == before


def test_fund_create_bad_cap_refused(zf, village, snapshot_db):
    before = snapshot_db()
    result = zf(
        "fund", "create", "CJ", "--name", "春节", "--category", "low-income", "--cap", "1e3"
    )
    assert result.exit_code == 2
    assert "is not an amount" in error_line(result, "error: --cap: ")
    assert snapshot_db() == before


@pytest.mark.parametrize(("text", "fen"), GOOD_AMOUNTS)
def test_good_amount_allocated_as_fen(zf, fund, ledger_path, text, fen):
    result = zf("fund", "allocate", "CJ", text, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert amounts(ledger_path)[-1] == ("allocate", None, fen)
    assert result.json()["amount"] == f"{fen // 100}.{fen % 100:02d}"


@pytest.mark.parametrize(("text", "fen"), GOOD_AMOUNTS)
def test_good_amount_disbursed_as_fen(zf, fund, ledger_path, text, fen):
    result = zf("fund", "disburse", "CJ", "H000002", text, "--by", "C0002", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert amounts(ledger_path)[-1] == ("disburse", "H000002", fen)
    assert result.json()["amount"] == f"{fen // 100}.{fen % 100:02d}"


@pytest.mark.parametrize(("text", "fen"), GOOD_AMOUNTS)
def test_good_amount_paid_at_visit_as_fen(zf, fund, ledger_path, text, fen):
    result = zf(
        "visit",
        "log",
        "H000001",
        "--by",
        "C0001",
        "--notes",
        "身体尚可",
        "--cash",
        text,
        "--fund",
        "CJ",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.stderr
    assert amounts(ledger_path)[-1] == ("disburse", "H000001", fen)
    assert result.json()["entries"] == [2]


def test_amount_printed_with_separators_in_text_and_as_string_in_json(zf, fund):
    plain = zf("fund", "allocate", "CJ", "1,234.56", "--format", "plain")
    assert plain.exit_code == 0, plain.stderr
    assert "1,234.56" in plain.stdout
    assert "123456" not in plain.stdout

    entry = zf(
        "fund", "disburse", "CJ", "H000002", "1,234.56", "--by", "C0002", "--format", "json"
    ).json()
    assert entry["amount"] == "1234.56"
    assert isinstance(entry["amount"], str)

    funds = zf("fund", "list", "--format", "json").json()
    assert funds[0]["allocated"] == "11234.56"
    assert funds[0]["disbursed"] == "1234.56"
    assert funds[0]["balance"] == "10000.00"
    listing = zf("fund", "list", "--format", "plain").stdout
    assert "11,234.56" in listing and "10,000.00" in listing

    shown = zf("fund", "show", "CJ", "--format", "json").json()
    assert [e["amount"] for e in shown["entries"]] == ["10000.00", "1234.56", "1234.56"]
    assert all(isinstance(e["balance"], str) for e in shown["entries"])
