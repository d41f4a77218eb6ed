"""`fund create/allocate/disburse/reverse/list/show`: ring-fenced funds and their entries."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from zoufang import parsing
from zoufang.cli.common import (
    FormatOpt,
    FromOpt,
    ReasonOpt,
    any_date,
    line,
    line_opt,
    opt,
    past_date,
    session,
    today,
)
from zoufang.errors import InvalidInput
from zoufang.i18n import N_, _, pgettext
from zoufang.output import Money, render, render_sections

fund_app = typer.Typer(
    help="Ring-fenced funds (专款专用) and their append-only ledger.", no_args_is_help=True
)

FUND_COLUMNS = [
    ("code", "编号"),
    ("name", "名称"),
    ("categories", "适用类别"),
    ("cap", "每户上限"),
    ("from", "起"),
    ("to", "止"),
    ("status", "状态"),
    ("allocated", "拨入"),
    ("disbursed", "发放"),
    ("balance", "余额"),
]
ENTRY_COLUMNS = [
    ("id", "流水号"),
    ("date", "日期"),
    ("kind", "类型"),
    ("amount", "金额"),
    ("household", "户号"),
    ("cadre", "经办干部"),
    ("visit", "走访"),
    ("reverses", "冲销"),
    ("memo", "备注"),
    ("override", "越权理由"),
    ("balance", "余额"),
]


def money_fields(row: dict) -> dict:
    """``*_fen`` integers → Money under the contract's key (``amount_fen`` → ``amount``)."""
    out = {}
    for key, value in row.items():
        if key.endswith("_fen"):
            out[key[:-4]] = None if value is None else Money(value)
        else:
            out[key] = value
    return out


def entry_json(row: dict) -> dict:
    keys = (
        "id",
        "fund",
        "kind",
        "amount",
        "household",
        "date",
        "cadre",
        "visit",
        "memo",
        "reverses",
        "override",
        "hash",
    )
    return {k: row.get(k) for k in keys}


def _shown(fund: dict) -> dict:
    """A fund as its detail view shows it: its ``name`` is a fund's name, not a person's."""
    return {pgettext("fund", "name") if key == "name" else key: v for key, v in fund.items()}


def _amount(text: str) -> int:
    return parsing.parse_money(text, field="AMOUNT")


def fund_create(
    code: Annotated[str, typer.Argument(help="Fund code, e.g. CHUNJIE2027.")],
    name: Annotated[str, typer.Option("--name", help="Name, e.g. 2027年春节党费慰问金.")],
    category: Annotated[
        list[str], typer.Option("--category", help="Eligible category; repeat for several.")
    ],
    cap: Annotated[str | None, typer.Option("--cap", help="Per-household cap in yuan.")] = None,
    from_: Annotated[
        str | None, typer.Option("--from", help="First day payments are allowed.")
    ] = None,
    to: Annotated[str | None, typer.Option("--to", help="Last day payments are allowed.")] = None,
    source: Annotated[
        str | None, typer.Option(help="Where the money comes from (e.g. 市委组织部代管党费).")
    ] = None,
    requires_plan: Annotated[
        bool,
        typer.Option(
            "--requires-plan", help="Pay only the lines of an approved distribution plan."
        ),
    ] = False,
    fmt: FormatOpt = None,
) -> None:
    """Create a ring-fenced fund: who may receive it, how much each, and when."""
    from zoufang.services.funds import FundIn, create_fund, fund_categories, fund_row

    data = FundIn(
        code=parsing.parse_code(code, field="CODE"),
        name=line(name, "--name", "fund.name"),
        categories=[parsing.parse_reference(c, field="--category") for c in category],
        cap_fen=opt(cap, parsing.parse_money, "--cap"),
        valid_from=any_date(from_, "--from"),
        valid_to=any_date(to, "--to"),
        source=line_opt(source, "--source", "fund.source"),
        requires_plan=requires_plan,
    )
    with session(write=True) as s:
        fund = create_fund(session=s, data=data, today=today())
        stored = fund_categories(session=s, code=fund.code)  # as stored: no repeats
        row = money_fields(fund_row(fund, stored, 0, 0, today()))
    render_sections([(N_("fund"), _shown(row))], fmt, json_value=row)


