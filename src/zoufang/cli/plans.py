"""`fund plan …`: distribution plans (慰问名单) — draft, check, approve, object, pay."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from zoufang import labels, parsing
from zoufang.cli.common import FormatOpt, any_date, past_date, session, today
from zoufang.cli.funds import money_fields
from zoufang.errors import InvalidInput
from zoufang.i18n import N_, _, pgettext
from zoufang.output import render, render_sections

plan_app = typer.Typer(
    help="Distribution plans (慰问名单): who receives how much, approved before paying.",
    no_args_is_help=True,
)

PlanArg = Annotated[str, typer.Argument(help="Plan code FUND/N, e.g. CJ2026/1.", metavar="PLAN")]
HouseholdArg = Annotated[str, typer.Argument(help="Household code.", metavar="HOUSEHOLD")]

LINE_COLUMNS = [
    ("household", "户号"),
    ("name", "户主"),
    ("village", "村/社区"),
    ("amount", "金额"),
    ("status", "状态"),
    ("entries", "流水号"),
    ("checks", "检查项"),
    ("override", "越权理由"),
    ("objections", "异议"),
]
PROBLEM_COLUMNS = [("check", "检查项"), ("household", "户号"), ("detail", "说明")]
PLAN_COLUMNS = [
    ("code", "编号"),
    ("name", "名称"),
    ("status", "状态"),
    ("planned_on", "计划日期"),
    ("households", "户数"),
    ("total", "金额"),
    ("drafted_by", "拟定人"),
    ("approved_by", "审定人"),
]
#: The fields of a plan's detail view, marked so that the catalog has their words.
PLAN_FIELD_WORDS = (
    *(N_("fund"), N_("fund_name"), N_("planned_on"), N_("drafted_by"), N_("drafted_at")),
    *(N_("approved_by"), N_("approved_at"), N_("minutes"), N_("from_plan")),
    *(N_("superseded_by"), N_("total"), N_("paid"), N_("unpaid")),
)


def _plan(text: str, field: str = "PLAN") -> str:
    return parsing.parse_plan_code(text, field=field)


def _household(text: str) -> str:
    return parsing.parse_code(text, field="HOUSEHOLD")


def _note(text: str, field: str) -> str:
    return parsing.parse_line(text, field=field, max_len=500)


def _show(code: str, fmt) -> None:
    from zoufang.services.plans import show_plan

    with session(write=False) as s:
        shown = show_plan(session=s, code=code, today=today())
    _print_plan(shown, fmt)


def _print_plan(shown: dict, fmt) -> None:
    lines = [money_fields(r) for r in shown.pop("lines")]
    problems = shown.pop("problems")
    summary = money_fields(shown)
    # a plan's ``name`` is a list's name, not a person's; its ``households`` are on the list
    words = {"name": pgettext("fund", "name"), "households": pgettext("plan", "households")}
    shown_summary = {words.get(k, k): v for k, v in summary.items()}
    render_sections(
        [
            (f"{summary['code']} {summary['name']}", shown_summary),
            (N_("plan lines"), (lines, LINE_COLUMNS)),
            (N_("before approval or payment"), (problems, PROBLEM_COLUMNS)),
        ],
        fmt,
        json_value={**summary, "lines": lines, "problems": problems},
    )


def plan_create(
    fund: Annotated[str, typer.Argument(help="Fund code.", metavar="FUND")],
    name: Annotated[
        str, typer.Option("--name", help="Name, e.g. 2027年春节慰问名单.", metavar="TEXT")
    ],
    village: Annotated[
        list[str] | None, typer.Option("--village", help="Only this village; repeatable.")
    ] = None,
    category: Annotated[
        list[str] | None,
        typer.Option("--category", help="Only this category (default: the fund's); repeatable."),
    ] = None,
    amount: Annotated[
        str | None, typer.Option("--amount", help="Amount per household in yuan.", metavar="YUAN")
    ] = None,
    amounts: Annotated[
        Path | None,
        typer.Option(
            "--amounts",
            help="A .csv or .xlsx of household codes (户号) and amounts (金额).",
            metavar="FILE",
        ),
    ] = None,
    date: Annotated[
        str | None,
        typer.Option("--date", help="Planned payment date: the rules are judged as of it."),
    ] = None,
    from_plan: Annotated[
        str | None,
        typer.Option(
            "--from-plan",
            help="Draft a new version of this plan (its unpaid lines).",
            metavar="PLAN",
        ),
    ] = None,
    fmt: FormatOpt = None,
) -> None:
    """Draft a plan: the fund's eligible active households at one amount, or a file's."""
    from zoufang.services.plan_file import read_amounts
    from zoufang.services.plans import PlanIn, create_plan, show_plan

    chosen = [o for o, v in (("--amount", amount), ("--amounts", amounts)) if v is not None]
    if len(chosen) > 1:
        raise InvalidInput("--amounts", _("give --amount or --amounts, not both"))
    if from_plan is not None and (chosen or village or category):
        raise InvalidInput(
            "--from-plan", _("a new version takes its lines from the plan: no other selection")
        )
    if amounts is not None and (village or category):
        raise InvalidInput(
            "--amounts", _("the file names the households: --village and --category do not apply")
        )
    data = PlanIn(
        fund=parsing.parse_code(fund, field="FUND"),
        name=parsing.parse_line(name, field="--name", max_len=200),
        villages=[parsing.parse_line(v, field="--village", max_len=100) for v in village or []],
        categories=[parsing.parse_reference(c, field="--category") for c in category or []],
        amount_fen=None if amount is None else parsing.parse_money(amount, field="--amount"),
        amounts=None if amounts is None else read_amounts(amounts),
        planned_on=any_date(date, "--date"),
        from_plan=None if from_plan is None else _plan(from_plan, "--from-plan"),
    )
    with session(write=True) as s:
        plan = create_plan(session=s, data=data)
        shown = show_plan(session=s, code=plan.code, today=today())
    _print_plan(shown, fmt)


def plan_add(
    plan: PlanArg,
    household: HouseholdArg,
    amount: Annotated[
        str | None,
        typer.Argument(help="Amount in yuan (default: the plan's first line's).", metavar="YUAN"),
    ] = None,
    fmt: FormatOpt = None,
) -> None:
    """Put a household on a draft plan."""
    from zoufang.services.plans import add_line

    code, h = _plan(plan), _household(household)
    fen = None if amount is None else parsing.parse_money(amount, field="AMOUNT")
    with session(write=True) as s:
        add_line(session=s, code=code, household=h, amount_fen=fen)
    _show(code, fmt)


def plan_remove(plan: PlanArg, household: HouseholdArg, fmt: FormatOpt = None) -> None:
    """Take a household off a draft plan."""
    from zoufang.services.plans import remove_line

    code, h = _plan(plan), _household(household)
    with session(write=True) as s:
        remove_line(session=s, code=code, household=h)
    _show(code, fmt)


def plan_show(plan: PlanArg, fmt: FormatOpt = None) -> None:
    """A plan's lines with each line's rule check, paid/unpaid, and the total against the
    fund's balance."""
    _show(_plan(plan), fmt)


