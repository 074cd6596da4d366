"""The use case: notify one stored message through ntfy, exactly once, within ntfy's limits.

Order of protections around the POST (each attempt):
    circuit breaker (one state read, one state write per invocation)
      └─ retry policy (tenacity, the shared classifier: 5xx, 429, transport errors)
           └─ shared rate limit (waits for a token, bounded by the invocation's deadline)
                └─ HTTP POST to ntfy
The breaker wraps the whole retry loop so one failed invocation counts once, matching the
trace in docs/observability.md (GetItem circuit state, HTTP POST ntfy, UpdateItem circuit
state). The AWS and
HTTP spans come from `rez_telemetry`'s instrumentation of the clients (see `bootstrap`).

The circuit is shared: another instance may open it while this one is still retrying. Before
each retry the state is read again, and a circuit opened since this invocation began stops the
retries with `CircuitOpenError` (answered as not sent, `circuit_open`: the processor defers the
message, as for any open circuit), so the invocations in flight when ntfy went down do not keep
hitting it for their whole budget. A probe (this invocation found the circuit open and was
elected) keeps its retries.

Expected outcomes are answered, not raised (`rez_messages.notification`): an open circuit, a
rate-limit wait longer than the invocation, ntfy refusing the message. Everything else raises, so
the function's Errors metric counts real failures only.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from rez_messages.crash_points import crash_point
from rez_messages.notification import NotificationAnswer, NotSentReason
from rez_notifier.errors import NtfyError, NtfyRejectedError, RateLimitWaitTooLongError
from rez_notifier.intent import earlier_post
from rez_notifier.message_store import MessageStore
from rez_notifier.ntfy_client import NTFY_TIMEOUT_SECONDS
from rez_notifier.publication import NTFY_MESSAGE_LIMIT_BYTES, NtfyPublication, build_publication
from rez_notifier.rate_limit import RateLimiter
from rez_telemetry import (
    NOTIFICATION_DURATION,
    NOTIFICATIONS_SENT,
    CircuitBreaker,
    CircuitOpenError,
    CircuitState,
    RetryPolicy,
    logger,
    metrics,
    tracer,
)

__all__ = ["Notifier", "Publisher", "send_notification"]


class Publisher(Protocol):
    """Posts one publication to ntfy and returns ntfy's message id (see `NtfyClient`)."""

    def publish(self, publication: NtfyPublication) -> str:
        """Raise an `NtfyError` on failure."""
        ...


@dataclass(slots=True)
class Notifier:
    """Everything `send_notification` needs, wired by `bootstrap` (tests wire their own)."""

    messages: MessageStore
    ntfy: Publisher
    breaker: CircuitBreaker
    rate_limiter: RateLimiter
    retry_policy: Callable[[float], RetryPolicy]
    """Builds the retry policy for a time budget in seconds (the invocation's remaining time)."""
    clock: Callable[[], float] = time.time
    stopwatch: Callable[[], float] = field(default=time.perf_counter)


def _error_fields(error: BaseException) -> dict[str, object]:
    fields: dict[str, object] = {"error": str(error), "error_type": type(error).__name__}
    if isinstance(error, NtfyError):
        fields["status_code"] = error.status_code
        fields["retryable"] = error.retryable
    return fields


def _stop_if_opened_since(notifier: Notifier, began: float, attempt: int) -> None:
    """Raise `CircuitOpenError` when another instance opened the shared circuit meanwhile.

    `began` (epoch seconds) is when this invocation read the circuit. Open now: someone else
    opened it (this invocation's own probe keeps it half-open until the probe reports).
    Half-open and opened after `began`: someone else's probe is testing ntfy. Half-open and
    opened before: this invocation is the probe, and it keeps its retries. An unreadable store
    reads as closed (fail open, as the breaker itself).
    """
    breaker = notifier.breaker
    status = breaker.status()
    opened_since = status.opened_at is not None and status.opened_at >= began
    if status.state is CircuitState.OPEN or (
        status.state is CircuitState.HALF_OPEN and opened_since
    ):
        logger.warning(
            "Retries stopped: the circuit opened",
            attempt=attempt,
            state=status.state.value,
            next_probe_at=status.next_probe_at,
        )
        raise CircuitOpenError(breaker.service, status.next_probe_at, notifier.clock())


