"""`notice FUND`: the public notice (公示) of a fund's recipients, for the wall."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path
from typing import Annotated

import typer

from zoufang import parsing
from zoufang.cli.common import (
    LangOpt,
    RevealOpt,
    any_date,
    default_lang,
    log_reveal,
    parse_lang,
    refuse_existing,
    session,
    today,
)
from zoufang.errors import InvalidInput, ZoufangError
from zoufang.i18n import _
from zoufang.output import NoticeFormat, default_format, parse_choice
from zoufang.private_files import make_private_dir

#: What --split-by takes (the village, in either language).
SPLIT_WORDS = {"village": "village", "村": "village", "村社区": "village", "村（社区）": "village"}


def _notice_format(text: str | NoticeFormat | None) -> NoticeFormat | None:
    """``--format``: an unknown name is invalid input naming ``--format`` (exit 2)."""
    if text is None or isinstance(text, NoticeFormat):
        return text
    return parse_choice(text, NoticeFormat)


def notice(
    fund: Annotated[
        str,
        typer.Argument(help="Fund code, or a distribution plan FUND/N.", metavar="FUND|PLAN"),
    ],
    fmt: Annotated[
        NoticeFormat | None,
        typer.Option(
            "--format",
            "-f",
            help="markdown, csv, xlsx, html (printable A4 pages), pdf (printed from the html "
            "by a headless browser), table, plain or json.",
            parser=_notice_format,
            metavar="<" + "|".join(NoticeFormat) + ">",
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Write to this new file (required for xlsx and pdf); with --split-by, "
            "the directory of the files.",
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite the --out file(s) if they exist.")
    ] = False,
    village: Annotated[
        str | None, typer.Option("--village", help="Only this village's (community's) notice.")
    ] = None,
    split_by: Annotated[
        str | None,
        typer.Option(
            "--split-by",
            help="village: one notice per village, one file each in the --out directory.",
            metavar="village",
        ),
    ] = None,
    after: Annotated[
        bool, typer.Option("--after", help="What was paid (发放公示; the default).")
    ] = False,
    before: Annotated[
        bool,
        typer.Option("--before", help="A plan's list before payment (拟发放公示)."),
    ] = False,
    contact: Annotated[
        str | None, typer.Option(help="Who to contact with objections, e.g. 镇纪委 0531-12345678.")
    ] = None,
    issuer: Annotated[
        str | None,
        typer.Option(
            "--issuer", help="The organisation that signs the notice (落款), e.g. 某某镇人民政府."
        ),
    ] = None,
    date: Annotated[
        str | None,
        typer.Option(
            "--date", help="The notice's date: the first day of the notice period (default today)."
        ),
    ] = None,
    days: Annotated[
        str | None,
        typer.Option(help="Notice period in days (1–90; default 7, or 5 with --before)."),
    ] = None,
    hide_amounts: Annotated[
        bool,
        typer.Option("--hide-amounts", help="No amount per household (the totals stay)."),
    ] = False,
    lang: LangOpt = None,
    reveal: RevealOpt = False,
) -> None:
    """The public notice (公示) of who received a fund: village, masked name and ID, amount;
    the notice period, where to object and the signature, ready to print and pin up."""
    from zoufang import i18n
    from zoufang.output.notice import SUFFIXES, write_notice
    from zoufang.services.money_chain import chain_head
    from zoufang.services.notice import AFTER, BEFORE, Settings, fund_notices, plan_notices

    language = parse_lang(lang) or default_lang()
    if after and before:
        raise InvalidInput("--before", _("give --after or --before, not both"))
    kind = BEFORE if before else AFTER
    plan = parsing.parse_plan_code(fund, field="PLAN") if "/" in fund or "／" in fund else None
    if kind == BEFORE and plan is None:
        raise InvalidInput(
            "--before",
            _("a fund's notice lists what was paid; --before posts a plan's list"),
        )
    period = (
        None if days is None else parsing.parse_count(days, field="--days", minimum=1, maximum=90)
    )
    split = _split(split_by)
    if split and village is not None:
        raise InvalidInput("--split-by", _("give --village or --split-by, not both"))
    chosen = fmt or NoticeFormat(default_format().value)
    settings = Settings(
        date=any_date(date, "--date") or today(),
        kind=kind,
        days=period,
        # printed on the notice: one line each, as long as a fund's name
        contact=None
        if contact is None
        else parsing.parse_line(contact, field="--contact", max_len=200),
        issuer=None
        if issuer is None
        else parsing.parse_line(issuer, field="--issuer", max_len=200),
        hide_amounts=hide_amounts,
        reveal=reveal,
    )
    _check_out(out, chosen, split=split, force=force)
    browser = _browser() if chosen is NoticeFormat.pdf else None
    with i18n.speaking(language):
        with session(write=reveal) as s:
            # the ledger's head as this notice saw it: pinned on a wall, a witness nobody can
            # recall (docs/guarantees.md)
            settings = dataclasses.replace(settings, chain_head=chain_head(s).as_dict())
            make = fund_notices if plan is None else plan_notices
            notices = make(
                session=s, code=plan or fund, settings=settings, village=village, split=split
            )
            if reveal:
                log_reveal(s, f"notice {fund}")
        if split:
            assert out is not None
            targets = [out / _file_name(n, SUFFIXES[chosen.value]) for n in notices]
            if not force:
                for target in targets:
                    _refuse_existing(target)
            if notices:
                make_private_dir(out)  # 0700 if made here; its files are 0600
        else:
            targets = [out]  # type: ignore[list-item]
        written = [
            (target, write_notice(n, chosen, out=target, browser=browser))
            for n, target in zip(notices, targets, strict=True)
        ]
    for target, households in written:
        if target is not None:
            print(
                _("notice for {fund} written to {out} ({households} households)").format(
                    fund=fund, out=target, households=households
                ),
                file=sys.stderr,
            )
    if split and not notices:
        print(_("nobody is on the notice: no file written"), file=sys.stderr)


def _split(text: str | None) -> bool:
    if text is None:
        return False
    if SPLIT_WORDS.get(text.strip().lower()) != "village":
        raise InvalidInput("--split-by", _("{value!r} is not village").format(value=text))
    return True


def _check_out(out: Path | None, chosen: NoticeFormat, *, split: bool, force: bool) -> None:
    """Where the notice goes, judged before anything is read or written."""
    if split:
        if out is None:
            raise InvalidInput("--out", _("--split-by writes one file per village: give --out DIR"))
        if out.exists() and not out.is_dir():
            raise InvalidInput("--out", _("{out} is not a directory").format(out=out))
        if not out.parent.is_dir():
            raise InvalidInput("--out", _("{dir} does not exist").format(dir=out.parent))
        return
    if chosen in (NoticeFormat.xlsx, NoticeFormat.pdf) and out is None:
        if chosen is NoticeFormat.xlsx:
            raise InvalidInput("--out", _("an xlsx notice needs --out FILE.xlsx"))
        raise InvalidInput("--out", _("a pdf notice needs --out FILE.pdf"))
    if out is not None:
        if out.is_dir():
            raise InvalidInput("--out", _("{out} is a directory").format(out=out))
        if not force:
            _refuse_existing(out)


def _refuse_existing(path: Path) -> None:
    refuse_existing(path, force=False)


def _file_name(notice: dict, suffix: str) -> str:
    """``<fund or plan>-<village><suffix>``, without characters a file name cannot hold."""
    stem = f"{notice['plan'] or notice['fund']}-{notice['village']}"
    return "".join("_" if c in '/\\:*?"<>|' or ord(c) < 32 else c for c in stem) + suffix


def _browser() -> str:
    from zoufang.output.pdf import find_browser

    found = find_browser()
    if found is None:
        raise ZoufangError(
            "--format",
            _(
                "a pdf is printed by a headless browser and none was found: install chromium "
                "(bash scripts/browser.sh), set ZOUFANG_BROWSER, or write --format html and "
                "print it"
            ),
        )
    return found


def register(app: typer.Typer) -> None:
    app.command("notice")(notice)
