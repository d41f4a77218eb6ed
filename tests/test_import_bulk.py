"""The import's bulk paths (issue 17, speed): visits and members checked by the same rules
and written as the one-by-one services write them — the same rows, ids, fact chain and
audit rows — and refused with the same errors."""

from __future__ import annotations

import datetime as dt

import pytest

import rawdb
from helpers import TODAY, cli_env, invoke, ok, valid_id

HEAD_A = valid_id("11010119450307123")
HEAD_B = valid_id("11010119520611234")
CHILD = valid_id("37020320120415561")
WIFE = valid_id("11010119500101222")

#: every table the two paths write, in a stable order
TABLES = (
    "visit",
    "visit_cadre",
    "visit_item",
    "commitment",
    "wish",
    "suggestion",
    "member",
    "fact_change",
    "household",
    "audit_log",
)


def _village(new_ledger, name: str, monkeypatch):
    ledger = new_ledger(name)
    env = cli_env(ledger)
    ok(invoke("cadre", "add", "--name", "王建国", env=env))
    ok(invoke("cadre", "add", "--name", "李梅", env=env))
    for person, number in (("陈大爷", HEAD_A), ("王奶奶", HEAD_B)):
        args = ["enroll", "--name", person, "--id-number", number, "--village", "红星村"]
        ok(invoke(*args, "--cadre", "C0001", "--category", "low-income", env=env))
    for key, value in env.items():  # the services' own clock and operator, as the CLI's
        monkeypatch.setenv(key, value)
    return ledger


def _session(ledger):
    from zoufang.db import Ledger

    return Ledger(str(ledger)).session(write=True, operator="tester", command="import")


#: Which database transaction wrote an audit-log row (PostgreSQL): two ledgers written by
#: two sessions differ in it by nature.
TRANSACTION = ("txid", "cluster_id")


def _tables(ledger) -> dict[str, list]:
    from zoufang import tables

    def columns(table: str) -> str:
        names = [c.name for c in tables.metadata.tables[table].columns]
        return ", ".join(n for n in names if n not in TRANSACTION)

    return {
        t: sorted(map(repr, rawdb.query(ledger, f"SELECT {columns(t)} FROM {t}"))) for t in TABLES
    }


def _visits():
    from zoufang.services.visit_record import VisitIn

    day = dt.date.fromisoformat(TODAY)
    return [
        VisitIn(household="H000001", cadres=["C0001"], visit_date=day - dt.timedelta(days=40)),
        VisitIn(
            household="Ｈ０００００２",
            cadres=["李梅", "C0002", "C0001"],  # one cadre twice, by name and by code
            visit_date=day - dt.timedelta(days=20),
            kind="节日慰问",
            notes="屋顶漏雨",
            needs=["修屋顶", "办低保"],
            suggestions=["路灯"],
            wishes=["一台收音机", "棉被"],
            gifts=["米", "油"],
            next_date=day + dt.timedelta(days=10),
        ),
        VisitIn(
            household="H000001",
            cadres=["王建国"],
            visit_date=day,
            needs=["看病"],
            wishes=["轮椅"],
        ),
    ]


def test_a_batch_of_visits_writes_what_log_visit_writes(new_ledger, monkeypatch):
    from zoufang.services import audit_log, due
    from zoufang.services.visit_record import VisitBatch, log_visit

    one, bulk = _village(new_ledger, "one", monkeypatch), _village(new_ledger, "bulk", monkeypatch)
    today = dt.date.fromisoformat(TODAY)
    with _session(one) as s:
        ids = [log_visit(session=s, data=v, today=today).id for v in _visits()]
    done: list[tuple[str, int]] = []
    with _session(bulk) as s:
        audit_log.hold(s)
        due.defer(s)
        batch = VisitBatch(s, today, lambda key, visit_id: done.append((key, visit_id)), size=2)
        for i, visit in enumerate(_visits()):
            batch.add(visit, f"V{i}")
        batch.flush()
        due.refresh_deferred(s)
        audit_log.write_held(s)
    assert done == [(f"V{i}", visit_id) for i, visit_id in enumerate(ids)]
    assert _tables(bulk) == _tables(one)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"household": "H000009"}, "HOUSEHOLD"),
        ({"cadres": []}, "--by"),
        ({"cadres": ["C0099"]}, "--by"),
        ({"kind": "picnic"}, "--kind"),
        ({"visit_date": dt.date(2027, 1, 1)}, "--date"),
        ({"next_date": dt.date(2020, 1, 1)}, "--next"),
    ],
)
def test_a_batch_refuses_a_visit_as_log_visit_does(new_ledger, monkeypatch, change, field):
    import dataclasses

    from zoufang.errors import ZoufangError
    from zoufang.services.visit_record import VisitBatch, log_visit

    ledger = _village(new_ledger, "ledger", monkeypatch)
    today = dt.date.fromisoformat(TODAY)
    visit = dataclasses.replace(_visits()[0], **change)
    with _session(ledger) as s:
        with pytest.raises(ZoufangError) as by_one:
            log_visit(session=s, data=visit, today=today)
        with pytest.raises(ZoufangError) as by_batch:
            VisitBatch(s, today, lambda key, visit_id: None).add(visit, "V1")
    assert str(by_batch.value.field) == str(by_one.value.field) == field
    assert by_batch.value.reason == by_one.value.reason


