"""`enroll`, `household list/show/update/exit`, `member add`, `category list/add`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from zoufang import labels, parsing
from zoufang.cli.common import (
    FormatOpt,
    RevealOpt,
    line,
    line_opt,
    log_reveal,
    name_opt,
    opt,
    require,
    session,
    today,
)
from zoufang.errors import InvalidInput
from zoufang.i18n import N_, _, pgettext
from zoufang.output import Money, render, render_sections

household_app = typer.Typer(help="Browse and maintain enrolled households.", no_args_is_help=True)
member_app = typer.Typer(help="People in a household.", no_args_is_help=True)
category_app = typer.Typer(
    help="Why households are supported, and their visit cadence.", no_args_is_help=True
)

HOUSEHOLD_COLUMNS = [
    ("code", "户号"),
    ("name", "户主"),
    ("id_number", "身份证号"),
    ("village", "村/社区"),
    ("categories", "类别"),
    ("cadres", "联系干部"),
    ("status", "状态"),
    ("last_visit", "上次走访"),
    ("due_date", "应访日期"),
]


def _option_label(key: str) -> str:
    return {"categories": "--category", "cadres": "--cadre", "income": "--income"}.get(
        key, "--" + key.replace("_", "-")
    )


def public_household(row: dict, *, reveal: bool) -> dict:
    """The household as printed: ID number masked unless revealed, income as Money."""
    out = dict(row)
    if not reveal:
        out["id_number"] = parsing.mask_id_number(row["id_number"])
    income = out.pop("income_fen", None)
    out["income"] = None if income is None else Money(income)
    return out


def _values(value: str | list[str] | None) -> list[str | None]:
    return list(value) if isinstance(value, list) else [value]


def enroll(
    name: Annotated[str | None, typer.Option("--name", help="Head of household's name.")] = None,
    id_number: Annotated[
        str | None, typer.Option("--id-number", help="Head's 18-digit resident ID number.")
    ] = None,
    village: Annotated[str | None, typer.Option("--village", help="Village or community.")] = None,
    category: Annotated[
        list[str] | None,
        typer.Option("--category", help="Category code; repeat for several (see `category list`)."),
    ] = None,
    phone: Annotated[str | None, typer.Option(help="Mobile or landline.")] = None,
    address: Annotated[str | None, typer.Option(help="Address.")] = None,
    grid: Annotated[str | None, typer.Option(help="Grid (网格) within the village.")] = None,
    members: Annotated[str | None, typer.Option(help="Number of people in the household.")] = None,
    income: Annotated[str | None, typer.Option(help="Annual household income in yuan.")] = None,
    housing: Annotated[str | None, typer.Option(help="Housing situation.")] = None,
    health: Annotated[str | None, typer.Option(help="Health situation.")] = None,
    employment: Annotated[str | None, typer.Option(help="Employment situation.")] = None,
    hardship: Annotated[str | None, typer.Option(help="Cause of hardship (致困原因).")] = None,
    cadre: Annotated[
        list[str] | None, typer.Option("--cadre", help="Assign a cadre (code); repeatable.")
    ] = None,
    cadence: Annotated[
        str | None,
        typer.Option(help="Return-visit cadence in days (default: shortest of its categories)."),
    ] = None,
    code: Annotated[
        str | None, typer.Option("--code", help="Household code (default: next H000001…).")
    ] = None,
    from_: Annotated[
        Path | None,
        typer.Option(
            "--from",
            help="Enrol every household in a roster (.csv or .xlsx, English or Chinese headers), all or nothing; see docs/rosters.md.",
        ),
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help="With --from: check the roster and report every bad row, enrol nothing.",
        ),
    ] = False,
    create_cadres: Annotated[
        bool,
        typer.Option(
            "--create-cadres",
            help="With --from: a cadre name the ledger does not know becomes a new cadre "
            "(otherwise that row is an error).",
        ),
    ] = False,
    fmt: FormatOpt = None,
) -> None:
    """Enrol one household (on a terminal, asks for missing required fields), or a whole
    roster with --from FILE."""
    from zoufang.services.households import describe_household, household_in_from_text
    from zoufang.services.households import enroll as enroll_household

    given = {
        "--name": name,
        "--id-number": id_number,
        "--village": village,
        "--category": category,
        "--phone": phone,
        "--address": address,
        "--grid": grid,
        "--members": members,
        "--income": income,
        "--housing": housing,
        "--health": health,
        "--employment": employment,
        "--hardship": hardship,
        "--cadre": cadre,
        "--cadence": cadence,
        "--code": code,
    }
    if from_ is not None or dry_run or create_cadres:
        from zoufang.cli.rosters import enroll_from

        enroll_from(
            from_,
            dry_run=dry_run,
            create_cadres=create_cadres,
            fmt=fmt,
            single=[k for k, v in given.items() if v not in (None, [])],
        )
        return
    for option, value in given.items():  # as `household update`: an option given is not blank
        if any(v is not None and not str(v).strip() for v in _values(value)):
            raise InvalidInput(option, _("must not be empty"))
    required = require(
        # category as [] (not None) when missing, so that a prompted answer is split on commas
        {"name": name, "id_number": id_number, "village": village, "category": category or []},
        prompts={
            "name": N_("户主姓名 Head's name"),
            "id_number": N_("身份证号 ID number"),
            "village": N_("村/社区 Village"),
            "category": N_("类别 Categories (comma-separated)"),
        },
    )
    required["categories"] = required.pop("category")
    data = household_in_from_text(
        {
            **required,
            "phone": phone,
            "address": address,
            "grid": grid,
            "members": members,
            "income": income,
            "housing": housing,
            "health": health,
            "employment": employment,
            "hardship": hardship,
            "cadres": cadre,
            "cadence": cadence,
            "code": code,
        },
        label=_option_label,
        today=today(),
    )
    with session(write=True) as s:
        household = enroll_household(session=s, data=data, today=today())
        # Read back as `household show/list` print it: categories de-duplicated, in order.
        row = describe_household(session=s, code=household.code)
    render_sections(
        [(pgettext("section", "household"), public_household(row, reveal=False))],
        fmt,
        json_value=public_household(row, reveal=False),
    )


def household_list(
    village: Annotated[str | None, typer.Option(help="Only this village.")] = None,
    category: Annotated[str | None, typer.Option(help="Only this category.")] = None,
    cadre: Annotated[
        str | None, typer.Option(help="Only households assigned to this cadre.")
    ] = None,
    status: Annotated[str | None, typer.Option(help="active or exited.")] = None,
    search: Annotated[str | None, typer.Option(help="Name or address contains this text.")] = None,
    reveal: RevealOpt = False,
    fmt: FormatOpt = None,
) -> None:
    """List households with their categories, cadres and due dates."""
    from zoufang.services.households import HouseholdFilter, list_households

    if status is not None:  # the code, or its word (在册, 已退出)
        code = labels.resolve(labels.HOUSEHOLD_STATUS, status, ("active", "exited"))
        if code is None:
            raise InvalidInput(
                "--status", _("{value!r} is not active or exited").format(value=status)
            )
        status = code
    with session(write=reveal) as s:
        rows = list_households(
            session=s,
            where=HouseholdFilter(
                village=village, category=category, cadre=cadre, status=status, search=search
            ),
        )
        if reveal:
            log_reveal(s, f"household list ({len(rows)} households)")
    render(
        [public_household(r, reveal=reveal) for r in rows],
        HOUSEHOLD_COLUMNS,
        fmt,
        empty=N_("no households"),
    )


def household_show(
    code: Annotated[str, typer.Argument(metavar="HOUSEHOLD", help="Household code, e.g. H000001.")],
    reveal: RevealOpt = False,
    fmt: FormatOpt = None,
) -> None:
    """The pre-visit brief: profile, members, visit timeline, open commitments, open wishes
    and unanswered suggestions."""
    from zoufang.services.brief import household_brief

    with session(write=reveal) as s:
        brief = household_brief(session=s, code=code, today=today())
        if reveal:
            log_reveal(s, code)
    brief = public_household(brief, reveal=reveal)
    if not reveal:
        for m in brief["member_list"]:
            if m["id_number"] is not None:  # a member without one stays null, not ""
                m["id_number"] = parsing.mask_id_number(m["id_number"])
    brief["money_received"] = [
        {
            "fund": m["fund"],
            "name": m["name"],
            "received": Money(m["received_fen"]),
            "last_paid": m["last_paid"],
        }
        for m in brief["money_received"]
    ]
    profile = {
        k: v
        for k, v in brief.items()
        if k
        not in (
            "member_list",
            "visits",
            "open_commitments",
            "closed_commitments",
            "open_wishes",
            "unanswered_suggestions",
            "money_received",
            "corrections",
        )
    }
    visits = [{**v, "heard": _heard(v)} for v in brief["visits"]]
    render_sections(
        [
            (f"{brief['code']} {brief['name']}", profile),
            (
                N_("household members"),
                (
                    brief["member_list"],
                    [
                        ("id", "编号"),
                        ("name", "姓名"),
                        ("relation", "关系"),
                        ("birth_year", "出生年"),
                        ("health", "健康"),
                        ("id_number", "身份证号"),
                        ("status", "状态"),
                    ],
                ),
            ),
            (
                N_("visit history"),
                (
                    visits,
                    [
                        ("date", "日期"),
                        ("kind", "类型"),
                        ("cadres", "干部"),
                        ("notes", "情况"),
                        ("heard", "诉求/建议/心愿"),
                        ("gifts", "送达"),
                    ],
                ),
            ),
            (
                N_("open commitments"),
                (
                    brief["open_commitments"],
                    [
                        ("id", "编号"),
                        ("text", "事项"),
                        ("cadre", "责任人"),
                        ("due_date", "期限"),
                        ("status", "状态"),
                        ("days_overdue", "逾期天数"),
                    ],
                ),
            ),
            (
                N_("open wishes"),
                (
                    brief["open_wishes"],
                    [
                        ("id", N_("number")),
                        ("text", N_("wish")),
                        ("heard_on", N_("heard on")),
                        ("status", "状态"),
                        ("claimed_by", N_("claimed by")),
                        ("due_date", "期限"),
                        ("days_overdue", "逾期天数"),
                    ],
                ),
            ),
            (
                N_("unanswered suggestions"),
                (
                    brief["unanswered_suggestions"],
                    [
                        ("id", N_("number")),
                        ("text", N_("suggestion")),
                        ("heard_on", N_("heard on")),
                        ("cadre", "责任人"),
                        ("days_waiting", N_("days waiting")),
                    ],
                ),
            ),
            (
                N_("money received"),
                (
                    brief["money_received"],
                    [
                        ("fund", "资金"),
                        ("name", "名称"),
                        ("received", "金额"),
                        ("last_paid", "最近发放"),
                    ],
                ),
            ),
            (
                N_("corrections"),
                (
                    [_correction_text(c) for c in brief["corrections"]],
                    [
                        ("at", "更正时间"),
                        ("operator", "操作人"),
                        ("record", "记录"),
                        ("action", "更正"),
                        ("reason", "原因"),
                    ],
                ),
            ),
        ],
        fmt,
        json_value=brief,
    )


def _correction_text(c: dict) -> dict:
    """A correction's record as a person names it: 走访 12 → 15, 成员 3, 承诺事项 7."""
    words = {
        "visit": N_("visit"),
        "commitment": N_("commitment"),
        "member": N_("member"),
        "household": N_("household"),
        "assignment": N_("assignment"),
    }
    record = f"{_(words.get(c['object'], c['object']))} {c['key']}"
    if c["replaced_by"] is not None:
        record += f" → {c['replaced_by']}"
    return {**c, "record": record}


