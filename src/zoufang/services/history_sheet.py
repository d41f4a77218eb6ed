"""The fact history as a sheet people read (变更记录, ``fact changes``): each change's value
written as text (:func:`shown_value`) and read back exactly (:func:`parsed_value`).

One row per change of :mod:`zoufang.services.fact_history`, in the order recorded. The value
is the whole value after the change, as the sheets around it write such things:

- ``categories``: the categories, ``、``-separated (Chinese labels) or ``; ``-separated (codes);
- ``status``: 在册 / 已退出 (``active`` / ``exited``);
- ``member_ids``: the household's people's ID numbers, one a line (masked unless revealed);
- ``relatives``: one relative a line, the household's 户号 or the person's ID number, a space,
  the relation (``H000012 配偶``);
- ``rules``: a fund's rules, one a line, ``适用类别：低保户、五保户`` / ``每户上限(元)：1000.00`` /
  ``发放起始日期：2026-01-01`` / ``发放截止日期：-`` (English: ``categories: low-income``, ``cap``,
  ``valid_from``, ``valid_to``); ``-`` for none.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from zoufang import labels, parsing
from zoufang.errors import InvalidInput
from zoufang.i18n import _
from zoufang.services.fact_history import (
    CADRE,
    CATEGORIES,
    FUND,
    HOUSEHOLD,
    MEMBER_IDS,
    RELATIVES,
    RULES,
    STATUS,
    fund_rules_value,
    relatives_value,
)
from zoufang.services.roster_file import normalise_header

#: Which facts each kind of subject has.
FACTS = {
    HOUSEHOLD: (CATEGORIES, STATUS, MEMBER_IDS),
    CADRE: (RELATIVES,),
    FUND: (RULES,),
}
#: The subjects' kinds as a Chinese sheet names them.
SUBJECT_ZH = {HOUSEHOLD: "帮扶对象", CADRE: "干部", FUND: "资金项目"}
#: How a change came to be (``fact_change.origin``) as a Chinese sheet names it.
ORIGIN_ZH = {
    "upgrade": "升级转入",
    "opening": "初始",
    "change": "变更",
    "backdated": "追溯变更",
    "imported": "导入",
}
#: A fund's rules, one a line: key → (English, Chinese) as written.
RULE_KEYS = {
    "categories": ("categories", "适用类别"),
    "cap": ("cap", "每户上限(元)"),
    "valid_from": ("valid_from", "发放起始日期"),
    "valid_to": ("valid_to", "发放截止日期"),
}
_RULE_WORDS = {
    normalise_header(word): key for key, words in RULE_KEYS.items() for word in words
} | {normalise_header(w): k for k, w in (("cap", "每户上限"), ("cap", "每户限额"))}
_RULE_LINE = re.compile(r"^([^:：]+)[:：]\s*(.*)$")
#: The status words as `export` writes them (others go through parse_choice).
_STATUSES = {"active": "active", "exited": "exited", "在册": "active", "已退出": "exited"}
_NONE = {"", "-", "—", "无", "none", "/"}
_LINES = re.compile(r"[\r\n]+")


def shown_value(
    fact: str,
    value: Any,
    *,
    lang: str,
    categories: dict[str, str],
    id_number: Callable[[str | None], str | None],
) -> str:
    """``value`` (as stored, parsed from its JSON) as the sheet writes it, in ``lang``;
    ``categories`` code → label (Chinese only); ``id_number`` masks or reveals."""
    sep = "、" if lang == "zh" else "; "
    if fact == CATEGORIES:
        return sep.join(categories.get(c, c) for c in value or ())
    if fact == STATUS:
        return labels.label(labels.HOUSEHOLD_STATUS_ZH, str(value), lang) or ""
    if fact == MEMBER_IDS:
        return "\n".join(id_number(n) or "" for n in value or ())
    if fact == RELATIVES:
        lines = []
        for r in value or ():
            if not isinstance(r, dict):
                continue
            ref = r.get("household") or id_number(r.get("id_number")) or ""
            lines.append(f"{ref} {r['relation']}" if r.get("relation") else ref)
        return "\n".join(lines)
    if fact == RULES:
        rules = value if isinstance(value, dict) else {}
        zh = lang == "zh"
        cap = rules.get("cap_fen")
        parts = {
            "categories": sep.join(categories.get(c, c) for c in rules.get("categories") or ()),
            "cap": parsing.format_money(cap, grouping=False) if isinstance(cap, int) else "",
            "valid_from": rules.get("valid_from") or "",
            "valid_to": rules.get("valid_to") or "",
        }
        return "\n".join(
            f"{RULE_KEYS[k][1 if zh else 0]}{'：' if zh else ': '}{v or '-'}"
            for k, v in parts.items()
        )
    return str(value)


def parsed_value(
    fact: str,
    text: str,
    *,
    field: str,
    categories: dict[str, str],
    household: Callable[[str], str],
    today: dt.date,
) -> Any:
    """The stored value :func:`shown_value` wrote as ``text`` (InvalidInput naming ``field``
    if it is not one); ``household`` maps a 户号 in the file to the ledger's."""
    text = text or ""
    if fact == CATEGORIES:
        return sorted(set(_categories(text, field, categories)))
    if fact == STATUS:
        status = _STATUSES.get(text)
        if status is None:
            status = parsing.parse_choice(
                text, kind=labels.HOUSEHOLD_STATUS, codes=("active", "exited"), field=field
            )
        return status
    if fact == MEMBER_IDS:
        found = [t for t in re.split(r"[\s,;，；、]+", text) if t]
        return sorted({_id_number(t, field, today) for t in found})
    if fact == RELATIVES:
        relatives = []
        for line in _LINES.split(text):
            line = line.strip()
            if not line:
                continue
            ref, _sp, relation = line.partition(" ")
            relation = relation.strip() or None
            if relation is not None and len(relation) > 40:
                raise InvalidInput(field, _("a relation is at most 40 characters"))
            if ref[:1].upper() == "H":
                relatives.append(
                    {"household": household(ref), "id_number": None, "relation": relation}
                )
            else:
                relatives.append(
                    {
                        "household": None,
                        "id_number": _id_number(ref, field, today),
                        "relation": relation,
                    }
                )
        return relatives_value(relatives)
    if fact == RULES:
        given: dict[str, str] = {}
        for line in _LINES.split(text):
            line = line.strip()
            if not line:
                continue
            match = _RULE_LINE.match(line)
            key = _RULE_WORDS.get(normalise_header(match.group(1))) if match else None
            if match is None or key is None:
                raise InvalidInput(
                    field,
                    _(
                        "{line!r} is not a fund rule like '适用类别：低保户' or 'cap: 1000.00'"
                    ).format(line=line),
                )
            given[key] = match.group(2).strip()

        def part(key: str) -> str | None:
            value = given.get(key, "")
            return None if value.lower() in _NONE else value

        cap, start, end = part("cap"), part("valid_from"), part("valid_to")
        cats = part("categories")
        return fund_rules_value(
            _categories(cats, field, categories) if cats else [],
            parsing.parse_money(cap, field=field) if cap else None,
            parsing.parse_date(start, field=field) if start else None,
            parsing.parse_date(end, field=field) if end else None,
        )
    raise InvalidInput(field, _("no such fact"))  # not reached: the fact is checked first


