"""The worker half of `audit funds` (zoufang.services.audit_workers): its judging functions on
plain rows, the worker process against the in-process run, and the fallback when the worker
fails. (test_audit_funds runs every tampering test both ways.)"""

from __future__ import annotations

import functools
import time

import pytest

import rawdb
from fundkit import raw_append
from helpers import FUND, ok
from zoufang.chain import GENESIS_HASH, STORED_COLUMNS, entry_hash, seq_index
from zoufang.services import audit_workers as workers


def chained(*changes: dict) -> list[tuple]:
    """Stored rows of a little intact chain, one per dict of fields."""
    rows, prev = [], GENESIS_HASH
    for seq, change in enumerate(changes, 1):
        row = {
            "seq": seq,
            "fund_code": "F",
            "kind": "disburse",
            "amount_fen": 100,
            "household_code": "H1",
            "visit_id": seq,
            "entry_date": "2026-11-20",
            "cadre_code": "C1",
            "operator": "x",
            "memo": None,
            "reverses_seq": None,
            "override_reason": None,
            "recorded_at": "2026-11-20 08:00:00.000000",
            "prev_hash": prev,
            **change,
        }
        row["hash"] = prev = entry_hash(row)
        rows.append(tuple(row[c] for c in STORED_COLUMNS))
    return rows


def test_check_chain_of_an_intact_chain_and_its_anchor():
    rows = chained({}, {"kind": "allocate", "household_code": None}, {})
    found = workers.check_chain(rows, anchor_seq=2)
    assert (found.count, found.head_seq, found.head_hash) == (3, 3, rows[-1][-1])
    assert found.problems == [] and found.anchor_hash == rows[1][-1]
    assert workers.check_chain(rows, anchor_seq=9).anchor_hash is None


def test_check_chain_finds_an_edited_row():
    rows = chained({}, {}, {})
    rows[1] = rows[1][:3] + (999,) + rows[1][4:]  # amount changed, hash not
    found = workers.check_chain(rows)
    assert [seq for seq, _ in found.problems] == [2]
    assert "changed after it was written" in found.problems[0][1]


def test_check_chain_reads_its_rows_once_as_they_come():
    """The worker hands on its cursor's batches: an iterator gives what a list gives,
    anchors included (the first row holding the seq), and still finds a tampered row."""
    rows = chained({}, {}, {}, {})
    rows[2] = rows[2][:3] + (999,) + rows[2][4:]  # amount changed, hash not
    rows.insert(3, rows[1])  # a row repeated: seq 2 again
    for anchor in (None, 2, 4, 9):
        from_list = workers.check_chain(rows, anchor_seq=anchor)
        from_iterator = workers.check_chain(iter(rows), anchor_seq=anchor)
        assert from_iterator == from_list
    assert workers.check_chain(iter(rows), anchor_seq=2).anchor_hash == rows[1][-1]
    assert [seq for seq, _ in from_list.problems][:1] == [3]


def test_check_facts_reads_its_rows_once_as_they_come():
    from zoufang.fact_chain import STORED_COLUMNS as FACT_COLUMNS
    from zoufang.fact_chain import fact_hash

    rows, prev = [], GENESIS_HASH
    for seq in range(1, 5):
        row = {
            "seq": seq,
            "subject_kind": "household",
            "subject": f"H{seq}",
            "fact": "categories",
            "value": '["elderly-alone"]',
            "effective_from": "2026-01-10",
            "ledger_seq": 0,
            "origin": "change",
            "recorded_at": "2026-01-10 09:30:00.000000",
            "operator": "王会计",
            "reason": None,
            "prev_hash": prev,
        }
        row["hash"] = prev = fact_hash(row)
        rows.append(tuple(row[c] for c in FACT_COLUMNS))
    tampered = [*rows[:1], rows[2], rows[3]]  # change 2 deleted
    for stored in (rows, tampered):
        for anchor in (None, 1, 3, 9):
            from_list = workers.LedgerCheck(0, 0, "", [], None)
            from_iterator = workers.LedgerCheck(0, 0, "", [], None)
            workers.check_facts(from_list, stored, anchor)
            workers.check_facts(from_iterator, iter(stored), anchor)
            assert from_iterator == from_list
    found = workers.LedgerCheck(0, 0, "", [], None)
    workers.check_facts(found, iter(rows), 3)
    assert (found.facts_count, found.facts_head, found.fact_problems) == (4, (4, prev), [])
    assert found.fact_anchor_hash == rows[2][-1]
    workers.check_facts(found, iter(tampered), None)
    assert found.fact_problems and found.fact_anchor_hash is None