def _heard(visit: dict) -> str:
    need, suggestion, wish = _("need: {text}"), _("suggestion: {text}"), _("wish: {text}")
    parts = [need.format(text=t) for t in visit["needs"]]
    parts += [suggestion.format(text=t) for t in visit["suggestions"]]
    parts += [wish.format(text=t) for t in visit["wishes"]]
    return "; ".join(parts)


def household_history(
    code: Annotated[str, typer.Argument(metavar="HOUSEHOLD", help="Household code.")],
    fmt: FormatOpt = None,
) -> None:
    """Every change of the facts a payment depends on: categories, status, people's ID
    numbers; the day each took effect, when and by whom it was recorded, and why. On a
    PostgreSQL ledger also the changes to the household's rows made outside zoufang."""
    from zoufang.labels import CATEGORY, FACT, HOUSEHOLD_STATUS, Code
    from zoufang.services.audit_trail import unlogged_household_changes
    from zoufang.services.fact_history import household_history as changes_of
    from zoufang.services.households import get_household

    with session(write=False) as s:
        found = get_household(session=s, code=code)
        rows = changes_of(s, found.code) + unlogged_household_changes(s, found.code)
        household = found.code

    def shown(fact: str, value) -> object:
        if value is None:
            return None
        if fact == "categories":
            return [Code(c, CATEGORY) for c in value]
        if fact == "status":
            return Code(value, HOUSEHOLD_STATUS)
        return value

    changes = [
        {
            "seq": r["seq"],
            "fact": Code(r["fact"], FACT),
            "from": r["effective_from"],
            "recorded_at": r["recorded_at"],
            "operator": r["operator"],
            "before": shown(r["fact"], r["before"]),
            "after": shown(r["fact"], r["after"]),
            "reason": r["reason"],
            "backdated": r["origin"] == "backdated",
            # brought in from another ledger's export by `zoufang import` (docs/rosters.md)
            "imported": r["origin"] == "imported",
        }
        for r in rows
    ]
    render(
        changes,
        [
            ("from", "生效日期"),
            ("fact", "变更事项"),
            ("before", "变更前"),
            ("after", "变更后"),
            ("reason", "变更原因"),
            ("recorded_at", "录入时间"),
            ("operator", "录入人"),
        ],
        fmt,
        json_value={"household": household, "changes": changes},
        empty=N_("no recorded changes"),
    )


