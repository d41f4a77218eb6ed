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

import unicodedata
from collections.abc import Iterable

#: The kinds of code.
VISIT_KIND = "visit kind"
COMMITMENT_STATUS = "commitment status"
HOUSEHOLD_STATUS = "household status"
ENTRY_KIND = "entry kind"
SEVERITY = "severity"
CHECK = "check"
CATEGORY = "category"
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
}
HOUSEHOLD_STATUS_ZH = {"active": "在册", "exited": "已退出"}
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
    "never-visited": "从未走访",
    "overdue": "逾期未访",
    "check-in": "打卡式走访",
    "unanswered": "承诺逾期未回应",
    "idle-cadre": "干部未走访",
}

#: Other words people type for a code (besides the code and its Chinese word).
SHORT_FORMS: dict[str, dict[str, str]] = {
    VISIT_KIND: {
        "日常": "routine",
        "走访": "routine",
        "节日": "festival",
        "慰问": "festival",
        "节日走访": "festival",
        "暗访走访": "unannounced",
        "核实走访": "verification",
        "核查": "verification",
    },
    COMMITMENT_STATUS: {
        "未办": "open",
        "待办理": "open",
        "在办": "in-progress",
        "正在办理": "in-progress",
        "已解决": "resolved",
        "办结": "resolved",
        "转办": "referred",
        "无法解决": "cannot-resolve",
        "不能办结": "cannot-resolve",
    },
    HOUSEHOLD_STATUS: {"在档": "active", "退出": "exited"},
}

_ZH = {
    VISIT_KIND: VISIT_KIND_ZH,
    COMMITMENT_STATUS: COMMITMENT_STATUS_ZH,
    HOUSEHOLD_STATUS: HOUSEHOLD_STATUS_ZH,
    ENTRY_KIND: LEDGER_KIND_ZH,
    SEVERITY: SEVERITY_ZH,
    CHECK: CHECK_ZH,
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
        return (self.word or "",), self.params

    def __format__(self, spec: str) -> str:
        return format(self.label(), spec)

    def label(self) -> str:
        from zoufang import i18n

        if i18n.current() == "en":
            return str(self)
        shown = {k: _shown(v) for k, v in self.params.items()}
        return i18n._(self.word or "").format(**shown)


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


def resolve(kind: str, text: str, codes: Iterable[str]) -> str | None:
    """The code among ``codes`` that ``text`` names: the code, its Chinese word, or a short
    form; None if it names none of them."""
    wanted = normalise(text)
    known = list(codes)
    for code in known:
        if wanted == code.lower():
            return code
    words = {normalise(w): c for c, w in _ZH.get(kind, {}).items()}
    words.update({normalise(w): c for w, c in SHORT_FORMS.get(kind, {}).items()})
    found = words.get(wanted)
    return found if found in known else None


def accepted(kind: str, codes: Iterable[str]) -> str:
    """The values a person may type, for an error message, in the chosen language:
    ``日常走访（routine）、节日慰问（festival）…`` or ``routine, festival, …``."""
    from zoufang import i18n

    known = list(codes)
    if i18n.current() == "en":
        return ", ".join(known)
    return "、".join(f"{label_of(kind, c)}（{c}）" for c in known)
