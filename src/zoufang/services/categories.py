"""Categories: why a household is supported, and its default return-visit cadence."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlmodel import col, select

from zoufang import labels
from zoufang.errors import RuleViolation
from zoufang.i18n import _
from zoufang.models import Category
from zoufang.services.audit_log import record
from zoufang.services.lookup import category_labels, category_words, resolve_categories

if TYPE_CHECKING:
    from zoufang.db import LedgerSession


def list_categories(*, session: LedgerSession) -> list[Category]:
    return list(
        session.scalars(select(Category).order_by(col(Category.builtin).desc(), Category.code))
    )


def require_categories(
    *, session: LedgerSession, codes: list[str], field: str = "--category"
) -> list[str]:
    """The codes of the categories named (by code, label or short form: 老党员, 低保,
    low-income), de-duplicated in the order given; NotFound for one the ledger lacks."""
    return resolve_categories(session=session, texts=codes, field=field)


def add_category(*, session: LedgerSession, code: str, label: str, cadence_days: int) -> Category:
    """A user-defined category with its default cadence."""
    if session.get(Category, code) is not None:
        raise RuleViolation("CODE", _("category {code!r} already exists").format(code=code))
    # A label is typed as well as read: it must name this category and no other.
    taken = category_words(category_labels(session=session)).get(labels.normalise(label))
    if taken is not None:
        raise RuleViolation(
            "--label", _("{label!r} already names category {code}").format(label=label, code=taken)
        )
    category = Category(code=code, label=label, cadence_days=cadence_days, builtin=False)
    session.add(category)
    record(session, action="add", object_type="category", object_key=code, after=category)
    return category
