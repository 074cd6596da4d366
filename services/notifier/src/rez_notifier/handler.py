"""Lambda entry point `rez_notifier.handler.handler`: parse, call the service, answer.

`@lambda_handler` reads the correlation ID, message ID and trace context from the invoke
payload, so every log line, metric and span of the invocation carries them.
"""

from __future__ import annotations

from typing import Any

from rez_messages.notification import NotificationRequest
from rez_notifier import bootstrap
from rez_notifier.service import send_notification
from rez_telemetry import lambda_handler

__all__ = ["handler"]

#: Kept free at the end of the invocation for the answer, the state write and the metric flush.
FINISH_MARGIN_SECONDS = 2.0
#: Used when no Lambda context tells the remaining time (local runs).
DEFAULT_BUDGET_SECONDS = 60.0


def _deadline(context: Any, now: float) -> float:
    """Epoch seconds by which every send and wait must be over."""
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    budget = remaining() / 1000.0 if callable(remaining) else DEFAULT_BUDGET_SECONDS
    return now + budget - FINISH_MARGIN_SECONDS


@lambda_handler(service="notifier")
def handler(event: Any, context: Any) -> dict[str, Any]:
    """Notify the message named in the payload; answer with `NotificationAnswer` (a dict)."""
    request = NotificationRequest.from_payload(event)
    notifier = bootstrap.dependencies()
    result = send_notification(
        notifier,
        message_id=request.message_id,
        correlation_id=request.correlation_id,
        deadline=_deadline(context, notifier.clock()),
    )
    return result.as_answer()
