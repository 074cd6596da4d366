"""Use case: create the scheduled message, store it, announce it; never leave it silently unsent.

Storing and publishing (its logs, metric and failure handling) is `rez_messages.creation`'s,
shared with the web API.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from rez_messages import (
    MessagePublisher,
    MessageRepository,
    MessageType,
    Payload,
    new_message,
)
from rez_messages.creation import PublishFailedError, Retry, create_and_publish
from rez_scheduler.schedule_input import ScheduleOverrides
from rez_telemetry import correlation, tracer

__all__ = [
    "CREATED_BY",
    "DEFAULT_BODY",
    "DEFAULT_TAGS",
    "DEFAULT_TITLE",
    "PublishFailedError",
    "ScheduledMessage",
    "create_scheduled_message",
]

CREATED_BY = "scheduler"
DEFAULT_TITLE = "Hello from rez_agent"
DEFAULT_BODY = "Hello, world! This is your scheduled rez_agent message."
DEFAULT_TAGS = ("wave", "scheduled")


@dataclass(frozen=True, slots=True)
class ScheduledMessage:
    """What the scheduler answers: the id to follow, its correlation, its stored status."""

    message_id: str
    correlation_id: str
    status: str

    def as_dict(self) -> dict[str, str]:
        return {
            "message_id": self.message_id,
            "correlation_id": self.correlation_id,
            "status": self.status,
        }


def _payload(overrides: ScheduleOverrides) -> Payload:
    return Payload.create(
        body=DEFAULT_BODY if overrides.body is None else overrides.body,
        title=DEFAULT_TITLE if overrides.title is None else overrides.title,
        priority=overrides.priority,
        tags=list(DEFAULT_TAGS) if overrides.tags is None else overrides.tags,
    )


def create_scheduled_message(
    overrides: ScheduleOverrides,
    *,
    repository: MessageRepository,
    publisher: MessagePublisher,
    stage: str,
    retention: timedelta,
    retry: Retry | None,
    now: datetime,
) -> ScheduledMessage:
    """Store a `scheduled_hello` message and publish it (with retries).

    If publishing still fails, the record is marked `failed` with the reason and
    `PublishFailedError` is raised, so the invocation fails visibly.
    """
    correlation_id = correlation.get_correlation_id() or correlation.new_correlation_id()
    message = new_message(
        message_type=MessageType.SCHEDULED_HELLO,
        payload=_payload(overrides),
        created_by=CREATED_BY,
        stage=stage,
        correlation_id=correlation_id,
        now=now,
        retention=retention,
    )
    tracer.metadata(status=str(message.status), created_by=CREATED_BY)
    create_and_publish(
        message,
        repository=repository,
        publisher=publisher,
        created_by_dimension=CREATED_BY,
        retry=retry,
        after_store="scheduler.after_store",
    )
    return ScheduledMessage(message.message_id, correlation_id, str(message.status))
