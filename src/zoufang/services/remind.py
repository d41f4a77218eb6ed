"""What ``zoufang remind`` tells whom (the daily cron job against "只记不办").

1. **Gather**, as of today (:mod:`zoufang.services.figures`): active households overdue for a visit (with ``days`` > 0 also
   those falling due today or within ``days`` days) and open or in-progress commitments past
   their deadline (likewise). A household's item goes to each of its assigned cadres, a
   commitment's to its responsible cadre; a household with no cadre goes to the
   supervisor's digest.
2. **Leave out what was already told.** The reminder log (table ``reminder_log``) holds one
   row per item told to a recipient by a channel on a day. An item is left out if the same
   recipient was told it by the same channel within the last ``every`` days at the same
   or a higher *level* — the whole weeks overdue, ``days_overdue // 7`` — so it comes back
   when it gets a week worse. Channels are counted apart, so an office can run a webhook to
   a group and email to each cadre side by side.
3. **Compose** one short message per recipient, readable on a phone, in the chosen language
   (``--lang`` or ``[remind] lang`` may choose another for the messages alone).
4. **Deliver and record.** Each message that is delivered has its items written to the
   reminder log at once, in its own short write transaction, rather than all at the end:
   a run killed half-way, or a failure for one cadre, does not cause the messages already
   delivered to be sent again tomorrow, and the ledger's write lock is never held while
   waiting on a mail server or a webhook. The window left is between a delivery and its
   record (a kill exactly there means that message is sent once more: at least once, never
   lost). A message that fails is not recorded, so the next run tries it again.

Runs do not overlap: :func:`remind_lock` holds an ``flock`` on ``<ledger>.remind.lock`` for the
whole run. The kernel drops the lock when the process dies, however it dies, so a lock left by a
killed run never blocks the next one; the file itself is left in place (deleting a lock file
that another process may be opening is the classic race).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlmodel import col

from zoufang import i18n, tables
from zoufang.chain import ChainHead, short_head
from zoufang.config import Config
from zoufang.errors import InvalidInput, RuleViolation
from zoufang.i18n import _, ngettext
from zoufang.models import Cadre, ReminderLog
from zoufang.services import figures, follow_through
from zoufang.services.due import DueFilter, days_overdue, due_households
from zoufang.services.money_chain import chain_head
from zoufang.services.reminder_channels import CHANNELS, DeliveryError, Message

if TYPE_CHECKING:
    from zoufang.db import LedgerSession

SUPERVISOR = "supervisor"
LANGS = i18n.LANGS
TEXT_SHOWN = 40  # characters of a commitment's text shown in a reminder


@dataclass(frozen=True)
class Item:
    """One thing overdue (or soon due): a household's visit or a commitment."""

    kind: str  # "visit", "commitment", "wish" or "suggestion"
    household: str
    name: str
    village: str
    due_date: dt.date
    days_overdue: int
    last_visit: dt.date | None = None
    commitment: int | None = None
    text: str | None = None
    #: a wish or suggestion (:mod:`zoufang.services.follow_through`): its number, when it
    #: was heard, and its state (overdue, unclaimed, unanswered); ``due_date`` is the day it
    #: became late (its due date, or the day the waiting limit passed)
    number: int | None = None
    heard_on: dt.date | None = None
    state: str | None = None

    @property
    def key(self) -> str:
        if self.kind == "visit":
            return f"visit:{self.household}"
        if self.kind == "commitment":
            return f"commitment:{self.commitment}"
        return f"{self.kind}:{self.number}"

    @property
    def level(self) -> int:
        """Whole weeks overdue; it rises by one each week, which makes the item news again."""
        return self.days_overdue // 7

    def row(self) -> dict[str, Any]:
        if self.kind in ("wish", "suggestion"):
            return {
                **self._row(),
                "number": self.number,
                "heard_on": self.heard_on,
                "state": self.state,
            }
        return self._row()

    def _row(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "kind": self.kind,
            "household": self.household,
            "name": self.name,
            "village": self.village,
            "due_date": self.due_date,
            "days_overdue": self.days_overdue,
            "last_visit": self.last_visit,
            "commitment": self.commitment,
            "text": self.text,
            "level": self.level,
        }


@dataclass(frozen=True)
class Recipient:
    code: str  # cadre code, or SUPERVISOR
    name: str
    email: str | None = None
    phone: str | None = None


