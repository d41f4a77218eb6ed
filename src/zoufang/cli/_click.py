"""Click as Typer ships it: vendored inside Typer from 0.2x on, the separate package before.

zoufang needs four things from it (the current context and the exception classes its error
policy catches); this module finds them in either place.
"""

from __future__ import annotations

try:  # Typer ≥ 0.2x vendors Click as typer._click
    from typer._click import exceptions
    from typer._click.globals import get_current_context
except ImportError:  # pragma: no cover - older Typer with the click package
    from click import exceptions  # type: ignore[no-redef]
    from click.globals import get_current_context  # type: ignore[no-redef]

ClickException = exceptions.ClickException
UsageError = exceptions.UsageError
NoArgsIsHelpError = exceptions.NoArgsIsHelpError

__all__ = ["ClickException", "NoArgsIsHelpError", "UsageError", "get_current_context"]
