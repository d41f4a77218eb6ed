"""`zoufang import FILE`: a whole 台账 moved in, all or nothing (issue 17)."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

import rawdb
from helpers import TODAY, cli_env, invoke, ok


def _env(ledger) -> dict[str, str]:
    return cli_env(ledger)


@pytest.fixture
def demo_export(new_ledger, tmp_path):
    """A demo ledger with every kind of record (funds, payments, reversals, exits…), and
    its export with ID numbers revealed: (source ledger, xlsx path)."""
    source = new_ledger("source")
    env = _env(source)
    ok(invoke("demo", "--households", "40", "--funds", env=env))
    out = tmp_path / "台账.xlsx"
    ok(invoke("export", "--out", out, "--reveal", "--lang", "zh", env=env))
    return source, out


def _figures(env=None) -> dict:
    """Everything the office reports, as JSON, from the ledger ``env`` points at."""
    figures = {}
    for name, args in {
        "report": ("report", "--since", "2025-01-01", "--format", "json"),
        "due": ("due", "--days", "60", "--format", "json"),
        "audit_visits": ("audit", "visits", "--format", "json"),
        "commitments": ("commitment", "list", "--format", "json"),
        "funds": ("fund", "list", "--format", "json"),
        "households": ("household", "list", "--reveal", "--format", "json"),
        "cadres": ("cadre", "list", "--format", "json"),
    }.items():
        result = invoke(*args, env=env)
        assert result.exit_code in (0, 1), (name, result.stderr)
        figures[name] = _without_chain_hash(result.json())
    return figures


def _without_chain_hash(data):
    """The report without its chain head's hash: an import writes a new chain (its entries
    are recorded today), with as many entries as the source's."""
    if isinstance(data, dict) and isinstance(data.get("chain_head"), dict):
        return {**data, "chain_head": {"seq": data["chain_head"]["seq"]}}
    return data


def test_export_then_import_into_an_empty_ledger_gives_the_same_figures(
    zf, demo_export, ledger_path
):
    source, out = demo_export
    result = zf("import", out, "--format", "json")
    assert result.exit_code == 0, result.stderr
    # the indexes it built after the rows are those of any ledger, by the same SQL
    assert rawdb.indexes(ledger_path) == rawdb.indexes(source)
    imported = result.json()["imported"]
    assert imported["households"] == 40 and imported["visits"] > 100
    assert imported["ledger"] > 0 and imported["commitments"] > 0 and imported["members"] > 0
    before, after = _figures(_env(source)), _figures()
    for name in before:
        assert after[name] == before[name], name
    # the wishes and suggestions keep their life cycles (claimed, fulfilled, answered …)
    assert imported["wishes"] > 0 and imported["suggestions"] > 0
    keys = ("text", "status", "heard_on", "cadre", "claimed_by", "due_date", "answer")

    def shown(rows):
        return sorted(tuple(str(r.get(k)) for k in keys) for r in rows)

    for listing in (["wish", "list"], ["suggestion", "list"]):
        mine = invoke(*listing, "--format", "json", env=_env(source)).json()
        assert shown(zf(*listing, "--format", "json").json()) == shown(mine)
    # the chain is whole and its findings the same (its head is new: written today)
    audit_before = invoke("audit", "funds", "--format", "json", env=_env(source))
    audit_after = zf("audit", "funds", "--format", "json")
    assert audit_after.exit_code == audit_before.exit_code

    def findings(result):
        return sorted(
            (f["check"], f.get("household"), f.get("fund"))
            for f in result.json()["findings"]
            if f["check"] not in ("late-entry",)
        )

    # and the import itself, listed once like a backfill (its rows are not late entries)
    assert findings(audit_after) == sorted([*findings(audit_before), ("backfill", None, None)])
    assert zf("db", "check").exit_code == 0


def test_the_same_file_twice_is_refused_and_writes_nothing(zf, demo_export, snapshot_db):
    _source, out = demo_export
    ok(zf("import", out))
    before = snapshot_db()
    again = zf("import", out)
    assert again.exit_code == 1
    assert "was already imported on" in again.stderr
    assert snapshot_db() == before


