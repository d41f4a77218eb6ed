"""Start-up stays fast: the root app builds only the command it runs (``zoufang.cli._lazy``),
and its help, built from the commands' docstrings alone, is what the built commands say."""

from __future__ import annotations

import typer
import typer.main
from typer.core import TyperGroup

from zoufang.cli import app
from zoufang.cli._lazy import LazyCommands


def fresh_root():
    """The root Click group as `zoufang` builds it (not the tests' cached one)."""
    root = typer.main.get_command(app)
    assert isinstance(root.commands, LazyCommands)
    return root


def eager_listing(root) -> list[tuple[str, str]]:
    return [
        (name, root.commands[name].get_short_help_str(60))
        for name in root.commands
        if not root.commands[name].hidden
    ]


def test_root_help_lists_what_the_built_commands_say():
    root = fresh_root()
    lazy = [(name, root.commands.summary(name).get_short_help_str(60)) for name in root.commands]
    assert lazy == eager_listing(fresh_root())
    # and in Typer's own order: commands as registered, then the groups
    plain = typer.Typer()
    for info in app.deferred.values():
        if isinstance(info, typer.models.CommandInfo):
            plain.registered_commands.append(info)
        else:
            plain.registered_groups.append(info)
    plain.callback()(lambda: None)
    assert list(root.commands) == list(typer.main.get_command(plain).commands)


def test_help_and_one_command_build_only_what_they_need(zf):
    root = fresh_root()
    ctx = root.make_context("zoufang", ["--help"], resilient_parsing=True)
    root.get_help(ctx)
    assert root.commands.built == {}
    assert root.commands["visit"] is root.commands["visit"]  # built once, then kept
    assert set(root.commands.built) == {"visit"}
    assert isinstance(root.commands["visit"], TyperGroup)
    assert set(root.commands["visit"].commands) == {"log", "list", "show", "void", "amend"}


def test_unknown_command_still_suggests(zf):
    result = zf("visti")
    assert result.exit_code == 2
    assert "No such command 'visti'" in result.stderr
    result = zf("fund", "disbures")
    assert "Did you mean 'disburse'?" in result.stderr


def test_root_help_imports_nothing_a_command_needs(tmp_path):
    """`zoufang --help` (shell completion, cron wrappers) loads Typer and zoufang's own
    command modules, not the storage, rendering or validation libraries; Typer itself loads
    pydantic only when it builds a command with typed parameters."""
    import json
    import os
    import subprocess
    import sys

    code = (
        "import json, sys\n"
        "sys.argv = ['zoufang', '--help']\n"
        "from zoufang.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "sys.stderr.write(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZOUFANG_")}
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )
    loaded = set(json.loads(done.stderr.splitlines()[-1]))
    heavy = {
        "sqlalchemy",
        "sqlmodel",
        "alembic",
        "pydantic",
        "tabulate",
        "rich",
        "wcwidth",
        "xlsxwriter",
        "python_calamine",
        "platformdirs",
    }
    assert loaded.isdisjoint(heavy), sorted(loaded & heavy)


def test_a_payment_does_without_the_orm(zf, funded, ledger_path, tmp_path):
    """`fund disburse` and `visit log --cash` pay with SQLAlchemy Core
    (services/fund_payment.py): the ORM's import was more than half of a payment's time
    (issue 13's speed targets)."""
    import json
    import os
    import subprocess
    import sys

    from helpers import FUND, TODAY

    for args in (
        ["fund", "disburse", FUND, "H000001", "10", "--by", "C0001", "--format", "json"],
        ["visit", "log", "H000002", "--by", "C0001", "--notes", "送去临时救助金", "--cash",
         "10", "--fund", FUND, "--format", "json"],
    ):  # fmt: skip
        code = (
            "import json, sys\n"
            f"sys.argv = ['zoufang', *{args!r}]\n"
            "from zoufang.cli import main\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "sys.stderr.write('\\nMODULES ' + json.dumps(sorted(sys.modules)))\n"
        )
        env = {**os.environ, "ZOUFANG_DB": str(ledger_path), "ZOUFANG_TODAY": TODAY}
        env["ZOUFANG_REAL_CLOCK_FOR_TESTS"] = TODAY
        done = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            timeout=60,
        )
        paid = json.loads(done.stdout)
        assert paid.get("entries") or paid.get("kind") == "disburse", done.stderr
        marker = [line for line in done.stderr.splitlines() if line.startswith("MODULES ")]
        loaded = set(json.loads(marker[-1].removeprefix("MODULES ")))
        assert not loaded & {"sqlmodel", "pydantic", "zoufang.models", "sqlalchemy.orm"}, args


def test_due_audit_funds_and_report_do_without_the_orm(zf, village, ledger_path, tmp_path):
    """The county-scale reads (`due`, `audit funds`, `report`) and recording a visit (`visit
    log` without cash) run on SQLAlchemy Core: importing SQLModel, pydantic and the models
    would cost them a third of a second. (A ``Path`` option such as report's ``--out`` is no
    reason to load pydantic either.)"""
    import json
    import os
    import subprocess
    import sys

    for args in (
        ["due", "--days", "30", "--format", "json"],
        ["audit", "funds", "--format", "json"],
        ["report", "--format", "json", "--out", str(tmp_path / "report.json")],
        [
            "visit",
            "log",
            "H000001",
            "--by",
            "C0001",
            "--notes",
            "看望",
            "--need",
            "修屋顶",
            "--suggestion",
            "修路",
            "--format",
            "json",
        ],
    ):
        code = (
            "import json, sys\n"
            f"sys.argv = ['zoufang', *{args!r}]\n"
            "from zoufang.cli import main\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "sys.stderr.write('\\nMODULES ' + json.dumps(sorted(sys.modules)))\n"
        )
        env = {**os.environ, "ZOUFANG_DB": str(ledger_path)}
        done = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            timeout=60,
        )
        written = tmp_path / "report.json"
        assert json.loads(written.read_text() if "--out" in args else done.stdout) is not None, (
            done.stderr
        )
        marker = [line for line in done.stderr.splitlines() if line.startswith("MODULES ")]
        loaded = set(json.loads(marker[-1].removeprefix("MODULES ")))
        assert not loaded & {"sqlmodel", "pydantic", "zoufang.models", "sqlalchemy.orm"}, args
