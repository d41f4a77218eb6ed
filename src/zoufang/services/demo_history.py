"""The demo's history: about a year of visits before ``today``, and what came of them.

Visits follow each household's cadence, with festival visits (春节, 七一 for party members,
重阳 for the old), return visits on the date promised when a need was raised, the odd
check-in visit that heard nothing, and households the cadres let slip. Needs raised at a
visit become commitments in every state: open, in progress, resolved, referred, or not
resolvable, some answered late and some overdue. Wishes heard are claimed (by a cadre or a
unit), fulfilled, declined or left waiting; suggestions are answered (adopted or not) or not.
"""

from __future__ import annotations

import datetime as dt

from zoufang.services import demo_text as words
from zoufang.services.demo_people import Draws, Village

#: What visits talk about, by first category (keys of demo_text.NOTES and NEEDS).
CARE_GROUP = {
    "low-income": "low-income",
    "elderly-alone": "elderly",
    "illness-poverty": "illness",
    "disabled": "disabled",
    "left-behind-child": "child",
    "veteran-member": "party",
    "hardship-member": "party",
    "retired-cadre": "elderly",
    "frontline-cadre": "general",
    "bereaved-family": "general",
    "honour-recipient": "party",
}
#: Visited before 七一 (1 July).
PARTY_CATEGORIES = frozenset(
    ("veteran-member", "hardship-member", "honour-recipient", "retired-cadre", "bereaved-family")
)
#: Spring Festival (春节) and Double Ninth (重阳); other years use an approximate date.
SPRING_FESTIVAL = {
    2020: (1, 25),
    2021: (2, 12),
    2022: (2, 1),
    2023: (1, 22),
    2024: (2, 10),
    2025: (1, 29),
    2026: (2, 17),
    2027: (2, 6),
    2028: (1, 26),
    2029: (2, 13),
    2030: (2, 3),
}
DOUBLE_NINTH = {
    2020: (10, 25),
    2021: (10, 14),
    2022: (10, 4),
    2023: (10, 23),
    2024: (10, 11),
    2025: (10, 29),
    2026: (10, 18),
}


class DriverDates:
    """Dates as the driver takes them: on SQLite the ISO text SQLAlchemy's Date and DateTime
    types store (``2026-11-23``, ``2026-11-23 09:00:00.000000``), elsewhere date objects."""

    def __init__(self, *, text_dates: bool) -> None:
        self.text_dates = text_dates
        self._days: dict[int, object] = {}

    def day(self, ordinal: int):
        value = self._days.get(ordinal)
        if value is None:
            date = dt.date.fromordinal(ordinal)
            value = self._days[ordinal] = date.isoformat() if self.text_dates else date
        return value

    def stamp(self, ordinal: int, hour: int):
        if self.text_dates:
            return f"{self.day(ordinal)} {hour:02d}:00:00.000000"
        return dt.datetime.fromordinal(ordinal).replace(hour=hour)


