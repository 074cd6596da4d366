"""The processor's invoke payload, validated before anything else happens.

Every problem is reported at once, naming the field and what was wrong, so a bad payload can be
fixed from a single error line.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from rez_notifier.errors import InvalidNotificationRequestError
from rez_telemetry import correlation

__all__ = ["NotificationRequest", "parse_notification_request"]

_TRACE_CONTEXT_MAX = 512


@dataclass(frozen=True, slots=True)
class NotificationRequest:
    """What the processor asks for: notify message `message_id`, within its correlation."""

    message_id: str
    correlation_id: str
    trace_context: str | None = None


def _describe(value: object) -> str:
    """A short, safe rendering of a bad value for the error text."""
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
    if not correlation.is_valid_correlation_id(value):
        return f"correlation_id: must be {correlation.CORRELATION_ID_RULE}, got {_describe(value)}"
    return None


def _trace_context_problem(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        return f"trace_context: must be a string, got {type(value).__name__}"
    if len(value) > _TRACE_CONTEXT_MAX:
        return f"trace_context: longer than {_TRACE_CONTEXT_MAX} chars"
    return None


def parse_notification_request(payload: Any) -> NotificationRequest:
    """Validate the invoke payload `{"message_id", "correlation_id", "trace_context"}`.

    Unknown keys are ignored (the processor may add propagation fields); `trace_context` is
    optional. Raises `InvalidNotificationRequestError` listing every problem.
    """
    if not isinstance(payload, dict):
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
    trace_context = payload.get("trace_context") or None
    return NotificationRequest(
        message_id=payload["message_id"],
        correlation_id=payload["correlation_id"],
        trace_context=trace_context,
    )
