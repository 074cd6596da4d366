"""The processor's port to the notifier, and its boto3 Lambda adapter (RequestResponse invoke).

Wire format (docs/contracts.md): payload `{"message_id", "correlation_id", "trace_context"}`;
answer `{"status": "sent" | "already_sent", "notification_id": ...}`, or a function error whose
`errorType` is the notifier's exception class (`CircuitOpenError` when it fails fast on an open
circuit; the retry-later ones are listed in `RETRY_LATER_ERROR_TYPES`, and those that mean ntfy
was not even tried in `NOT_ATTEMPTED_ERROR_TYPES`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient
else:
    LambdaClient = Any

__all__ = [
    "CIRCUIT_OPEN_ERROR_TYPE",
    "NOT_ATTEMPTED_ERROR_TYPES",
    "RATE_LIMIT_WAIT_ERROR_TYPE",
    "RETRY_LATER_ERROR_TYPES",
    "LambdaNotifierClient",
    "NotificationResult",
    "NotifierClient",
    "NotifierError",
    "parse_notifier_response",
]

CIRCUIT_OPEN_ERROR_TYPE = "CircuitOpenError"
RATE_LIMIT_WAIT_ERROR_TYPE = "RateLimitWaitTooLongError"
#: The notifier refused before sending anything (open circuit, a rate-limit wait longer than its
#: remaining time): the attempt says nothing about the message, so it is deferred, not counted.
NOT_ATTEMPTED_ERROR_TYPES = frozenset({CIRCUIT_OPEN_ERROR_TYPE, RATE_LIMIT_WAIT_ERROR_TYPE})
#: The notifier's failures that nothing but time fixes (docs/contracts.md, "Notifier failures"):
#: nothing was sent, and the same request will succeed once ntfy or its limit allows it.
RETRY_LATER_ERROR_TYPES = frozenset(
    {
        CIRCUIT_OPEN_ERROR_TYPE,
        RATE_LIMIT_WAIT_ERROR_TYPE,
        "NtfyUnavailableError",
        "NtfyRateLimitedError",
    }
)
_STATUSES = frozenset({"sent", "already_sent"})


@dataclass(frozen=True, slots=True)
class NotificationResult:
    """The notifier's answer: sent now, or already sent by an earlier attempt."""

    status: str
    notification_id: str | None


class NotifierError(Exception):
    """The notifier failed (a function error, or an answer we cannot read)."""

    def __init__(self, error_type: str, error_message: str) -> None:
        super().__init__(f"{error_type}: {error_message}")
        self.error_type = error_type
        self.error_message = error_message

    @property
    def circuit_open(self) -> bool:
        """True when the notifier failed fast because ntfy's circuit is open."""
        return self.error_type == CIRCUIT_OPEN_ERROR_TYPE

    @property
    def not_attempted(self) -> bool:
        """True when nothing was sent to ntfy (open circuit, rate-limit wait too long)."""
        return self.error_type in NOT_ATTEMPTED_ERROR_TYPES

    @property
    def retry_later(self) -> bool:
        """True when the failure is ntfy's (or its limits') and waiting is what fixes it."""
        return self.error_type in RETRY_LATER_ERROR_TYPES


class NotifierClient(Protocol):
    """Asks the notifier to send one stored message."""

    def notify(
        self, *, message_id: str, correlation_id: str, trace_context: str | None
    ) -> NotificationResult:
        """Send; raises `NotifierError` when the notifier reports a failure."""
        ...


def _decode(raw: bytes) -> Any:
    try:
        return json.loads(raw or b"null")
    except (ValueError, UnicodeDecodeError):
        raise NotifierError(
            "InvalidResponse", f"notifier answered non-JSON ({len(raw)} bytes)"
        ) from None


def parse_notifier_response(raw: bytes, function_error: str | None) -> NotificationResult:
    """Read an Invoke response; a function error becomes `NotifierError(errorType, errorMessage)`.

    (Lambda reports handler errors as `FunctionError` with the error document as payload.)
    """
    document = _decode(raw)
    if function_error:
        details = document if isinstance(document, dict) else {}
        raise NotifierError(
            str(details.get("errorType") or function_error),
            str(details.get("errorMessage") or "the notifier failed without a message"),
        )
    if not isinstance(document, dict) or document.get("status") not in _STATUSES:
        raise NotifierError("InvalidResponse", f"unexpected notifier answer: {str(document)[:200]}")
    notification_id = document.get("notification_id")
    return NotificationResult(
        status=str(document["status"]),
        notification_id=str(notification_id) if notification_id else None,
    )


class LambdaNotifierClient:
    """Invokes the notifier function synchronously with an injected boto3 Lambda client."""

    def __init__(self, function_name: str, client: LambdaClient) -> None:
        self.function_name = function_name
        self._client = client

    def notify(
        self, *, message_id: str, correlation_id: str, trace_context: str | None
    ) -> NotificationResult:
        payload: dict[str, Any] = {"message_id": message_id, "correlation_id": correlation_id}
        if trace_context:
            payload["trace_context"] = trace_context
        response = self._client.invoke(
            FunctionName=self.function_name,
            InvocationType="RequestResponse",
            Payload=json.dumps(payload).encode(),
        )
        return parse_notifier_response(response["Payload"].read(), response.get("FunctionError"))