def plan_list(
    fund: Annotated[str, typer.Argument(help="Fund code.", metavar="FUND")],
    fmt: FormatOpt = None,
) -> None:
    """A fund's plans with their status and totals."""
    from zoufang.services.plans import list_plans

    code = parsing.parse_code(fund, field="FUND")
    with session(write=False) as s:
        rows = [money_fields(r) for r in list_plans(session=s, fund=code)]
    render(
        rows, PLAN_COLUMNS, fmt, empty=N_("no plans yet: draft one with `zoufang fund plan create`")
    )


def plan_approve(
    plan: PlanArg,
    minutes: Annotated[
        str, typer.Option("--minutes", help="The approval's record, e.g. 党委会纪要〔2027〕3号.")
    ],
    fmt: FormatOpt = None,
) -> None:
    """Approve a draft (by an operator other than its drafter: zoufang --as NAME …)."""
    from zoufang.services.plans import approve_plan

    code, text = _plan(plan), _note(minutes, "--minutes")
    with session(write=True) as s:
        approve_plan(session=s, code=code, minutes=text, today=today())
    _show(code, fmt)


def plan_override(
    plan: PlanArg,
    household: HouseholdArg,
    reason: Annotated[str, typer.Option("--reason", help="Why this line may break the rule.")],
    fmt: FormatOpt = None,
) -> None:
    """Let a draft's rule-breaking line be approved and paid anyway, with a reason (never
    the fund's balance)."""
    from zoufang.services.plans import override_line

    code, h, why = _plan(plan), _household(household), _note(reason, "--reason")
    with session(write=True) as s:
        override_line(session=s, code=code, household=h, reason=why, today=today())
    _show(code, fmt)