def test_check_visits():
    rows = [(2, 1, 0), (5, 1, 1), (6, 0, 1)]  # (seq, unanswered, dangling) as SQL marks them
    assert workers.check_visits(rows) == ([2, 5], [5, 6])
    assert workers.check_visits([]) == ([], [])


def test_check_references():
    """The replaying half checks ledger_entry's references from the rows and codes it holds."""
    from types import SimpleNamespace

    from zoufang.services.audit_funds import REPLAY_COLUMNS, check_references

    rows = [
        tuple(dict(zip(STORED_COLUMNS, row, strict=True))[c] for c in REPLAY_COLUMNS)
        for row in chained(
            {},
            {"fund_code": "G"},
            {"household_code": "H9", "cadre_code": "C9"},
            {"kind": "reverse", "reverses_seq": 1},
            {"kind": "reverse", "reverses_seq": 8},
            {"kind": "reverse", "reverses_seq": 1},
        )
    ]
    rows[5] = rows[5][:9] + ("1",)  # text where a seq belongs: names no entry
    facts = SimpleNamespace(funds={"F": ()}, households={"H1": ()}, cadres={"C1"})
    assert check_references(rows, facts, {4}) == [
        (2, "fund"),
        (3, "household"),
        (3, "cadre"),
        (4, "visit"),
        (5, "ledger_entry"),
        (6, "ledger_entry"),
    ]
    assert check_references(rows[:1], facts, set()) == []
    assert check_references(rows[:1] + rows[3:4], facts, set()) == []


def test_seq_index():
    intact = [(1,), (2,), (3,)]
    entry = seq_index(intact)
    assert entry(2) == (2,) and entry(4) is None and entry(0) is None and entry(None) is None
    assert entry("2") is None  # a tampered reference names no row
    broken = [(1,), (2,), (4,), (4, "again")]  # 3 deleted, 4 inserted twice
    entry = seq_index(broken)
    assert entry(2) == (2,) and entry(4) == (4,) and entry(3) is None and entry(None) is None


@pytest.fixture(params=["here", "worker"])
def audit_both_ways(request, monkeypatch):
    monkeypatch.setattr(workers, "worth_another_process", lambda entries: request.param == "worker")
    return request.param


@pytest.fixture
def paid(funded, zf, ledger_path):
    ok(
        zf(
            "visit",
            "log",
            "H000001",
            "--by",
            "C0001",
            "--date",
            "2026-11-20",
            "--notes",
            "老人腿脚不便",
            "--cash",
            "800",
            "--fund",
            FUND,
        )
    )
    raw_append(ledger_path, household_code="H000002", cadre_code="C0001", visit_id=99999)
    return ledger_path


def _checks(ledger_path, *, in_worker: bool) -> workers.LedgerCheck:
    from zoufang.db import Ledger, snapshot_mark
    from zoufang.services.audit_funds import AUDITED_TABLES, FOREIGN_KEYS_CHECKED

    ledger = Ledger(str(ledger_path), auto_upgrade=False)
    try:
        with ledger._read_bind().connect() as conn, conn.begin():
            sql = workers.statements(conn, 10**6, AUDITED_TABLES, FOREIGN_KEYS_CHECKED)
            if in_worker:
                job = workers.Job(workers.where(conn), snapshot_mark(conn), sql, 2)
                found = job.result()
                assert found is not None, job.stderr.decode(errors="replace")
                return found
            return workers.run(conn.connection.dbapi_connection, sql, 2)
    finally:
        ledger.engine.dispose()


def test_the_worker_process_finds_what_the_audit_finds_itself(paid):
    here = _checks(paid, in_worker=False)
    there = _checks(paid, in_worker=True)
    assert there == here
    assert here.count == 3 and here.anchor_hash is not None
    assert 3 in here.unanswered  # the raw payment names a visit that does not exist


