"""Use case: process one delivered message, from `created` to `completed` (or `failed`).

Duplicate rule (SQS and SNS deliver at least once): the stored `attempts` counts how many
deliveries took the message for processing. A delivery whose `ApproximateReceiveCount` is
greater than `attempts` is a retry (the earlier attempt crashed or failed) and takes over a
message stuck in `processing`; otherwise the message is being processed by a concurrent
duplicate, or is already `completed`/`failed`, and the delivery is acknowledged without work.

Redrive rule: a delivery that finds its message `failed` is a DLQ redrive (SQS delivers a message
that went to the DLQ again only that way, after the cause was fixed). It takes the message with
`repository.redrive` (`failed → processing`, attempts restart at 1 as the redriven SQS message's
receive count does) and proceeds as usual: a redrive that fails again is retried and, on its last
attempt, failed again.

On the last allowed attempt (receive count ≥ `MAX_RECEIVE_COUNT`) a failing message is marked
`failed` with the reason before SQS moves it to the DLQ. Before that, a retry-later failure of the
notifier comes with a delay (`RetryDelays`) that the batch applies to the record's visibility.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from rez_messages import (
    Delivery,
    Message,
    MessageNotFoundError,
    MessageRepository,
    MessageStatus,
    StatusConflictError,
)
from rez_processor.notifier import NotifierClient, NotifierError
from rez_processor.retry_delay import RetryDelays
from rez_processor.visibility import MessageVisibility
from rez_telemetry import correlation, logger, metrics
from rez_telemetry.metrics.names import MESSAGES_PROCESSED, PROCESSING_DURATION
from rez_telemetry.tracing import tracer

__all__ = ["Decision", "Outcome", "ProcessingContext", "UnknownMessageError", "process_delivery"]


class Outcome(StrEnum):
    """What became of one delivery; only RETRY and the failures go back to SQS."""

    COMPLETED = "completed"
    DUPLICATE = "duplicate"
    RETRY = "retry"
    FAILED = "failed"

    @property
    def acknowledged(self) -> bool:
        """Whether SQS may delete the record (False: report it in `batchItemFailures`)."""
        return self in (Outcome.COMPLETED, Outcome.DUPLICATE)


@dataclass(frozen=True, slots=True)
class Decision:
    """The outcome of one delivery and, for a paced retry, whole seconds until the next one.

    `retry_in_seconds` None: the record waits for the queue's own visibility timeout.
    """

    outcome: Outcome
    retry_in_seconds: int | None = None


class UnknownMessageError(Exception):
    """A delivery names a message_id that is not in the table (a poison record)."""

    def __init__(self, message_id: str) -> None:
        super().__init__(f"message {message_id} is not in the messages table")
        self.message_id = message_id


@dataclass(frozen=True, slots=True)
class ProcessingContext:
    """The dependencies of `process_delivery` (and of the batch: `visibility`).

    `visibility` None: retry delays are computed and logged but not applied (no SQS client).
    """

    repository: MessageRepository
    notifier: NotifierClient
    max_receive_count: int
    monotonic: Callable[[], float] = time.monotonic
    retry_delays: RetryDelays = field(default_factory=RetryDelays)
    visibility: MessageVisibility | None = None


def _trace_context_for_notifier() -> str | None:
    """The current span as the notifier's parent (the botocore hook re-points it at the invoke)."""
    return correlation.inject_into_payload({}).get("trace_context")


def _take(delivery: Delivery, repository: MessageRepository) -> tuple[Message, MessageStatus]:
    """`created → processing`, a retry taking over, or a redrive of a `failed` message.

    Returns the message and its old status; `StatusConflictError` means a duplicate.
    """
    try:
        return _take_or_redrive(delivery, repository)
    except MessageNotFoundError:
        raise UnknownMessageError(delivery.message_id) from None


def _take_or_redrive(
    delivery: Delivery, repository: MessageRepository
) -> tuple[Message, MessageStatus]:
    try:
        message = repository.mark_processing(
            delivery.message_id, retry_if_attempts_below=delivery.receive_count
        )
    except StatusConflictError as conflict:
        if conflict.current != MessageStatus.FAILED:
            raise
        # Only a DLQ redrive delivers a failed message again (see the module doc).
        return repository.redrive(delivery.message_id), MessageStatus.FAILED
    old = MessageStatus.CREATED if message.attempts == 1 else MessageStatus.PROCESSING
    return message, old


def _log_taken(message: Message, old_status: MessageStatus) -> None:
    redrive: dict[str, object] = {}
    if old_status is MessageStatus.FAILED:
        redrive = {"redrive": True, "redrives": message.redrives, "last_error": message.error}
        tracer.metadata(redrive=True, redrives=message.redrives)
    logger.info(
        "Message status updated",
        message_id=message.message_id,
        correlation_id=message.correlation_id,
        old_status=str(old_status),
        new_status=str(MessageStatus.PROCESSING),
        attempts=message.attempts,
        **redrive,
    )


def _acknowledge_duplicate(delivery: Delivery, conflict: StatusConflictError) -> Decision:
    logger.warning(
        "Duplicate delivery acknowledged",
        message_id=delivery.message_id,
        current_status=str(conflict.current),
        attempts=conflict.attempts,
        attempt=delivery.receive_count,
    )
    tracer.metadata(status=str(conflict.current), duplicate=True)
    return Decision(Outcome.DUPLICATE)


