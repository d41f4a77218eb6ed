"""Chinese labels for the codes the ledger stores (visit kinds, statuses, entry kinds).

The ledger and JSON keep the English codes; sheets and reports made with ``--lang zh``
show these labels.
"""

from __future__ import annotations

VISIT_KIND_ZH = {
    "routine": "日常走访",
    "festival": "节日慰问",
    "return": "回访",
    "unannounced": "暗访",
    "verification": "核实走访",
}
COMMITMENT_STATUS_ZH = {
    "open": "待办",
    "in-progress": "办理中",
    "resolved": "已解决",
    "referred": "已转办",
    "cannot-resolve": "无法解决",
}
HOUSEHOLD_STATUS_ZH = {"active": "在册", "exited": "已退出"}
LEDGER_KIND_ZH = {"allocate": "拨入", "disburse": "发放", "reverse": "冲销"}


def label(mapping: dict[str, str], code: str | None, lang: str) -> str | None:
    """``code`` in Chinese when ``lang`` is zh (unknown codes stay as they are)."""
    if code is None or lang != "zh":
        return code
    return mapping.get(code, code)
