"""Subcommands that become Click commands only when they are used.

Before it parses a command line, Typer turns every registered command into a Click command:
it reads each function's signature and evaluates its annotations (strings, under
``from __future__ import annotations``). With forty-odd commands that was most of the time
``zoufang --help`` took, and every other command paid it too.

The root app is a :class:`LazyTyper`: commands and groups registered on it are kept as
Typer's own definitions (``CommandInfo`` / ``TyperInfo``). Its Click group
(:class:`LazyGroup`) holds them in a :class:`LazyCommands` mapping that converts one the
first time it is looked up — so ``zoufang due`` builds ``due`` only, and ``zoufang --help``
lists every command from its docstring without building any. Code that walks the tree
(``scripts/gen_cli_docs.py``, the tests) reads ``group.commands`` as before and gets the
same commands.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator, Mapping, MutableMapping
from pathlib import Path, PurePath
from typing import Any

import typer
import typer.main
from typer.core import TyperCommand, TyperGroup
from typer.models import CommandInfo, TyperInfo

from zoufang.cli.help_text import Context, translate
from zoufang.i18n import _


class LazyTyper(typer.Typer):
    """A Typer app whose commands and groups are converted to Click only when used."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.deferred: dict[str, CommandInfo | TyperInfo] = {}

    def command(self, name: str | None = None, **kwargs: Any):
        decorate = super().command(name, **kwargs)

        def register(f):
            decorate(f)
            self._defer(self.registered_commands.pop())
            return f

        return register

    def add_typer(self, typer_instance: typer.Typer, **kwargs: Any) -> None:
        super().add_typer(typer_instance, **kwargs)
        self._defer(self.registered_groups.pop())

    def _defer(self, info: CommandInfo | TyperInfo) -> None:
        name: str | None
        if isinstance(info, CommandInfo):
            assert info.callback is not None  # registered through the decorator
            name = info.name or typer.main.get_command_name(info.callback.__name__)
        else:
            name = typer.main.solve_typer_info_defaults(info).name
        if not name:
            raise ValueError("a command group added to the root app needs a name")
        self.deferred[name] = info

    def build(self, name: str):
        """The Click command for one deferred command or group."""
        info = self.deferred[name]
        if isinstance(info, CommandInfo):
            command = typer.main.get_command_from_info(
                info,
                pretty_exceptions_short=self.pretty_exceptions_short,
                rich_markup_mode=self.rich_markup_mode,
            )
        else:
            command = typer.main.get_group_from_info(
                info,
                pretty_exceptions_short=self.pretty_exceptions_short,
                rich_markup_mode=self.rich_markup_mode,
                suggest_commands=self.suggest_commands,
            )
        for cmd in _with_subcommands(command):  # a group's groups too (`fund plan …`)
            _plain_text_parameters(cmd)
            speak_the_chosen_language(cmd)
        return command

    def summary(self, name: str) -> TyperCommand:
        """A stand-in carrying only what a help listing shows (help, short help, flags)."""
        info = self.deferred[name]
        if isinstance(info, CommandInfo):
            help_text = (
                inspect.cleandoc(info.help)
                if info.help is not None
                else inspect.getdoc(info.callback)
            )
            short_help, hidden, deprecated = info.short_help, info.hidden, info.deprecated
        else:
            solved = typer.main.solve_typer_info_defaults(info)
            help_text, short_help = solved.help, solved.short_help
            hidden, deprecated = solved.hidden, solved.deprecated
        stand_in = TyperCommand(
            name=name, help=help_text, short_help=short_help, hidden=hidden, deprecated=deprecated
        )
        translate(stand_in)
        return stand_in


def _with_subcommands(command) -> Iterator[Any]:
    """``command`` and every command under it, at any depth."""
    yield command
    for sub in getattr(command, "commands", {}).values():
        yield from _with_subcommands(sub)