@dataclass
class Digest:
    """Everything one recipient is to be told in one message."""

    recipient: Recipient
    items: list[Item] = field(default_factory=list)
    #: the ledger's head when the digest was gathered: each message carries it, a witness
    #: in every inbox (services.witness); None for a ledger without entries
    chain_head: ChainHead | None = None


@dataclass(frozen=True)
class RemindOptions:
    channel: str = "stdout"
    days: int = 0
    every: int = 7
    lang: str = i18n.DEFAULT_LANG  # resolve_options: the chosen language unless told
    supervisor: str | None = None
    dry_run: bool = False


def resolve_options(
    *,
    config: Config,
    channel: str | None,
    days: str | int | None,
    every: str | int | None,
    lang: str | None,
    supervisor: str | None,
    dry_run: bool,
) -> RemindOptions:
    """Command-line values, else the config file's [remind] section, else the defaults (the
    messages' language: the one chosen for everything, :func:`zoufang.i18n.current`)."""
    from zoufang.parsing import parse_count
    from zoufang.services.cadres import parse_email

    def pick(value, key, default):
        if value is not None:
            return value, "--" + key
        if config.get("remind", key) is not None:
            return config.get("remind", key), config.source("remind", key)
        return default, "--" + key

    channel_value, where = pick(channel, "channel", "stdout")
    channel_value = str(channel_value).strip().lower()
    if channel_value not in CHANNELS:
        raise InvalidInput(
            where,
            _("{value!r} is not one of {names}").format(
                value=channel_value, names=", ".join(CHANNELS)
            ),
        )
    lang_value, where = pick(lang, "lang", i18n.current())
    lang_value = str(lang_value).strip().lower()
    if lang_value not in LANGS:
        raise InvalidInput(
            where,
            _("{value!r} is not one of {names}").format(value=lang_value, names=", ".join(LANGS)),
        )
    days_value, where = pick(days, "days", 0)
    days_value = parse_count(days_value, field=where, minimum=0, maximum=3660)
    every_value, where = pick(every, "every", 7)
    every_value = parse_count(every_value, field=where, minimum=1, maximum=3660)
    supervisor_value, where = pick(supervisor, "supervisor", None)
    if supervisor_value:
        supervisor_value = parse_email(str(supervisor_value), field=where)
    return RemindOptions(
        channel=channel_value,
        days=days_value,
        every=every_value,
        lang=lang_value,
        supervisor=supervisor_value or None,
        dry_run=dry_run,
    )


# ---------------------------------------------------------------------------- gather


def gather(
    *, session: LedgerSession, today: dt.date, days: int = 0, supervisor: str | None = None
) -> list[Digest]:
    """Every item due as of ``today``, one digest per recipient (cadres by code, then the
    supervisor's). ``days`` = 0: only what is overdue (due before today)."""
    limit = today + dt.timedelta(days=days) if days > 0 else today - dt.timedelta(days=1)
    by_cadre: dict[str, list[Item]] = {}
    unassigned: list[Item] = []
    for row in due_households(session=session, today=today, days=max(days, 0), where=DueFilter()):
        if row["due_date"] > limit:
            continue
        item = Item(
            kind="visit",
            household=row["household"],
            name=row["name"],
            village=row["village"],
            due_date=row["due_date"],
            days_overdue=row["days_overdue"],
            last_visit=row["last_visit"],
        )
        if not row["cadres"]:
            unassigned.append(item)
        for code in row["cadres"]:
            by_cadre.setdefault(code, []).append(item)
    C, H, V = tables.commitment, tables.household, tables.visit
    last_visit = (
        select(func.max(V.c.visit_date))
        .where(V.c.household_id == H.c.id, figures.visits_by(today))
        .scalar_subquery()
    )
    commitments = session.execute(
        select(
            C.c.id,
            C.c.text,
            C.c.due_date,
            H.c.code,
            H.c.head_name,
            H.c.village,
            last_visit,
            tables.cadre.c.code,
        )
        .join(H, H.c.id == C.c.household_id)
        .join(tables.cadre, tables.cadre.c.id == C.c.cadre_id)
        .where(figures.commitment_open_on(today), C.c.due_date <= limit)
        .order_by(C.c.due_date, C.c.id)
    ).all()
    for cid, text, due, hcode, name, village, last_on, ccode in commitments:
        by_cadre.setdefault(ccode, []).append(
            Item(
                kind="commitment",
                household=hcode,
                name=name,
                village=village,
                due_date=due,
                days_overdue=days_overdue(due, today),
                last_visit=last_on,
                commitment=cid,
                text=text,
            )
        )
    for p in follow_through.pending(session.connection(), today):
        item = _pending_item(p, today, figures.FOLLOW_THROUGH_DAYS)
        if p.cadre is None:
            if p.state != "unclaimed":  # those are in the supervisor's list below
                unassigned.append(item)
        else:
            by_cadre.setdefault(p.cadre, []).append(item)
    for p in follow_through.unclaimed_wishes(
        session.connection(), today, days=figures.WISH_UNCLAIMED_DAYS
    ):
        unassigned.append(_pending_item(p, today, figures.WISH_UNCLAIMED_DAYS))
    cadres = (
        {
            c.code: c
            for c in session.execute(
                select(Cadre).where(col(Cadre.code).in_(list(by_cadre)))
            ).scalars()
        }
        if by_cadre
        else {}
    )
    digests = [
        Digest(Recipient(code, cadres[code].name, cadres[code].email, cadres[code].phone), items)
        for code, items in sorted(by_cadre.items())
    ]
    if unassigned:
        digests.append(Digest(Recipient(SUPERVISOR, SUPERVISOR, supervisor, None), unassigned))
    head = chain_head(session) if digests else None
    if head is not None and head.seq > 0:
        for digest in digests:
            digest.chain_head = head
    return digests


