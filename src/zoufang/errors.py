"""Named errors raised by services and parsers; the CLI maps each to an exit code, once.

Every error carries the *field* it is about (a CLI option name such as ``--id-number`` or a
domain name such as ``household``, never translated) and a human reason, in the chosen
language. The root command prints
``error: <field>: <reason>`` on one line of stderr and exits with ``exit_code``.
"""

from __future__ import annotations

import re
import unicodedata

from zoufang.i18n import _


class ZoufangError(Exception):
    """Base class: something the user must be told about, in one line."""

    exit_code = 1

    def __init__(self, field: str | None, reason: str) -> None:
        self.field = field
        self.reason = reason
        super().__init__(self.line())

    def line(self) -> str:
        """``<field>: <reason>``; a field that is a code of something (a fund rule's check,
        :class:`zoufang.labels.Code`) shows its word in the chosen language."""
        if not self.field:
            return self.reason
        label = getattr(self.field, "label", None)
        return f"{label() if callable(label) else self.field}: {self.reason}"


class InvalidInput(ZoufangError):
    """The input itself is malformed or out of range (exit 2)."""

    exit_code = 2


class NotFound(ZoufangError):
    """A referenced household, cadre, category, visit, commitment or fund does not exist."""

    exit_code = 1


def no_household(code: str, field: str) -> ZoufangError:
    """No household ``code``: not found (exit 1), or invalid input (exit 2) when ``code``
    cannot be a code at all (``A B``)."""
    return _not_a_code(code, field) or NotFound(
        field, _("no household {code!r}").format(code=shown(code))
    )


def no_cadre(code: str, field: str) -> ZoufangError:
    """No cadre ``code``: not found, or invalid input when ``code`` is neither a code nor
    a name (ASCII that is not a code: ``C 1``)."""
    return _not_a_code(code, field) or NotFound(
        field, _("no cadre {code!r} (see `zoufang cadre list`)").format(code=shown(code))
    )


def _not_a_code(text: str, field: str) -> InvalidInput | None:
    """The "not a code" error for ``text`` given where a code was expected, if it is ASCII
    (a name in Chinese is looked up as a name) and not a well-formed code."""
    folded = unicodedata.normalize("NFKC", text or "").strip()
    if not folded.isascii() or CODE_RE.match(folded):
        return None
    return not_a_code_error(text, field)


def not_a_code(text: str, field: str) -> InvalidInput | None:
    """:func:`_not_a_code` for the services' own lookups (categories, funds)."""
    return _not_a_code(text, field)


def not_a_code_error(text: str | None, field: str) -> InvalidInput:
    return InvalidInput(
        field,
        _("{text!r} is not a code (letters, digits, - _ . ; up to 40)").format(text=shown(text)),
    )


#: A code people type (fund, cadre, category, household): ASCII letters, digits, ``-_.``.
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")
#: How much of an offending value an error echoes.
ECHO_MAX = 80


class _Shown(str):
    """A value as an error message echoes it (``{text!r}``): its repr, cut to
    :data:`ECHO_MAX` characters of the value."""

    __slots__ = ()

    def __repr__(self) -> str:
        if len(self) <= ECHO_MAX:
            return str.__repr__(self)
        return str.__repr__(str(self[:ECHO_MAX])) + "…"


def shown(value: object) -> str:
    """``value`` for an error message's ``{text!r}``: never more than :data:`ECHO_MAX`
    characters of it, with escapes for what cannot be shown (line breaks, controls)."""
    return _Shown("" if value is None else str(value))


class RuleViolation(ZoufangError):
    """The input is well formed but a rule of the ledger refuses it (exit 1)."""

    exit_code = 1


class PermissionRefused(ZoufangError):
    """The login has no right to do this on a PostgreSQL ledger (exit 1): its role kind or
    its villages do not allow it (docs/security.md). The message names the missing right."""

    exit_code = 1


class StorageError(ZoufangError):
    """The ledger cannot be opened, is too new, is locked or cannot be written (exit 1)."""

    exit_code = 1