def fund_update(
    code: Annotated[str, typer.Argument(help="Fund code.")],
    category: Annotated[
        list[str] | None,
        typer.Option("--category", help="Replace the eligible categories (repeat for several)."),
    ] = None,
    cap: Annotated[str | None, typer.Option("--cap", help="New per-household cap in yuan.")] = None,
    no_cap: Annotated[
        bool, typer.Option("--no-cap", help="No per-household cap from now on.")
    ] = False,
    valid_from: Annotated[
        str | None, typer.Option("--valid-from", help="New first day payments are allowed.")
    ] = None,
    to: Annotated[
        str | None, typer.Option("--to", help="New last day payments are allowed.")
    ] = None,
    from_: FromOpt = None,
    reason: ReasonOpt = None,
    fmt: FormatOpt = None,
) -> None:
    """Change a fund's rules from --from (default today): a new period of its rules; the
    payments before it are judged by the rules of their day."""
    from zoufang.services.funds import fund_categories, fund_row, fund_totals, update_fund

    changes: dict[str, Any] = {}
    if category is not None:
        changes["categories"] = [parsing.parse_reference(c, field="--category") for c in category]
    if cap is not None and no_cap:
        raise InvalidInput("--no-cap", _("give --cap or --no-cap, not both"))
    if cap is not None:
        changes["cap_fen"] = parsing.parse_money(cap, field="--cap")
    if no_cap:
        changes["cap_fen"] = None
    if valid_from is not None:
        changes["valid_from"] = any_date(valid_from, "--valid-from")
    if to is not None:
        changes["valid_to"] = any_date(to, "--to")
    on = opt(from_, parsing.parse_date, "--from")
    why = line_opt(reason, "--reason", "fact_change.reason")
    with session(write=True) as s:
        fund = update_fund(
            session=s,
            code=parsing.parse_code(code, field="FUND"),
            today=today(),
            effective_from=on,
            reason=why,
            **changes,
        )
        stored = fund_categories(session=s, code=fund.code)
        allocated, disbursed = fund_totals(session=s, code=fund.code)
        row = money_fields(fund_row(fund, stored, allocated, disbursed, today()))
    render_sections([(N_("fund"), _shown(row))], fmt, json_value=row)


def _entry_out(entry, fmt) -> None:
    from zoufang.services.fund_payment import entry_row

    row = money_fields(entry_row(entry))
    render([row], ENTRY_COLUMNS[:-1], fmt, json_value=entry_json(row))


def fund_allocate(
    code: Annotated[str, typer.Argument(help="Fund code.")],
    amount: Annotated[str, typer.Argument(help="Amount in yuan, e.g. 100,000.")],
    date: Annotated[str | None, typer.Option("--date", help="Date (default today).")] = None,
    memo: Annotated[
        str | None, typer.Option(help="Note, e.g. the allocation document number.")
    ] = None,
    fmt: FormatOpt = None,
) -> None:
    """Put money into a fund."""
    from zoufang.services.funds import allocate

    fen, on, note = (
        _amount(amount),
        past_date(date, "--date"),
        line_opt(memo, "--memo", "ledger_entry.memo"),
    )
    with session(write=True) as s:
        entry = allocate(session=s, code=code, amount_fen=fen, on=on, memo=note)
    _entry_out(entry, fmt)