def test_each_payments_visit_judged_in_sql(funded, zf, ledger_path, audit_both_ways):
    """The worker's visit statement: a payment is answered by the visit it names only when
    that visit is the household's, on the payment's day; else the visit index is searched
    (any visit to the household that day answers it), else it is a no-visit payment."""
    ok(
        zf(
            "visit",
            "log",
            "H000001",
            "--by",
            "C0001",
            "--date",
            "2026-11-20",
            "--notes",
            "老人腿脚不便",
            "--cash",
            "800",
            "--fund",
            FUND,
        )
    )  # seq 2
    ok(
        zf(
            "visit",
            "log",
            "H000002",
            "--by",
            "C0002",
            "--date",
            "2026-11-21",
            "--notes",
            "低保已续",
        )
    )

    def visit(code, day):
        return rawdb.query(
            ledger_path,
            "SELECT v.id FROM visit v JOIN household h ON "
            "h.id = v.household_id WHERE h.code = ? AND v.visit_date = ?",
            code,
            day,
        )[0][0]

    h1, h2 = visit("H000001", "2026-11-20"), visit("H000002", "2026-11-21")
    pay = functools.partial(raw_append, ledger_path, cadre_code="C0001")
    pay(household_code="H000002", visit_id=h1, entry_date="2026-11-21")  # 3: H1's; H2 visited
    pay(household_code="H000002", visit_id=h2, entry_date="2026-11-22")  # 4: another day's
    pay(household_code="H000001", entry_date="2026-11-20")  # 5: names none; visited
    pay(household_code="H000003", visit_id=h2, entry_date="2026-11-21")  # 6: H2's, that day
    pay(household_code="H000003", entry_date="2026-11-25")  # 7: none at all
    result = zf("audit", "funds", "-f", "json")
    no_visit = sorted(f["entry"] for f in result.json()["findings"] if f["check"] == "no-visit")
    assert no_visit == [4, 6, 7]


def test_the_worker_reads_the_audits_snapshot(paid, zf):
    """A payment committed after the audit began is in neither half: PostgreSQL's worker
    adopts the audit's snapshot; SQLite's sees that the ledger changed and leaves its checks
    to the audit, which reads its own snapshot."""
    from zoufang.db import Ledger, snapshot_mark
    from zoufang.services.audit_funds import AUDITED_TABLES, FOREIGN_KEYS_CHECKED

    ledger = Ledger(str(paid), auto_upgrade=False)
    try:
        with ledger._read_bind().connect() as conn, conn.begin():
            sql = workers.statements(conn, 10**6, AUDITED_TABLES, FOREIGN_KEYS_CHECKED)
            mark = snapshot_mark(conn)
            ok(
                zf(
                    "visit",
                    "log",
                    "H000001",
                    "--by",
                    "C0001",
                    "--date",
                    "2026-11-21",
                    "--notes",
                    "看望",
                    "--cash",
                    "100",
                    "--fund",
                    FUND,
                )
            )  # entry 4, meanwhile
            job = workers.Job(workers.where(conn), mark, sql, None)
            found = job.result()
            if conn.dialect.name == "sqlite":
                assert found is None
                assert b"the ledger changed since the audit began" in job.stderr
            else:
                assert found is not None, job.stderr.decode(errors="replace")
                assert found.count == 3
            assert workers.finish(None, conn, sql).count == 3  # what the audit reads itself
    finally:
        ledger.engine.dispose()


def test_a_failing_worker_leaves_the_checks_to_the_audit(paid, zf, monkeypatch):
    monkeypatch.setattr(workers, "worth_another_process", lambda entries: True)
    monkeypatch.setattr(workers, "WORKER_MODULE", "zoufang.no_such_module")
    started = []
    original = workers.Job.result

    def result(self):
        found = original(self)
        started.append((found, self.stderr))
        return found

    monkeypatch.setattr(workers.Job, "result", result)
    result_ = zf("audit", "funds", "-f", "json")
    # 1 on SQLite, where the missing visit is also a storage error; PostgreSQL enforces keys
    assert result_.exit_code in (0, 1), result_.stderr
    assert started and started[0][0] is None and b"No module named" in started[0][1]
    findings = result_.json()["findings"]
    assert any(f["check"] == "no-visit" and f["entry"] == 3 for f in findings)