def _publish_with_retries(
    notifier: Notifier, publication: NtfyPublication, *, deadline: float, began: float
) -> str:
    """Attempts until success, a permanent error, the time budget is spent, or the shared
    circuit opened since `began` (checked before every retry)."""
    attempts = 0
    # A token must come early enough for the POST itself to finish before the deadline.
    token_deadline = deadline - NTFY_TIMEOUT_SECONDS

    def attempt() -> str:
        nonlocal attempts
        attempts += 1
        if attempts > 1:
            _stop_if_opened_since(notifier, began, attempts)
        logger.info("Sending notification to ntfy.sh", attempt=attempts)
        waited = notifier.rate_limiter.acquire(deadline=token_deadline)
        if waited > 0:
            logger.info("Waited for the shared ntfy rate limit", wait_seconds=round(waited, 3))
        return notifier.ntfy.publish(publication)  # traced as "HTTP POST" by the client

    budget = max(token_deadline - notifier.clock(), 0.0)
    return notifier.retry_policy(budget)(attempt)


def send_notification(
    notifier: Notifier, *, message_id: str, correlation_id: str, deadline: float
) -> NotificationAnswer:
    """Send message `message_id` to ntfy unless it already was; record ntfy's id on it.

    `deadline` (epoch seconds) bounds every wait (rate limit, backoff). Answers `not_sent` for
    an open circuit, a rate-limit wait past the deadline and ntfy's refusal; raises the other
    `NtfyError`s, `InvalidMessageError` or `MessageNotFoundError`; see docs/contracts.md.
    """
    tracer.annotate(correlation_id=correlation_id, message_id=message_id)
    message = notifier.messages.get(message_id)
    tracer.annotate(message_type=str(message.message_type))
    if message.notification_id:
        logger.info("Notification already sent", notification_id=message.notification_id)
        return NotificationAnswer.already_sent(message.notification_id)

    payload = message.payload
    publication = build_publication(
        message_id=message_id,
        correlation_id=correlation_id,
        title=payload.title,
        body=payload.body,
        priority=payload.priority,
        tags=payload.tags,
    )
    if publication.truncated:
        logger.warning(
            "Notification body truncated",
            original_bytes=publication.original_body_bytes,
            sent_bytes=publication.body_bytes,
            limit_bytes=NTFY_MESSAGE_LIMIT_BYTES,
        )

    started = notifier.stopwatch()
    began = notifier.clock()  # before the guard reads the circuit: a later opening is news
    try:
        with notifier.breaker.guard():
            # inside the guard: an open circuit means ntfy gets no request at all, not even this
            recovered = earlier_post(notifier.ntfy, message)
            notification_id = recovered or _publish_with_retries(
                notifier, publication, deadline=deadline, began=began
            )
    except CircuitOpenError as error:
        # Nothing was sent: the processor defers the message; CircuitBreakerState tells the story.
        logger.warning("Notification failed", **_error_fields(error))
        return NotificationAnswer.not_sent(
            NotSentReason.CIRCUIT_OPEN,
            retry_after_seconds=error.retry_after_seconds,
            detail=str(error),
        )
    except Exception as error:
        metrics.record_count(NOTIFICATIONS_SENT, 1, {"Status": "failure"})
        duration_ms = round((notifier.stopwatch() - started) * 1000.0, 1)
        answer = _not_sent(error)
        if answer is None:
            logger.error("Notification failed", duration_ms=duration_ms, **_error_fields(error))
            raise
        logger.warning("Notification failed", duration_ms=duration_ms, **_error_fields(error))
        return answer
    if recovered:
        _record(notifier, message_id, recovered)
        return NotificationAnswer.already_sent(recovered)
    duration_ms = round((notifier.stopwatch() - started) * 1000.0, 1)
    metrics.record_count(NOTIFICATIONS_SENT, 1, {"Status": "success"})
    metrics.record_duration(NOTIFICATION_DURATION, duration_ms)
    logger.info(
        "Notification sent successfully", notification_id=notification_id, duration_ms=duration_ms
    )
    crash_point("notifier.after_post", message_id, correlation_id)
    _record(notifier, message_id, notification_id)
    return NotificationAnswer.sent(notification_id)


def _not_sent(error: Exception) -> NotificationAnswer | None:
    """The answer for an expected outcome (rate limit, ntfy's refusal); None: a real failure."""
    if isinstance(error, RateLimitWaitTooLongError):
        return NotificationAnswer.not_sent(
            NotSentReason.RATE_LIMITED, retry_after_seconds=error.wait_seconds, detail=str(error)
        )
    if isinstance(error, NtfyRejectedError):
        return NotificationAnswer.not_sent(NotSentReason.REJECTED, detail=str(error))
    return None


def _record(notifier: Notifier, message_id: str, notification_id: str) -> None:
    """Store ntfy's id on the message; a failure here must not turn a sent message into a retry."""
    try:
        earlier = notifier.messages.record_notification(message_id, notification_id)
    except Exception as error:  # the processor's mark_completed records the id as well
        logger.opt(exception=error).error(
            "Notification id not recorded", notification_id=notification_id, error=str(error)
        )
        return
    if earlier is not None:
        logger.warning(
            "Message was notified twice",
            notification_id=notification_id,
            earlier_notification_id=earlier,
        )
