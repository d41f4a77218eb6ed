"""The import's compact structures (issue 17, memory): each answers exactly as the plain
structure it replaces — the file's id maps as a dict, the covered facts as a set of
triples, the payments' kept facts as the statements `fund disburse` reads."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

import rawdb
from helpers import TODAY, ok

_KEYS = st.one_of(
    st.integers(min_value=0, max_value=3_000_000).map(str),
    st.sampled_from(["0", "00", "007", "+1", "-1", "1.0", "１２", "٣", " 1", "1 ", "", "V1"]),
    st.integers(min_value=10**15, max_value=10**20).map(str),
    st.text(max_size=6),
)


@settings(deadline=None)
@given(
    st.lists(st.tuples(_KEYS, st.integers(min_value=0, max_value=2**40)), max_size=60),
    st.lists(_KEYS, max_size=20),
)
def test_the_id_map_answers_as_a_dict(pairs, probes):
    from zoufang.services.workbook_import import IdMap

    mapped, plain = IdMap(), {}
    for key, value in pairs:
        mapped[key] = value
        plain[key] = value
    assert len(mapped) == len(plain)
    for key in [k for k, _v in pairs] + probes:
        assert (key in mapped) == (key in plain)
        assert mapped.get(key) == plain.get(key)
        if key in plain:
            assert mapped[key] == plain[key]


def test_the_id_map_holds_a_stray_large_number_in_its_dict():
    from zoufang.services.workbook_import import IdMap

    mapped = IdMap()
    mapped["3"] = 30
    mapped["999999999"] = 7  # beyond the array's span: not an array of a billion
    assert len(mapped._array) == 4 and mapped["999999999"] == 7 and "999999998" not in mapped
    for n in range(2000):
        mapped[str(n)] = n + 1
    assert mapped["3"] == 4 and len(mapped) == 2001


@settings(deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["household", "cadre", "fund"]),
            st.sampled_from(["H000001", "H000002", "C0001", "F1"]),
            st.sampled_from(["categories", "status", "member_ids", "relatives", "rules"]),
        ),
        max_size=20,
    )
)
def test_the_covered_facts_answer_as_a_set_of_triples(triples):
    from zoufang.services.history_import import _Covered

    class Row:
        def __init__(self, kind, subject, fact):
            self.kind, self.subject, self.fact = kind, subject, fact

    covered = _Covered([Row(*t) for t in triples])
    plain = set(triples)
    assert bool(covered) == bool(plain)
    for kind in ("household", "cadre", "fund"):
        for subject in ("H000001", "H000002", "C0001", "F1"):
            for fact in ("categories", "status", "member_ids", "relatives", "rules"):
                assert ((kind, subject, fact) in covered) == ((kind, subject, fact) in plain)
    assert ("household", "H000001") not in covered


def test_the_kept_facts_judge_every_payment_as_the_statements_do(zf, ledger_path):
    """A demo ledger's payments, and one household holding another's head as a member
    (written behind the program's back): the facts each payment would be judged by are the
    same read once and kept (an import's money sheet) as read by its own statements."""
    ok(zf("demo", "--households", "40", "--funds"))
    head = rawdb.query(ledger_path, "SELECT id_number FROM household WHERE code = 'H000001'")[0][0]
    other = rawdb.query(ledger_path, "SELECT id FROM household WHERE code = 'H000002'")[0][0]
    rawdb.execute(
        ledger_path,
        "INSERT INTO member (household_id, name, relation, id_number) "
        f"VALUES ({other}, '借住', '亲属', '{head}')",
    )
    from zoufang.db import Ledger
    from zoufang.services import fund_payment

    ledger = Ledger(str(ledger_path))
    try:
        with ledger.session(write=False, operator="t", command="test") as s:
            entries = rawdb.query(
                ledger_path,
                "SELECT fund_code, household_code, amount_fen, entry_date, cadre_code "
                "FROM ledger_entry WHERE kind = 'disburse' ORDER BY seq",
            )
            assert len(entries) > 10
            entries.append(("F-TEST", "H000001", 100, TODAY, "C0001"))
            entries.append(("F-TEST", "H000002", 100, TODAY, "C0001"))

            def judged() -> list:
                out = []
                for fund, code, amount, on, cadre in entries:
                    if fund == "F-TEST":
                        fund = entries[0][0]
                    out.append(
                        fund_payment.payment_facts(
                            session=s,
                            fund=fund_payment.find_fund(session=s, code=fund),
                            household=fund_payment.find_household(
                                session=s, code=code, field="HOUSEHOLD"
                            ),
                            amount_fen=amount,
                            on=on if isinstance(on, dt.date) else dt.date.fromisoformat(on),
                            cadre_codes=[cadre],
                        )
                    )
                return out

            by_statements = judged()
            fund_payment.keep_facts(s)
            try:
                kept = judged()
            finally:
                fund_payment.forget_facts(s)
    finally:
        ledger.engine.dispose()
    assert kept == by_statements
