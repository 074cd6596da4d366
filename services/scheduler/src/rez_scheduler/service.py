"""Use case: create the scheduled message, store it, announce it; never leave it silently unsent."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from rez_messages import (
    Message,
    MessagePublisher,
    MessageRepository,
    MessageStatus,
    MessageType,
    Payload,
    new_message,
)
from rez_messages.crash_points import crash_point
from rez_scheduler.schedule_input import ScheduleOverrides
from rez_telemetry import MESSAGES_CREATED, correlation, logger, metrics, tracer

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

Retry = Callable[..., Any]
"""Calls `fn(*args)` with retries (a `rez_telemetry.resilience.RetryPolicy` instance)."""


class PublishFailedError(RuntimeError):
    """The message was stored but could not be published; it is marked `failed` with the reason."""

    def __init__(self, message_id: str, reason: str) -> None:
        super().__init__(f"message {message_id} could not be published: {reason}")
        self.message_id = message_id
        self.reason = reason


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
        tags=DEFAULT_TAGS if overrides.tags is None else overrides.tags,
    )


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"


def create_scheduled_message(
    overrides: ScheduleOverrides,
    *,
    repository: MessageRepository,
    publisher: MessagePublisher,
    topic_arn: str,
    stage: str,
    retention: timedelta,
    retry: Retry,
    now: datetime,
) -> ScheduledMessage:
    """Store a `scheduled_hello` message and publish it (with retries).

    If publishing still fails, the record is marked `failed` with the reason and
    `PublishFailedError` is raised, so the invocation fails visibly.
    """
    payload = _payload(overrides)
    correlation_id = correlation.get_correlation_id() or correlation.new_correlation_id()
    message = new_message(
        message_type=MessageType.SCHEDULED_HELLO,
        payload=payload,
        created_by=CREATED_BY,
        stage=stage,
        correlation_id=correlation_id,
        now=now,
        retention=retention,
    )
    with correlation.correlation_scope(
        correlation_id=correlation_id, message_id=message.message_id
    ):
        tracer.annotate(
            correlation_id=correlation_id,
            message_id=message.message_id,
            message_type=str(message.message_type),
        )
        tracer.metadata(status=str(message.status), created_by=CREATED_BY)
        repository.add(message)
        logger.info(
            "Scheduled message created",
            message_id=message.message_id,
            correlation_id=correlation_id,
            message_type=str(message.message_type),
            stage=stage,
        )
        metrics.record_count(
            MESSAGES_CREATED,
            1,
            dimensions={"MessageType": str(message.message_type), "CreatedBy": CREATED_BY},
        )
        crash_point("scheduler.after_store", message.message_id, message.correlation_id)
        _publish(message, publisher=publisher, repository=repository, retry=retry)
        logger.info(
            "Published message to SNS",
            message_id=message.message_id,
            correlation_id=correlation_id,
            topic_arn=topic_arn,
        )
    return ScheduledMessage(message.message_id, correlation_id, str(message.status))


def _publish(
    message: Message,
    *,
    publisher: MessagePublisher,
    repository: MessageRepository,
    retry: Retry,
) -> None:
    try:
        retry(publisher.publish, message)
    except Exception as error:
        reason = f"publish to SNS failed: {_describe(error)}"
        tracer.metadata(error=reason)
        logger.error("Message publish failed", message_id=message.message_id, error=reason)
        try:
            repository.mark_failed(message.message_id, error=reason)
        except Exception as mark_error:
            logger.opt(exception=mark_error).error(
                "Could not mark unpublished message failed",
                message_id=message.message_id,
                error=reason,
                mark_error=_describe(mark_error),
            )
        else:
            logger.info(
                "Message status updated",
                message_id=message.message_id,
                old_status=str(MessageStatus.CREATED),
                new_status=str(MessageStatus.FAILED),
            )
        raise PublishFailedError(message.message_id, reason) from error