def test_dry_run_checks_everything_and_writes_nothing(zf, demo_export, snapshot_db):
    _source, out = demo_export
    before = snapshot_db()
    result = zf("import", out, "--dry-run", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert result.json()["dry_run"] is True and result.json()["imported"]["households"] == 40
    assert "nothing was written" in result.stderr
    assert snapshot_db() == before


def test_a_file_saved_again_during_the_import_is_refused_and_nothing_written(
    zf, demo_export, snapshot_db, monkeypatch
):
    """Its rows are read from the file sheet by sheet, again for a second pass: a file that
    changed meanwhile (its size or time) is not what its recorded SHA-256 says."""
    from zoufang.services import workbook_import

    _source, out = demo_export
    before = snapshot_db()
    real = workbook_import.file_stamp
    monkeypatch.setattr(workbook_import, "file_stamp", lambda path: (*real(path), "saved"))
    result = zf("import", out)
    assert result.exit_code == 2
    assert result.stderr.startswith("error: FILE: 台账.xlsx changed while it was being imported")
    assert snapshot_db() == before


def _edit(path, sheet_name, edits, header_row=1):
    """Change cells of a workbook: ``edits`` is [(row, header, value)] (row as Excel numbers)."""
    import openpyxl

    book = openpyxl.load_workbook(path)
    sheet = book[sheet_name]
    headers = [c.value for c in sheet[header_row]]
    for row, header, value in edits:
        sheet.cell(row=row, column=headers.index(header) + 1, value=value)
    book.save(path)


def test_bad_rows_in_several_sheets_are_all_reported_and_nothing_is_written(
    zf, demo_export, snapshot_db
):
    _source, out = demo_export
    _edit(out, "走访记录", [(3, "走访类型", "串门")])
    _edit(out, "承诺事项", [(2, "责任干部", "孙悟空")])
    # the last sheet's last rows: a payment larger than any fund holds
    import openpyxl

    book = openpyxl.load_workbook(out)
    last = book["资金流水"].max_row
    _edit(out, "资金流水", [(last, "金额(元)", 99999999)])
    before = snapshot_db()
    result = zf("import", out, "--format", "json")
    assert result.exit_code == 2
    errors = result.json()["errors"]
    where = [(e["sheet"], e["row"], e["column"]) for e in errors]
    assert ("走访记录", 3, "走访类型") in where
    assert ("承诺事项", 2, "责任干部") in where
    assert any(e["sheet"] == "资金流水" and e["row"] == last for e in errors)
    assert "nothing was imported" in result.stderr
    assert snapshot_db() == before


def test_masked_id_numbers_are_refused_with_the_way_out(zf, new_ledger, tmp_path, snapshot_db):
    source = new_ledger("source")
    ok(invoke("demo", "--households", "5", env=_env(source)))
    out = tmp_path / "masked.xlsx"
    ok(invoke("export", "--out", out, "--lang", "zh", env=_env(source)))
    before = snapshot_db()
    result = zf("import", out, "--format", "json")
    assert result.exit_code == 2
    errors = [e for e in result.json()["errors"] if e["sheet"] == "帮扶对象"]
    assert len(errors) == 5
    assert all("is masked: export the ledger again with --reveal" in e["error"] for e in errors)
    assert snapshot_db() == before


def test_a_file_that_is_no_workbook_is_one_error(zf, tmp_path):
    (tmp_path / "x.txt").write_text("hello")
    result = zf("import", tmp_path / "x.txt")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: FILE: x.txt: give a workbook (.xlsx)")
    assert zf("import", tmp_path / "none.xlsx").exit_code == 2


def test_killing_the_import_midway_leaves_the_ledger_unchanged(
    demo_export, ledger_path, snapshot_db, new_ledger
):
    _source, out = demo_export
    ok(invoke("category", "add", "flood-affected", "--label", "受灾群众", "--cadence", "30"))
    before = snapshot_db()
    process = _start_and_wait_until_midway(
        "import", out, ledger_path=ledger_path, new_ledger=new_ledger
    )
    process.kill()  # SIGKILL: no cleanup, no rollback by the program
    assert process.wait(timeout=60) == -9, "the import finished before it could be killed"
    assert snapshot_db() == before
    assert invoke("db", "check").exit_code == 0
    # and the ledger takes the import afterwards, whole
    ok(invoke("import", out))
    counts = rawdb.query(ledger_path, "SELECT COUNT(*) FROM household")
    assert counts[0][0] == 40


def _start_and_wait_until_midway(*args, ledger_path, new_ledger) -> subprocess.Popen:
    """The command started on ``ledger_path`` and left running until it is writing.

    SQLite: until it holds its turn in the writers' queue (:mod:`zoufang.db.write_queue`: a
    file of its pid beside the ledger, held from before ``BEGIN IMMEDIATE`` to the end of the
    transaction), then a tenth of a second more — a sign read from the files, not guessed
    from a clock. PostgreSQL: after 0.6 of the shorter of two whole runs on another ledger
    (the first of them also compiles the bytecode)."""
    if not rawdb.ON_POSTGRESQL:
        queue = Path(f"{ledger_path}-writers")
        process = _start(*args, ledger=ledger_path)
        deadline = time.monotonic() + 300
        while process.poll() is None and time.monotonic() < deadline:
            if queue.is_dir() and any(queue.glob(f"w-{process.pid}-*")):
                time.sleep(0.1)
                return process
            time.sleep(0.002)
        return process
    took = []
    for n in range(2):
        started = time.monotonic()
        whole = _start(*args, ledger=new_ledger(f"timing{n}"))
        assert whole.wait(timeout=300) == 0, whole.stderr.read()
        took.append(time.monotonic() - started)
    process = _start(*args, ledger=ledger_path)
    time.sleep(min(took) * 0.6)
    return process


def _start(*args, ledger) -> subprocess.Popen:
    """``python -m zoufang ARGS`` in its own process on ``ledger``."""
    return subprocess.Popen(
        [sys.executable, "-m", "zoufang", *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONIOENCODING": "utf-8", **cli_env(ledger)},
    )


def test_the_import_is_in_the_audit_log_with_each_payments_row(zf, demo_export, ledger_path):
    _source, out = demo_export
    ok(zf("import", out))
    rows = rawdb.query(
        ledger_path,
        "SELECT after FROM audit_log WHERE action = 'import' AND object_type = 'workbook'",
    )
    assert len(rows) == 1
    after = json.loads(rows[0][0])
    assert after["file"] == "台账.xlsx" and len(after["sha256"]) == 64
    assert after["imported"]["households"] == 40
    seqs = sorted(after["entries"].values())
    assert seqs == list(range(1, len(seqs) + 1))
    assert all(key.startswith("资金流水:") for key in after["entries"])


def test_an_exited_household_needs_its_date_and_reason(zf, demo_export, snapshot_db):
    _source, out = demo_export
    import openpyxl

    book = openpyxl.load_workbook(out)
    sheet = book["帮扶对象"]
    headers = [c.value for c in sheet[1]]
    status = headers.index("状态") + 1
    row = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, status).value == "在册")
    _edit(
        out,
        "帮扶对象",
        [(row, "状态", "已退出"), (row, "退出日期", "2026-06-01"), (row, "退出原因", None)],
    )
    result = zf("import", out, "--format", "json")
    assert result.exit_code == 2
    assert {(e["sheet"], e["row"], e["column"]) for e in result.json()["errors"]} == {
        ("帮扶对象", row, "退出原因")
    }