def household_update(
    code: Annotated[str, typer.Argument(metavar="HOUSEHOLD", help="Household code.")],
    name: Annotated[str | None, typer.Option(help="Head's name.")] = None,
    phone: Annotated[str | None, typer.Option(help="Mobile or landline.")] = None,
    village: Annotated[str | None, typer.Option(help="Village or community.")] = None,
    grid: Annotated[str | None, typer.Option(help="Grid.")] = None,
    address: Annotated[str | None, typer.Option(help="Address.")] = None,
    members: Annotated[str | None, typer.Option(help="Number of people.")] = None,
    income: Annotated[str | None, typer.Option(help="Annual income in yuan.")] = None,
    housing: Annotated[str | None, typer.Option(help="Housing.")] = None,
    health: Annotated[str | None, typer.Option(help="Health.")] = None,
    employment: Annotated[str | None, typer.Option(help="Employment.")] = None,
    hardship: Annotated[str | None, typer.Option(help="Cause of hardship.")] = None,
    cadence: Annotated[
        str | None, typer.Option(help="Own cadence in days; 'default' to use the categories'.")
    ] = None,
    category: Annotated[
        list[str] | None,
        typer.Option("--category", help="Replace the categories (repeat for several)."),
    ] = None,
    from_: Annotated[
        str | None,
        typer.Option(
            "--from", help="Day the new categories take effect (default today).", metavar="DATE"
        ),
    ] = None,
    reason: Annotated[
        str | None,
        typer.Option("--reason", help="Why: required when --from is before today."),
    ] = None,
    fmt: FormatOpt = None,
) -> None:
    """Change a household's profile; the change is written to the audit log. New
    categories start a new period of the household's history (see `household history`)."""
    from zoufang.services.households import describe_household, update_household

    changes = {
        "name": name_opt(name, "--name", "household.head_name"),
        "phone": opt(phone, parsing.parse_phone, "--phone"),
        "village": line_opt(village, "--village", "household.village"),
        "grid": line_opt(grid, "--grid", "household.grid"),
        "address": line_opt(address, "--address", "household.address"),
        "members": opt(members, parsing.parse_count, "--members", minimum=1, maximum=100),
        "income_fen": opt(income, parsing.parse_income, "--income"),
        "housing": line_opt(housing, "--housing", "household.housing"),
        "health": line_opt(health, "--health", "household.health"),
        "employment": line_opt(employment, "--employment", "household.employment"),
        "hardship": line_opt(hardship, "--hardship", "household.hardship"),
    }
    clear_cadence = cadence == "default"
    if cadence is not None and not clear_cadence:
        changes["cadence_days"] = parsing.parse_count(
            cadence, field="--cadence", minimum=1, maximum=3660
        )
    changes = {k: v for k, v in changes.items() if v is not None}
    on = opt(from_, parsing.parse_date, "--from")
    why = line_opt(reason, "--reason", "fact_change.reason")
    with session(write=True) as s:
        update_household(
            session=s,
            code=code,
            changes=changes,
            categories=category,
            clear_cadence=clear_cadence,
            effective_from=on,
            reason=why,
            today=today(),
        )
        row = describe_household(session=s, code=code)
    shown = public_household(row, reveal=False)
    render_sections([(pgettext("section", "household"), shown)], fmt, json_value=shown)


