"""The processor's port to the notifier, and its boto3 Lambda adapter (RequestResponse invoke).

The wire format is `rez_messages.notification` (docs/contracts.md, "Processor → notifier"): a
`NotificationRequest` out, a `NotificationAnswer` back. An answer that did not send raises
`NotificationNotSentError` carrying it, so the failure path decides from its `reason` and
`retry_after_seconds`; a function error (a real failure of the notifier) raises `NotifierError`.
Nothing here reads an error's text or compares its type name.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Protocol

from rez_messages.notification import (
    InvalidNotificationAnswerError,
    NotificationAnswer,
    NotificationRequest,
)

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient
else:
    LambdaClient = Any

__all__ = [
    "LambdaNotifierClient",
    "NotificationNotSentError",
    "NotifierClient",
    "NotifierError",
    "parse_notifier_response",
]


class NotifierError(Exception):
    """The notifier failed (a function error, or an answer we cannot read).

    `error_type` and `error_message` are Lambda's, kept for the recorded reason and the logs only.
    """

    def __init__(self, error_type: str, error_message: str) -> None:
        super().__init__(f"{error_type}: {error_message}")
        self.error_type = error_type
        self.error_message = error_message


class NotificationNotSentError(Exception):
    """The notifier answered `not_sent`: an expected outcome, described by `answer`."""

    def __init__(self, answer: NotificationAnswer) -> None:
        self.answer = answer
        super().__init__(f"notification not sent ({answer.reason}): {answer.detail or '-'}")

    @property
    def attempted(self) -> bool:
        """False when ntfy was not even tried (open circuit, rate-limit wait)."""
        return self.answer.reason is not None and self.answer.reason.attempted


class NotifierClient(Protocol):
    """Asks the notifier to send one stored message."""

    def notify(self, request: NotificationRequest) -> NotificationAnswer:
        """The answer (sent, already sent, or not sent); raises `NotifierError` on a failure."""
        ...


def _decode(raw: bytes) -> Any:
    try:
        return json.loads(raw or b"null")
    except (ValueError, UnicodeDecodeError):
        raise NotifierError(
            "InvalidResponse", f"notifier answered non-JSON ({len(raw)} bytes)"
        ) from None


def parse_notifier_response(raw: bytes, function_error: str | None) -> NotificationAnswer:
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
    try:
        return NotificationAnswer.from_answer(document)
    except InvalidNotificationAnswerError as error:
        raise NotifierError(
            "InvalidResponse", f"unexpected notifier answer ({error}): {str(document)[:200]}"
        ) from None


class LambdaNotifierClient:
    """Invokes the notifier function synchronously with an injected boto3 Lambda client."""

    def __init__(self, function_name: str, client: LambdaClient) -> None:
        self.function_name = function_name
        self._client = client

    def notify(self, request: NotificationRequest) -> NotificationAnswer:
        response = self._client.invoke(
            FunctionName=self.function_name,
            InvocationType="RequestResponse",
            Payload=json.dumps(request.as_payload()).encode(),
        )
        return parse_notifier_response(response["Payload"].read(), response.get("FunctionError"))