def fund_disburse(
    code: Annotated[str, typer.Argument(help="Fund code.")],
    household: Annotated[str, typer.Argument(help="Household code.")],
    amount: Annotated[str, typer.Argument(help="Amount in yuan.")],
    by: Annotated[str, typer.Option("--by", help="Paying cadre code.")],
    date: Annotated[
        str | None, typer.Option("--date", help="Payment date (default today).")
    ] = None,
    visit: Annotated[
        str | None, typer.Option("--visit", help="The visit at which it was paid.")
    ] = None,
    memo: Annotated[str | None, typer.Option(help="Note.")] = None,
    override: Annotated[
        str | None,
        typer.Option(
            "--override",
            help="Pay despite a broken rule; the reason is recorded and every audit lists it.",
        ),
    ] = None,
    fmt: FormatOpt = None,
) -> None:
    """Pay a household from a fund, checked against every fund rule."""
    from zoufang.services.fund_payment import disburse  # Core: no ORM for a payment

    values: dict[str, Any] = dict(  # parsed before the ledger is opened
        fund=code,
        household=household,
        amount_fen=_amount(amount),
        cadres=[parsing.parse_reference(by, field="--by")],
        on=past_date(date, "--date"),
        visit_id=opt(visit, parsing.parse_count, "--visit", minimum=1, maximum=2**62),
        memo=line_opt(memo, "--memo", "ledger_entry.memo"),
        override=line_opt(override, "--override", "ledger_entry.override_reason"),
    )
    with session(write=True) as s:
        entry = disburse(session=s, **values)
    _entry_out(entry, fmt)


def fund_reverse(
    entry: Annotated[str, typer.Argument(help="The ledger entry (流水号) to undo.")],
    reason: Annotated[str, typer.Option("--reason", help="Why it is reversed.")],
    date: Annotated[str | None, typer.Option("--date", help="Date (default today).")] = None,
    fmt: FormatOpt = None,
) -> None:
    """Undo an entry by appending a reversal; entries are never edited or deleted."""
    from zoufang.services.funds import reverse

    seq = parsing.parse_count(entry, field="ENTRY", minimum=1, maximum=2**62)
    why, on = line(reason, "--reason", "ledger_entry.memo"), past_date(date, "--date")
    with session(write=True) as s:
        new = reverse(session=s, seq=seq, reason=why, on=on)
    _entry_out(new, fmt)


def fund_list(fmt: FormatOpt = None) -> None:
    """Funds with allocated, disbursed (net of reversals) and balance."""
    from zoufang.services.funds import list_funds

    with session(write=False) as s:
        rows = [money_fields(r) for r in list_funds(session=s, today=today())]
    render(rows, FUND_COLUMNS, fmt, empty=N_("no funds yet: create one with `zoufang fund create`"))


def fund_show(
    code: Annotated[str, typer.Argument(help="Fund code.")],
    fmt: FormatOpt = None,
) -> None:
    """A fund's entries with the running balance, and the chain head to write down."""
    from zoufang.services.funds import show_fund

    with session(write=False) as s:
        shown = show_fund(session=s, code=code, today=today())
    entries = [money_fields(e) for e in shown.pop("entries")]
    head = shown.pop("head")
    summary = money_fields(shown)
    render_sections(
        [
            (f"{summary['code']} {summary['name']}", _shown(summary)),
            (N_("ledger entries"), (entries, ENTRY_COLUMNS)),
            (
                N_("chain head"),
                {
                    "seq": head["seq"],
                    "hash": head["hash"],
                    "anchor": f"{head['seq']}:{head['hash']}",
                    "short": f"{head['seq']}:{head['hash'][:12]}",
                },
            ),
        ],
        fmt,
        json_value={
            **summary,
            "entries": [{**entry_json(e), "balance": e["balance"]} for e in entries],
            "head": head,
            "chain_head": head,
        },
    )


def register(app: typer.Typer) -> None:
    fund_app.command("create")(fund_create)
    fund_app.command("update")(fund_update)
    fund_app.command("allocate")(fund_allocate)
    fund_app.command("disburse")(fund_disburse)
    fund_app.command("reverse")(fund_reverse)
    fund_app.command("list")(fund_list)
    fund_app.command("show")(fund_show)
    from zoufang.cli import plans

    plans.register(fund_app)
    app.add_typer(fund_app, name="fund")
