"""A cadre's session of zoufang commands, run in its own process for the concurrency and
fault tests: ``python tests/workload.py OPS.json``.

OPS.json is a list of argument lists (``["fund", "disburse", "FEST", "H000001", "100", …]``).
Each one goes through the real CLI entry point (the Click command's ``main``, the code the
``zoufang`` console script runs, with its one-line error handling), in this process, one
after another, against ``ZOUFANG_DB``. After each command one JSON line goes to stdout,
flushed at once — ``{"args": […], "code": 0, "stdout": "…", "stderr": "…"}`` — so a
process killed with SIGKILL leaves a record of every command that had returned.

Running many commands in one process keeps 8 × 100 operations inside a minute; starting
800 interpreters would spend the time on imports, not on the ledger.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
import traceback

_command = None


def run(args: list[str]) -> dict:
    global _command
    if _command is None:
        import typer.main

        from zoufang.cli import app

        _command = typer.main.get_command(app)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = _command.main(args=args, prog_name="zoufang", standalone_mode=False)
        except SystemExit as exc:  # pragma: no cover - main() returns its code
            code = exc.code if isinstance(exc.code, int) else 1
        except BaseException:  # a traceback is a failure the test reports
            traceback.print_exc(file=err)
            code = 99
    return {"args": args, "code": code, "stdout": out.getvalue(), "stderr": err.getvalue()}


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as f:
        operations = json.load(f)
    for args in operations:
        sys.stdout.write(json.dumps(run(args), ensure_ascii=False) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
