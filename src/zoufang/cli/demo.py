"""`demo`: fill an empty ledger with made-up villages to try zoufang on."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from typing import Annotated

import typer

from zoufang import parsing
from zoufang.cli.common import session, settings, today
from zoufang.i18n import _


def demo(
    households: Annotated[
        str, typer.Option("--households", help="How many households to make up (1–1000000).")
    ] = "200",
    seed: Annotated[
        str, typer.Option("--seed", help="Random seed: the same seed gives the same ledger.")
    ] = "1",
    funds: Annotated[
        bool,
        typer.Option(
            "--funds",
            help="Also create festival and relief funds, paid at the "
            "demo's visits (allocations, payments, a few reversals).",
        ),
    ] = False,
) -> None:
    """Fill an EMPTY ledger with realistic, reproducible demo data: villages, households,
    cadres and a year of visits and commitments before --today."""
    from zoufang.services.demo import build_demo

    count = parsing.parse_count(households, field="--households", minimum=1, maximum=1_000_000)
    seed_value = parsing.parse_count(seed, field="--seed", minimum=0, maximum=2**63 - 1)
    with session(write=True, as_of_today=True) as s, _progress_bar(count) as progress:
        counts = build_demo(
            session=s, households=count, seed=seed_value, today=today(), progress=progress
        )
        if funds:
            from zoufang.services.demo_funds import add_demo_funds

            money = add_demo_funds(session=s, seed=seed_value, today=today())
    made = {key: f"{counts[key]:,}" for key in ("households", "cadres", "visits", "commitments")}
    if funds:
        line = _(
            "demo: {households} households, {cadres} cadres, {visits} visits, {commitments} "
            "commitments and {entries} ledger entries in {funds} funds written to {ledger}"
        ).format(
            **made, entries=f"{money['entries']:,}", funds=money["funds"], ledger=_ledger_name()
        )
    else:
        line = _(
            "demo: {households} households, {cadres} cadres, {visits} visits, {commitments} "
            "commitments written to {ledger}"
        ).format(**made, ledger=_ledger_name())
    print(line, file=sys.stderr)


def _ledger_name() -> str:
    """The SQLite file, or the database URL without its password."""
    ledger = settings().ledger()
    if ledger.path is not None:
        return str(ledger.path)
    from sqlalchemy.engine import make_url

    return make_url(ledger.url).render_as_string(hide_password=True)


@contextlib.contextmanager
def _progress_bar(total: int) -> Iterator[Callable[[int], None] | None]:
    """A Rich progress bar on stderr when it is a terminal; otherwise nothing at all."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(_("making up households"), total=total)
        yield lambda done: bar.update(task, completed=done)


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