# ---------------------------------------------------------------- a township's own workbook

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "township.xlsx"


def test_the_example_township_workbook_moves_in_whole(zf, ledger_path):
    result = zf("import", EXAMPLE, "--format", "json")
    assert result.exit_code == 0, result.stderr
    out = result.json()
    assert out["imported"] == {
        "cadres": 2,
        "funds": 1,
        "households": 5,
        "members": 2,
        "visits": 5,
        "commitments": 2,
        "ledger": 4,
        "wishes": 0,  # the workbook has no sheet of them: its visits' wishes are open
        "suggestions": 0,
        "history": 0,  # no 变更记录 sheet: each household's facts open on its enrolment
    }
    assert out["unknown_columns"] == {} and out["sheets_not_read"] == []
    skipped = {(s["sheet"], s["text"].split("：")[0]) for s in out["skipped_rows"]}
    assert skipped == {
        ("干部名单", "制表"),
        ("花名册", "填表人"),
        ("花名册", "填报日期"),
        ("走访台账", "填表人"),
        ("资金发放", "经办人"),
    }
    assert out["names_tidied"] == [{"sheet": "花名册", "row": 3, "from": "石 磊", "to": "石磊"}]
    households = {h["name"]: h for h in zf("household", "list", "-f", "json").json()}
    assert households["石磊"]["notes"] == "性别：男；年龄：61"
    assert households["王秀英"]["categories"] == ["destitute"]
    assert households["刘长山"]["categories"] == ["empty-nest", "veteran-member"]
    assert households["刘长山"]["last_visit"] == "2026-01-20"
    commitments = {c["text"]: c for c in zf("commitment", "list", "-f", "json").json()}
    assert commitments["申请大病救助"]["status"] == "in-progress"
    shown = zf("fund", "show", "CJ2026", "-f", "json").json()
    assert shown["allocated"] == "5000.00" and shown["disbursed"] == "2200.00"
    audit = zf("audit", "funds", "--format", "json")
    assert audit.exit_code == 0, audit.stdout
    # the import is listed once like a backfill; its rows are not late entries one by one
    assert [f["check"] for f in audit.json()["findings"]] == ["no-visit", "backfill"]