def household_exit(
    code: Annotated[str, typer.Argument(metavar="HOUSEHOLD", help="Household code.")],
    reason: Annotated[
        str, typer.Option("--reason", help="Why (moved, deceased, no longer eligible…).")
    ],
    from_: Annotated[
        str | None,
        typer.Option("--from", help="Day the exit takes effect (default today).", metavar="DATE"),
    ] = None,
    fmt: FormatOpt = None,
) -> None:
    """Mark a household exited: it is never due again and cannot be paid from that day."""
    from zoufang.services.households import describe_household, exit_household

    reason = line(reason, "--reason", "household.exit_reason")
    on = opt(from_, parsing.parse_date, "--from")
    with session(write=True) as s:
        exit_household(session=s, code=code, reason=reason, today=today(), effective_from=on)
        row = describe_household(session=s, code=code)
    shown = public_household(row, reveal=False)
    render_sections([(pgettext("section", "household"), shown)], fmt, json_value=shown)


def member_add(
    household: Annotated[str, typer.Argument(help="Household code.")],
    name: Annotated[str, typer.Option("--name", help="Member's name.")],
    relation: Annotated[
        str, typer.Option("--relation", help="Relation to the head (配偶, 子女…).")
    ],
    birth_year: Annotated[str | None, typer.Option("--birth-year", help="Year of birth.")] = None,
    health: Annotated[str | None, typer.Option(help="Health or disability.")] = None,
    id_number: Annotated[
        str | None, typer.Option("--id-number", help="Member's ID number.")
    ] = None,
    fmt: FormatOpt = None,
) -> None:
    """Add a person to a household."""
    from zoufang.services.households import add_member

    values: dict[str, Any] = {  # parsed before the ledger is opened
        "name": name_opt(name, "--name", "member.name"),
        "relation": line(relation, "--relation", "member.relation"),
        "birth_year": opt(
            birth_year, parsing.parse_count, "--birth-year", minimum=1880, maximum=today().year
        ),
        "health": line_opt(health, "--health", "member.health"),
        "id_number": opt(id_number, parsing.parse_id_number, "--id-number", today=today()),
    }
    with session(write=True) as s:
        member = add_member(session=s, code=household, today=today(), **values)
    shown = {
        "id": member.id,
        "household": household,
        **values,
        "id_number": parsing.mask_id_number(values["id_number"]),
    }
    render_sections([(N_("member"), shown)], fmt, json_value=shown)


