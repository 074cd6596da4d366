"""The use case of every message producer: store, publish, and never leave a message silently
unsent. Used by the scheduler and the web API; the repository and the publisher are injected.

Store first (once per idempotency key when one is given), log "<Scheduled|Manual> message
created" and count `MessagesCreated{MessageType, CreatedBy}`, then publish (through `retry` when
given) and log "Published message to SNS". When publishing still fails, the message is marked
`failed` with the reason (logged "Message status updated"; "Could not mark unpublished message
failed" if even that fails) and `PublishFailedError` is raised, so the invocation fails visibly.
An idempotent replay publishes again only a message still `created` (the first request died
between its write and its publication); the processor's conditional writes make the duplicate
delivery harmless.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from rez_messages.config import ProducerSettings
from rez_messages.crash_points import crash_point
from rez_messages.exceptions import MessageError
from rez_messages.model import Message, MessageStatus, MessageType
from rez_messages.publishing import MessagePublisher
from rez_messages.repository import MessageRepository, utc_now
from rez_telemetry import correlation, logger, metrics, tracer
from rez_telemetry.metrics.names import MESSAGES_CREATED

__all__ = [
    "Created",
    "Producer",
    "PublishFailedError",
    "Retry",
    "build_producer",
    "create_and_publish",
]

Retry = Callable[..., Any]
"""Calls `fn(*args)` with retries (a `rez_telemetry.resilience.RetryPolicy` instance)."""

#: The log event of a stored message, by its type.
CREATED_EVENTS: Final = {
    MessageType.SCHEDULED_HELLO: "Scheduled message created",
    MessageType.MANUAL: "Manual message created",
}


@dataclass(frozen=True, slots=True)
class Producer:
    """What a service that creates messages works with (the scheduler's, the web API's wiring).

    `retry` wraps each publication (None: one attempt); `now` is the clock of `created_at`.
    """

    repository: MessageRepository
    publisher: MessagePublisher
    stage: str
    retention: timedelta
    retry: Retry | None = None
    now: Callable[[], datetime] = utc_now


def build_producer(settings: ProducerSettings, *, retry: Retry | None = None) -> Producer:
    """The DynamoDB repository and SNS publisher for `settings` (boto3 clients created now)."""
    import boto3

    from rez_messages.dynamodb import DynamoDBMessageRepository
    from rez_messages.publishing import SNSMessagePublisher

    return Producer(
        repository=DynamoDBMessageRepository(settings.messages_table, boto3.client("dynamodb")),
        publisher=SNSMessagePublisher(settings.topic_arn, boto3.client("sns")),
        stage=settings.stage,
        retention=settings.retention,
        retry=retry,
    )


@dataclass(frozen=True, slots=True)
class Created:
    """The outcome: the stored message and whether this call made it (False: a replay)."""

    message: Message
    created: bool


class PublishFailedError(MessageError, RuntimeError):
    """The message was stored but could not be published; it was marked `failed` with `reason`."""

    def __init__(self, message: Message, reason: str) -> None:
        super().__init__(f"message {message.message_id} could not be published: {reason}")
        self.message = message
        self.message_id = message.message_id
        self.reason = reason


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"


def create_and_publish(
    message: Message,
    *,
    repository: MessageRepository,
    publisher: MessagePublisher,
    created_by_dimension: str,
    idempotency_key: str | None = None,
    retry: Retry | None = None,
    after_store: str | None = None,
) -> Created:
    """Store `message` and publish it (see the module doc); returns what was stored.

    `created_by_dimension` is the bounded `CreatedBy` of the metric (never a person's address).
    `after_store` names the crash point between the store and the publish (armed only on the
    local harness, to prove that a producer dying there strands nothing).
    Raises `PublishFailedError`, or what the repository raises (`IdempotencyConflictError`...).
    """
    with correlation.correlation_scope(
        correlation_id=message.correlation_id, message_id=message.message_id
    ):
        tracer.annotate(
            correlation_id=message.correlation_id,
            message_id=message.message_id,
            message_type=str(message.message_type),
        )
        if idempotency_key is None:
            repository.add(message)
            stored, created = message, True
        else:
            outcome = repository.create_idempotent(message, idempotency_key)
            stored, created = outcome.message, outcome.created
        if created:
            _log_created(stored, created_by_dimension)
        if after_store is not None:
            crash_point(after_store, stored.message_id, stored.correlation_id)
        if created or stored.status is MessageStatus.CREATED:
            _publish(stored, repository=repository, publisher=publisher, retry=retry)
    return Created(stored, created)


def _log_created(message: Message, created_by_dimension: str) -> None:
    logger.info(
        CREATED_EVENTS[message.message_type],
        message_id=message.message_id,
        correlation_id=message.correlation_id,
        message_type=str(message.message_type),
        created_by=message.created_by,
        stage=message.stage,
    )
    metrics.record_count(
        MESSAGES_CREATED,
        1,
        dimensions={"MessageType": str(message.message_type), "CreatedBy": created_by_dimension},
    )


def _publish(
    message: Message,
    *,
    repository: MessageRepository,
    publisher: MessagePublisher,
    retry: Retry | None,
) -> None:
    try:
        sns_message_id = (
            publisher.publish(message) if retry is None else retry(publisher.publish, message)
        )
    except Exception as error:
        reason = f"publish to SNS failed: {_describe(error)}"
        tracer.metadata(error=reason)
        logger.error("Message publish failed", message_id=message.message_id, error=reason)
        _mark_failed(message, reason, repository)
        raise PublishFailedError(message, reason) from error
    logger.info(
        "Published message to SNS",
        message_id=message.message_id,
        correlation_id=message.correlation_id,
        topic_arn=publisher.topic_arn,
        sns_message_id=sns_message_id,
    )


def _mark_failed(message: Message, reason: str, repository: MessageRepository) -> None:
    try:
        repository.mark_failed(message.message_id, error=reason)
    except Exception as mark_error:  # the publish failure is what the caller must see
        logger.opt(exception=mark_error).error(
            "Could not mark unpublished message failed",
            message_id=message.message_id,
            error=reason,
            mark_error=_describe(mark_error),
        )
        return
    logger.info(
        "Message status updated",
        message_id=message.message_id,
        old_status=str(MessageStatus.CREATED),
        new_status=str(MessageStatus.FAILED),
        error=reason,
    )
