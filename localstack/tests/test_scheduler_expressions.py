"""Schedule expressions and the firing planner, without threads or AWS."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from rez_localstack.scheduler_firing.clock import AdjustableClock
from rez_localstack.scheduler_firing.expressions import ExpressionError, parse_expression
from rez_localstack.scheduler_firing.planner import FiringPlanner
from rez_localstack.scheduler_firing.runner import SchedulerRunner
from rez_localstack.scheduler_firing.schedules import ScheduleView, to_datetime

NOW = datetime(2026, 11, 27, 10, 0, 30, tzinfo=UTC)  # a Friday


def next_of(expression: str, after: datetime = NOW, timezone: str = "UTC") -> datetime | None:
    return parse_expression(expression, timezone).next_after(after, after)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("cron(0/15 * * * ? *)", datetime(2026, 11, 27, 10, 15, tzinfo=UTC)),
        ("cron(5 10 * * ? *)", datetime(2026, 11, 27, 10, 5, tzinfo=UTC)),
        ("cron(0 10 * * ? *)", datetime(2026, 11, 28, 10, 0, tzinfo=UTC)),
        ("cron(0 12 L * ? *)", datetime(2026, 11, 30, 12, 0, tzinfo=UTC)),
        ("cron(0 12 L-1 * ? *)", datetime(2026, 11, 29, 12, 0, tzinfo=UTC)),
        ("cron(0 12 ? * 6L *)", datetime(2026, 11, 27, 12, 0, tzinfo=UTC)),  # last Friday
        ("cron(0 12 ? * 2#1 *)", datetime(2026, 12, 7, 12, 0, tzinfo=UTC)),  # first Monday
        ("cron(0 12 15W * ? *)", datetime(2026, 12, 15, 12, 0, tzinfo=UTC)),
        ("cron(0 12 1W * ? *)", datetime(2026, 12, 1, 12, 0, tzinfo=UTC)),
        ("cron(0 9 ? * MON-FRI *)", datetime(2026, 11, 30, 9, 0, tzinfo=UTC)),
        ("cron(0 0 1 JAN ? *)", datetime(2027, 1, 1, 0, 0, tzinfo=UTC)),
        ("cron(0 0 1 1 ? 2030)", datetime(2030, 1, 1, 0, 0, tzinfo=UTC)),
        ("cron(30 10 ? * 1,7 *)", datetime(2026, 11, 28, 10, 30, tzinfo=UTC)),  # Sat/Sun
        ("cron(0 8-10 * * ? *)", datetime(2026, 11, 28, 8, 0, tzinfo=UTC)),
    ],
)
def test_cron_next_occurrence(expression: str, expected: datetime) -> None:
    assert next_of(expression) == expected


def test_weekday_nearest_to_a_saturday_moves_back_to_friday() -> None:
    # 2026-08-15 is a Saturday: 15W fires on Friday the 14th
    assert next_of("cron(0 12 15W * ? *)", datetime(2026, 8, 1, tzinfo=UTC)) == datetime(
        2026, 8, 14, 12, tzinfo=UTC
    )


def test_cron_in_a_timezone_follows_daylight_saving() -> None:
    winter = next_of("cron(0 9 * * ? *)", datetime(2026, 1, 10, tzinfo=UTC), "Europe/Paris")
    summer = next_of("cron(0 9 * * ? *)", datetime(2026, 7, 10, tzinfo=UTC), "Europe/Paris")
    assert (winter, summer) == (
        datetime(2026, 1, 10, 8, tzinfo=UTC),
        datetime(2026, 7, 10, 7, tzinfo=UTC),
    )


def test_rate_counts_from_its_anchor_and_at_fires_once() -> None:
    rate = parse_expression("rate(5 minutes)")
    anchor = NOW - timedelta(minutes=7)
    assert rate.next_after(NOW, anchor) == anchor + timedelta(minutes=10)
    assert parse_expression("rate(1 hour)").next_after(NOW, NOW) == NOW + timedelta(hours=1)
    at = parse_expression("at(2026-11-27T12:00:00)", "America/New_York")
    assert at.next_after(NOW, NOW) == datetime(2026, 11, 27, 17, 0, tzinfo=UTC)
    assert at.next_after(datetime(2026, 11, 27, 17, 0, tzinfo=UTC), NOW) is None


@pytest.mark.parametrize(
    "expression",
    [
        "rate(0 minutes)",
        "rate(1 minutes)",
        "rate(5 minute)",
        "rate(5 seconds)",
        "cron(* * * * *)",
        "cron(0 12 * * MON *)",
        "cron(0 12 ? * ? *)",
        "cron(61 * * * ? *)",
        "cron(0 12 ? * 9 *)",
        "at(2026-13-01T00:00:00)",
        "every day",
    ],
)
def test_invalid_expressions_are_rejected(expression: str) -> None:
    with pytest.raises(ExpressionError):
        parse_expression(expression)


def test_unknown_timezone_is_rejected() -> None:
    with pytest.raises(ExpressionError):
        parse_expression("rate(1 minute)", "Mars/Olympus")


# ---------------------------------------------------------------- planner


def view(expression: str, **overrides: Any) -> ScheduleView:
    values: dict[str, Any] = {
        "arn": f"arn:aws:scheduler:us-east-1:000000000000:schedule/default/{expression}",
        "account_id": "000000000000",
        "region": "us-east-1",
        "group": "default",
        "name": "s",
        "expression": expression,
        "timezone": "UTC",
        "enabled": True,
        "start": None,
        "end": None,
        "target": {"Arn": "arn:aws:lambda:us-east-1:000000000000:function:f", "Input": "{}"},
        "delete_after_completion": False,
        "revision": NOW.timestamp(),
    }
    values.update(overrides)
    return ScheduleView(**values)


def test_rate_fires_every_period_after_first_sight_and_coalesces_a_jump() -> None:
    planner, schedule = FiringPlanner(), view("rate(1 minute)")
    assert planner.due([schedule], NOW) == ([], [])
    assert planner.due([schedule], NOW + timedelta(seconds=59)) == ([], [])
    (firing,), _ = planner.due([schedule], NOW + timedelta(seconds=60))
    assert firing.due == NOW + timedelta(minutes=1) and not firing.last
    # ten minutes later: one invocation for the missed ones, then back on the grid
    (late,), _ = planner.due([schedule], NOW + timedelta(minutes=11))
    assert late.due == NOW + timedelta(minutes=2)
    assert planner.due([schedule], NOW + timedelta(minutes=11, seconds=30)) == ([], [])
    assert len(planner.due([schedule], NOW + timedelta(minutes=12))[0]) == 1


def test_disabled_schedule_never_fires_and_restarts_from_its_re_enable() -> None:
    planner = FiringPlanner()
    planner.due([view("rate(1 minute)", enabled=False)], NOW)
    assert planner.due([view("rate(1 minute)", enabled=False)], NOW + timedelta(minutes=5)) == (
        [],
        [],
    )
    enabled = view("rate(1 minute)", revision=(NOW + timedelta(minutes=5)).timestamp())
    assert planner.due([enabled], NOW + timedelta(minutes=5, seconds=30)) == ([], [])
    assert len(planner.due([enabled], NOW + timedelta(minutes=6))[0]) == 1


def test_at_fires_once_and_asks_for_deletion_when_configured() -> None:
    planner = FiringPlanner()
    schedule = view("at(2026-11-27T10:01:00)", delete_after_completion=True)
    assert planner.due([schedule], NOW) == ([], [])
    (firing,), _ = planner.due([schedule], NOW + timedelta(seconds=31))
    assert firing.last
    assert planner.due([schedule], NOW + timedelta(seconds=40)) == ([], [schedule])


def test_occurrence_between_creation_and_first_sight_still_fires() -> None:
    planner = FiringPlanner()
    created = view("at(2026-11-27T10:00:28)", revision=(NOW - timedelta(seconds=5)).timestamp())
    (firing,), _ = planner.due([created], NOW)
    assert firing.due == datetime(2026, 11, 27, 10, 0, 28, tzinfo=UTC)


def test_rate_counts_from_creation_on_the_firing_clock() -> None:
    # created 10 s before it was first seen, while the clock ran 1 h ahead of the wall clock
    planner, offset = FiringPlanner(), timedelta(hours=1)
    created = view("rate(1 minute)", revision=(NOW - offset - timedelta(seconds=10)).timestamp())
    assert planner.due([created], NOW, offset) == ([], [])
    assert len(planner.due([created], NOW + timedelta(seconds=50), offset)[0]) == 1


def test_start_and_end_dates_bound_the_occurrences() -> None:
    planner = FiringPlanner()
    start, end = NOW + timedelta(minutes=10), NOW + timedelta(minutes=12, seconds=30)
    schedule = view("rate(1 minute)", start=start, end=end)
    assert planner.due([schedule], NOW + timedelta(minutes=10, seconds=59)) == ([], [])
    fired = [len(planner.due([schedule], start + timedelta(minutes=m))[0]) for m in (1, 2, 3)]
    assert fired == [1, 1, 0]


def test_an_updated_schedule_is_planned_afresh_and_a_deleted_one_forgotten() -> None:
    planner = FiringPlanner()
    planner.due([view("rate(1 minute)")], NOW)
    updated = view("rate(1 minute)", revision=(NOW + timedelta(seconds=30)).timestamp())
    assert planner.due([updated], NOW + timedelta(seconds=60)) == ([], [])
    assert len(planner.due([updated], NOW + timedelta(seconds=90))[0]) == 1
    assert planner.due([], NOW + timedelta(minutes=5)) == ([], [])


def test_dates_arrive_as_epoch_numbers_or_iso_strings() -> None:
    expected = datetime(2026, 1, 1, tzinfo=UTC)
    assert to_datetime(1_767_225_600) == expected
    assert to_datetime("1767225600.0") == expected
    assert to_datetime("2026-01-01T00:00:00Z") == expected
    assert to_datetime(None) is None


# ---------------------------------------------------------------- clock and runner


def test_clock_only_moves_forward() -> None:
    clock = AdjustableClock(wall=lambda: NOW)
    assert clock.advance(90) == NOW + timedelta(seconds=90)
    assert clock.offset_seconds == 90
    with pytest.raises(ValueError, match="forward"):
        clock.advance(-1)


def test_runner_fires_on_advance_and_stops_cleanly() -> None:
    fired: list[str] = []
    deleted: list[str] = []
    schedules = [
        view("rate(1 minute)"),
        view("at(2026-11-27T10:02:00)", name="once", arn="arn-once", delete_after_completion=True),
    ]
    runner = SchedulerRunner(
        read_schedules=lambda: schedules,
        invoke=lambda s: fired.append(s.arn),
        delete=lambda s: deleted.append(s.arn),
        clock=AdjustableClock(wall=lambda: NOW),
        tick_seconds=30,
    )
    runner.start()
    try:
        runner.run_pass_now()
        assert fired == []
        runner.advance(60)
        assert fired == [schedules[0].arn]
        runner.advance(60)
        assert fired == [schedules[0].arn, schedules[0].arn, "arn-once"]
        assert deleted == ["arn-once"]
    finally:
        runner.stop()
    assert not any(thread.name == "rez-scheduler-firing" for thread in threading.enumerate())


def test_a_failing_target_does_not_stop_the_others() -> None:
    fired: list[str] = []

    def invoke(schedule: ScheduleView) -> None:
        if schedule.name == "broken":
            raise RuntimeError("target gone")
        fired.append(schedule.name)

    runner = SchedulerRunner(
        read_schedules=lambda: [
            view("rate(1 minute)", name="broken", arn="a1"),
            view("rate(1 minute)", name="fine", arn="a2"),
        ],
        invoke=invoke,
        delete=lambda s: None,
        clock=AdjustableClock(wall=lambda: NOW),
    )
    runner.run_once()
    runner.clock.advance(60)
    runner.run_once()
    assert fired == ["fine"]