def process_delivery(delivery: Delivery, ctx: ProcessingContext) -> Decision:
    """Process one parsed delivery. Raises `UnknownMessageError` for an id not in the table."""
    started = ctx.monotonic()
    logger.info(
        "SQS message received",
        message_id=delivery.message_id,
        correlation_id=correlation.get_correlation_id(),
        attempt=delivery.receive_count,
    )
    try:
        message, old_status = _take(delivery, ctx.repository)
    except StatusConflictError as conflict:
        return _acknowledge_duplicate(delivery, conflict)
    with correlation.correlation_scope(
        correlation_id=message.correlation_id,
        message_id=message.message_id,
        message_type=str(message.message_type),
    ):
        tracer.annotate(
            correlation_id=message.correlation_id,
            message_id=message.message_id,
            message_type=str(message.message_type),
        )
        _log_taken(message, old_status)
        try:
            return _notify_and_complete(message, delivery, ctx, started)
        except Exception as error:
            return _handle_failure(message, delivery, ctx, error, started)


def _notify_and_complete(
    message: Message, delivery: Delivery, ctx: ProcessingContext, started: float
) -> Decision:
    fetched = ctx.repository.get(message.message_id)
    result = ctx.notifier.notify(
        message_id=fetched.message_id,
        correlation_id=fetched.correlation_id,
        trace_context=_trace_context_for_notifier(),
    )
    try:
        ctx.repository.mark_completed(message.message_id, notification_id=result.notification_id)
    except StatusConflictError as conflict:
        # A concurrent attempt finished the message first; the notification is out either way.
        logger.warning(
            "Message not marked completed",
            message_id=message.message_id,
            current_status=str(conflict.current),
            notification_id=result.notification_id,
        )
        return Decision(Outcome.DUPLICATE)
    logger.info(
        "Message status updated",
        message_id=message.message_id,
        correlation_id=message.correlation_id,
        old_status=str(MessageStatus.PROCESSING),
        new_status=str(MessageStatus.COMPLETED),
        notification_id=result.notification_id,
        notifier_status=result.status,
    )
    tracer.metadata(status=str(MessageStatus.COMPLETED), notification_id=result.notification_id)
    _record_done(message, MessageStatus.COMPLETED, ctx, started)
    return Decision(Outcome.COMPLETED)


def _record_done(
    message: Message, status: MessageStatus, ctx: ProcessingContext, started: float
) -> None:
    metrics.record_count(MESSAGES_PROCESSED, 1, dimensions={"Status": str(status)})
    metrics.record_duration(
        PROCESSING_DURATION,
        round((ctx.monotonic() - started) * 1000, 3),
        dimensions={"MessageType": str(message.message_type)},
    )


def _describe(error: BaseException) -> str:
    if isinstance(error, NotifierError):
        return f"notifier failed: {error.error_type}: {error.error_message}"
    return f"{type(error).__name__}: {error}"


def _handle_failure(
    message: Message,
    delivery: Delivery,
    ctx: ProcessingContext,
    error: Exception,
    started: float,
) -> Decision:
    reason = _describe(error)
    last_attempt = delivery.receive_count >= ctx.max_receive_count
    circuit_open = isinstance(error, NotifierError) and error.circuit_open
    delay = None if last_attempt else ctx.retry_delays.for_failure(error, delivery.receive_count)
    tracer.metadata(error=reason)
    if circuit_open and not last_attempt:
        logger.warning(
            "Notifier circuit open, message retried later",
            message_id=message.message_id,
            correlation_id=message.correlation_id,
            error=reason,
            retry_count=delivery.receive_count - 1,
            retry_delay_seconds=delay,
        )
        return Decision(Outcome.RETRY, delay)
    logger.opt(exception=error).error(
        "Message processing failed",
        message_id=message.message_id,
        correlation_id=message.correlation_id,
        error=reason,
        retry_count=delivery.receive_count - 1,
        attempt=delivery.receive_count,
        max_receive_count=ctx.max_receive_count,
        will_retry=not last_attempt,
        retry_delay_seconds=delay,
    )
    if not last_attempt:
        return Decision(Outcome.RETRY, delay)
    _mark_failed(message, reason, ctx)
    _record_done(message, MessageStatus.FAILED, ctx, started)
    return Decision(Outcome.FAILED)


def _mark_failed(message: Message, reason: str, ctx: ProcessingContext) -> None:
    try:
        ctx.repository.mark_failed(message.message_id, error=reason)
    except StatusConflictError as conflict:
        # Someone else finished it meanwhile (e.g. a concurrent duplicate completed it).
        logger.warning(
            "Message not marked failed",
            message_id=message.message_id,
            current_status=str(conflict.current),
        )
        return
    logger.info(
        "Message status updated",
        message_id=message.message_id,
        correlation_id=message.correlation_id,
        old_status=str(MessageStatus.PROCESSING),
        new_status=str(MessageStatus.FAILED),
        error=reason,
    )
    tracer.metadata(status=str(MessageStatus.FAILED))
