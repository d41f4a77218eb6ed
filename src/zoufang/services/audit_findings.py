"""What `audit funds` and `audit visits` report: findings, and the report around them.

A finding has the shape ``{"check", "severity", "fund", "entry", "household", "detail"}``;
any finding of severity ``error`` makes the audit fail (exit 1). In the report its check and
severity are :class:`~zoufang.labels.Code` values and its detail a
:class:`~zoufang.labels.Message`: the codes and the English text in JSON, whatever the
language; their words in tables.
"""

from __future__ import annotations

from dataclasses import dataclass

from zoufang import labels
from zoufang.services.fund_rules import SEVERITY


@dataclass
class Finding:
    check: str
    severity: str
    fund: str | None
    entry: int | None
    household: str | None
    detail: str  # a labels.Message (or text that reads the same in every language)


def finding(
    check: str, detail: str, *, fund=None, entry=None, household=None, severity: str | None = None
) -> Finding:
    """A finding; its severity is the payment rule's (:data:`SEVERITY`) unless given."""
    return Finding(check, severity or SEVERITY.get(check, "error"), fund, entry, household, detail)


def audit_report(findings: list[Finding], *, checked: int, head: dict | None) -> dict:
    """The report both audits return: ``ok`` unless some finding is an error."""
    return {
        "ok": not any(f.severity == "error" for f in findings),
        "entries_checked": checked,
        "head": head,
        "findings": [
            {
                "check": labels.Code(f.check, labels.CHECK),
                "severity": labels.Code(f.severity, labels.SEVERITY),
                "fund": f.fund,
                "entry": f.entry,
                "household": f.household,
                "detail": f.detail,
            }
            for f in findings
        ],
    }