class LazyCommands(MutableMapping):
    """A group's subcommands by name: deferred ones are built on first lookup, then kept."""

    def __init__(self, app: LazyTyper, built: Mapping[str, Any]) -> None:
        self.app = app
        self.built: dict[str, Any] = dict(built)
        self.removed: set[str] = set()

    def __getitem__(self, name: str):
        if name in self.removed:
            raise KeyError(name)
        if name not in self.built:
            if name not in self.app.deferred:
                raise KeyError(name)
            self.built[name] = self.app.build(name)
        return self.built[name]

    def __setitem__(self, name: str, command) -> None:
        self.removed.discard(name)
        self.built[name] = command

    def __delitem__(self, name: str) -> None:
        if name not in self:
            raise KeyError(name)
        self.built.pop(name, None)
        self.removed.add(name)

    def __contains__(self, name: object) -> bool:
        return name not in self.removed and (name in self.built or name in self.app.deferred)

    def __iter__(self) -> Iterator[str]:
        # Typer's order: the commands in the order registered, then the groups.
        deferred = self.app.deferred
        names = dict.fromkeys(
            [
                *(n for n, info in deferred.items() if isinstance(info, CommandInfo)),
                *(n for n, info in deferred.items() if not isinstance(info, CommandInfo)),
                *self.built,
            ]
        )
        return (name for name in names if name not in self.removed)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def summary(self, name: str):
        """The built command if there is one, else the help-only stand-in."""
        return self.built[name] if name in self.built else self.app.summary(name)


class LazyGroup(TyperGroup):
    """A Typer group whose subcommands come from :attr:`lazy_app`, built when used."""

    #: Set on the subclass used as the root app's ``cls``.
    lazy_app: LazyTyper | None = None

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if self.lazy_app is not None:
            self.commands = LazyCommands(self.lazy_app, self.commands)
            _plain_text_parameters(self)

    def every_built_command(self) -> Iterator[Any]:
        """This group and every command built under it so far (not the deferred ones)."""
        stack: list[Any] = [self]
        while stack:
            command = stack.pop()
            yield command
            commands = getattr(command, "commands", None) or {}
            built = commands.built if isinstance(commands, LazyCommands) else commands
            stack.extend(built.values())

    def list_commands(self, ctx) -> list[str]:
        return list(self.commands)  # names only: TyperGroup's would build every command

    def format_commands(self, ctx, formatter) -> None:
        """TyperGroup's listing, from help texts rather than built commands."""
        commands = self.commands
        if not isinstance(commands, LazyCommands):
            return super().format_commands(ctx, formatter)
        rows = [(name, commands.summary(name)) for name in self.list_commands(ctx)]
        rows = [(name, cmd) for name, cmd in rows if not cmd.hidden]
        if not rows:
            return
        limit = formatter.width - 6 - max(len(name) for name, _cmd in rows)
        with formatter.section(_("Commands")):
            formatter.write_dl([(name, cmd.get_short_help_str(limit)) for name, cmd in rows])


def speak_the_chosen_language(command) -> None:
    """Help, metavars and Click's own words in the chosen language (:mod:`.help_text`)."""
    translate(command)
    command.context_class = Context


def _plain_text_parameters(command) -> None:
    """Spare Typer its pydantic validator for a command's options that are text as typed.

    Typer (0.2x) checks every parameter's value with a pydantic TypeAdapter built on first
    use: importing pydantic and building a dozen adapters is start-up time lost for a
    command that never needs pydantic (`due`, `audit funds`). A ``str`` or ``list[str]``
    option is handed over as the text given, a flag as the bool Click made of it, and an
    option with a ``parser=`` as what the parser returns — exactly what those adapters do.
    Any other value, and any other type, keeps Typer's own coercion; if Typer's internals
    change, this does nothing.
    """
    try:
        from typer._coercion import RuntimeParam, build_runtime_param
    except ImportError:  # pragma: no cover - another Typer
        return

    class PlainText(RuntimeParam):
        def _coerce_value(self, value, param, ctx):
            parser = self.parameter_info.parser
            if parser is not None:
                if isinstance(value, list | tuple):
                    return [parser(v) for v in value]
                return parser(value)
            if self.annotation is bool and isinstance(value, bool):
                return value
            if isinstance(value, str) and self.annotation is str:
                return value
            if isinstance(value, str | PurePath) and self.annotation is Path:
                return Path(value)
            if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
                return list(value)
            # anything unexpected (a flag's value from an environment variable …): Typer's own
            return build_runtime_param(param.type_descriptor)._coerce_value(value, param, ctx)

    def install(param) -> None:
        descriptor = getattr(param, "type_descriptor", None)
        if descriptor is None or getattr(param, "_runtime_param", True) is not None:
            return
        annotation, info = descriptor.annotation, descriptor.parameter_info
        plain = annotation in (str, bool, Path) or annotation == list[str]
        if descriptor.file_annotation is None and (plain or info.parser is not None):
            param._runtime_param = PlainText(parameter_info=info, annotation=annotation)

    for param in command.params:
        install(param)
    make_help_option = command.get_help_option  # --help is made when a command line is parsed

    def get_help_option(ctx):
        option = make_help_option(ctx)
        if option is not None:
            install(option)
            if option.help:
                option.help = _(option.help)
        return option

    command.get_help_option = get_help_option