def plan_object(
    plan: PlanArg,
    household: HouseholdArg,
    note: Annotated[str, typer.Option("--note", help="The objection as received, and from whom.")],
    fmt: FormatOpt = None,
) -> None:
    """Record an objection to a line: it cannot be paid until the objection is resolved."""
    from zoufang.services.plans import object_to_line

    code, h, text = _plan(plan), _household(household), _note(note, "--note")
    with session(write=True) as s:
        object_to_line(session=s, code=code, household=h, note=text)
    _show(code, fmt)


def plan_resolve(
    plan: PlanArg,
    household: HouseholdArg,
    decision: Annotated[
        str, typer.Option("--decision", help="keep (保留) or remove (移出).", metavar="keep|remove")
    ],
    note: Annotated[str, typer.Option("--note", help="What was found and decided.")],
    fmt: FormatOpt = None,
) -> None:
    """Decide the open objection to a line: keep the line or remove it."""
    from zoufang.services.plans import DECISIONS, resolve_objection

    code, h = _plan(plan), _household(household)
    chosen = parsing.parse_choice(
        decision, kind=labels.PLAN_DECISION, codes=DECISIONS, field="--decision"
    )
    text = _note(note, "--note")
    with session(write=True) as s:
        resolve_objection(session=s, code=code, household=h, decision=chosen, note=text)
    _show(code, fmt)


def plan_pay(
    plan: PlanArg,
    by: Annotated[str, typer.Option("--by", help="Paying cadre code.", metavar="CADRE")],
    date: Annotated[
        str | None, typer.Option("--date", help="Payment date (default today).")
    ] = None,
    village: Annotated[str | None, typer.Option("--village", help="Only this village.")] = None,
    fmt: FormatOpt = None,
) -> None:
    """Pay a plan's unpaid lines at a distribution meeting, in one transaction: if any line
    breaks a rule, nothing is paid and every problem is listed."""
    from zoufang.output import Money
    from zoufang.services.plan_payments import pay_plan

    code = _plan(plan)
    cadre = parsing.parse_reference(by, field="--by")
    on = past_date(date, "--date")
    place = None if village is None else parsing.parse_line(village, field="--village", max_len=100)
    with session(write=True) as s:
        done = pay_plan(session=s, code=code, cadres=[cadre], on=on, village=place)
    rows = [
        {"household": r["household"], "amount": Money(r["amount_fen"]), "entry": r["entry"]}
        for r in done.entries
    ]
    render(
        rows,
        [("household", "户号"), ("amount", "金额"), ("entry", "流水号")],
        fmt,
        json_value={"plan": done.plan, "paid": rows, "skipped": done.skipped},
    )


def register(fund_app: typer.Typer) -> None:
    plan_app.command("create")(plan_create)
    plan_app.command("add")(plan_add)
    plan_app.command("remove")(plan_remove)
    plan_app.command("show")(plan_show)
    plan_app.command("list")(plan_list)
    plan_app.command("approve")(plan_approve)
    plan_app.command("override")(plan_override)
    plan_app.command("object")(plan_object)
    plan_app.command("resolve-objection")(plan_resolve)
    plan_app.command("pay")(plan_pay)
    fund_app.add_typer(plan_app, name="plan")