def _member_id(text: str) -> int:
    return parsing.parse_count(text, field="ID", minimum=1, maximum=2**62)


def _member_out(row: dict, fmt) -> None:
    shown = {**row, "id_number": parsing.mask_id_number(row["id_number"])}
    render_sections([(N_("member"), shown)], fmt, json_value=shown)


def member_update(
    member_id: Annotated[
        str, typer.Argument(metavar="ID", help="Member number (shown by household show).")
    ],
    reason: Annotated[str, typer.Option("--reason", help="Why it is corrected (kept).")],
    name: Annotated[str | None, typer.Option("--name", help="Member's name.")] = None,
    relation: Annotated[
        str | None, typer.Option("--relation", help="Relation to the head (配偶, 子女…).")
    ] = None,
    birth_year: Annotated[str | None, typer.Option("--birth-year", help="Year of birth.")] = None,
    health: Annotated[str | None, typer.Option(help="Health or disability.")] = None,
    id_number: Annotated[
        str | None, typer.Option("--id-number", help="Member's ID number.")
    ] = None,
    fmt: FormatOpt = None,
) -> None:
    """Correct a member's details; the values before stay in the household's corrections."""
    from zoufang.services.corrections import parse_reason
    from zoufang.services.record_corrections import MemberChanges, update_member

    mid, why = _member_id(member_id), parse_reason(reason)
    changes = MemberChanges(
        name=name_opt(name, "--name", "member.name"),
        relation=line_opt(relation, "--relation", "member.relation"),
        birth_year=opt(
            birth_year, parsing.parse_count, "--birth-year", minimum=1880, maximum=today().year
        ),
        health=line_opt(health, "--health", "member.health"),
        id_number=opt(id_number, parsing.parse_id_number, "--id-number", today=today()),
    )
    with session(write=True) as s:
        row = update_member(session=s, member_id=mid, changes=changes, reason=why)
    _member_out(row, fmt)