def _pending_item(p: follow_through.Pending, today: dt.date, limit: int) -> Item:
    """A wish or suggestion waiting, as a reminder item: late since its due date (an
    overdue wish) or since the day the waiting ``limit`` passed."""
    late_since = p.heard_on + dt.timedelta(days=limit)
    if p.state == "overdue" and p.due_date is not None:
        late_since = p.due_date
    return Item(
        kind=p.kind,
        household=p.household,
        name=p.name,
        village=p.village or "",
        due_date=late_since,
        days_overdue=days_overdue(late_since, today),
        text=p.text,
        number=p.id,
        heard_on=p.heard_on,
        state=p.state,
    )


def leave_out_told(
    *, session: LedgerSession, digests: list[Digest], channel: str, today: dt.date, every: int
) -> list[Digest]:
    """Drop items this channel already told their recipient within ``every`` days at the
    same or a higher level; drop digests left empty."""
    since = today - dt.timedelta(days=every)
    told: dict[tuple[str, str], int] = {
        (recipient, key): level
        for recipient, key, level in session.execute(
            select(
                col(ReminderLog.recipient), col(ReminderLog.item_key), func.max(ReminderLog.level)
            )
            .where(
                col(ReminderLog.channel) == channel,
                col(ReminderLog.sent_on) > since,
                col(ReminderLog.sent_on) <= today,
            )
            .group_by(ReminderLog.recipient, ReminderLog.item_key)
        )
    }
    out = []
    for digest in digests:
        code = digest.recipient.code
        fresh = [
            i for i in digest.items if (code, i.key) not in told or i.level > told[(code, i.key)]
        ]
        if fresh:
            out.append(Digest(digest.recipient, fresh, digest.chain_head))
    return out


def record_told(*, session: LedgerSession, digest: Digest, channel: str, today: dt.date) -> None:
    """Write the reminder log rows for one delivered message."""
    session.add_all(
        ReminderLog(
            recipient=digest.recipient.code,
            item_key=i.key,
            level=i.level,
            channel=channel,
            sent_on=today,
        )
        for i in digest.items
    )


# ---------------------------------------------------------------------------- compose


def _days(n: int) -> str:
    if n > 0:
        return ngettext("{n} day overdue", "{n} days overdue", n).format(n=n)
    if n == 0:
        return _("due today")
    return ngettext("due in {n} day", "due in {n} days", -n).format(n=-n)


def _short(text: str | None) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= TEXT_SHOWN else text[: TEXT_SHOWN - 1] + "…"


def compose(digest: Digest, *, today: dt.date, lang: str | None = None) -> Message:
    """One short message in ``lang`` (the chosen language if None): household code, name,
    village, days overdue, last visit; commitment number, text, deadline, days overdue."""
    with i18n.speaking(lang):
        subject, text = _compose(digest, today)
    return Message(
        recipient=digest.recipient.code,
        name=digest.recipient.name,
        email=digest.recipient.email,
        phone=digest.recipient.phone,
        subject=subject,
        text=text,
        items=[_jsonable(i.row()) for i in digest.items],
    )


