"""What a failed attempt leads to: a deferral, a paced retry, or `failed` on the last attempt.

- Not attempted (the notifier answered `not_sent` with a reason that did not try ntfy: an open
  circuit, a rate-limit wait): the delivery is deferred, on any attempt including the last, as
  long as the message was first deferred at most `max_deferral_seconds` ago. A copy goes on the
  queue with the paced delay and the record is acknowledged, so the attempt does not spend one
  of the record's receives.
  If sending the copy fails, or the bound has passed, it is a failure like any other.
- Any other failure returns the record to SQS with a paced delay (`RetryDelays`); on the last
  allowed receive (`MAX_RECEIVE_COUNT`, the real receive count) the message is first marked
  `failed` with the reason, and SQS moves the record to the DLQ.
"""

from __future__ import annotations

from rez_messages import Delivery, Message, MessageStatus, StatusConflictError
from rez_messages.notification import NotSentReason
from rez_processor.context import Decision, Outcome, ProcessingContext
from rez_processor.deferral import MAX_DELAY_SECONDS, DeferredCopy, Requeue
from rez_processor.notifier import NotificationNotSentError, NotifierError
from rez_telemetry import MESSAGES_PROCESSED, PROCESSING_DURATION, logger, metrics, tracer

__all__ = ["describe", "handle_failure", "record_done"]


def describe(error: BaseException) -> str:
    """The reason recorded on the message and logged."""
    if isinstance(error, NotifierError):
        return f"notifier failed: {error.error_type}: {error.error_message}"
    if isinstance(error, NotificationNotSentError):
        return f"notification not sent: {error.answer.reason}: {error.answer.detail or '-'}"
    return f"{type(error).__name__}: {error}"


def record_done(
    message: Message, status: MessageStatus, ctx: ProcessingContext, started: float
) -> None:
    """`MessagesProcessed` and `ProcessingDuration` of a message that reached a final status."""
    metrics.record_count(MESSAGES_PROCESSED, 1, dimensions={"Status": str(status)})
    metrics.record_duration(
        PROCESSING_DURATION,
        round((ctx.monotonic() - started) * 1000, 3),
        dimensions={"MessageType": str(message.message_type)},
    )


def handle_failure(
    message: Message,
    delivery: Delivery,
    ctx: ProcessingContext,
    error: Exception,
    started: float,
    *,
    requeue: Requeue | None = None,
    redriven: bool = False,
) -> Decision:
    """Decide what a failed attempt at `message` leads to (see the module doc)."""
    reason = describe(error)
    last_attempt = delivery.receive_count >= ctx.max_receive_count
    delay = ctx.retry_delays.for_failure(error, delivery.attempt)
    tracer.metadata(error=reason)
    not_sent = error.answer.reason if isinstance(error, NotificationNotSentError) else None
    if not_sent is not None and not not_sent.attempted:
        deferred = _defer(message, delivery, ctx, reason, delay, requeue, redriven=redriven)
        if deferred is not None:
            return deferred
    if not_sent is NotSentReason.CIRCUIT_OPEN and not last_attempt:
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
    record_done(message, MessageStatus.FAILED, ctx, started)
    return Decision(Outcome.FAILED, delay)


def _defer(
    message: Message,
    delivery: Delivery,
    ctx: ProcessingContext,
    reason: str,
    delay: int,
    requeue: Requeue | None,
    *,
    redriven: bool,
) -> Decision | None:
    """Send the delayed copy and acknowledge; None when the delivery must fail instead.

    A redrive starts a new deferral window: the `deferred_since` it carries is from before the
    message went to the DLQ.
    """
    now = ctx.clock()
    since = now if redriven or delivery.deferred_since is None else delivery.deferred_since
    fields = {
        "message_id": message.message_id,
        "correlation_id": message.correlation_id,
        "error": reason,
        "deferred_since": int(since),
    }
    if now - since > ctx.max_deferral_seconds:
        logger.warning(
            "Message deferral expired",
            deferred_for_seconds=round(now - since),
            max_deferral_seconds=ctx.max_deferral_seconds,
            **fields,
        )
        return None
    if requeue is None:
        logger.debug("Message not deferred: no SQS client", **fields)
        return None
    copy = DeferredCopy(
        delay_seconds=min(delay, MAX_DELAY_SECONDS),
        attempt_offset=message.attempts,
        deferred_since=int(since),
    )
    try:
        copy_id = requeue(copy)
    except Exception as failure:
        # Nothing is lost: the record goes back to SQS as a failure (marked failed if last).
        logger.warning(
            "Message not deferred", deferral_error=f"{type(failure).__name__}: {failure}", **fields
        )
        return None
    logger.info(
        "Message deferred",
        delay_seconds=copy.delay_seconds,
        attempt_offset=copy.attempt_offset,
        attempt=delivery.receive_count,
        deferred_sqs_message_id=copy_id,
        **fields,
    )
    tracer.metadata(deferred=True, delay_seconds=copy.delay_seconds)
    return Decision(Outcome.DEFERRED, copy.delay_seconds)


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