class HistoryMaker(Draws):
    """Visits, gifts, needs and commitments (mixed into the demo's maker)."""

    next_id: dict[str, int]
    operator: str
    values: DriverDates
    festivals: list[tuple[int, str]]

    def _festivals(self) -> list[tuple[int, str]]:
        """(ordinal, key) of the festivals from a little over a year before today."""
        result = []
        today = dt.date.fromordinal(self.today)
        for year in range(today.year - 2, today.year + 1):
            month, mday = SPRING_FESTIVAL.get(year, (2, 1))
            result.append((dt.date(year, month, mday).toordinal(), "spring"))
            result.append((dt.date(year, 7, 1).toordinal(), "july"))
            month, mday = DOUBLE_NINTH.get(year, (10, 15))
            result.append((dt.date(year, month, mday).toordinal(), "double-ninth"))
        return sorted(result)

    def _visits(
        self,
        hid: int,
        primary: str,
        categories: list[str],
        head_age: int,
        cadence: int,
        enrolled: int,
        exited: int | None,
        neglected: bool,
        cadre_ids: list[int],
        village: Village,
        rows: dict[str, list[dict]],
    ) -> tuple[int | None, int | None]:
        """About a year of visits driven by the cadence; returns (last visit, its --next)."""
        chance, between, pick = self.random, self.between, self.pick
        day_value, stamp = self.values.day, self.values.stamp
        end = exited if exited is not None else self.today
        stop = end - cadence - between(1, 90) if neglected else end
        party = not PARTY_CATEGORIES.isdisjoint(categories)
        # This household's festival visits fall a few days before each festival it is due.
        festivals = [
            (date - (between(2, 14) if key == "spring" else between(0, 8)), key)
            for date, key in self.festivals
            if date > enrolled
            and (
                key == "spring"
                or (key == "july" and party)
                or (key == "double-ninth" and head_age >= 60)
            )
        ]
        group = CARE_GROUP[primary]
        notes, needs_pool = words.NOTES[group], words.NEEDS[group]
        wishes = words.WISHES["child" if group == "child" else "adult"]
        partners = cadre_ids[1:] or [c for c in village.cadres if c != cadre_ids[0]]
        visits, visit_cadres, items = rows["visit"], rows["visit_cadre"], rows["visit_item"]
        ids = self.next_id
        day = enrolled + between(0, min(10, cadence // 3))
        kind, festival, upcoming = "verification", "", 0
        last = next_visit = None
        while day <= stop:
            ids["visit"] += 1
            vid = ids["visit"]
            cadres = [cadre_ids[0]]
            if partners and chance() < 0.25:
                cadres.append(pick(partners))
            checkin = kind == "routine" and chance() < 0.03  # nothing heard: 打卡式走访
            if checkin:
                note = None
            elif kind == "routine":
                note = pick(notes) if chance() < 0.7 else pick(words.NOTES["general"])
            elif kind == "festival":
                note = words.FESTIVAL_NOTES[festival]
            elif kind == "verification":
                note = pick(words.VERIFICATION_NOTES)
            elif kind == "return":
                note = pick(words.RETURN_NOTES)
            else:
                note = pick(words.UNANNOUNCED_NOTES)
            needs = []
            if not checkin and chance() < (0.12 if kind in ("routine", "verification") else 0.05):
                needs.append(pick(needs_pool) if chance() < 0.7 else pick(words.NEEDS["general"]))
                if chance() < 0.15:
                    needs.append(pick(words.NEEDS["general"]))
            if not checkin and chance() < 0.07:
                said = pick(words.SUGGESTIONS)
                items.append(self._item(vid, "suggestion", said))
                self._suggestion(hid, vid, said, cadres, day, end, neglected, rows)
            if not checkin and chance() < (0.25 if kind == "festival" else 0.03):
                wished = pick(wishes)
                items.append(self._item(vid, "wish", wished))
                self._wish(hid, vid, wished, cadres, day, end, neglected, rows)
            if kind == "festival":
                gifts = words.FESTIVAL_GIFTS[festival]
                for gift in dict.fromkeys(pick(gifts) for _ in range(between(1, 2))):
                    items.append(self._item(vid, "gift", gift))
            elif chance() < (0.5 if checkin else 0.1):
                items.append(self._item(vid, "gift", pick(words.ROUTINE_GIFTS)))
            next_date = day + between(7, 20) if needs and chance() < 0.4 else None
            need_due = day + pick((15, 20, 30, 30, 30, 45, 60))
            for need in dict.fromkeys(needs):
                self._commitment(hid, vid, need, cadres[0], day, need_due, end, neglected, rows)
            visits.append(
                {
                    "id": vid,
                    "household_id": hid,
                    "visit_date": day_value(day),
                    "kind": kind,
                    "notes": note,
                    "next_date": None if next_date is None else day_value(next_date),
                    "recorded_at": stamp(day, 1 + vid % 10),
                    "operator": self.operator,
                }
            )
            for cadre_id in cadres:
                visit_cadres.append({"visit_id": vid, "cadre_id": cadre_id})
            last, next_visit = day, next_date
            # The next visit: on the promised return date, else a little before the cadence
            # runs out, unless a festival visit comes first.
            if next_date is not None:
                day, kind = next_date + between(0, 3), "return"
            else:
                day += max(7, int(cadence * (0.7 + 0.35 * chance())))
                roll = chance()
                kind = (
                    "unannounced" if roll < 0.03 else "verification" if roll < 0.06 else "routine"
                )
            while upcoming < len(festivals) and festivals[upcoming][0] <= last + 3:
                upcoming += 1
            if upcoming < len(festivals) and festivals[upcoming][0] <= day and chance() < 0.85:
                (day, festival), kind = festivals[upcoming], "festival"
                upcoming += 1
        return last, next_visit

    def _wish(
        self,
        hid: int,
        vid: int,
        text: str,
        cadres: list[int],
        heard: int,
        end: int,
        neglected: bool,
        rows: dict[str, list[dict]],
    ) -> None:
        """A wish heard at a visit, and what became of it by ``end``: most are claimed within
        a fortnight (by the visiting cadre, or a unit with a contact) and fulfilled, a few
        are declined with the reason given, some are overdue or still waiting."""
        chance, between, pick, day = self.random, self.between, self.pick, self.values.day
        self.next_id["wish"] += 1
        wid = self.next_id["wish"]
        row = {
            "id": wid,
            "household_id": hid,
            "visit_id": vid,
            "text": text,
            "heard_on": day(heard),
            "cadre_id": cadres[0],
            "status": "open",
            "claimed_on": None,
            "claimed_cadre_id": None,
            "claimed_unit": None,
            "claimed_person": None,
            "claimed_phone": None,
            "due_date": None,
            "closed_on": None,
            "outcome": None,
            "entry_seq": None,
        }
        events: list[tuple[int, str, str | None]] = []
        claim_on = heard + between(1, 14)
        if claim_on <= end and chance() < (0.4 if neglected else 0.85):
            due = claim_on + pick((15, 30, 30, 30, 45))
            row.update(claimed_on=day(claim_on), due_date=day(due), status="claimed")
            if chance() < 0.6:
                row["claimed_cadre_id"] = pick(cadres)
                who = None
            else:
                unit, person = pick(words.WISH_UNITS)
                row.update(claimed_unit=unit, claimed_person=person)
                row["claimed_phone"] = f"139{between(10_000_000, 99_999_999)}"
                who = unit
            events.append((claim_on, "claim", who))
            took = between(3, due - claim_on + 20)
            if claim_on + took <= end and chance() < 0.9:
                closed = claim_on + took
                if chance() < 0.9:
                    outcome = pick(words.WISH_FULFILLED)
                    row.update(status="fulfilled", closed_on=day(closed), outcome=outcome)
                    events.append((closed, "fulfil", outcome))
                else:
                    outcome = pick(words.WISH_DECLINED)
                    row.update(status="declined", closed_on=day(closed), outcome=outcome)
                    events.append((closed, "decline", outcome))
        elif end - heard > 20 and chance() < 0.1:
            closed = heard + between(5, 20)
            outcome = pick(words.WISH_DECLINED)
            row.update(status="declined", closed_on=day(closed), outcome=outcome)
            events.append((closed, "decline", outcome))
        rows["wish"].append(row)
        for when, kind, note in events:
            self.next_id["wish_event"] += 1
            rows["wish_event"].append(
                {
                    "id": self.next_id["wish_event"],
                    "wish_id": wid,
                    "kind": kind,
                    "event_date": day(when),
                    "note": note,
                    "operator": self.operator,
                    "recorded_at": self.values.stamp(when, 17),
                }
            )

    def _suggestion(
        self,
        hid: int,
        vid: int,
        text: str,
        cadres: list[int],
        heard: int,
        end: int,
        neglected: bool,
        rows: dict[str, list[dict]],
    ) -> None:
        """A suggestion heard at a visit and its answer: most are answered within a month
        (about half adopted), a few answered again, some left waiting."""
        chance, between, pick, day = self.random, self.between, self.pick, self.values.day
        self.next_id["suggestion"] += 1
        sid = self.next_id["suggestion"]
        row = {
            "id": sid,
            "household_id": hid,
            "visit_id": vid,
            "text": text,
            "heard_on": day(heard),
            "cadre_id": cadres[0],
            "status": "unanswered",
            "answered_on": None,
            "answer": None,
            "answered_by": None,
        }
        answers = []
        answer_on = heard + between(2, 40)
        if answer_on <= end and chance() < (0.4 if neglected else 0.9):
            roll = chance()
            stance = "adopted" if roll < 0.5 else "not-adopted" if roll < 0.8 else "answered"
            note = pick(words.SUGGESTION_ANSWERS[stance])
            answers.append((answer_on, stance, note, False))
            if stance == "not-adopted" and answer_on + 30 <= end and chance() < 0.15:
                answers.append(
                    (answer_on + between(10, 30), "adopted", "经研究，决定采纳并落实。", True)
                )
            last = answers[-1]
            row.update(
                status=last[1], answered_on=day(answer_on), answer=last[2], answered_by=cadres[0]
            )
        rows["suggestion"].append(row)
        for when, stance, note, amends in answers:
            self.next_id["suggestion_answer"] += 1
            rows["suggestion_answer"].append(
                {
                    "id": self.next_id["suggestion_answer"],
                    "suggestion_id": sid,
                    "answer_date": day(when),
                    "stance": stance,
                    "note": note,
                    "cadre_id": cadres[0],
                    "amends": amends,
                    "operator": self.operator,
                    "recorded_at": self.values.stamp(when, 17),
                }
            )

    def _item(self, visit_id: int, kind: str, text: str) -> dict:
        self.next_id["visit_item"] += 1
        return {"id": self.next_id["visit_item"], "visit_id": visit_id, "kind": kind, "text": text}

    def _commitment(
        self,
        hid: int,
        vid: int,
        need: tuple[str, str],
        cadre_id: int,
        opened: int,
        due: int,
        end: int,
        neglected: bool,
        rows: dict[str, list[dict]],
    ) -> None:
        """A need taken on at a visit, and what became of it by ``end`` (today, or exit)."""
        chance, between, pick, day = self.random, self.between, self.pick, self.values.day
        self.next_id["commitment"] += 1
        cid = self.next_id["commitment"]
        span = due - opened
        took = between(2, span) if chance() < 0.8 else between(span + 1, 2 * span)
        status, closed, resolution, referred = "open", None, None, None
        steps: list[tuple[int, str, str]] = []  # (day, action, note)
        if took <= end - opened and chance() < (0.3 if neglected else 0.95):
            closed = opened + took
            if took > 4 and chance() < 0.5:
                steps.append((opened + between(1, took - 1), "respond", pick(words.RESPONSE_NOTES)))
            roll = chance()
            if roll < 0.85:
                status, action = "resolved", "resolved"
                resolution = need[1] + pick(words.RESOLVE_ENDINGS)
            elif roll < 0.95:
                status, action, referred = "referred", "refer", pick(words.REFER_TO)
                resolution = f"已转交{referred}办理"
            else:
                status = action = "cannot-resolve"
                resolution = pick(words.CANNOT_NOTES)
            steps.append((closed, action, resolution))
        elif end - opened >= 3 and chance() < 0.6:
            status = "in-progress"
            steps.append(
                (
                    opened + between(1, min(end - opened, span)),
                    "respond",
                    pick(words.RESPONSE_NOTES),
                )
            )
        if end != self.today and status in ("open", "in-progress"):
            status = "cannot-resolve"  # the household left the programme
            closed, resolution = end, "户已退出帮扶，事项终止"
            steps.append((end, "cannot-resolve", resolution))
        rows["commitment"].append(
            {
                "id": cid,
                "household_id": hid,
                "visit_id": vid,
                "text": need[0],
                "cadre_id": cadre_id,
                "due_date": day(due),
                "status": status,
                "opened_on": day(opened),
                "closed_on": None if closed is None else day(closed),
                "resolution": resolution,
                "referred_to": referred,
            }
        )
        for when, action, note in steps:
            self.next_id["commitment_response"] += 1
            rows["commitment_response"].append(
                {
                    "id": self.next_id["commitment_response"],
                    "commitment_id": cid,
                    "response_date": day(when),
                    "action": action,
                    "note": note,
                    "operator": self.operator,
                }
            )
