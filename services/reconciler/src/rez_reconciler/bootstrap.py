"""Wiring: the reconciler's dependencies from the environment, once per cold start.

boto3 clients are created on first use (never at import); tests call `override(...)`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from rez_messages import MessageRepository, config
from rez_messages.reconcile import Republisher

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

    queue_url = os.environ.get("MESSAGE_QUEUE_URL") or None
    sqs = boto3.client("sqs") if queue_url else None

    def visibility_timeout() -> int | None:
        if sqs is None or queue_url is None:
            return None
        attributes = sqs.get_queue_attributes(
            QueueUrl=queue_url, AttributeNames=["VisibilityTimeout"]
        )["Attributes"]
        return int(attributes["VisibilityTimeout"])

    return ReconcilerDependencies(
        repository=DynamoDBMessageRepository(config.messages_table(), boto3.client("dynamodb")),
        republisher=SNSRepublisher(config.topic_arn(), boto3.client("sns")),
        max_receive_count=config.max_receive_count(),
        visibility_timeout=visibility_timeout,
    )


_current: dict[str, ReconcilerDependencies] = {}


def dependencies() -> ReconcilerDependencies:
    if "deps" not in _current:
        _current["deps"] = build_from_environment()
    return _current["deps"]


def override(deps: ReconcilerDependencies) -> None:
    _current["deps"] = deps


def reset() -> None:
    _current.clear()
