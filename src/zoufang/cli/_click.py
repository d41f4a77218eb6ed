"""Click as Typer ships it (vendored as ``typer._click``; pyproject.toml bounds Typer to the
versions this is tested against).

zoufang needs four things from it (the current context and the exception classes its error
policy catches).
"""

from __future__ import annotations

from typer._click import exceptions
from typer._click.globals import get_current_context

ClickException = exceptions.ClickException
UsageError = exceptions.UsageError
NoArgsIsHelpError = exceptions.NoArgsIsHelpError

__all__ = ["ClickException", "NoArgsIsHelpError", "UsageError", "get_current_context"]
