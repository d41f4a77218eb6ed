"""A Hypothesis state machine over allocate / pay / reverse, through the services alone.

Each step is one transaction, as one command would be. A small model predicts whether the
rules of SPEC §4 accept the step; the ledger must agree (written, or refused with nothing
written). At every step each fund's balance equals the sum of its entries and the model's
figure; at the end `audit_funds` — which replays the stored rows itself — finds no error.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

import rawdb
from helpers import discard, ledger_from, valid_id

TODAY = dt.date(2026, 11, 23)
HOUSEHOLDS = ["H000001", "H000002", "H000003", "H000004"]
CADRES = ["C0001", "C0002"]
#: fund → per-household cap in fen (None: no cap)
FUNDS = {"CAPPED": 40_000, "OPEN": None}
#: C0002 is a relative of H000004; H000003's son heads H000004 (one person, two households)
RELATED = {("C0002", "H000004")}
SAME_PERSON = {"H000003": "H000004", "H000004": "H000003"}


@pytest.fixture(scope="module")
def base_ledger(template_ledger, tmp_path_factory) -> Path:
    """Cadres, four low-income households and two funds, written through the services."""
    from zoufang.db import Ledger
    from zoufang.services.cadres import add_cadre, relate
    from zoufang.services.funds import FundIn, create_fund
    from zoufang.services.households import HouseholdIn, add_member, enroll

    path = ledger_from(template_ledger, "property", tmp_path_factory.mktemp("property"))
    ledger = Ledger(str(path))
    son = valid_id("11010119800101001")
    with ledger.session(write=True, operator="setup", command="test") as s:
        for name in ("王建国", "李梅"):
            add_cadre(session=s, name=name)
        for i, name in enumerate(["陈大爷", "王奶奶", "刘阿姨"], start=1):
            enroll(
                session=s,
                today=dt.date(2026, 11, 1),
                data=HouseholdIn(
                    name=name,
                    id_number=valid_id(f"110101194503{i:02d}123"),
                    village="红星村",
                    categories=["low-income"],
                ),
            )
        # the son and the relation are on record from the 1st, before any payment the machine
        # makes: every payment is judged by the facts of its day (issue 13)
        add_member(
            session=s,
            code="H000003",
            name="刘小军",
            relation="儿子",
            id_number=son,
            today=dt.date(2026, 11, 2),
        )
        enroll(
            session=s,
            today=dt.date(2026, 11, 1),
            data=HouseholdIn(
                name="刘小军", id_number=son, village="东风社区", categories=["low-income"]
            ),
        )
        relate(
            session=s,
            cadre_code="C0002",
            household_code="H000004",
            relation="表兄",
            today=dt.date(2026, 11, 2),
        )
        for code, cap in FUNDS.items():
            create_fund(
                session=s,
                today=dt.date(2026, 11, 1),
                data=FundIn(
                    code=code,
                    name=f"{code} 慰问金",
                    categories=["low-income"],
                    cap_fen=cap,
                    valid_from=dt.date(2026, 1, 1) if cap else None,
                    valid_to=dt.date(2026, 12, 31) if cap else None,
                ),
            )
    ledger.engine.dispose()
    yield path
    discard(path)


amounts = st.integers(min_value=1, max_value=30_000)
days = st.integers(min_value=20, max_value=23).map(lambda d: dt.date(2026, 11, d))


class FundsMachine(RuleBasedStateMachine):
    base: Path  # set by the test

    def __init__(self) -> None:
        super().__init__()
        from zoufang.db import Ledger

        self.dir = tempfile.mkdtemp(prefix="zoufang-prop-")
        self.path = ledger_from(self.base, "example", Path(self.dir))
        self.ledger = Ledger(str(self.path))
        # the model: every entry as (kind, fund, household, amount, date, reverses)
        self.entries: list[tuple] = []
        self.reversed: set[int] = set()
        self.overridden: set[int] = set()

    # ------------------------------------------------------------------ the model

    def balance(self, fund: str) -> int:
        total = 0
        for kind, f, household, amount, _, _ in self.entries:
            if f != fund:
                continue
            if kind == "allocate" or (kind == "reverse" and household):
                total += amount
            else:
                total -= amount
        return total

    def allocated(self, fund: str) -> int:
        return sum(
            a if k == "allocate" else -a for k, f, h, a, _, _ in self.entries if f == fund and not h
        )

    def received(self, fund: str, household: str) -> int:
        return sum(
            a if k == "disburse" else -a
            for k, f, h, a, _, _ in self.entries
            if f == fund and h == household
        )

    def paid_that_day(self, fund: str, household: str, on: dt.date) -> bool:
        return any(
            k == "disburse" and (f, h, d) == (fund, household, on) and seq not in self.reversed
            for seq, (k, f, h, _, d, _) in enumerate(self.entries, start=1)
        )

    def payment_allowed(self, fund, household, cadre, amount, on) -> bool:
        cap = FUNDS[fund]
        other = SAME_PERSON.get(household)
        return not (
            (cap is not None and self.received(fund, household) + amount > cap)
            or self.balance(fund) - amount < 0
            or (cadre, household) in RELATED
            or self.paid_that_day(fund, household, on)
            or (other is not None and self.received(fund, other) > 0)
        )

    # ------------------------------------------------------------------ running a step

    def write(self, call, **kwargs):
        """One transaction; returns the entry, or None when a rule refused it."""
        from zoufang.errors import RuleViolation

        before = self.count()
        try:
            with self.ledger.session(write=True, operator="属性测试", command="test") as s:
                entry = call(session=s, **kwargs)
                return entry.seq
        except RuleViolation:
            assert self.count() == before, "a refused step wrote something"
            return None

    def count(self) -> int:
        con = rawdb.connect(self.path)
        try:
            return con.execute("SELECT count(*) FROM ledger_entry").fetchone()[0]
        finally:
            con.close()

    # ------------------------------------------------------------------ rules

    @initialize(capped=st.integers(50_000, 500_000), open_=st.integers(50_000, 500_000), on=days)
    def first_allocations(self, capped, open_, on):
        for fund, amount in (("CAPPED", capped), ("OPEN", open_)):
            self.allocate(fund=fund, amount=amount, on=on)

    @rule(fund=st.sampled_from(sorted(FUNDS)), amount=st.integers(1, 100_000), on=days)
    def allocate(self, fund, amount, on):
        from zoufang.services.funds import allocate

        seq = self.write(allocate, code=fund, amount_fen=amount, on=on, memo="拨款")
        assert seq == len(self.entries) + 1
        self.entries.append(("allocate", fund, None, amount, on, None))

    @rule(
        fund=st.sampled_from(sorted(FUNDS)),
        household=st.sampled_from(HOUSEHOLDS),
        cadre=st.sampled_from(CADRES),
        amount=amounts,
        on=days,
        override=st.sampled_from([None] * 9 + ["特批"]),
    )
    def pay(self, fund, household, cadre, amount, on, override):
        self.pay_one(fund, household, cadre, amount, on, override)

    @rule(
        fund=st.sampled_from(sorted(FUNDS)),
        household=st.sampled_from(HOUSEHOLDS),
        amount=amounts,
        on=days,
    )
    def pay_without_override(self, fund, household, amount, on):
        """Payments are the common step of a campaign: a second rule makes them likelier."""
        self.pay_one(fund, household, "C0001", amount, on, None)

    @rule(household=st.sampled_from(HOUSEHOLDS), delta=st.integers(-100, 100), on=days)
    def pay_around_the_cap(self, household, delta, on):
        """The rest of a household's cap, a little more or a little less."""
        amount = FUNDS["CAPPED"] - self.received("CAPPED", household) + delta
        if amount > 0:
            self.pay_one("CAPPED", household, "C0001", amount, on, None)

    def pay_one(self, fund, household, cadre, amount, on, override):
        from zoufang.services.funds import disburse

        # an override sets any rule aside but the balance: a fund is never overdrawn
        expected = (
            override is not None and self.balance(fund) - amount >= 0
        ) or self.payment_allowed(fund, household, cadre, amount, on)
        seq = self.write(
            disburse,
            fund=fund,
            household=household,
            amount_fen=amount,
            cadres=[cadre],
            on=on,
            memo="慰问",
            override=override,
        )
        assert (seq is not None) == expected, (fund, household, cadre, amount, on)
        if seq is not None:
            assert seq == len(self.entries) + 1
            self.entries.append(("disburse", fund, household, amount, on, None))
            if override:
                self.overridden.add(seq)

    @precondition(lambda self: self.entries)
    @rule(data=st.data())
    def reverse_anything(self, data):
        """Any entry: reversals, entries already reversed and allocations already spent too."""
        self.reverse(
            data.draw(st.integers(min_value=1, max_value=len(self.entries)), label="entry")
        )

    @precondition(lambda self: self.reversible("disburse"))
    @rule(data=st.data())
    def reverse_payment(self, data):
        """A payment not yet reversed, newest first (the usual correction)."""
        self.reverse(data.draw(st.sampled_from(self.reversible("disburse")[::-1]), label="entry"))

    @precondition(lambda self: self.reversible("allocate"))
    @rule(data=st.data())
    def reverse_allocation(self, data):
        self.reverse(data.draw(st.sampled_from(self.reversible("allocate")[::-1]), label="entry"))

    def reversible(self, kind: str) -> list[int]:
        return [
            seq
            for seq, e in enumerate(self.entries, start=1)
            if e[0] == kind and seq not in self.reversed
        ]

    def reverse(self, target: int) -> None:
        from zoufang.services.funds import reverse

        kind, fund, household, amount, _, _ = self.entries[target - 1]
        expected = (
            kind != "reverse"
            and target not in self.reversed
            and (kind == "disburse" or self.allocated(fund) - amount >= self.allocated_out(fund))
        )
        seq = self.write(reverse, seq=target, reason="冲销", on=TODAY)
        assert (seq is not None) == expected, (target, kind, amount)
        if seq is not None:
            self.reversed.add(target)
            self.entries.append(("reverse", fund, household, amount, TODAY, target))

    def allocated_out(self, fund: str) -> int:
        """Net disbursed from a fund."""
        return self.allocated(fund) - self.balance(fund)

    # ------------------------------------------------------------------ invariants

    @invariant()
    def balances_are_the_sum_of_the_entries(self):
        from zoufang.services.funds import list_funds

        con = rawdb.connect(self.path)
        try:
            summed = dict(
                con.execute(
                    "SELECT fund_code, SUM(CASE WHEN kind = 'allocate' THEN amount_fen "
                    "WHEN kind = 'disburse' THEN -amount_fen "
                    "WHEN household_code IS NULL THEN -amount_fen ELSE amount_fen END) "
                    "FROM ledger_entry GROUP BY fund_code"
                )
            )
        finally:
            con.close()
        with self.ledger.session(write=False, operator="t", command="test") as s:
            listed = {r["code"]: r for r in list_funds(session=s, today=TODAY)}
        for fund in FUNDS:
            assert listed[fund]["balance_fen"] == summed.get(fund, 0) == self.balance(fund)
            assert listed[fund]["allocated_fen"] - listed[fund]["disbursed_fen"] == self.balance(
                fund
            )

    def teardown(self):
        from zoufang.services.audit_funds import audit_funds
        from zoufang.services.funds import show_fund

        try:
            with self.ledger.session(write=False, operator="t", command="test") as s:
                report = audit_funds(session=s)
                shown = {f: show_fund(session=s, code=f, today=TODAY) for f in FUNDS}
            errors = [f for f in report["findings"] if f["severity"] == "error"]
            assert errors == [], errors
            assert report["ok"] is True
            assert report["entries_checked"] == len(self.entries)
            assert report["head"]["seq"] == len(self.entries)
            assert {
                f["entry"] for f in report["findings"] if f["check"] == "override"
            } == self.overridden
            for fund, fund_shown in shown.items():
                running = fund_shown["entries"][-1]["balance_fen"] if fund_shown["entries"] else 0
                assert running == fund_shown["balance_fen"] == self.balance(fund)
            for summary in report["funds"]:
                assert summary["balance_fen"] == self.balance(summary["fund"])
        finally:
            self.ledger.engine.dispose()
            shutil.rmtree(self.dir, ignore_errors=True)
            discard(self.path)


def test_random_allocations_payments_and_reversals_stay_consistent(base_ledger):
    FundsMachine.base = base_ledger
    run_state_machine_as_test(
        FundsMachine,
        settings=settings(
            max_examples=30,
            stateful_step_count=15,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
