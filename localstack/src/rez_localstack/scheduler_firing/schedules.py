"""A plain snapshot of one stored schedule, read from moto's scheduler backend."""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class ScheduleView:
    """What the firing loop needs to know about a schedule, copied out of the store."""

    arn: str
    account_id: str
    region: str
    group: str
    name: str
    expression: str
    timezone: str
    enabled: bool
    start: datetime | None
    end: datetime | None
    target: dict[str, Any]
    delete_after_completion: bool
    revision: float
    """Changes whenever the schedule is updated (its last modification time, epoch seconds)."""

    @property
    def modified_at(self) -> datetime:
        """When it was created or last updated, on the wall clock."""
        return datetime.fromtimestamp(self.revision, tz=UTC)


def to_datetime(value: object) -> datetime | None:
    """Moto keeps dates as they arrived: epoch numbers, ISO strings or datetimes."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, int | float):
        return datetime.fromtimestamp(float(value), tz=UTC)
    if isinstance(value, str):
        try:
            return datetime.fromtimestamp(float(value), tz=UTC)
        except ValueError:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    raise TypeError(f"not a date: {value!r}")


def view_of(account_id: str, region: str, schedule: Any) -> ScheduleView:
    """Copy a moto ``Schedule`` into a :class:`ScheduleView`."""
    return ScheduleView(
        arn=schedule.arn,
        account_id=account_id,
        region=region,
        group=schedule.group_name,
        name=schedule.name,
        expression=schedule.schedule_expression,
        timezone=schedule.schedule_expression_timezone or "UTC",
        enabled=(schedule.state or "ENABLED") == "ENABLED",
        start=to_datetime(schedule.start_date),
        end=to_datetime(schedule.end_date),
        target=dict(schedule.target or {}),
        delete_after_completion=schedule.action_after_completion == "DELETE",
        revision=float(schedule.last_modified_date),
    )


def stored_schedules() -> list[ScheduleView]:
    """Every schedule in every account and region LocalStack's scheduler holds."""
    from moto.scheduler.models import scheduler_backends

    views: list[ScheduleView] = []
    for account_id, regions in list(scheduler_backends.items()):
        for region, backend in list(regions.items()):
            for group in list(backend.schedule_groups.values()):
                views.extend(
                    view_of(account_id, region, schedule)
                    for schedule in list(group.schedules.values())
                )
    return views