def _compose(digest: Digest, today: dt.date) -> tuple[str, str]:
    """The subject and text, in the language active now."""
    r = digest.recipient
    visits = [i for i in digest.items if i.kind == "visit"]
    promises = [i for i in digest.items if i.kind == "commitment"]
    waiting = [i for i in digest.items if i.kind in ("wish", "suggestion")]
    supervisor = r.code == SUPERVISOR
    lines: list[str] = []
    if supervisor:
        if visits:
            subject = _("zoufang: {n} households have no cadre").format(n=len(visits))
            lines.append(
                _(
                    "zoufang reminder: {n} households have no assigned cadre (as of {today}):"
                ).format(n=len(visits), today=today)
            )
        else:
            subject = _("zoufang: {n} wishes or suggestions waiting").format(n=len(waiting))
            lines.append(
                _("zoufang reminder: wishes and suggestions waiting (as of {today}):").format(
                    today=today
                )
            )
    else:
        counts = [
            ngettext("{n} visit", "{n} visits", len(visits)).format(n=len(visits))
            if visits
            else "",
            ngettext("{n} commitment", "{n} commitments", len(promises)).format(n=len(promises))
            if promises
            else "",
        ]
        both = _("{visits}, {commitments}").format(visits=counts[0], commitments=counts[1])
        shown = both if all(counts) else counts[0] or counts[1]
        if waiting:
            more = ngettext(
                "{n} wish or suggestion", "{n} wishes or suggestions", len(waiting)
            ).format(n=len(waiting))
            shown = _("{counts}, {more}").format(counts=shown, more=more) if shown else more
        subject = _("zoufang reminder for {name}: {counts}").format(name=r.name, counts=shown)
        lines.append(
            _("zoufang reminder for {name} ({code}), as of {today}:").format(
                name=r.name, code=r.code, today=today
            )
        )
        if visits:
            lines.append(_("Visits due ({n}):").format(n=len(visits)))
    line = _("{n}. {household} {name} ({village}): {days}; {last}")
    last_visit, never = _("last visit {date}"), _("never visited")
    for n, i in enumerate(visits, 1):
        last = last_visit.format(date=i.last_visit) if i.last_visit else never
        lines.append(
            line.format(
                n=n,
                household=i.household,
                name=i.name,
                village=i.village,
                days=_days(i.days_overdue),
                last=last,
            )
        )
    if promises:
        lines.append(_("Commitments due ({n}):").format(n=len(promises)))
    line = _("{n}. #{commitment} {household} {name}: {text} (deadline {due}, {days})")
    for n, i in enumerate(promises, 1):
        lines.append(
            line.format(
                n=n,
                commitment=i.commitment,
                household=i.household,
                name=i.name,
                text=_short(i.text),
                due=i.due_date,
                days=_days(i.days_overdue),
            )
        )
    lines += _waiting_lines(waiting)
    if supervisor and visits:
        lines.append(_("Please assign a cadre to each (zoufang assign HOUSEHOLD CADRE)."))
    elif supervisor:
        lines.append(_("Please see that each is claimed or answered, and recorded in the ledger."))
    else:
        lines.append(_("Please visit and follow up, and record it in the ledger."))
    if digest.chain_head is not None:
        lines.append(_("Ledger chain head: {anchor}.").format(anchor=short_head(digest.chain_head)))
    return subject, "\n".join(lines)


def _waiting_lines(items: list[Item]) -> list[str]:
    """The wishes and suggestions recorded and not acted on (只记不办), in three groups."""
    groups = [
        (
            "overdue",
            _("Wishes claimed and overdue ({n}):"),
            _("{n}. wish #{number} {household} {name}: {text} (due {due}, {days})"),
        ),
        (
            "unclaimed",
            _("Wishes nobody has claimed ({n}):"),
            _("{n}. wish #{number} {household} {name}: {text} (heard {heard})"),
        ),
        (
            "unanswered",
            _("Suggestions not answered ({n}):"),
            _("{n}. suggestion #{number} {household} {name}: {text} (heard {heard})"),
        ),
    ]
    lines: list[str] = []
    for state, title, line in groups:
        group = [i for i in items if i.state == state]
        if not group:
            continue
        lines.append(title.format(n=len(group)))
        for n, i in enumerate(group, 1):
            lines.append(
                line.format(
                    n=n,
                    number=i.number,
                    household=i.household,
                    name=i.name,
                    text=_short(i.text),
                    due=i.due_date,
                    heard=i.heard_on,
                    days=_days(i.days_overdue),
                )
            )
    return lines


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in row.items()}


