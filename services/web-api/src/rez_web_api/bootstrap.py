"""Wiring: the repository, the publisher and the settings, built from the environment once.

Nothing is created at import; `dependencies()` builds on first use (boto3 clients included) and
caches for the execution environment. Tests `override(...)` with fakes or moto-backed objects and
`reset()` between cases. The health route never asks for these, so it answers even when the
configuration is broken.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from rez_messages import MessagePublisher, MessageRepository
from rez_messages.repository import utc_now


@dataclass(frozen=True, slots=True)
class Dependencies:
    """What the endpoints need."""

    repository: MessageRepository
    publisher: MessagePublisher
    stage: str
    retention: timedelta
    now: Callable[[], datetime] = utc_now


def build_from_env() -> Dependencies:
    """Read `STAGE`, `MESSAGES_TABLE`, `TOPIC_ARN`, `MESSAGE_RETENTION_DAYS`; create the clients."""
    import boto3

    from rez_messages import SNSMessagePublisher, config
    from rez_messages.dynamodb import DynamoDBMessageRepository

    stage = config.stage()
    table, topic, retention = config.messages_table(), config.topic_arn(), config.retention()
    return Dependencies(
        repository=DynamoDBMessageRepository(table, boto3.client("dynamodb")),
        publisher=SNSMessagePublisher(topic, boto3.client("sns")),
        stage=stage,
        retention=retention,
    )


_lock = threading.Lock()
_current: Dependencies | None = None


def dependencies() -> Dependencies:
    """The execution environment's dependencies (built at first use; not cached on failure)."""
    global _current
    with _lock:
        if _current is None:
            _current = build_from_env()
        return _current


def override(deps: Dependencies) -> None:
    """Use `deps` instead of building from the environment (tests)."""
    global _current
    with _lock:
        _current = deps


def reset() -> None:
    """Forget the dependencies (tests)."""
    global _current
    with _lock:
        _current = None