def test_a_worker_killed_mid_audit_leaves_the_checks_to_the_audit(
    paid, zf, ledger_path, monkeypatch
):
    """kill -9 of the worker while it works: the audit still reports everything (here the
    payment naming a visit that does not exist), from its own process."""
    import signal

    monkeypatch.setattr(workers, "worth_another_process", lambda entries: True)
    killed = []
    started, original = workers.Job.__init__, workers.Job.result

    def start(self, *args, **kwargs):
        # Killed as soon as it is started, while the audit goes on with its own half: not
        # later, when a worker on a ledger this small may already have finished.
        started(self, *args, **kwargs)
        assert self.process.poll() is None
        self.process.send_signal(signal.SIGKILL)

    def result(self):
        found = original(self)
        killed.append((self.process.returncode, found))
        return found

    monkeypatch.setattr(workers.Job, "__init__", start)
    monkeypatch.setattr(workers.Job, "result", result)
    report = zf("audit", "funds", "-f", "json")
    assert killed == [(-signal.SIGKILL, None)]
    assert report.exit_code in (0, 1), report.stderr
    findings = report.json()["findings"]
    assert any(f["check"] == "no-visit" and f["entry"] == 3 for f in findings)
    assert report.json()["entries_checked"] == 3


def test_small_ledgers_need_no_worker(monkeypatch):
    import zoufang.db

    monkeypatch.setattr(zoufang.db, "cores", lambda: 2)
    assert not workers.worth_another_process(workers.PARALLEL_FROM - 1)
    assert workers.worth_another_process(workers.PARALLEL_FROM)
    monkeypatch.setattr(zoufang.db, "cores", lambda: 1)
    assert not workers.worth_another_process(10**7)  # one core: nothing to gain


def test_the_url_travels_on_stdin_not_the_command_line(monkeypatch):
    """A PostgreSQL password must not show in `ps`: the worker's argv holds no URL."""
    seen = {}

    class Popen:
        def __init__(self, args, **kwargs):
            seen["args"] = args
            self.stdin = self.stdout = None

            class Pipe:
                def write(self, data):
                    seen["stdin"] = seen.get("stdin", b"") + data

                def close(self):
                    pass

            self.stdin = Pipe()

    monkeypatch.setattr(workers.subprocess, "Popen", Popen)
    workers.Job(("url", "postgresql+psycopg://zf:s3cret@db/zoufang"), "1", {"upto": 1}, None)
    assert "s3cret" not in " ".join(seen["args"])
    assert b"s3cret" in seen["stdin"]


def test_the_worker_imports_nothing_from_the_current_directory(paid, monkeypatch, tmp_path):
    """Run from a directory holding a `pickle.py` (or any module named like one it uses),
    the worker still works: the current directory is not on its import path."""
    (tmp_path / "pickle.py").write_text("raise SystemExit('the wrong pickle')\n")
    monkeypatch.chdir(tmp_path)
    assert _checks(paid, in_worker=True).count == 3


def test_a_worker_started_early_is_the_one_the_audit_uses(paid, zf, monkeypatch):
    """On a SQLite file the worker is started before the audit imports SQLAlchemy
    (start_early): it runs SQLite's checks at once and is then told the rest; no second
    worker is started, and the report is the one the audit makes alone."""
    monkeypatch.setattr(workers, "worth_another_process", lambda entries: False)
    alone = zf("audit", "funds", "-f", "json")
    monkeypatch.setattr(workers, "worth_another_process", lambda entries: True)
    jobs: list = []
    started, original = workers.Job.__init__, workers.Job.result

    def start(self, *args, **kwargs):
        started(self, *args, **kwargs)
        jobs.append([kwargs.get("checks"), "not asked", self])

    def result(self):
        found = original(self)
        jobs[-1][1] = found
        return found

    monkeypatch.setattr(workers.Job, "__init__", start)
    monkeypatch.setattr(workers.Job, "result", result)
    both = zf("audit", "funds", "-f", "json")
    assert both.exit_code == alone.exit_code
    assert both.json() == alone.json()
    assert len(jobs) == 1 and jobs[0][1] is not None
    # the rows the audit's half needs from it came first (shared ID numbers: none here)
    answers = jobs[0][2].answers()
    assert answers is not None and answers["shared_numbers"] == [] and answers["backdated"] == []
    if rawdb.BACKEND == "sqlite":
        assert jobs[0][0] == workers.sqlite_checks()  # started early, with SQLite's checks
        assert "late_entries" in answers
    else:
        assert not jobs[0][0]  # PostgreSQL: started the usual way, once the snapshot is known


