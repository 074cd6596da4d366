"""The processor ↔ notifier contract: the request, the answer, and why a message was not sent.

Both sides import this module, so the wire format has one home (docs/contracts.md, "Processor →
notifier"). The notifier *answers* the outcomes that are part of normal operation — ntfy's circuit
is open, the shared rate limit has no token in time, ntfy refused the message — as a structured
`not_sent` answer with a `NotSentReason` and, where it knows one, `retry_after_seconds`. It
*raises* (a Lambda function error, counted by the notifier's Errors alarm) only for real failures:
ntfy unavailable after its own retries, a bad request, a message it cannot find or map, a broken
configuration. The processor decides from the answer's fields; it never reads error text.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Self

from rez_telemetry.correlation import is_valid_correlation_id

__all__ = [
    "MAX_TRACE_CONTEXT_CHARS",
    "AnswerStatus",
    "InvalidNotificationAnswerError",
    "InvalidNotificationRequestError",
    "NotSentReason",
    "NotificationAnswer",
    "NotificationRequest",
]

MAX_TRACE_CONTEXT_CHARS = 512
_DETAIL_MAX = 500


class InvalidNotificationRequestError(ValueError):
    """The invoke payload is not what this contract says; retrying cannot help."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("invalid notifier payload: " + "; ".join(problems))


class InvalidNotificationAnswerError(ValueError):
    """The notifier's answer is not what this contract says (a deployment mismatch or a bug)."""


class AnswerStatus(StrEnum):
    """What happened to the message."""

    SENT = "sent"
    ALREADY_SENT = "already_sent"
    NOT_SENT = "not_sent"


class NotSentReason(StrEnum):
    """Why an expected, answered outcome did not send the message."""

    CIRCUIT_OPEN = "circuit_open"
    """ntfy's shared circuit is open (or opened while this invocation retried): nothing sent."""
    RATE_LIMITED = "rate_limited"
    """The shared ntfy rate limit has no token before the notifier's deadline: nothing sent."""
    REJECTED = "rejected"
    """ntfy refused this message (a 4xx other than 429): the message, not ntfy, is at fault."""

    @property
    def attempted(self) -> bool:
        """False when ntfy was not even tried: the attempt says nothing about the message."""
        return self is NotSentReason.REJECTED


