"""The demo's people: villages, cadres, and each household's members, made up.

Names are drawn from the surnames and the given names in fashion in each year of birth
(:mod:`zoufang.services.demo_text`); resident ID numbers are valid and unique, issued in
the demo's county but for a few people from other provinces; a household's members fit
its categories (a left-behind child lives with grandparents, an elderly-alone head alone).
"""

from __future__ import annotations

import bisect
import datetime as dt
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from zoufang.parsing import id_check_digit
from zoufang.services import demo_text as words

HOUSEHOLDS_PER_VILLAGE = 40
HOUSEHOLDS_PER_CADRE = 25
#: Share of households whose first category is this one (low-income and elderly-alone are
#: common, honour recipients rare).
PRIMARY_CATEGORY = (
    ("low-income", 30.0),
    ("elderly-alone", 20.0),
    ("illness-poverty", 12.0),
    ("disabled", 11.0),
    ("left-behind-child", 8.0),
    ("veteran-member", 8.0),
    ("hardship-member", 5.0),
    ("retired-cadre", 2.5),
    ("frontline-cadre", 2.0),
    ("bereaved-family", 1.2),
    ("honour-recipient", 0.3),
)
SHARE_SECOND_CATEGORY = 0.3
#: Categories that plausibly come with the first one.
SECOND_CATEGORY = {
    "low-income": ("disabled", "illness-poverty", "elderly-alone"),
    "elderly-alone": ("low-income", "disabled", "veteran-member", "illness-poverty"),
    "illness-poverty": ("low-income", "disabled", "hardship-member"),
    "disabled": ("low-income", "illness-poverty"),
    "left-behind-child": ("low-income", "disabled"),
    "veteran-member": ("elderly-alone", "hardship-member", "illness-poverty"),
    "hardship-member": ("illness-poverty", "low-income"),
    "retired-cadre": ("elderly-alone", "veteran-member"),
    "frontline-cadre": ("illness-poverty",),
    "bereaved-family": ("low-income", "hardship-member"),
    "honour-recipient": ("veteran-member", "elderly-alone"),
}
#: Age range of the household head (the person supported) by category.
HEAD_AGE = {
    "low-income": (28, 80),
    "elderly-alone": (70, 95),
    "illness-poverty": (25, 80),
    "disabled": (20, 80),
    "left-behind-child": (4, 15),
    "veteran-member": (70, 96),
    "hardship-member": (40, 85),
    "retired-cadre": (62, 90),
    "frontline-cadre": (26, 55),
    "bereaved-family": (30, 75),
    "honour-recipient": (78, 98),
}


@dataclass
class Village:
    """A village or community, and the cadres who visit its households."""

    name: str
    town: str
    community: bool
    grids: int
    weight: float
    cadres: list[int] = field(default_factory=list)
    town_cadres: list[int] = field(default_factory=list)


class Draws:
    """One seeded random stream, and the draws made from it: the same seed, the same demo."""

    rng: random.Random
    random: Callable[[], float]
    today: int  # ordinal

    # Faster than Random.choice/randint and as reproducible: everything comes from random().
    def pick(self, items: Sequence):
        return items[int(self.random() * len(items))]

    def between(self, low: int, high: int) -> int:
        return low + int(self.random() * (high - low + 1))

    def weighted(self, items: Sequence, cumulative: list[float]):
        return items[bisect.bisect(cumulative, self.random() * cumulative[-1])]