def test_an_early_worker_that_missed_a_write_leaves_its_checks_to_the_audit(paid, zf, monkeypatch):
    """A payment committed after the early worker began its read transaction but before the
    audit began its own: the worker sees the audit's snapshot is not its own and stops; the
    audit does the checks itself, on what it reads (the new payment too)."""
    from pathlib import Path

    from zoufang.db import Ledger, LedgerSession
    from zoufang.services.audit_funds import audit_funds

    if rawdb.BACKEND != "sqlite":
        pytest.skip("only a SQLite file's worker starts early")
    monkeypatch.setattr(workers, "worth_another_process", lambda entries: True)
    early = workers.start_early(Path(paid))
    assert early is not None
    # its read transaction has begun once it has read the file (mapped: mmap_size)
    maps = Path(f"/proc/{early.process.pid}/maps")
    if not maps.exists():
        pytest.skip("needs /proc to see when the worker has begun")
    deadline = time.monotonic() + 60
    while str(Path(paid).resolve()) not in maps.read_text():
        assert early.process.poll() is None and time.monotonic() < deadline
        time.sleep(0.01)
    ok(
        zf(
            "visit", "log", "H000001", "--by", "C0001", "--date", "2026-11-21",
            "--notes", "看望", "--cash", "100", "--fund", FUND,
        )
    )  # fmt: skip
    answers = []
    original = workers.Job.result

    def result(self):
        found = original(self)
        answers.append((found, self.stderr))
        return found

    monkeypatch.setattr(workers.Job, "result", result)
    ledger = Ledger(str(paid), auto_upgrade=False)
    try:
        with ledger._read_bind().connect() as conn, conn.begin():
            report = audit_funds(session=LedgerSession(conn, {}), early=early)
    finally:
        ledger.engine.dispose()
    assert len(answers) == 1 and answers[0][0] is None
    assert b"the ledger changed since the audit began" in answers[0][1]
    assert report["entries_checked"] == 4


def test_no_early_worker_for_a_small_older_or_non_wal_ledger(paid, zf, monkeypatch):
    """start_early only for a SQLite ledger in WAL mode, at the head revision, that is big
    enough."""
    import sqlite3
    from pathlib import Path

    if rawdb.BACKEND != "sqlite":
        pytest.skip("only a SQLite file's worker starts early")
    assert workers.start_early(None) is None
    assert workers.start_early(Path(paid)) is None  # 3 entries: not worth a process
    monkeypatch.setattr(workers, "worth_another_process", lambda entries: True)
    assert workers.start_early(Path(paid).with_name("no-such.db")) is None
    assert not Path(paid).with_name("no-such.db").exists()  # nothing created
    early = workers.start_early(Path(paid))
    assert early is not None  # "big enough" now
    early.cancel()
    with monkeypatch.context() as m:
        m.setattr("zoufang.db.migrate.HEAD_REVISION", "9999")
        assert workers.start_early(Path(paid)) is None  # the audit upgrades it first
    # A ledger out of WAL mode: no early worker (a reader there can stand in another
    # connection's way); the audit's connection switches it back to WAL.
    con = sqlite3.connect(paid)
    try:
        assert con.execute("PRAGMA journal_mode=DELETE").fetchone()[0] == "delete"
    finally:
        con.close()
    assert workers.start_early(Path(paid)) is None
    result = zf("audit", "funds", "-f", "json")
    assert result.exit_code == 1, result.stderr  # the missing visit, found all the same
    con = sqlite3.connect(paid)
    try:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"  # switched back
    finally:
        con.close()


def test_the_rows_the_worker_reads_for_the_audit_give_the_same_findings(paid, zf, monkeypatch):
    """The late entries' scan, the shared ID numbers and the backdated changes, read by the
    worker for the audit's half: the findings are those the audit makes reading them itself
    (a late entry and a backdated exit here)."""
    raw_append(paid, household_code="H000001", cadre_code="C0001", entry_date="2026-01-02")
    ok(
        zf(
            "household", "exit", "H000002", "--reason", "已迁出，补录", "--from", "2026-11-24",
            env={"ZOUFANG_TODAY": "2026-11-26"},
        )
    )  # fmt: skip
    monkeypatch.setattr(workers, "worth_another_process", lambda entries: False)
    alone = zf("audit", "funds", "-f", "json").json()
    monkeypatch.setattr(workers, "worth_another_process", lambda entries: True)
    answered = []
    original = workers.Job.answers

    def answers(self):
        found = original(self)
        answered.append(found)
        return found

    monkeypatch.setattr(workers.Job, "answers", answers)
    both = zf("audit", "funds", "-f", "json").json()
    assert both == alone
    assert answered and answered[0] is not None
    assert {"late-entry", "backdated"} <= {f["check"] for f in both["findings"]}
