"""Which schedules are due now: pure bookkeeping, so it is tested without threads or AWS."""

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from rez_localstack.scheduler_firing.expressions import (
    ExpressionError,
    ScheduleExpression,
    parse_expression,
)
from rez_localstack.scheduler_firing.schedules import ScheduleView

LOG = logging.getLogger(__name__)

_A_SECOND = timedelta(seconds=1)


@dataclass(frozen=True, slots=True)
class Firing:
    """One invocation to make; ``last`` when the schedule has no occurrence after it."""

    schedule: ScheduleView
    due: datetime
    last: bool


@dataclass(slots=True)
class _Tracked:
    revision: float
    expression: ScheduleExpression
    anchor: datetime
    next_due: datetime | None


class FiringPlanner:
    """Remembers each schedule's next due time and hands out what is due.

    A ``rate`` counts from its start date, else from its creation or last update (re-enabling
    is an update). Occurrences missed while the clock jumped forward are coalesced into one
    invocation.
    """

    def __init__(self) -> None:
        self._tracked: dict[str, _Tracked] = {}

    def due(
        self, schedules: Iterable[ScheduleView], now: datetime, offset: timedelta = timedelta()
    ) -> tuple[list[Firing], list[ScheduleView]]:
        """The firings due at ``now`` and the schedules that completed without one (to delete).

        ``offset`` is how far the firing clock runs ahead of the wall clock, on which schedules
        record their creation.
        """
        firings: list[Firing] = []
        completed: list[ScheduleView] = []
        seen: set[str] = set()
        for schedule in schedules:
            seen.add(schedule.arn)
            if not schedule.enabled:
                self._tracked.pop(schedule.arn, None)
                continue
            tracked = self._track(schedule, now, offset)
            if tracked is None:
                continue
            outcome = self._step(schedule, tracked, now)
            if isinstance(outcome, Firing):
                firings.append(outcome)
            elif outcome == "completed":
                completed.append(schedule)
        for arn in set(self._tracked) - seen:
            del self._tracked[arn]
        return firings, completed

    def _track(self, schedule: ScheduleView, now: datetime, offset: timedelta) -> _Tracked | None:
        tracked = self._tracked.get(schedule.arn)
        if tracked is not None and tracked.revision == schedule.revision:
            return tracked
        try:
            expression = parse_expression(schedule.expression, schedule.timezone)
        except ExpressionError as error:
            LOG.warning("schedule %s is never fired: %s", schedule.arn, error)
            return None
        # counted from its creation (or update), not from when this loop first saw it
        created = min(schedule.modified_at + offset, now)
        anchor = schedule.start or created
        after = created if schedule.start is None else max(created, schedule.start - _A_SECOND)
        tracked = _Tracked(
            schedule.revision, expression, anchor, expression.next_after(after, anchor)
        )
        self._tracked[schedule.arn] = tracked
        return tracked

    def _step(
        self, schedule: ScheduleView, tracked: _Tracked, now: datetime
    ) -> Firing | Literal["completed"] | None:
        due = tracked.next_due
        if due is None or (schedule.end is not None and due > schedule.end):
            tracked.next_due = None
            return "completed" if schedule.delete_after_completion else None
        if due > now:
            return None
        following = tracked.expression.next_after(max(due, now), tracked.anchor)
        if following is not None and schedule.end is not None and following > schedule.end:
            following = None
        tracked.next_due = following
        return Firing(schedule, due, last=following is None)
