"""Wiring: the scheduler's dependencies, built from the environment once per cold start.

boto3 clients are created on first use (never at import). Tests call `override(...)` with fakes
or moto-backed adapters and `reset()` afterwards.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from rez_messages import MessagePublisher, MessageRepository, config
from rez_scheduler.service import Retry

__all__ = ["SchedulerDependencies", "build_from_environment", "dependencies", "override", "reset"]


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class SchedulerDependencies:
    """Everything `create_scheduled_message` needs besides the event."""

    repository: MessageRepository
    publisher: MessagePublisher
    topic_arn: str
    stage: str
    retention: timedelta
    retry: Retry
    clock: Callable[[], datetime] = _utc_now


def build_from_environment() -> SchedulerDependencies:
    """Read STAGE, MESSAGES_TABLE, TOPIC_ARN, MESSAGE_RETENTION_DAYS; create the boto3 clients."""
    import boto3

    from rez_messages.dynamodb import DynamoDBMessageRepository
    from rez_messages.publishing import SNSMessagePublisher
    from rez_telemetry import retry_policy

    stage = config.stage()
    table = config.messages_table()
    topic_arn = config.topic_arn()
    retention = config.retention()
    return SchedulerDependencies(
        repository=DynamoDBMessageRepository(table, boto3.client("dynamodb")),
        publisher=SNSMessagePublisher(topic_arn, boto3.client("sns")),
        topic_arn=topic_arn,
        stage=stage,
        retention=retention,
        retry=retry_policy(operation="sns.publish"),
    )


_current: dict[str, SchedulerDependencies] = {}


def dependencies() -> SchedulerDependencies:
    """The dependencies of this execution environment (built on first call, then reused)."""
    if "deps" not in _current:
        _current["deps"] = build_from_environment()
    return _current["deps"]


def override(deps: SchedulerDependencies) -> None:
    """Use `deps` from now on (tests)."""
    _current["deps"] = deps


def reset() -> None:
    """Forget the dependencies; the next call rebuilds them from the environment."""
    _current.clear()
