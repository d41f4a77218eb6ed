"""Categories: why a household is supported, and its default return-visit cadence."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlmodel import col, select

from zoufang.errors import InvalidInput, NotFound, RuleViolation
from zoufang.models import Category
from zoufang.services.audit_log import record

if TYPE_CHECKING:
    from zoufang.db import LedgerSession


def list_categories(*, session: LedgerSession) -> list[Category]:
    return list(
        session.scalars(select(Category).order_by(col(Category.builtin).desc(), Category.code))
    )


def require_categories(
    *, session: LedgerSession, codes: list[str], field: str = "--category"
) -> list[str]:
    """Check that every code exists; return them de-duplicated in the order given."""
    if not codes:
        raise InvalidInput(field, "at least one category is required")
    wanted = list(dict.fromkeys(codes))
    known = set(session.scalars(select(Category.code).where(col(Category.code).in_(wanted))))
    for code in wanted:
        if code not in known:
            raise NotFound(field, f"unknown category {code!r} (see `zoufang category list`)")
    return wanted


def add_category(*, session: LedgerSession, code: str, label: str, cadence_days: int) -> Category:
    """A user-defined category with its default cadence."""
    if session.get(Category, code) is not None:
        raise RuleViolation("CODE", f"category {code!r} already exists")
    category = Category(code=code, label=label, cadence_days=cadence_days, builtin=False)
    session.add(category)
    record(session, action="add", object_type="category", object_key=code, after=category)
    return category