class PeopleMaker(Draws):
    """Villages, cadres and the people of each household (mixed into the demo's maker)."""

    next_id: dict[str, int]
    used_id_numbers: set[str]
    latest_birth: int  # ordinal
    provinces: list[str]
    region: str
    counties: dict[str, list[str]]
    surname_weights: list[float]

    # ------------------------------------------------------------------ places and cadres

    def villages(self, households: int) -> list[Village]:
        """~1 village or community per 40 households, ~12 to a township."""
        count = max(1, round(households / HOUSEHOLDS_PER_VILLAGE))
        towns = _unique_names(self, max(1, -(-count // 12)), words.TOWN_NAMES, self._town_name)
        seat = len(towns) >= 3  # then the first township is the county seat's 街道 of 社区
        towns = [
            name + ("街道" if seat and i == 0 else "乡" if self.random() < 0.3 else "镇")
            for i, name in enumerate(towns)
        ]
        result = []
        for i, name in enumerate(
            _unique_names(self, count, words.CLASSIC_PLACES, self._place_name)
        ):
            town = i * len(towns) // count
            community = (seat and town == 0) or self.random() < (0.15 if seat else 0.3)
            result.append(
                Village(
                    name=name + ("社区" if community else "村"),
                    town=towns[town],
                    community=community,
                    grids=self.between(2, 4),
                    weight=0.5 + self.random(),
                )
            )
        self.village_weights = cumulative([v.weight for v in result])
        return result

    def _place_name(self, attempt: int) -> str:
        name = self.pick(words.SURNAMES)[0] + self.pick(words.PLACE_ENDINGS)
        if attempt > 2000:
            name = self.pick(words.PLACE_PREFIXES) + name
        if attempt > 20000:
            name += self.pick(words.CHINESE_NUMERALS)
        return name

    def _town_name(self, attempt: int) -> str:
        name = self.pick(words.SURNAMES)[0] + self.pick(("集", "店", "庄", "桥", "湾"))
        return name if attempt < 500 else self.pick(words.PLACE_PREFIXES) + name

    def cadres(self, villages: list[Village], households: int) -> list[dict]:
        """~1 cadre per 25 households: at least one per village, the rest by village size."""
        count = max(len(villages), round(households / HOUSEHOLDS_PER_CADRE))
        total_weight = sum(v.weight for v in villages)
        shares = [v.weight / total_weight * (count - len(villages)) for v in villages]
        extra = [int(s) for s in shares]
        by_remainder = sorted(range(len(villages)), key=lambda i: extra[i] - shares[i])
        for i in by_remainder[: count - len(villages) - sum(extra)]:
            extra[i] += 1
        rows: list[dict] = []
        emails: set[str] = set()
        for village, more in zip(villages, extra, strict=True):
            for _ in range(1 + more):
                rows.append(self._cadre(len(rows) + 1, village, emails))
        return rows

    def _cadre(self, cid: int, village: Village, emails: set[str]) -> dict:
        male = self.random() < 0.6
        surname, surname_py = self.weighted(words.SURNAMES, self.surname_weights)
        born = self.today - self.between(24 * 365, 58 * 365)
        given, given_py = self.pick(_given_pool(dt.date.fromordinal(born).year, male, True))
        email = surname_py + given_py
        if email in emails:
            email += str(cid)
        emails.add(email)
        village.cadres.append(cid)
        if self.random() < 0.7:
            unit = village.name + ("党委" if village.community else "党支部")
        else:  # a township cadre who looks after (包) this village
            unit = village.town + self.pick(words.CADRE_UNITS_TOWN)
            village.town_cadres.append(cid)
        return {
            "id": cid,
            "code": f"C{cid:04d}",
            "name": surname + given,
            "unit": unit,
            "phone": self._mobile(),
            "email": f"{email}@gov.example",
        }

    # ------------------------------------------------------------------ people

    def _name(self, born: int, male: bool, surname: str | None = None) -> str:
        if surname is None:
            surname = self.weighted(words.SURNAMES, self.surname_weights)[0]
        return surname + self.pick(_given_pool(dt.date.fromordinal(born).year, male, False))

    def _mobile(self) -> str:
        return self.pick(words.MOBILE_PREFIXES) + f"{int(self.random() * 10**8):08d}"

    def _birth(self, min_age: int, max_age: int) -> int:
        born = self.today - self.between(min_age * 365 + 20, max_age * 365 + 340)
        return min(born, self.latest_birth)

    def county(self, province: str, n: int) -> str:
        """The ``n``-th county code of ``province`` (round the list)."""
        counties = self.counties[province]
        return counties[n % len(counties)]

    def _id_number(self, born: int, male: bool) -> str:
        """A unique, valid 18-digit number: region, birth date, sequence (odd for men), check."""
        birth = dt.date.fromordinal(born).strftime("%Y%m%d")
        region = self.region
        if self.random() < 0.08:  # married in or moved here from another province
            region = self.county(self.pick(self.provinces), self.between(2, 28))
        while True:
            first17 = f"{region}{birth}{self.between(0, 499) * 2 + male:03d}"
            number = first17 + id_check_digit(first17)
            if number not in self.used_id_numbers:
                self.used_id_numbers.add(number)
                return number

    def _members(
        self,
        hid: int,
        primary: str,
        categories: list[str],
        surname: str,
        male: bool,
        head_age: int,
        rows: dict[str, list[dict]],
    ) -> int:
        """The people living with the head; returns the household size (head included)."""
        if "elderly-alone" in categories:
            return 1
        chance, birth, pick = self.random, self._birth, self.pick
        people: list[tuple[str, int, bool, str | None, str]] = []
        if primary == "left-behind-child":
            for _ in range(self.between(1, 2)):
                people.append(
                    (
                        "祖父母",
                        birth(head_age + 48, head_age + 68),
                        chance() < 0.5,
                        surname,
                        pick(words.MEMBER_HEALTH),
                    )
                )
            for parent_male in (True, False):
                if chance() < 0.6:
                    people.append(
                        (
                            "父母",
                            birth(head_age + 22, head_age + 35),
                            parent_male,
                            surname if parent_male else None,
                            "健康（外出务工）",
                        )
                    )
            if chance() < 0.4:
                people.append(
                    (
                        "兄弟姐妹",
                        birth(max(1, head_age - 4), head_age + 5),
                        chance() < 0.5,
                        surname,
                        "健康",
                    )
                )
        else:
            if chance() < (0.65 if head_age >= 60 else 0.75):
                people.append(
                    (
                        "配偶",
                        birth(max(20, head_age - 5), head_age + 4),
                        not male,
                        None,
                        pick(words.MEMBER_HEALTH),
                    )
                )
            child_surname = surname if male else None
            children = self.between(0, 2 if head_age >= 60 else 3) if head_age >= 22 else 0
            for _ in range(children):
                people.append(
                    (
                        "子女",
                        birth(max(0, head_age - 38), head_age - 22),
                        chance() < 0.5,
                        child_surname,
                        pick(words.MEMBER_HEALTH),
                    )
                )
            if head_age >= 55 and children and chance() < 0.5:
                people.append(
                    (
                        "孙子女",
                        birth(max(0, head_age - 62), head_age - 45),
                        chance() < 0.5,
                        child_surname,
                        "健康",
                    )
                )
            if head_age < 50 and chance() < 0.35:
                people.append(
                    (
                        "父母",
                        birth(head_age + 22, head_age + 35),
                        chance() < 0.5,
                        surname,
                        pick(words.OLD_HEALTH),
                    )
                )
            if not people:  # only the elderly-alone live alone
                people.append(
                    ("子女", birth(0, max(0, head_age - 22)), chance() < 0.5, child_surname, "健康")
                )
        people = people[:4]
        for relation, born, is_male, member_surname, health in people:
            self.next_id["member"] += 1
            adult = self.today - born >= 18 * 365
            number = self._id_number(born, is_male) if chance() < (0.7 if adult else 0.4) else None
            rows["member"].append(
                {
                    "id": self.next_id["member"],
                    "household_id": hid,
                    "name": self._name(born, is_male, member_surname),
                    "relation": relation,
                    "birth_year": dt.date.fromordinal(born).year,
                    "health": health,
                    "id_number": number,
                }
            )
        return 1 + len(people)


def head_age_range(categories: list[str]) -> tuple[int, int]:
    """Ages that fit every category (an elderly-alone low-income head is 70+), or the first
    category's when they cannot all fit (a left-behind child in a low-income household)."""
    low = max(HEAD_AGE[c][0] for c in categories)
    high = min(HEAD_AGE[c][1] for c in categories)
    return (low, high) if low <= high else HEAD_AGE[categories[0]]


def cumulative(weights: Sequence[float]) -> list[float]:
    total, result = 0.0, []
    for weight in weights:
        total += weight
        result.append(total)
    return result


def _names_only(pairs: Sequence[tuple[str, str]]) -> tuple[str, ...]:
    return tuple(name for name, _ in pairs)


#: Given names by (era of birth, male), without pinyin: for households.
_GIVEN = {
    ("old", True): tuple(words.GIVEN_OLD_MALE),
    ("old", False): tuple(words.GIVEN_OLD_FEMALE),
    ("mid", True): _names_only(words.GIVEN_MID_MALE),
    ("mid", False): _names_only(words.GIVEN_MID_FEMALE),
    ("young", True): _names_only(words.GIVEN_YOUNG_MALE),
    ("young", False): _names_only(words.GIVEN_YOUNG_FEMALE),
}


def _given_pool(year: int, male: bool, with_pinyin: bool) -> Sequence:
    """Given names in fashion in the year of birth; (name, pinyin) pairs for cadres."""
    era = "old" if year < 1965 else "mid" if year < 1990 else "young"
    if not with_pinyin:
        return _GIVEN[era, male]
    if era == "young":
        return words.GIVEN_YOUNG_MALE if male else words.GIVEN_YOUNG_FEMALE
    return words.GIVEN_MID_MALE if male else words.GIVEN_MID_FEMALE


def _unique_names(
    maker: Draws, count: int, classic: Sequence[str], invent: Callable[[int], str]
) -> list[str]:
    """``count`` distinct names: the classic ones first (in random order), then invented."""
    names = list(classic)
    maker.rng.shuffle(names)
    names = names[:count]
    seen = set(names)
    attempt = 0
    while len(names) < count:
        attempt += 1
        name = invent(attempt)
        if name not in seen:
            seen.add(name)
            names.append(name)
    return names