def test_a_bad_row_in_the_last_sheet_imports_nothing(zf, tmp_path, snapshot_db):
    import shutil

    path = tmp_path / "township.xlsx"
    shutil.copy(EXAMPLE, path)
    # 石磊 would get 1,600.00 from a fund that gives a household at most 1,000.00
    _edit(path, "资金发放", [(5, "金额", "1600")], header_row=1)
    before = snapshot_db()
    result = zf("import", path, "--format", "json")
    assert result.exit_code == 2
    assert [(e["sheet"], e["row"]) for e in result.json()["errors"]] == [("资金发放", 5)]
    assert "1,000.00" in result.json()["errors"][0]["error"]
    assert snapshot_db() == before
    assert "nothing was imported" in result.stderr


@pytest.mark.parametrize("form", ["xlsx-en", "csv"])
def test_an_english_workbook_or_a_folder_of_csv_files_round_trips_too(
    zf, new_ledger, tmp_path, form
):
    source = new_ledger("source")
    env = _env(source)
    ok(invoke("demo", "--households", "15", "--funds", env=env))
    if form == "csv":
        out = tmp_path / "台账"
        ok(invoke("export", "--format", "csv", "--table", "all", "--out", out, "--reveal", env=env))
    else:
        out = tmp_path / "ledger.xlsx"
        ok(invoke("export", "--out", out, "--reveal", "--lang", "en", env=env))
    ok(zf("import", out))
    report = ("report", "--since", "2025-01-01", "--format", "json")
    assert _without_chain_hash(zf(*report).json()) == _without_chain_hash(
        invoke(*report, env=env).json()
    )


def test_an_unknown_cadre_in_the_roster_sheet_or_create_cadres(zf, tmp_path, snapshot_db):
    import shutil

    path = tmp_path / "township.xlsx"
    shutil.copy(EXAMPLE, path)
    _edit(path, "花名册", [(6, "包保干部", "赵六")], header_row=2)  # 刘长山's cadre
    before = snapshot_db()
    refused = zf("import", path, "--format", "json")
    assert refused.exit_code == 2
    assert [(e["sheet"], e["row"], e["column"]) for e in refused.json()["errors"]] == [
        ("花名册", 6, "包保干部")
    ]
    assert snapshot_db() == before
    made = zf("import", path, "--create-cadres", "--format", "json")
    assert made.exit_code == 0, made.stderr
    assert made.json()["cadres_created"] == [{"code": "C0003", "name": "赵六", "row": 6}]
    households = {h["name"]: h for h in zf("household", "list", "-f", "json").json()}
    assert households["刘长山"]["cadres"] == ["C0003"]


