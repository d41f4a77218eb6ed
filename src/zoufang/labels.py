"""Enumerated values as people read and type them, and as programs keep them.

The ledger and JSON keep the English codes (``routine``, ``in-progress``, ``low-income``):
scripts depend on them whatever the language. People read, and may type, the words offices
use (日常走访, 办理中, 低保户 — docs/glossary.md lists them all).

* :class:`Code` is a code that knows what it is a code of: it *is* the code (a ``str``: JSON,
  comparisons and sorting see the code), and the render layer shows :meth:`Code.label`, the
  word in the chosen language, in tables, CSV and sheets.
* :func:`label_of` is that word for a code: in Chinese the word below (``return`` as a visit
  kind is 回访); in English the code itself, as zoufang has always printed it. The words are
  data, not catalog entries, because they are also what people may *type*, in either
  language.
* :func:`resolve` reads what a person typed: the code, its Chinese word, or a common short
  form (``低保`` for low-income), in either language; None when it names nothing.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping

#: The kinds of code.
VISIT_KIND = "visit kind"
COMMITMENT_STATUS = "commitment status"
HOUSEHOLD_STATUS = "household status"
VISIT_STATUS = "visit status"
MEMBER_STATUS = "member status"
CORRECTION = "correction"
ENTRY_KIND = "entry kind"
SEVERITY = "severity"
CHECK = "check"
CATEGORY = "category"
FACT = "fact"  # a dated fact of the history (`household history`)
PLAN_STATUS = "plan status"
PLAN_LINE_STATUS = "plan line status"
PLAN_DECISION = "plan decision"
WISH_STATUS = "wish status"
SUGGESTION_STATUS = "suggestion status"
USER_ROLE = "user role"  # a login's role kind on a PostgreSQL ledger (`zoufang user`)
MESSAGE = "message"  # a sentence (:class:`Message`), not a code

#: Chinese words for the codes (the catalog holds the same, for display in Chinese; these
#: are also accepted as input, with the short forms below).
VISIT_KIND_ZH = {
    "routine": "日常走访",
    "festival": "节日慰问",
    "return": "回访",
    "unannounced": "暗访",
    "verification": "核实",
}
COMMITMENT_STATUS_ZH = {
    "open": "待办",
    "in-progress": "办理中",
    "resolved": "已办结",
    "referred": "已转办",
    "cannot-resolve": "无法办结",
    "void": "已作废",
}
WISH_STATUS_ZH = {
    "open": "待认领",
    "claimed": "已认领",
    "fulfilled": "已圆梦",
    "declined": "未能实现",
    "void": "已作废",
}
SUGGESTION_STATUS_ZH = {
    "unanswered": "未答复",
    "answered": "已答复",
    "adopted": "已采纳",
    "not-adopted": "未采纳",
    "void": "已作废",
}
USER_ROLE_ZH = {
    "cadre": "包村干部",
    "officer": "乡镇干部",
    "finance": "财务人员",
    "auditor": "审计人员",
    "admin": "系统管理员",
}
FACT_ZH = {
    "categories": "类别",
    "status": "在册状态",
    "member_ids": "家庭成员身份证号",
    "relatives": "亲属",
    "rules": "资金规则",
    "unlogged-change": "绕过系统的改动",
}
HOUSEHOLD_STATUS_ZH = {"active": "在册", "exited": "已退出", "void": "已作废"}
VISIT_STATUS_ZH = {"current": "有效", "void": "已作废", "superseded": "已更正"}
#: What a correction did (the ``correction`` table's ``action``).
CORRECTION_ZH = {
    "void": "作废",
    "amend": "更正",
    "update": "修改",
    "remove": "移除",
    "unassign": "撤销联系",
}
MEMBER_STATUS_ZH = {"current": "在户", "removed": "已移除"}
LEDGER_KIND_ZH = {"allocate": "拨入", "disburse": "发放", "reverse": "冲销"}
SEVERITY_ZH = {"error": "错误", "warning": "提醒"}
CHECK_ZH = {
    "chain": "链条断裂",
    "overspend": "超支",
    "ineligible": "不符合条件",
    "over-cap": "超过限额",
    "out-of-period": "不在发放期内",
    "inactive-household": "非在册户",
    "conflict-of-interest": "优亲厚友",
    "duplicate": "重复发放",
    "duplicate-person": "同一人重复领取",
    "storage": "数据库损坏",
    "override": "破例发放",
    "no-visit": "无走访记录",
    "fact-chain": "变更记录被改动",
    "backdated": "追溯变更",
    "never-visited": "从未走访",
    "overdue": "逾期未访",
    "check-in": "打卡式走访",
    "unanswered": "承诺逾期未回应",
    "idle-cadre": "干部未走访",
    "future-dated": "日期晚于录入",
    "late-entry": "逾期补录",
    "backfill": "补录",
    "chain-shortened": "链尾缺失",
    "unplanned": "计划外发放",
    "over-plan": "超出计划金额",
    "plan-paid-twice": "名单重复发放",
    "objection": "有异议待处理",
    "late-correction": "事后更正",
    "wish-overdue": "微心愿逾期未圆梦（只记不办）",
    "wish-unclaimed": "微心愿无人认领（只记不办）",
    "suggestion-unanswered": "意见建议未答复（只记不办）",
    "unlogged-change": "绕过系统的改动",
}
PLAN_STATUS_ZH = {"draft": "拟定中", "approved": "已审定", "superseded": "已被新版替代"}
PLAN_LINE_STATUS_ZH = {
    "unpaid": "未发放",
    "paid": "已发放",
    "objected": "有异议",
    "removed": "已移出",
}
PLAN_DECISION_ZH = {"keep": "保留", "remove": "移出"}

#: The built-in categories' labels (migration 0001 writes the same into the ledger, where a
#: category's own label wins: ``words`` in :func:`resolve`, ``word`` in :class:`Code`).
CATEGORY_ZH = {
    "honour-recipient": "党内功勋荣誉表彰获得者",
    "hardship-member": "生活困难党员",
    "veteran-member": "老党员",
    "retired-cadre": "老干部",
    "bereaved-family": "因公牺牲党员干部家属",
    "illness-poverty": "因病致贫特困群众",
    "low-income": "低保户",
    "disabled": "残疾人",
    "elderly-alone": "独居老人",
    "left-behind-child": "留守儿童",
    "frontline-cadre": "一线干部",
    "destitute": "特困供养人员",
    "empty-nest": "空巢老人",
}
#: Short forms of the built-in categories (docs/glossary.md, "Categories").
CATEGORY_SHORT_FORMS = {
    "功勋荣誉": "honour-recipient",
    "荣誉表彰": "honour-recipient",
    "困难党员": "hardship-member",
    "牺牲干部家属": "bereaved-family",
    "烈属": "bereaved-family",
    "因病致贫": "illness-poverty",
    "低保": "low-income",
    "残疾": "disabled",
    "独居": "elderly-alone",
    "留守": "left-behind-child",
    "五保": "destitute",
    "五保户": "destitute",
    "五保老人": "destitute",
    "特困": "destitute",
    "特困供养": "destitute",
    "特困人员": "destitute",
    "空巢": "empty-nest",
}

#: Other words people type for a code (besides the code and its Chinese word): the lists of
#: docs/glossary.md, "Short forms accepted on input" (tests/test_i18n_core.py compares them).
SHORT_FORMS: dict[str, dict[str, str]] = {
    VISIT_KIND: {
        "日常": "routine",
        "走访": "routine",
        "入户走访": "routine",
        "常规走访": "routine",
        "节日": "festival",
        "慰问": "festival",
        "节日走访": "festival",
        "节前慰问": "festival",
        "复访": "return",
        "跟踪回访": "return",
        "暗访走访": "unannounced",
        "核实走访": "verification",
        "核查": "verification",
        "入户核实": "verification",
    },
    COMMITMENT_STATUS: {
        "未办": "open",
        "待办理": "open",
        "未办理": "open",
        "在办": "in-progress",
        "正在办理": "in-progress",
        "已解决": "resolved",
        "办结": "resolved",
        "已完成": "resolved",
        "转办": "referred",
        "已移交": "referred",
        "无法解决": "cannot-resolve",
        "不能办结": "cannot-resolve",
        "无法办理": "cannot-resolve",
    },
    WISH_STATUS: {
        "待领": "open",
        "未认领": "open",
        "认领": "claimed",
        "圆梦": "fulfilled",
        "已实现": "fulfilled",
        "已完成": "fulfilled",
        "未实现": "declined",
        "不能实现": "declined",
    },
    SUGGESTION_STATUS: {"待答复": "unanswered", "答复": "answered", "采纳": "adopted"},
    HOUSEHOLD_STATUS: {"在档": "active", "正常": "active", "在帮": "active", "退出": "exited"},
    ENTRY_KIND: {"拨款": "allocate", "下拨": "allocate", "支出": "disburse", "红冲": "reverse"},
    SEVERITY: {"警告": "warning", "提示": "warning"},
    CATEGORY: CATEGORY_SHORT_FORMS,
}

_ZH = {
    VISIT_KIND: VISIT_KIND_ZH,
    COMMITMENT_STATUS: COMMITMENT_STATUS_ZH,
    WISH_STATUS: WISH_STATUS_ZH,
    SUGGESTION_STATUS: SUGGESTION_STATUS_ZH,
    HOUSEHOLD_STATUS: HOUSEHOLD_STATUS_ZH,
    VISIT_STATUS: VISIT_STATUS_ZH,
    MEMBER_STATUS: MEMBER_STATUS_ZH,
    CORRECTION: CORRECTION_ZH,
    ENTRY_KIND: LEDGER_KIND_ZH,
    SEVERITY: SEVERITY_ZH,
    CHECK: CHECK_ZH,
    CATEGORY: CATEGORY_ZH,
    FACT: FACT_ZH,
    PLAN_STATUS: PLAN_STATUS_ZH,
    PLAN_LINE_STATUS: PLAN_LINE_STATUS_ZH,
    PLAN_DECISION: PLAN_DECISION_ZH,
    USER_ROLE: USER_ROLE_ZH,
}


class Code(str):
    """A code that renders as its word: ``Code("return", VISIT_KIND)`` is ``"return"`` in JSON
    and 回访 in a Chinese table. ``word`` overrides the catalog (a category's own label)."""

    kind: str
    word: str | None

    def __new__(cls, code: str, kind: str, word: str | None = None) -> Code:
        self = super().__new__(cls, code)
        self.kind = kind
        self.word = word
        return self

    def __getnewargs__(self) -> tuple[str, str, str | None]:  # type: ignore[override]
        # copy.deepcopy (dataclasses.asdict) and pickle (worker processes) rebuild it whole
        return (str(self), self.kind, self.word)

    def label(self) -> str:
        return label_of(self.kind, str(self), self.word)


class Message(Code):
    """A sentence people read that programs keep in English (an audit finding's detail):
    it *is* the English text (JSON, comparisons), and :meth:`label` translates it when it
    is shown, e.g. ``Message(N_("entry {seq} is malformed"), seq=7)``. Parameters that are
    codes show their words; a list or tuple parameter is joined (``, `` in English, ``、``
    in Chinese). Formatted into other text (``"{detail}".format(detail=m)``) it shows
    :meth:`label`, so a message built around it reads in one language."""

    params: dict[str, object]

    def __new__(cls, message: str, /, **params: object) -> Message:
        english = {k: _english(v) for k, v in params.items()}
        self = str.__new__(cls, message.format(**english))
        self.kind, self.word, self.params = MESSAGE, message, params
        return self

    def __getnewargs_ex__(self) -> tuple[tuple[str], dict[str, object]]:
        return (self.word or str(self),), self.params

    def __format__(self, spec: str) -> str:
        return format(self.label(), spec)

    def label(self) -> str:
        from zoufang import i18n

        if i18n.current() == "en":
            return str(self)
        shown = {k: _shown(v) for k, v in self.params.items()}
        template = self.word or str(self)
        return i18n._(template).format(**shown)


def _english(value: object) -> object:
    if isinstance(value, list | tuple):
        return ", ".join(str(_english(v)) for v in value)
    return str(value) if isinstance(value, Code) else value


def _shown(value: object) -> object:
    if isinstance(value, list | tuple):
        return "、".join(str(_shown(v)) for v in value)
    return value.label() if isinstance(value, Code) else value


def label_of(kind: str, code: str, word: str | None = None) -> str:
    """The word people read for ``code`` in the chosen language (the code itself in English
    and for a code the catalog does not know)."""
    from zoufang import i18n

    if i18n.current() == "en":
        return code
    return word or _ZH.get(kind, {}).get(code, code)


def label(mapping: dict[str, str], code: str | None, lang: str) -> str | None:
    """``code`` in Chinese when ``lang`` is zh (unknown codes stay as they are)."""
    if code is None or lang != "zh":
        return code
    return mapping.get(code, code)


def normalise(text: str) -> str:
    """What a person typed, as compared with codes and words: full-width letters, digits and
    punctuation folded to their usual forms (NFKC), spaces trimmed, letters in lower case."""
    return unicodedata.normalize("NFKC", text).strip().lower()


def input_words(
    kind: str, codes: Iterable[str], words: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Everything a person may type for each of ``codes``, as :func:`normalise` reads it →
    the code: the code, its word (the caller's ``words``, code → word, before the built-in
    ones), for a category its word without the last 户/人 (低保户 → 低保, 残疾人 → 残疾),
    then the short forms. The first to claim a word keeps it."""
    known = list(codes)
    table: dict[str, str] = {}
    for code in known:
        table.setdefault(normalise(code), code)
    named = [(c, w) for c, w in (words or {}).items() if c in known and w]
    named += [(c, w) for c, w in _ZH.get(kind, {}).items() if c in known]
    for code, word in named:
        table.setdefault(normalise(word), code)
    if kind == CATEGORY:
        for code, word in named:
            if len(word) > 2 and word[-1] in "户人":
                table.setdefault(normalise(word[:-1]), code)
    for word, code in SHORT_FORMS.get(kind, {}).items():
        if code in known:
            table.setdefault(normalise(word), code)
    return table


#: :func:`input_words` of a kind's fixed codes with only the built-in words, by (kind,
#: codes): a bulk write (`import`) resolves a visit's kind, a status… for every row.
_WORDS: dict[tuple[str, tuple[str, ...]], dict[str, str]] = {}


def resolve(
    kind: str, text: str, codes: Iterable[str], words: Mapping[str, str] | None = None
) -> str | None:
    """The code among ``codes`` that ``text`` names: the code (in any case; ``in progress``
    and ``in_progress`` for ``in-progress``), its word, or a short form (see
    :func:`input_words`; ``words``, code → word, are the caller's, e.g. the categories'
    labels in the ledger); None if it names none of them."""
    if words is None and isinstance(codes, tuple):  # the built-in words: worked out once
        table = _WORDS.get((kind, codes))
        if table is None:
            table = _WORDS[(kind, codes)] = input_words(kind, codes)
    else:
        table = input_words(kind, codes, words)
    wanted = normalise(text or "")
    found = table.get(wanted)
    if found is None and wanted.isascii():
        found = table.get(re.sub(r"[\s_]+", "-", wanted))
    return found


def accepted(kind: str, codes: Iterable[str], words: Mapping[str, str] | None = None) -> str:
    """The values a person may type, for an error message, in the chosen language:
    ``日常走访（routine）、节日慰问（festival）…`` or ``routine, festival, …`` (``words`` as
    for :func:`resolve`)."""
    from zoufang import i18n

    known = list(codes)
    if i18n.current() == "en":
        return ", ".join(known)
    given = words or {}
    return "、".join(f"{label_of(kind, c, given.get(c))}（{c}）" for c in known)
