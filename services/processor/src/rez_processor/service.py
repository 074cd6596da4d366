"""Use case: process one delivered message, from `created` to `completed` (or `failed`).

Duplicate rule (SQS and SNS deliver at least once): the stored `attempts` counts how many
deliveries took the message for processing. A delivery whose attempt (`ApproximateReceiveCount`,
plus the `attempt_offset` of a deferred copy) is greater than `attempts` is a retry (the earlier
attempt crashed, failed or was deferred) and takes over a message stuck in `processing`;
otherwise the message is being processed by a concurrent duplicate, or is already `completed`,
and the delivery is acknowledged without work.

Redrive rule: a delivery that finds its message `failed` is a DLQ redrive (SQS delivers a message
that went to the DLQ again only that way, after the cause was fixed). It takes the message with
`repository.redrive` (`failed → processing`, attempts restart at the delivery's attempt: 1, as
the redriven SQS message's receive count does) and proceeds as usual: a redrive that fails again
is retried and, on its last attempt, failed again.

What a failed attempt leads to (deferral, paced retry, `failed`) is `failures.handle_failure`'s.
"""

from __future__ import annotations

from rez_messages import (
    Delivery,
    Message,
    MessageNotFoundError,
    MessageRepository,
    MessageStatus,
    StatusConflictError,
)
from rez_messages.crash_points import crash_point
from rez_messages.notification import NotificationRequest
from rez_processor.context import Decision, Outcome, ProcessingContext
from rez_processor.deferral import Requeue
from rez_processor.failures import handle_failure, record_done
from rez_processor.notifier import NotificationNotSentError
from rez_telemetry import correlation, logger, tracer

__all__ = ["Decision", "Outcome", "ProcessingContext", "UnknownMessageError", "process_delivery"]


class UnknownMessageError(Exception):
    """A delivery names a message_id that is not in the table (a poison record)."""

    def __init__(self, message_id: str) -> None:
        super().__init__(f"message {message_id} is not in the messages table")
        self.message_id = message_id


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
            delivery.message_id, retry_if_attempts_below=delivery.attempt
        )
    except StatusConflictError as conflict:
        if conflict.current != MessageStatus.FAILED:
            raise
        # Only a DLQ redrive delivers a failed message again (see the module doc).
        redriven = repository.redrive(delivery.message_id, attempts=delivery.attempt)
        return redriven, MessageStatus.FAILED
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
        attempt_offset=delivery.attempt_offset,
    )
    tracer.metadata(status=str(conflict.current), duplicate=True)
    return Decision(Outcome.DUPLICATE)


def process_delivery(
    delivery: Delivery, ctx: ProcessingContext, requeue: Requeue | None = None
) -> Decision:
    """Process one parsed delivery. Raises `UnknownMessageError` for an id not in the table.

    `requeue` sends a delayed copy of the delivery's record (a deferral); None: never deferred.
    """
    started = ctx.monotonic()
    deferred = {"attempt_offset": delivery.attempt_offset} if delivery.attempt_offset else {}
    logger.info(
        "SQS message received",
        message_id=delivery.message_id,
        correlation_id=correlation.get_correlation_id(),
        attempt=delivery.receive_count,
        **deferred,
    )
    try:
        message, old_status = _take(delivery, ctx.repository)
    except StatusConflictError as conflict:
        return _acknowledge_duplicate(delivery, conflict)
    crash_point("processor.after_mark_processing", message.message_id)
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
            return handle_failure(
                message,
                delivery,
                ctx,
                error,
                started,
                requeue=requeue,
                redriven=old_status is MessageStatus.FAILED,
            )


def _notify_and_complete(
    message: Message, delivery: Delivery, ctx: ProcessingContext, started: float
) -> Decision:
    fetched = ctx.repository.get(message.message_id)
    result = ctx.notifier.notify(
        NotificationRequest(
            message_id=fetched.message_id,
            correlation_id=fetched.correlation_id,
            trace_context=_trace_context_for_notifier(),
        )
    )
    crash_point("processor.after_notify", message.message_id)
    if not result.delivered:
        raise NotificationNotSentError(result)
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
        notifier_status=str(result.status),
    )
    tracer.metadata(status=str(MessageStatus.COMPLETED), notification_id=result.notification_id)
    record_done(message, MessageStatus.COMPLETED, ctx, started)
    return Decision(Outcome.COMPLETED)
