"""Named errors raised by services and parsers; the CLI maps each to an exit code, once.

Every error carries the *field* it is about (a CLI option name such as ``--id-number`` or a
domain name such as ``household``, never translated) and a human reason, in the chosen
language. The root command prints
``error: <field>: <reason>`` on one line of stderr and exits with ``exit_code``.
"""

from __future__ import annotations

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


def no_household(code: str, field: str) -> NotFound:
    return NotFound(field, _("no household {code!r}").format(code=code))


def no_cadre(code: str, field: str) -> NotFound:
    return NotFound(field, _("no cadre {code!r} (see `zoufang cadre list`)").format(code=code))


class RuleViolation(ZoufangError):
    """The input is well formed but a rule of the ledger refuses it (exit 1)."""

    exit_code = 1


class StorageError(ZoufangError):
    """The ledger cannot be opened, is too new, is locked or cannot be written (exit 1)."""

    exit_code = 1