def member_remove(
    member_id: Annotated[
        str, typer.Argument(metavar="ID", help="Member number (shown by household show).")
    ],
    reason: Annotated[
        str, typer.Option("--reason", help="Why (entered by mistake, moved out…); kept.")
    ],
    fmt: FormatOpt = None,
) -> None:
    """Take a member off a household: kept, shown as removed, with who, when and why."""
    from zoufang.services.corrections import parse_reason
    from zoufang.services.record_corrections import remove_member

    mid, why = _member_id(member_id), parse_reason(reason)
    with session(write=True) as s:
        row = remove_member(session=s, member_id=mid, reason=why)
    _member_out(row, fmt)


def household_void(
    code: Annotated[str, typer.Argument(metavar="HOUSEHOLD", help="Household code.")],
    reason: Annotated[str, typer.Option("--reason", help="Why it was enrolled by mistake (kept).")],
    fmt: FormatOpt = None,
) -> None:
    """Void a household enrolled by mistake, while nothing hangs on it (else: exit)."""
    from zoufang.services.corrections import parse_reason
    from zoufang.services.record_corrections import void_household

    why = parse_reason(reason)
    with session(write=True) as s:
        row = void_household(session=s, code=parsing.fold(code), reason=why)
    render_sections([(N_("household"), row)], fmt, json_value=row)


def category_list(fmt: FormatOpt = None) -> None:
    """Categories with their default return-visit cadence."""
    from zoufang.services.categories import list_categories

    with session(write=False) as s:
        rows = [
            {"code": c.code, "label": c.label, "cadence": c.cadence_days, "builtin": c.builtin}
            for c in list_categories(session=s)
        ]
    render(
        rows,
        [
            ("code", N_("code")),
            ("label", "类别"),
            ("cadence", "回访周期(天)"),
            ("builtin", N_("built-in")),
        ],
        fmt,
    )


def category_add(
    code: Annotated[str, typer.Argument(help="Code, e.g. flood-affected.")],
    label: Annotated[str, typer.Option("--label", help="Chinese label, e.g. 受灾群众.")],
    cadence: Annotated[
        str, typer.Option("--cadence", help="Default return-visit cadence in days.")
    ],
    fmt: FormatOpt = None,
) -> None:
    """Add a category of your own."""
    from zoufang.services.categories import add_category

    code = parsing.parse_code(code, field="CODE")
    label = line(label, "--label", "category.label")
    days = parsing.parse_count(cadence, field="--cadence", minimum=1, maximum=3660)
    with session(write=True) as s:
        add_category(session=s, code=code, label=label, cadence_days=days)
    shown = {"code": code, "label": label, "cadence": days, "builtin": False}
    render_sections([(N_("category"), shown)], fmt, json_value=shown)


def register(app: typer.Typer) -> None:
    app.command("enroll")(enroll)
    household_app.command("list")(household_list)
    household_app.command("show")(household_show)
    household_app.command("update")(household_update)
    household_app.command("history")(household_history)
    household_app.command("exit")(household_exit)
    member_app.command("add")(member_add)
    member_app.command("update")(member_update)
    member_app.command("remove")(member_remove)
    household_app.command("void")(household_void)
    category_app.command("list")(category_list)
    category_app.command("add")(category_add)
    app.add_typer(household_app, name="household")
    app.add_typer(member_app, name="member")
    app.add_typer(category_app, name="category")