def test_notes_come_back_as_they_went_out(zf, tmp_path, new_ledger):
    """A household's notes (性别, 年龄, 备注 of its roster) survive export → import unchanged."""
    ok(zf("import", EXAMPLE))
    out = tmp_path / "again.xlsx"
    ok(zf("export", "--out", out, "--reveal", "--lang", "zh"))
    other = new_ledger("other")
    ok(invoke("import", out, env=_env(other)))
    listed = ("household", "list", "--reveal", "-f", "json")
    assert invoke(*listed, env=_env(other)).json() == zf(*listed).json()
    notes = {h["name"]: h["notes"] for h in zf(*listed).json()}
    assert notes["刘长山"] == "性别：男；年龄：78；入党50年"


def test_an_unknown_roster_column_is_kept_in_the_notes(zf, tmp_path):
    import shutil

    path = tmp_path / "township.xlsx"
    shutil.copy(EXAMPLE, path)
    import openpyxl

    book = openpyxl.load_workbook(path)
    sheet = book["花名册"]
    sheet.cell(2, 14).value = "低保证号"
    sheet.cell(3, 14).value = "LB-0007"
    book.save(path)
    result = zf("import", path, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert result.json()["kept_in_notes"] == ["低保证号"]
    assert "columns zoufang does not know, kept in each household's notes: 低保证号" in (
        result.stderr
    )
    notes = {h["name"]: h["notes"] for h in zf("household", "list", "-f", "json").json()}
    assert notes["石磊"] == "性别：男；年龄：61；低保证号：LB-0007"


@pytest.fixture
def terminal(monkeypatch):
    """stderr taken for a terminal: the progress bar is drawn there (colours and all)."""
    import io

    from rich.console import Console

    from zoufang.cli import common

    drawn = io.StringIO()
    monkeypatch.setattr(
        common, "progress_console", lambda: Console(file=drawn, force_terminal=True, width=100)
    )
    return drawn


def test_a_progress_bar_on_a_terminal_only(zf, terminal, tmp_path):
    result = zf("import", EXAMPLE)
    assert result.exit_code == 0, result.stderr
    bar = terminal.getvalue()
    assert "importing township.xlsx" in bar and "100%" in bar and "\x1b[" in bar
    assert "importing" not in result.stderr and "importing" not in result.stdout


@pytest.mark.parametrize("quiet", [("--format", "json"), ("--quiet",), ("-q", "--dry-run")])
def test_no_progress_bar_for_json_or_quiet(zf, terminal, quiet):
    result = zf("import", EXAMPLE, *quiet)
    assert result.exit_code == 0, result.stderr
    assert terminal.getvalue() == ""


def test_no_progress_bar_off_a_terminal(zf, ledger_path):
    """The real check (stderr is the test runner's pipe): nothing but the summary."""
    result = zf("import", EXAMPLE)
    assert result.exit_code == 0, result.stderr
    assert "\x1b[" not in result.stderr and "importing" not in result.stderr


def test_two_cadres_of_one_name_come_back_as_themselves(zf, tmp_path, new_ledger):
    """A Chinese export names cadres, but gives the code of one whose name another cadre
    shares, so the import reads every visit and assignment back to the same cadre."""
    ok(zf("cadre", "add", "--name", "刘平", "--unit", "长安社区党委"))
    ok(zf("cadre", "add", "--name", "刘平", "--unit", "永安村党支部"))
    ok(zf("cadre", "add", "--name", "王芳"))
    ok(
        zf(
            "enroll", "--name", "陈大爷", "--id-number", "110101194503071237",
            "--village", "红星村", "--category", "老党员", "--cadre", "C0002",
        )
    )  # fmt: skip
    ok(zf("visit", "log", "H000001", "--by", "C0002", "--by", "C0003", "--notes", "看望"))
    out = tmp_path / "台账.xlsx"
    ok(zf("export", "--out", out, "--reveal", "--lang", "zh"))
    other = new_ledger("other")
    moved = invoke("import", out, "--format", "json", env=_env(other))
    assert moved.exit_code == 0, moved.stdout + moved.stderr
    shown = ("visit", "list", "-f", "json")
    assert [v["cadres"] for v in invoke(*shown, env=_env(other)).json()] == [["C0002", "C0003"]]
    listed = ("household", "list", "-f", "json")
    assert invoke(*listed, env=_env(other)).json()[0]["cadres"] == ["C0002"]


def test_a_bulk_write_holds_its_audit_rows_and_due_dates_until_the_end(zf, ledger_path):
    """What `import` does inside its transaction (services.audit_log.hold,
    services.due.defer): nothing of either reaches the tables until the end, then all of it,
    in order, the same as one at a time."""
    from sqlalchemy import func, select

    from zoufang.db import Ledger
    from zoufang.services import audit_log, due
    from zoufang.services.visit_record import VisitIn, log_visit
    from zoufang.tables import audit_log as AL
    from zoufang.tables import household as H

    ok(zf("cadre", "add", "--name", "李梅"))
    ok(
        zf(
            "enroll", "--name", "陈大爷", "--id-number", "110101194503071237",
            "--village", "红星村", "--category", "老党员",
        )
    )  # fmt: skip
    ledger = Ledger(str(ledger_path))
    try:
        with ledger.session(write=True, operator="tester", command="test") as s:
            conn = s.connection()
            rows_before = conn.execute(select(func.count()).select_from(AL)).scalar()
            due_before = conn.execute(select(H.c.due_date, H.c.last_visit_on)).one()
            audit_log.hold(s)
            due.defer(s)
            day = dt.date.fromisoformat(TODAY) - dt.timedelta(days=3)
            for n in range(2):
                log_visit(
                    session=s,
                    data=VisitIn(household="H000001", cadres=["C0001"], visit_date=day,
                                 kind="routine", notes=f"第{n + 1}次", needs=["修屋顶"]),
                    today=dt.date.fromisoformat(TODAY),
                )  # fmt: skip
            assert conn.execute(select(func.count()).select_from(AL)).scalar() == rows_before
            assert conn.execute(select(H.c.due_date, H.c.last_visit_on)).one() == due_before
            due.refresh_deferred(s)
            assert conn.execute(select(H.c.last_visit_on)).scalar() == day
            audit_log.write_held(s)
            written = conn.execute(
                select(AL.c.action, AL.c.object_type).where(AL.c.operator == "tester")
                .order_by(AL.c.id)
            ).all()  # fmt: skip
            assert [tuple(r) for r in written[-4:]] == [
                ("log", "visit"), ("open", "commitment"), ("log", "visit"), ("open", "commitment")
            ]  # fmt: skip
            assert audit_log.HELD not in s.info and due.DEFERRED not in s.info
    finally:
        ledger.engine.dispose()


def test_a_wish_paid_by_an_entry_the_file_lacks_is_an_error_and_a_bad_answer_date_is_no_answer(
    zf, demo_export, snapshot_db
):
    """微心愿's 流水号 must be a row of the file's 资金流水 sheet (not silently unlinked); an
    answer line of 答复记录 whose date is not a day (2026-02-30) is left out, as any line that
    does not read as an answer, rather than stopping the import with an internal error."""
    import openpyxl

    _source, out = demo_export
    book = openpyxl.load_workbook(out)
    answers = book["意见建议"]
    headers = [c.value for c in answers[1]]
    answered = next(
        r
        for r in range(2, answers.max_row + 1)
        if answers.cell(r, headers.index("答复记录") + 1).value
    )
    _edit(out, "意见建议", [(answered, "答复记录", "2026-02-30 已采纳: 已列入计划")])
    result = zf("import", out, "--dry-run", "--format", "json")
    assert result.exit_code == 0, result.stderr
    _edit(out, "微心愿", [(2, "流水号", 999999)])
    before = snapshot_db()
    result = zf("import", out, "--format", "json")
    assert result.exit_code == 2, result.stderr
    errors = [e for e in result.json()["errors"] if e["sheet"] == "微心愿"]
    assert [(e["row"], e["column"]) for e in errors] == [(2, "流水号")]
    assert "999999" in errors[0]["error"]
    assert snapshot_db() == before


def test_an_unknown_answering_cadre_is_a_problem_of_every_row_that_names_it(zf, demo_export):
    """The heard sheets remember a cadre looked up (or refused) by what the cell says: a
    name that is no cadre is still reported on each row that gives it, and nothing is
    written."""
    import openpyxl

    _source, out = demo_export
    book = openpyxl.load_workbook(out)
    sheet = book["意见建议"]
    header = [c.value for c in sheet[1]]
    by, status = header.index("答复干部") + 1, header.index("状态") + 1
    answered = [
        r
        for r in range(2, sheet.max_row + 1)
        if sheet.cell(row=r, column=by).value and sheet.cell(row=r, column=status).value
    ][:2]
    assert len(answered) == 2
    for r in answered:
        sheet.cell(row=r, column=by, value="查无此人")
    book.save(out)
    result = zf("import", out, "--format", "json")
    assert result.exit_code == 2
    errors = [e for e in result.json()["errors"] if e["sheet"] == "意见建议"]
    assert [(e["row"], e["column"]) for e in errors] == [(r, "答复干部") for r in answered]
    assert errors[0]["error"] == errors[1]["error"] and "查无此人" in errors[0]["error"]
    assert zf("household", "list", "--format", "json").json() == []


def test_households_written_a_chunk_at_a_time_are_those_written_at_once(
    new_ledger, demo_export, monkeypatch
):
    """Without --create-cadres the households sheet is written 5,000 rows at a time as it
    is checked (a county's checked rows are never held at once): where the chunks end
    changes nothing, every table of the ledger is the same."""
    from helpers import all_rows
    from zoufang.services import roster_validation

    _source, out = demo_export
    at_once, chunked = new_ledger("at_once"), new_ledger("chunked")
    ok(invoke("import", out, env=_env(at_once)))
    monkeypatch.setattr(roster_validation, "CHUNK_ROWS", 3)
    ok(invoke("import", out, env=_env(chunked)))
    assert _same_on_either_backend(all_rows(chunked)) == _same_on_either_backend(all_rows(at_once))


def _same_on_either_backend(rows: dict) -> dict:
    """Every table but what PostgreSQL records of its own transactions, which two ledgers
    written by two commands differ in by nature (the trail; an audit row's transaction)."""
    from zoufang import tables

    rows = dict(rows)
    rows.pop("change_trail", None)
    names = [c.name for c in tables.metadata.tables["audit_log"].columns]
    keep = [i for i, n in enumerate(names) if n not in ("txid", "cluster_id")]
    rows["audit_log"] = [tuple(r[i] for i in keep) for r in rows["audit_log"]]
    return rows


def test_households_without_a_number_come_after_every_number_the_file_gives(
    new_ledger, tmp_path, monkeypatch
):
    """A roster giving some households a 户号: those without one are numbered after the
    highest the file gives, also when the rows are written a chunk at a time (as with
    --create-cadres, which writes them all at once)."""
    import shutil

    import openpyxl

    from zoufang.services import roster_validation

    path = tmp_path / "township.xlsx"
    shutil.copy(EXAMPLE, path)
    book = openpyxl.load_workbook(path)
    sheet = book["花名册"]
    column = sheet.max_column + 1
    sheet.cell(row=2, column=column, value="户号")
    sheet.cell(row=4, column=column, value="H000010")  # the second household
    sheet.cell(row=6, column=column, value="H000003")  # the fourth
    book.save(path)
    listed = ("household", "list", "--reveal", "-f", "json")
    whole, chunked = new_ledger("whole"), new_ledger("chunked")
    ok(invoke("import", path, "--create-cadres", env=_env(whole)))
    monkeypatch.setattr(roster_validation, "CHUNK_ROWS", 1)
    ok(invoke("import", path, env=_env(chunked)))
    codes = {h["name"]: h["code"] for h in invoke(*listed, env=_env(chunked)).json()}
    assert codes == {h["name"]: h["code"] for h in invoke(*listed, env=_env(whole)).json()}
    assert sorted(codes.values())[:3] == ["H000003", "H000010", "H000011"]
