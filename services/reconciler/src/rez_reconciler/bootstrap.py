"""Wiring: the reconciler's dependencies from the environment, once per cold start.

The services' one idiom (`rez_telemetry.config.Wiring`): `dependencies()` builds on first use
(boto3 clients included, never at import), `override(...)` puts tests' fakes in, `reset()` forgets.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from rez_messages import MessageRepository
from rez_messages.config import messages_table, positive_int, topic_arn
from rez_messages.reconcile import Republisher
from rez_telemetry.config import Wiring, optional

__all__ = ["ReconcilerDependencies", "dependencies", "override", "reset"]


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(slots=True)
class ReconcilerDependencies:
    repository: MessageRepository
    republisher: Republisher
    max_receive_count: int
    visibility_timeout: Callable[[], int | None]
    clock: Callable[[], datetime] = field(default=_utc_now)


def build_from_environment() -> ReconcilerDependencies:
    """MESSAGES_TABLE, TOPIC_ARN, MAX_RECEIVE_COUNT, MESSAGE_QUEUE_URL (optional)."""
    import boto3

    from rez_messages.dynamodb import DynamoDBMessageRepository
    from rez_messages.reconcile import SNSRepublisher

    queue_url = optional("MESSAGE_QUEUE_URL")
    sqs = boto3.client("sqs") if queue_url else None

    def visibility_timeout() -> int | None:
        if sqs is None or queue_url is None:
            return None
        attributes = sqs.get_queue_attributes(
            QueueUrl=queue_url, AttributeNames=["VisibilityTimeout"]
        )["Attributes"]
        return int(attributes["VisibilityTimeout"])

    return ReconcilerDependencies(
        repository=DynamoDBMessageRepository(messages_table(), boto3.client("dynamodb")),
        republisher=SNSRepublisher(topic_arn(), boto3.client("sns")),
        max_receive_count=positive_int("MAX_RECEIVE_COUNT", None),
        visibility_timeout=visibility_timeout,
    )


_wiring: Wiring[ReconcilerDependencies] = Wiring(build_from_environment)
dependencies = _wiring.dependencies
override = _wiring.override
reset = _wiring.reset