def _categories(text: str, field: str, known: dict[str, str]) -> list[str]:
    from zoufang.services.lookup import unknown_category
    from zoufang.services.roster_validation import LIST_SEPARATORS

    words = _words_of(known)
    codes = []
    for word in LIST_SEPARATORS.split(text):
        if not word:
            continue
        code = words.get(word)
        if code is None:
            code = words[word] = labels.resolve(labels.CATEGORY, word, known, known)
        if code is None:
            raise InvalidInput(field, unknown_category(word, known))
        codes.append(code)
    return codes


#: The last categories mapping seen and what each word typed names (a county's history has
#: hundreds of thousands of category cells and a dozen words).
_WORDS: list[Any] = [None, {}]


def _words_of(known: dict[str, str]) -> dict[str, str | None]:
    if _WORDS[0] is not known:
        _WORDS[0], _WORDS[1] = known, {}
    return _WORDS[1]


#: ID numbers already read (the same people recur in every period of their household).
_READ_IDS: dict[tuple[str, dt.date], str] = {}


def forget_read() -> None:
    """Let go of the ID numbers already read (a county's history: ~280,000, ~60 MiB), once
    a sheet's values are all read."""
    _READ_IDS.clear()


def _id_number(text: str, field: str, today: dt.date) -> str:
    known = _READ_IDS.get((text, today))
    if known is not None:
        return known
    if "*" in text:
        raise InvalidInput(
            field,
            _(
                "{value!r} is masked: export the ledger again with --reveal to move it with "
                "its ID numbers"
            ).format(value=text),
        )
    number = parsing.parse_id_number(text, field=field, today=today)
    if len(_READ_IDS) > 50_000:  # a few MiB at most (a county has ~280,000)
        _READ_IDS.clear()
    _READ_IDS[text, today] = number
    return number
