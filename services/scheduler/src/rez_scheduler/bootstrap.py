"""Wiring: the scheduler's dependencies, built from the environment once per cold start.

The services share one idiom (`rez_telemetry.config.Wiring`): `dependencies()` builds on first
use (boto3 clients included, never at import), `override(...)` puts tests' fakes or moto-backed
adapters in, `reset()` forgets.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from rez_messages import MessagePublisher, MessageRepository
from rez_messages.config import ProducerSettings
from rez_messages.creation import Retry
from rez_messages.repository import utc_now
from rez_telemetry.config import Wiring

__all__ = ["SchedulerDependencies", "build", "dependencies", "override", "reset"]


@dataclass(frozen=True, slots=True)
class SchedulerDependencies:
    """Everything `create_scheduled_message` needs besides the event."""

    repository: MessageRepository
    publisher: MessagePublisher
    stage: str
    retention: timedelta
    retry: Retry
    clock: Callable[[], datetime] = utc_now


def build(settings: ProducerSettings) -> SchedulerDependencies:
    """The dependencies for `settings`; creates the boto3 clients (DynamoDB, SNS)."""
    import boto3

    from rez_messages.dynamodb import DynamoDBMessageRepository
    from rez_messages.publishing import SNSMessagePublisher
    from rez_telemetry import retry_policy

    return SchedulerDependencies(
        repository=DynamoDBMessageRepository(settings.messages_table, boto3.client("dynamodb")),
        publisher=SNSMessagePublisher(settings.topic_arn, boto3.client("sns")),
        stage=settings.stage,
        retention=settings.retention,
        retry=retry_policy(operation="sns.publish"),
    )


_wiring: Wiring[SchedulerDependencies] = Wiring(lambda: build(ProducerSettings.from_env()))
dependencies = _wiring.dependencies
override = _wiring.override
reset = _wiring.reset
