"""`audit funds` and `audit visits`."""

from __future__ import annotations

from collections import defaultdict
from typing import Annotated, Any

import typer

from zoufang.cli.common import FormatOpt, session, settings, today
from zoufang.i18n import _
from zoufang.labels import CHECK, label_of
from zoufang.output import Format, default_format, render, write_json

audit_app = typer.Typer(
    help="Re-check the ledger from stored data; exit 1 on findings.", no_args_is_help=True
)

FINDING_COLUMNS = [
    ("severity", "级别"),
    ("check", "检查项"),
    ("fund", "资金"),
    ("entry", "流水号"),
    ("household", "户号"),
    ("detail", "说明"),
]


def _print(report: dict, fmt: Format | None, summary_rows=None, summary_columns=None) -> None:
    fmt = fmt or default_format()
    if fmt is Format.json:
        keys = ("ok", "entries_checked", "head", "facts_checked", "facts_head", "findings")
        write_json({k: report[k] for k in keys if k in report})
    elif fmt is Format.csv:
        render(report["findings"], FINDING_COLUMNS, fmt)
    else:
        if summary_rows:
            _section(summary_rows, summary_columns, fmt, _("funds"))
        by_check: dict[str, list[dict]] = defaultdict(list)
        for f in report["findings"]:
            by_check[f["check"]].append(f)
        for check, found in by_check.items():
            title = _("{check} ({count})").format(check=label_of(CHECK, check), count=len(found))
            _section(found, FINDING_COLUMNS, fmt, title)
        print(_summary(report))
    if not report["ok"]:
        raise typer.Exit(1)


def _summary(report: dict) -> str:
    """The last line: ``OK: 12 checked, 0 error(s), 1 warning(s); chain head 12:ab…``."""
    errors = sum(f["severity"] == "error" for f in report["findings"])
    counts = {
        "checked": report["entries_checked"],
        "errors": errors,
        "warnings": len(report["findings"]) - errors,
    }
    if report["ok"]:
        line = _("OK: {checked} checked, {errors} error(s), {warnings} warning(s)")
    else:
        line = _("FAILED: {checked} checked, {errors} error(s), {warnings} warning(s)")
    line = line.format(**counts)
    head = report.get("head")
    if head:
        line += _("; chain head {anchor}").format(anchor=f"{head['seq']}:{head['hash']}")
    facts = report.get("facts_head")
    if facts:
        line += _("; fact history head {anchor}").format(anchor=f"f{facts['seq']}:{facts['hash']}")
    return line


def late_days() -> int:
    """``[audit] late_days`` (ZOUFANG_AUDIT_LATE_DAYS): days an evidence row may be dated
    before it was recorded without a late-entry warning; 30 unless set."""
    from zoufang.config import load_config
    from zoufang.errors import InvalidInput
    from zoufang.services.audit_dates import DEFAULT_LATE_DAYS

    config = load_config()
    days = config.get("audit", "late_days", DEFAULT_LATE_DAYS)
    if days < 0:
        raise InvalidInput(
            config.source("audit", "late_days"),
            _("must be 0 or more, got {value}").format(value=days),
        )
    return days


def _section(rows, columns, fmt: Format, title: str) -> None:
    """One titled table; plain text has no table titles, so the title is its own line."""
    if fmt is Format.plain:
        print(title)
    render(rows, columns, fmt, title=title)
    print()


def audit_funds(
    fund: Annotated[
        str | None,
        typer.Option(
            "--fund", help="Only this fund's rule checks (the chain is always checked whole)."
        ),
    ] = None,
    anchor: Annotated[
        str | None,
        typer.Option(
            "--anchor",
            help="SEQ:HASH of a chain head recorded earlier (the short form printed on "
            "notices, reports and digests, 12 hex digits, will do; and/or fSEQ:HASH of the "
            "fact history's, comma-separated); fails if history up to it changed.",
        ),
    ] = None,
    fmt: FormatOpt = None,
) -> None:
    """Re-check every ledger entry: hash chain, balances, and every payment rule."""
    from zoufang.db import bulk
    from zoufang.fact_chain import parse_anchors
    from zoufang.services import audit_workers

    mark, fact_mark = parse_anchors(anchor) if anchor is not None else (None, None)
    # The worker's half starts before SQLAlchemy is imported (a county ledger's SQLite file)
    early = audit_workers.start_early(settings().sqlite_file())
    try:
        with bulk():  # no cycle collection among SQLAlchemy's imports and the county's rows
            report, observed = _audit_funds(fund, mark, fact_mark, early)
    finally:
        if early is not None:
            early.cancel()  # not needed after all, or the audit stopped early
    from zoufang.output import Money
    from zoufang.services import witness

    report = witness.with_witness(report, observed)
    witness.remember(observed)
    summary = [
        {
            "fund": f["fund"],
            "name": f["name"],
            "entries": f["entries"],
            "allocated": Money(f["allocated_fen"]),
            "disbursed": Money(f["disbursed_fen"]),
            "balance": Money(f["balance_fen"]),
        }
        for f in report["funds"]
    ]
    _print(
        report,
        fmt,
        summary,
        [
            ("fund", "资金"),
            ("name", "名称"),
            ("entries", "流水数"),
            ("allocated", "拨入"),
            ("disbursed", "发放"),
            ("balance", "余额"),
        ],
    )


def _audit_funds(fund, mark, fact_mark, early) -> tuple[dict, Any]:
    """The audit's transaction: the report and what the witness observed."""
    from zoufang.services import witness
    from zoufang.services.audit_funds import audit_funds as run_audit

    with session(write=False) as s:
        if fund:
            from zoufang.services.funds import get_fund  # the ORM: only for --fund

            get_fund(session=s, code=fund, field="--fund")
        report = run_audit(
            session=s,
            fund=fund,
            anchor=mark,
            fact_anchor=fact_mark,
            late_days=late_days(),
            early=early,
        )
        return report, witness.observe(s.connection(), settings().ledger().display)


def audit_visits(fmt: FormatOpt = None) -> None:
    """Coverage as of today: never-visited and overdue households (errors once late by more
    than their cadence), check-in visits, unanswered commitments, idle cadres."""
    from zoufang.services.audit_visits import audit_visits as run_audit

    with session(write=False) as s:
        report = run_audit(session=s, today=today(), late_days=late_days())
    _print(report, fmt)


def register(app: typer.Typer) -> None:
    audit_app.command("funds")(audit_funds)
    audit_app.command("visits")(audit_visits)
    app.add_typer(audit_app, name="audit")
