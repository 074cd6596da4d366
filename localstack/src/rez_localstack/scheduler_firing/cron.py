"""AWS's six-field cron: ``minutes hours day-of-month month day-of-week year``.

Supports ``*``, ``?``, lists, ranges, steps (``0/15``, ``*/5``), month and weekday names,
``L`` (last day of month; ``5L`` last Thursday), ``W`` (``15W`` nearest weekday; ``LW``) and
``#`` (``2#1`` first Monday). Day-of-week counts 1 = Sunday to 7 = Saturday, as AWS does.
"""

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

MONTHS = {name: index for index, name in enumerate(calendar.month_abbr) if name}
WEEKDAYS = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}
_SEARCH_YEARS = 8


class CronError(ValueError):
    """The expression is not an AWS cron expression this module understands."""


@dataclass(frozen=True, slots=True)
class CronSchedule:
    """A parsed cron expression; :meth:`next_after` finds the next matching local time."""

    minutes: frozenset[int]
    hours: frozenset[int]
    day_of_month: str
    months: frozenset[int]
    day_of_week: str
    years: frozenset[int] | None

    def next_after(self, moment: datetime) -> datetime | None:
        """First naive local minute strictly after ``moment`` that matches, or ``None``."""
        start = moment.replace(second=0, microsecond=0) + timedelta(minutes=1)
        day = start.date()
        last_day = date(min(start.year + _SEARCH_YEARS, 9999), 12, 31)
        while day <= last_day:
            if self._matches_day(day):
                found = self._first_time_on(day, start)
                if found is not None:
                    return found
            day += timedelta(days=1)
        return None

    def _first_time_on(self, day: date, start: datetime) -> datetime | None:
        for hour in sorted(self.hours):
            for minute in sorted(self.minutes):
                candidate = datetime(day.year, day.month, day.day, hour, minute)
                if candidate >= start:
                    return candidate
        return None

    def _matches_day(self, day: date) -> bool:
        if self.years is not None and day.year not in self.years:
            return False
        if day.month not in self.months:
            return False
        if self.day_of_month != "?":
            return _day_of_month_matches(self.day_of_month, day)
        return _day_of_week_matches(self.day_of_week, day)


def parse_cron(body: str) -> CronSchedule:
    """Parse the inside of ``cron(...)``."""
    parts = body.split()
    if len(parts) != 6:
        raise CronError(f"cron needs 6 fields, got {len(parts)}: {body!r}")
    minutes, hours, dom, month, dow, year = parts
    if (dom == "?") == (dow == "?"):
        raise CronError("exactly one of day-of-month and day-of-week must be '?'")
    _check_day_field(dom, day_of_week=False)
    _check_day_field(dow, day_of_week=True)
    return CronSchedule(
        minutes=_values(minutes, 0, 59, {}),
        hours=_values(hours, 0, 23, {}),
        day_of_month=dom.upper(),
        months=_values(month, 1, 12, {name.upper(): n for name, n in MONTHS.items()}),
        day_of_week=dow.upper(),
        years=None if year == "*" else _values(year, 1970, 2199, {}),
    )


def _values(field: str, low: int, high: int, names: dict[str, int]) -> frozenset[int]:
    result: set[int] = set()
    for part in field.upper().split(","):
        result.update(_part_values(part, low, high, names))
    if not result:
        raise CronError(f"empty cron field {field!r}")
    return frozenset(result)


def _part_values(part: str, low: int, high: int, names: dict[str, int]) -> range:
    step = 1
    if "/" in part:
        part, step_text = part.split("/", 1)
        step = _number(step_text, names)
        if step < 1:
            raise CronError(f"bad step in {part!r}")
    if part == "*":
        first, last = low, high
    elif "-" in part:
        first_text, last_text = part.split("-", 1)
        first, last = _number(first_text, names), _number(last_text, names)
    else:
        first = _number(part, names)
        last = high if step > 1 else first
    if not low <= first <= last <= high:
        raise CronError(f"{part!r} is outside {low}-{high}")
    return range(first, last + 1, step)


def _number(text: str, names: dict[str, int]) -> int:
    if text in names:
        return names[text]
    if not text.isdigit():
        raise CronError(f"{text!r} is not a number")
    return int(text)


_DOM_SPECIAL = re.compile(r"^(L|LW|\d{1,2}W|L-\d{1,2})$")
_DOW_SPECIAL = re.compile(r"^(L|[1-7A-Z]{1,3}L|[1-7A-Z]{1,3}#[1-5])$")


def _check_day_field(field: str, *, day_of_week: bool) -> None:
    upper = field.upper()
    if upper in ("?", "*"):
        return
    special = _DOW_SPECIAL if day_of_week else _DOM_SPECIAL
    if special.match(upper):
        return
    names = WEEKDAYS if day_of_week else {}
    _values(upper, 1, 7 if day_of_week else 31, names)


def _day_of_month_matches(field: str, day: date) -> bool:
    last = calendar.monthrange(day.year, day.month)[1]
    if field == "*":
        return True
    if field == "L":
        return day.day == last
    if field.startswith("L-"):
        return day.day == last - int(field[2:])
    if field == "LW":
        return day == _nearest_weekday(day.year, day.month, last)
    if field.endswith("W"):
        target = min(int(field[:-1]), last)
        return day == _nearest_weekday(day.year, day.month, target)
    return day.day in _values(field, 1, 31, {})


def _nearest_weekday(year: int, month: int, target: int) -> date:
    """Quartz ``W``: the weekday nearest ``target`` without leaving the month."""
    moment = date(year, month, target)
    if moment.weekday() == 5:  # Saturday
        return moment - timedelta(days=1) if target > 1 else moment + timedelta(days=2)
    if moment.weekday() == 6:  # Sunday
        last = calendar.monthrange(year, month)[1]
        return moment + timedelta(days=1) if target < last else moment - timedelta(days=2)
    return moment


def _aws_weekday(day: date) -> int:
    """1 = Sunday ... 7 = Saturday."""
    return (day.weekday() + 1) % 7 + 1


def _day_of_week_matches(field: str, day: date) -> bool:
    if field == "*":
        return True
    weekday = _aws_weekday(day)
    if field == "L":
        return weekday == 7
    if field.endswith("L"):
        wanted = _number(field[:-1], WEEKDAYS)
        last = calendar.monthrange(day.year, day.month)[1]
        return weekday == wanted and day.day + 7 > last
    if "#" in field:
        name, nth = field.split("#", 1)
        return weekday == _number(name, WEEKDAYS) and (day.day - 1) // 7 + 1 == int(nth)
    return weekday in _values(field, 1, 7, WEEKDAYS)