# ---------------------------------------------------------------------------- run


@dataclass
class Outcome:
    """Per message: the digest, its text, and ``sent`` / ``failed`` / ``dry-run``."""

    channel: str
    results: list[tuple[Digest, Message, str, str | None]] = field(default_factory=list)

    @property
    def sent(self) -> int:
        return sum(1 for *_rest, status, _reason in self.results if status == "sent")

    @property
    def failures(self) -> list[tuple[Digest, Message, str]]:
        return [
            (d, m, reason or "")
            for d, m, status, reason in self.results
            if status in ("failed", "would-fail")
        ]

    def as_json(self) -> dict[str, Any]:
        items: list[dict[str, Any]] = []
        messages: list[dict[str, Any]] = []
        for digest, message, status, reason in self.results:
            r = digest.recipient
            head = {
                "recipient": r.code,
                "recipient_name": r.name,
                "channel": self.channel,
                "status": status,
            }
            if reason:
                head["reason"] = reason
            messages.append(
                {
                    **head,
                    "address": r.email,
                    "subject": message.subject,
                    "text": message.text,
                    "chain_head": digest.chain_head.as_dict() if digest.chain_head else None,
                }
            )
            items.extend({**head, **item.row()} for item in digest.items)
        return {"sent": self.sent, "items": items, "messages": messages}


SessionFactory = Callable[..., AbstractContextManager["LedgerSession"]]


def send_reminders(
    *, open_session: SessionFactory, channel: Any, today: dt.date, options: RemindOptions
) -> Outcome:
    """Gather, leave out what was told, compose, and deliver (or, with ``dry_run``, only
    check) each message; record each delivered one at once. ``open_session(write=…)`` opens
    one transaction on the ledger."""
    with open_session(write=False) as session:
        digests = gather(
            session=session, today=today, days=options.days, supervisor=options.supervisor
        )
        digests = leave_out_told(
            session=session, digests=digests, channel=channel.name, today=today, every=options.every
        )
    outcome = Outcome(channel=channel.name)
    for digest in digests:
        message = compose(digest, today=today, lang=options.lang)
        try:
            if options.dry_run:
                channel.check(message)
            else:
                channel.send(message)
        except DeliveryError as exc:
            status = "would-fail" if options.dry_run else "failed"
            outcome.results.append((digest, message, status, str(exc)))
            continue
        if options.dry_run:
            outcome.results.append((digest, message, "dry-run", None))
            continue
        with open_session(write=True) as session:
            record_told(session=session, digest=digest, channel=channel.name, today=today)
        outcome.results.append((digest, message, "sent", None))
    return outcome


# ---------------------------------------------------------------------------- lock


def lock_path(url: str) -> Path:
    """``<ledger>.remind.lock`` next to a SQLite ledger; for a server database, a file named
    after the URL in the user cache directory."""
    from zoufang.db import sqlite_path

    path = sqlite_path(url)
    if path is not None:
        return path.with_name(path.name + ".remind.lock")
    from platformdirs import user_cache_path

    digest = hashlib.sha256(url.encode()).hexdigest()[:16]
    return user_cache_path("zoufang", appauthor=False) / f"remind-{digest}.lock"


@contextlib.contextmanager
def remind_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``path`` or refuse at once (exit 1) if another run has it."""
    from zoufang import filelocks
    from zoufang.errors import StorageError

    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise StorageError(
            "--db",
            _("cannot create the lock file {path}: {reason}").format(
                path=path, reason=exc.strerror
            ),
        ) from None
    try:
        try:
            filelocks.lock(fd, blocking=False)
        except filelocks.LockUnavailable:
            pass  # no lock primitive on this system (none zoufang supports): unguarded
        except BlockingIOError:
            holder = filelocks.read_at(fd, 32, 0).decode("ascii", "replace").strip()
            if holder.isdigit():
                busy = _(
                    "another zoufang remind (pid {pid}) is running on this ledger (lock {path}); "
                    "this run sent nothing"
                ).format(pid=holder, path=path)
            else:
                busy = _(
                    "another zoufang remind is running on this ledger (lock {path}); "
                    "this run sent nothing"
                ).format(path=path)
            raise RuleViolation("remind", busy) from None
        os.ftruncate(fd, 0)
        filelocks.write_at(fd, f"{os.getpid()}\n".encode(), 0)  # for people; the flock is the lock
        yield
    finally:
        os.close(fd)  # closing the last descriptor releases the flock