def test_a_batch_refuses_a_visit_to_an_exited_household(new_ledger, monkeypatch):
    from zoufang.errors import RuleViolation
    from zoufang.services.visit_record import VisitBatch

    ledger = _village(new_ledger, "ledger", monkeypatch)
    ok(invoke("household", "exit", "H000001", "--reason", "迁出", env=cli_env(ledger)))
    with _session(ledger) as s:
        with pytest.raises(RuleViolation, match="H000001 exited on"):
            VisitBatch(s, dt.date.fromisoformat(TODAY), lambda k, i: None).add(_visits()[0], "")


def _members():
    return [
        {"code": "H000001", "name": "陈小红", "relation": "女儿", "id_number": CHILD},
        {"code": "Ｈ０００００１", "name": "张梅", "relation": "配偶", "birth_year": 1950},
        {"code": "H000002", "name": "王强", "relation": "儿子", "health": "良好"},
        {"code": "H000001", "name": "李芳", "relation": "配偶", "id_number": WIFE},
    ]


def test_a_batch_of_members_writes_what_add_member_writes(new_ledger, monkeypatch):
    from zoufang.services import audit_log
    from zoufang.services.households import MemberBatch, add_member

    one, bulk = _village(new_ledger, "one", monkeypatch), _village(new_ledger, "bulk", monkeypatch)
    with _session(one) as s:
        for member in _members():
            add_member(session=s, **member)
    with _session(bulk) as s:
        audit_log.hold(s)
        batch = MemberBatch(s, size=3)
        for member in _members():
            batch.add(**member)
        batch.flush()
        audit_log.write_held(s)
    a, b = _tables(bulk), _tables(one)
    for t in TABLES:
        assert set(a[t]) ^ set(b[t]) == set(), t
    assert a == b  # the fact chain too: same values, same hashes


@pytest.mark.parametrize(
    ("number", "reason"),
    [(HEAD_A, "H000001's head already has this ID number"), (CHILD, "already a member of H000001")],
)
def test_a_batch_refuses_a_member_as_add_member_does(new_ledger, monkeypatch, number, reason):
    from zoufang.errors import RuleViolation
    from zoufang.services.households import MemberBatch, add_member

    ledger = _village(new_ledger, "ledger", monkeypatch)
    with _session(ledger) as s:
        add_member(session=s, code="H000001", name="陈小红", relation="女儿", id_number=CHILD)
        batch = MemberBatch(s)
        with pytest.raises(RuleViolation) as by_batch:
            batch.add(code="H000001", name="某人", relation="亲属", id_number=number)
        with pytest.raises(RuleViolation) as by_one:
            add_member(session=s, code="H000001", name="某人", relation="亲属", id_number=number)
    assert by_batch.value.reason == by_one.value.reason == reason
    assert by_batch.value.field == by_one.value.field == "--id-number"


def test_a_payment_at_another_households_visit_is_refused_at_its_row(zf, new_ledger, tmp_path):
    """The money sheet's visits are read at once with the facts: a payment naming a visit
    to another household is still refused, at its row and column."""
    import openpyxl

    source = new_ledger("source")
    env = cli_env(source)
    ok(invoke("demo", "--households", "40", "--funds", env=env))
    out = tmp_path / "台账.xlsx"
    ok(invoke("export", "--out", out, "--reveal", "--lang", "zh", env=env))
    book = openpyxl.load_workbook(out)
    visits = book["走访记录"]
    vh = [c.value for c in visits[1]]
    owner = {
        r[vh.index("编号")]: r[vh.index("户号")]
        for r in visits.iter_rows(min_row=2, values_only=True)
    }
    money = book["资金流水"]
    mh = [c.value for c in money[1]]
    row, household = next(
        (n, r[mh.index("户号")])
        for n, r in enumerate(money.iter_rows(min_row=2, values_only=True), start=2)
        if r[mh.index("走访编号")]
    )
    other = next(v for v, h in owner.items() if h != household)
    money.cell(row=row, column=mh.index("走访编号") + 1, value=other)
    book.save(out)
    result = zf("import", out, "--format", "json")
    assert result.exit_code == 2
    refused = [e for e in result.json()["errors"] if e["sheet"] == "资金流水" and e["row"] == row]
    assert [e["column"] for e in refused] == ["走访编号"]
    assert f"was not to household {household}" in refused[0]["error"]


def _funded_village(new_ledger, name: str, monkeypatch):
    ledger = _village(new_ledger, name, monkeypatch)
    env = cli_env(ledger)
    ok(invoke("fund", "create", "F1", "--name", "慰问金", "--category", "low-income", env=env))
    ok(invoke("fund", "allocate", "F1", "5,000", env=env))
    return ledger