def _describe(value: object) -> str:
    """A short, safe rendering of a bad value for an error text."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _message_id_problem(value: object) -> str | None:
    if value is None:
        return "message_id: missing"
    if not isinstance(value, str):
        return f"message_id: must be a string, got {type(value).__name__}"
    try:
        parsed = uuid.UUID(value)
    except ValueError:
        return f"message_id: must be a UUID, got {_describe(value)}"
    if str(parsed) != value:
        return f"message_id: must be a lowercase hyphenated UUID, got {_describe(value)}"
    return None


def _correlation_id_problem(value: object) -> str | None:
    if value is None:
        return "correlation_id: missing"
    if not isinstance(value, str):
        return f"correlation_id: must be a string, got {type(value).__name__}"
    if not is_valid_correlation_id(value):
        return f"correlation_id: must be 1-128 chars of [A-Za-z0-9._:-], got {_describe(value)}"
    return None


def _trace_context_problem(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        return f"trace_context: must be a string, got {type(value).__name__}"
    if len(value) > MAX_TRACE_CONTEXT_CHARS:
        return f"trace_context: longer than {MAX_TRACE_CONTEXT_CHARS} chars"
    return None


@dataclass(frozen=True, slots=True)
class NotificationRequest:
    """Notify stored message `message_id`, within its correlation (and trace, when sampled)."""

    message_id: str
    correlation_id: str
    trace_context: str | None = None

    def as_payload(self) -> dict[str, str]:
        """The invoke payload `{"message_id", "correlation_id"[, "trace_context"]}`."""
        payload = {"message_id": self.message_id, "correlation_id": self.correlation_id}
        if self.trace_context:
            payload["trace_context"] = self.trace_context
        return payload

    @classmethod
    def from_payload(cls, payload: Any) -> Self:
        """Validate an invoke payload; every problem is reported at once.

        Unknown keys are ignored (propagation may add fields); `trace_context` is optional.
        Raises `InvalidNotificationRequestError`.
        """
        if not isinstance(payload, Mapping):
            raise InvalidNotificationRequestError(
                [f"payload: must be a JSON object, got {type(payload).__name__}"]
            )
        problems = [
            problem
            for problem in (
                _message_id_problem(payload.get("message_id")),
                _correlation_id_problem(payload.get("correlation_id")),
                _trace_context_problem(payload.get("trace_context")),
            )
            if problem is not None
        ]
        if problems:
            raise InvalidNotificationRequestError(problems)
        return cls(
            message_id=payload["message_id"],
            correlation_id=payload["correlation_id"],
            trace_context=payload.get("trace_context") or None,
        )


@dataclass(frozen=True, slots=True)
class NotificationAnswer:
    """The notifier's answer: sent, already sent, or not sent with a reason.

    `notification_id` is ntfy's id (sent / already sent); `reason`, `retry_after_seconds` (when
    the notifier knows how long to wait: the circuit's next probe, the next rate-limit token) and
    `detail` (for people and logs, never parsed) describe a `not_sent`.
    """

    status: AnswerStatus
    notification_id: str | None = None
    reason: NotSentReason | None = None
    retry_after_seconds: float | None = None
    detail: str | None = None

    def __post_init__(self) -> None:
        if (self.status is AnswerStatus.NOT_SENT) != (self.reason is not None):
            raise InvalidNotificationAnswerError("a reason goes with not_sent, and only with it")
        if self.status is not AnswerStatus.NOT_SENT and not self.notification_id:
            raise InvalidNotificationAnswerError(f"{self.status} needs a notification_id")
        seconds = self.retry_after_seconds
        if seconds is not None and not (math.isfinite(seconds) and seconds >= 0):
            raise InvalidNotificationAnswerError(f"retry_after_seconds {seconds!r} is not >= 0")

    @classmethod
    def sent(cls, notification_id: str) -> Self:
        return cls(AnswerStatus.SENT, notification_id=notification_id)

    @classmethod
    def already_sent(cls, notification_id: str) -> Self:
        return cls(AnswerStatus.ALREADY_SENT, notification_id=notification_id)

    @classmethod
    def not_sent(
        cls, reason: NotSentReason, *, retry_after_seconds: float | None = None, detail: str = ""
    ) -> Self:
        return cls(
            AnswerStatus.NOT_SENT,
            reason=reason,
            retry_after_seconds=retry_after_seconds,
            detail=detail[:_DETAIL_MAX] or None,
        )

    @property
    def delivered(self) -> bool:
        """True when ntfy has the message (now or from an earlier attempt)."""
        return self.status is not AnswerStatus.NOT_SENT

    def as_answer(self) -> dict[str, Any]:
        """The Lambda response document (docs/contracts.md)."""
        if self.delivered:
            return {"status": str(self.status), "notification_id": self.notification_id}
        return {
            "status": str(self.status),
            "reason": str(self.reason),
            "retry_after_seconds": self.retry_after_seconds,
            "detail": self.detail,
        }

    @classmethod
    def from_answer(cls, document: object) -> Self:
        """Read a Lambda response document; `InvalidNotificationAnswerError` when malformed."""
        if not isinstance(document, Mapping):
            raise InvalidNotificationAnswerError(
                f"the answer must be a JSON object, got {type(document).__name__}"
            )
        try:
            status = AnswerStatus(str(document.get("status")))
            reason = None if document.get("reason") is None else NotSentReason(document["reason"])
        except ValueError as error:
            raise InvalidNotificationAnswerError(str(error)) from None
        seconds = document.get("retry_after_seconds")
        if seconds is not None and (
            isinstance(seconds, bool) or not isinstance(seconds, int | float)
        ):
            raise InvalidNotificationAnswerError(f"retry_after_seconds {seconds!r} is not a number")
        notification_id = document.get("notification_id")
        detail = document.get("detail")
        return cls(
            status,
            notification_id=str(notification_id) if notification_id else None,
            reason=reason,
            retry_after_seconds=None if seconds is None else float(seconds),
            detail=str(detail) if detail else None,
        )
