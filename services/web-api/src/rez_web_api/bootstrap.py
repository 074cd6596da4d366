"""Wiring: the repository, the publisher and the settings, built from the environment once.

The services share one idiom (`rez_telemetry.config.Wiring`): `dependencies()` builds on first
use (boto3 clients included, never at import; not cached on failure), `override(...)` puts
tests' fakes or moto-backed objects in, `reset()` forgets. The health route never asks for these,
so it answers even when the configuration is broken.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from rez_messages import MessagePublisher, MessageRepository
from rez_messages.config import ProducerSettings
from rez_messages.repository import utc_now
from rez_telemetry.config import Wiring

__all__ = ["Dependencies", "build", "dependencies", "override", "reset"]


@dataclass(frozen=True, slots=True)
class Dependencies:
    """What the endpoints need."""

    repository: MessageRepository
    publisher: MessagePublisher
    stage: str
    retention: timedelta
    now: Callable[[], datetime] = utc_now


def build(settings: ProducerSettings) -> Dependencies:
    """The dependencies for `settings`; creates the boto3 clients (DynamoDB, SNS)."""
    import boto3

    from rez_messages import SNSMessagePublisher
    from rez_messages.dynamodb import DynamoDBMessageRepository

    return Dependencies(
        repository=DynamoDBMessageRepository(settings.messages_table, boto3.client("dynamodb")),
        publisher=SNSMessagePublisher(settings.topic_arn, boto3.client("sns")),
        stage=settings.stage,
        retention=settings.retention,
    )


_wiring: Wiring[Dependencies] = Wiring(lambda: build(ProducerSettings.from_env()))
dependencies = _wiring.dependencies
override = _wiring.override
reset = _wiring.reset