def _pay(s, *, read=None) -> list[int]:
    """Payments, a reversal of a payment not yet written (with entries held), another
    payment, an allocation and a last payment, as the money sheet's rows call them; ``read``
    is called after the reversal and the third payment (what a reader of the chain sees)."""
    from zoufang.services.funds import allocate, disburse, reverse

    today = dt.date.fromisoformat(TODAY)

    def pay(household: str, fen: int, override: str | None = None) -> int:
        return disburse(
            session=s,
            fund="F1",
            household=household,
            amount_fen=fen,
            cadres=["C0001"],
            on=today,
            override=override,
        ).seq

    seqs = [pay("H000001", 10000), pay("H000002", 20000)]
    # the reversal reads its original through the ORM: a held entry, written first
    seqs.append(reverse(session=s, seq=seqs[0], reason="错付", on=today).seq)
    if read is not None:
        read(s)
    # a second payment the same day: refused but for its override, judged by the sums
    # the held ones left
    seqs.append(pay("H000001", 5000, "补发"))
    if read is not None:
        read(s)
    seqs.append(allocate(session=s, code="F1", amount_fen=100000, on=today).seq)
    seqs.append(pay("H000002", 100, "补发"))
    return seqs


def test_payments_held_for_their_batch_write_what_each_payment_writes(new_ledger, monkeypatch):
    """While the money sheet's facts are kept, entries are held and written a batch at a
    time; a reversal of a held entry, a reader of the chain between payments and the end
    all find them written: the ledger is the one the payments write one by one."""
    from sqlalchemy import text

    from zoufang.services import audit_log, money_chain
    from zoufang.services.fund_payment import forget_facts, keep_facts

    one = _funded_village(new_ledger, "one", monkeypatch)
    bulk = _funded_village(new_ledger, "bulk", monkeypatch)
    with _session(one) as s:
        expected = _pay(s)
    monkeypatch.setattr(money_chain, "HELD_AT_MOST", 3)
    seen: list[int] = []

    def read(s):  # a statement naming the table: the held entries are written before it
        seen.append(s.connection().execute(text("SELECT count(*) FROM ledger_entry")).scalar())

    with _session(bulk) as s:
        audit_log.hold(s)
        money_chain.keep_totals(s)
        keep_facts(s)
        got = _pay(s, read=read)
        forget_facts(s)
        audit_log.write_held(s)
    assert got == expected == [2, 3, 4, 5, 6, 7]
    assert seen == [4, 5]  # the allocation, two payments, the reversal; then the third
    for table in ("ledger_entry", "audit_log"):
        assert _rows(bulk, table) == _rows(one, table)


def test_entries_held_when_the_import_fails_are_not_written(new_ledger, monkeypatch):
    from sqlalchemy import event

    from zoufang.services import money_chain
    from zoufang.services.fund_payment import FACTS_KEPT, forget_facts, keep_facts
    from zoufang.services.funds import disburse

    ledger = _funded_village(new_ledger, "held", monkeypatch)
    monkeypatch.setattr(money_chain, "HELD_AT_MOST", 100)
    today = dt.date.fromisoformat(TODAY)
    with _session(ledger) as s:
        money_chain.keep_totals(s)  # as the import does: the fund's sums kept, not read
        keep_facts(s)
        for household in ("H000001", "H000002"):
            disburse(
                session=s,
                fund="F1",
                household=household,
                amount_fen=100,
                cadres=["C0001"],
                on=today,
            )
        held = s.info[FACTS_KEPT].held
        forget_facts(s, write=False)  # an error on the way: the caller rolls back
        written = s.connection().exec_driver_sql("SELECT count(*) FROM ledger_entry").scalar()
        # nothing is left listening on the connection, nor kept
        assert not event.contains(s.connection(), "before_cursor_execute", held._before)
        assert FACTS_KEPT not in s.info
    assert written == 1  # the allocation only: the held payments were dropped


def _rows(ledger, table: str) -> list[str]:
    from zoufang import tables

    names = [c.name for c in tables.metadata.tables[table].columns if c.name not in TRANSACTION]
    return sorted(map(repr, rawdb.query(ledger, f"SELECT {', '.join(names)} FROM {table}")))


def test_a_remembered_refusal_does_not_gather_the_rows_it_was_raised_for():
    """The heard sheets remember a cadre's refusal by what the cell says; raised again on
    each row, it must not carry every earlier row's frames (and cells) in its traceback."""
    from zoufang.errors import NotFound
    from zoufang.services.heard_import import _remembered

    class Work:
        lookups: dict = {}

    def find():
        raise NotFound("--by", "no cadre 县团委")

    depths = []
    for _ in range(5):
        try:
            _remembered(Work(), ("code", "县团委", "认领人"), find)
        except NotFound as exc:
            tb, depth = exc.__traceback__, 0
            while tb is not None:
                depth, tb = depth + 1, tb.tb_next
            depths.append(depth)
    assert len(set(depths[1:])) == 1 and depths[1] <= depths[0] + 1
