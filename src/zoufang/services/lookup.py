"""What people type for a cadre or a category, found in the ledger.

* A cadre is named by its code (``C0003``) or by its name (``刘强``) where only one cadre has
  that name; a name several cadres share is refused with the candidates, so that nobody is
  credited with a visit or a payment by a guess.
* A category is named by its code (``low-income``), its label (``低保户``, a category of one's
  own by the label it was created with), the label without its last 户/人 (``低保``) or a
  short form of :data:`zoufang.labels.SHORT_FORMS`.

SQLAlchemy Core on the command's connection (:mod:`zoufang.tables`): `visit log` and `due`
resolve their cadres and categories without loading the ORM.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import TYPE_CHECKING, NamedTuple

from sqlalchemy import select

from zoufang import i18n, labels
from zoufang.errors import InvalidInput, NotFound, no_cadre, not_a_code
from zoufang.i18n import _
from zoufang.parsing import shown
from zoufang.tables import cadre as _cadre
from zoufang.tables import category as _category

if TYPE_CHECKING:
    from zoufang.db import LedgerSession


class CadreRef(NamedTuple):
    id: int
    code: str
    name: str


def resolve_cadre(*, session: LedgerSession, text: str, field: str) -> CadreRef:
    """The cadre ``text`` names: its code, or a name only one cadre has.

    Unknown: :class:`NotFound` (as for an unknown code). A name several cadres have:
    :class:`InvalidInput` listing them (``刘强 is C0003 (城关镇) or C0007 (民政办); give the
    code``)."""
    known = session.info.get(CADRES_KNOWN)  # a bulk write (`import`): each text looked up once
    if known is not None and text in known:
        return known[text]
    found = _resolve_cadre(session, text, field)
    if known is not None:
        known[text] = found
    return found


#: ``session.info`` key of the cadres a bulk write has resolved (cadres are never renamed or
#: removed inside one).
CADRES_KNOWN = "cadres_known"


def _resolve_cadre(session: LedgerSession, text: str, field: str) -> CadreRef:
    session.flush()  # a cadre the ORM holds back is in the ledger too
    conn = session.connection()
    C = _cadre
    wanted = (text or "").strip()
    row = conn.execute(select(C.c.id, C.c.code, C.c.name).where(C.c.code == wanted)).first()
    if row is not None:
        return CadreRef(row.id, row.code, row.name)
    name = unicodedata.normalize("NFC", wanted)
    named = conn.execute(
        select(C.c.id, C.c.code, C.c.name, C.c.unit).where(C.c.name == name).order_by(C.c.code)
    ).all()
    if len(named) == 1:
        return CadreRef(named[0].id, named[0].code, named[0].name)
    if named:
        raise InvalidInput(field, ambiguous_cadre(name, [(r.code, r.unit) for r in named]))
    raise no_cadre(text, field)


def ambiguous_cadre(name: str, candidates: list[tuple[str, str | None]]) -> str:
    """``刘强 is C0003 (城关镇) or C0007 (民政办); give the code``."""
    shown = [
        _("{code} ({unit})").format(code=code, unit=unit) if unit else code
        for code, unit in candidates
    ]
    return _("{name} is {candidates}; give the code").format(name=name, candidates=either(shown))


def either(items: list[str]) -> str:
    """``a, b or c`` (``a、b或c`` in Chinese)."""
    if len(items) < 2:
        return "".join(items)
    separator = "、" if i18n.zh() else ", "
    return _("{items} or {last}").format(items=separator.join(items[:-1]), last=items[-1])


# ---------------------------------------------------------------------------- categories


def category_labels(*, session: LedgerSession) -> dict[str, str]:
    """Every category's label by its code."""
    session.flush()  # a category the ORM holds back is in the ledger too
    K = _category
    rows = session.connection().execute(select(K.c.code, K.c.label).order_by(K.c.code))
    return {code: label for code, label in rows}


def category_words(known: dict[str, str]) -> dict[str, str]:
    """What a person may type for each category (as :func:`zoufang.labels.normalise` reads
    it) → its code, from ``known`` (code → label in the ledger): codes, labels, labels
    without their last 户/人 (低保户 → 低保), short forms (:func:`zoufang.labels.input_words`)."""
    return labels.input_words(labels.CATEGORY, known, known)


def resolve_categories(
    *, session: LedgerSession, texts: Iterable[str], field: str = "--category"
) -> list[str]:
    """The codes of the categories ``texts`` name (code, label or short form), each once, in
    the order given; :class:`NotFound` for one the ledger does not have."""
    given = [t for t in texts if t is not None]
    if not given:
        raise InvalidInput(field, _("at least one category is required"))
    known = category_labels(session=session)
    codes: list[str] = []
    for text in given:
        code = labels.resolve(labels.CATEGORY, text, known, known)
        if code is None:
            raise not_a_code(text, field) or NotFound(field, unknown_category(text, known))
        if code not in codes:
            codes.append(code)
    return codes


def unknown_category(text: str, known: dict[str, str] | None = None) -> str:
    """Why ``text`` names no category. English keeps the line it always printed; in Chinese
    the accepted labels are listed, since a reader of Chinese cannot guess the codes."""
    if known and i18n.zh():
        return _("unknown category {code!r}; one of: {accepted}").format(
            code=shown(text), accepted=labels.accepted(labels.CATEGORY, known, known)
        )
    return _("unknown category {code!r} (see `zoufang category list`)").format(code=shown(text))


def category_values(codes: Iterable[str], known: dict[str, str]) -> list[labels.Code]:
    """Categories as rows carry them: the code in JSON, the label in a Chinese table."""
    return [labels.Code(code, labels.CATEGORY, word=known.get(code)) for code in codes]
