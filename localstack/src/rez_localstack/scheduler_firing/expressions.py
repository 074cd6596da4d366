"""Schedule expressions (``rate``, ``cron``, ``at``) and when they are next due.

Every time here is a timezone-aware UTC ``datetime``; ``cron`` and ``at`` are read in the
schedule's ``ScheduleExpressionTimezone``.
"""

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rez_localstack.scheduler_firing.cron import CronError, CronSchedule, parse_cron

_RATE = re.compile(r"^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$")
_CRON = re.compile(r"^cron\((.+)\)$")
_AT = re.compile(r"^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}


class ExpressionError(ValueError):
    """Not a schedule expression AWS accepts."""


@dataclass(frozen=True, slots=True)
class Rate:
    """``rate(N unit)``: every period, counted from the anchor (start date or creation)."""

    period: timedelta

    def next_after(self, after: datetime, anchor: datetime) -> datetime | None:
        """First ``anchor + k * period`` (k >= 1) strictly after ``after``."""
        if after < anchor:
            return anchor + self.period
        elapsed = (after - anchor) // self.period
        return anchor + (elapsed + 1) * self.period


@dataclass(frozen=True, slots=True)
class Cron:
    """``cron(...)`` in the schedule's timezone."""

    schedule: CronSchedule
    zone: tzinfo

    def next_after(self, after: datetime, anchor: datetime) -> datetime | None:
        """Next matching minute strictly after ``after`` (``anchor`` is unused)."""
        local = after.astimezone(self.zone).replace(tzinfo=None)
        while (found := self.schedule.next_after(local)) is not None:
            moment = found.replace(tzinfo=self.zone).astimezone(UTC)
            if moment > after:
                return moment
            local = found  # a DST fold mapped it back before ``after``
        return None


@dataclass(frozen=True, slots=True)
class At:
    """``at(yyyy-mm-ddThh:mm:ss)``: once, in the schedule's timezone."""

    moment: datetime

    def next_after(self, after: datetime, anchor: datetime) -> datetime | None:
        """The moment itself if it is still ahead of ``after``."""
        return self.moment if self.moment > after else None


type ScheduleExpression = Rate | Cron | At


def parse_expression(text: str, timezone: str | None = "UTC") -> ScheduleExpression:
    """Parse a Scheduler expression; raise ``ExpressionError`` when it is not one."""
    zone = _zone(timezone or "UTC")
    text = text.strip()
    if match := _RATE.match(text):
        count, unit = int(match.group(1)), match.group(2).rstrip("s")
        if count < 1:
            raise ExpressionError(f"rate needs a positive value: {text!r}")
        if (count == 1) != (match.group(2) == unit):
            raise ExpressionError(f"use the singular unit for 1, the plural otherwise: {text!r}")
        return Rate(timedelta(seconds=count * _UNIT_SECONDS[unit]))
    if match := _CRON.match(text):
        try:
            return Cron(parse_cron(match.group(1)), zone)
        except CronError as error:
            raise ExpressionError(str(error)) from error
    if match := _AT.match(text):
        try:
            local = datetime.fromisoformat(match.group(1))
        except ValueError as error:
            raise ExpressionError(f"not a date: {text!r}") from error
        return At(local.replace(tzinfo=zone).astimezone(UTC))
    raise ExpressionError(f"not a schedule expression: {text!r}")


def _zone(name: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ExpressionError(f"unknown timezone {name!r}") from error
