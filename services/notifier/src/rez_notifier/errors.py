"""The notifier's errors, named for what the notifier does about them.

Three of them are expected outcomes that the notifier answers as `not_sent` instead of raising
(`rez_messages.notification`): `RateLimitWaitTooLongError`, `NtfyRejectedError` and the
breaker's `CircuitOpenError` (from `rez_telemetry.resilience`). The others fail the invocation
(docs/contracts.md, "Notifier failures").
"""

from __future__ import annotations

from typing import Any

from rez_messages.notification import InvalidNotificationRequestError

__all__ = [
    "InvalidMessageError",
    "InvalidNotificationRequestError",
    "NtfyError",
    "NtfyRateLimitedError",
    "NtfyRejectedError",
    "NtfyResponseError",
    "NtfyUnavailableError",
    "RateLimitWaitTooLongError",
]


class NtfyError(Exception):
    """Base of every failure talking to ntfy.

    `response` is ntfy's HTTP answer when there was one: the shared retry classifier
    (`rez_telemetry.resilience.classify`) reads its status code and `Retry-After` from it.
    """

    retryable: bool = False
    breaker_failure: bool = False

    def __init__(self, detail: str, response: Any = None) -> None:
        self.response = response
        super().__init__(detail)

    @property
    def status_code(self) -> int | None:
        """ntfy's HTTP status, or None when no answer came back."""
        status = getattr(self.response, "status_code", None)
        return status if isinstance(status, int) else None


class NtfyUnavailableError(NtfyError, ConnectionError):
    """ntfy is down or unreachable (5xx, timeout, connection error): retry, and tell the breaker.

    A `ConnectionError`, so the shared classifier retries it also when no response came back.
    """

    retryable = True
    breaker_failure = True


class NtfyRateLimitedError(NtfyUnavailableError):
    """ntfy answered 429 (it sends no Retry-After): back off, and tell the breaker.

    Ignoring ntfy.sh's 429s gets the client temporarily banned, so these count as failures.
    """


class NtfyRejectedError(NtfyError):
    """ntfy refused this message (4xx other than 429, or a redirect): the message is bad, not ntfy.

    Not retried and not a breaker failure; answered as not sent (`rejected`).
    """


class NtfyResponseError(NtfyError):
    """ntfy answered 2xx without a readable message id.

    Not retried: ntfy may have delivered the message, and a retry could notify twice.
    """


class RateLimitWaitTooLongError(Exception):
    """The shared ntfy rate limit has no token before this invocation would time out.

    Nothing was sent; `wait_seconds` is the answer's `retry_after_seconds` (the processor defers
    the message until the bucket has refilled).
    """

    def __init__(self, wait_seconds: float, budget_seconds: float) -> None:
        self.wait_seconds = wait_seconds
        self.budget_seconds = budget_seconds
        super().__init__(
            f"ntfy rate limit: next token in {wait_seconds:.1f}s, "
            f"but only {max(budget_seconds, 0.0):.1f}s of the invocation are left"
        )


class InvalidMessageError(ValueError):
    """The stored message cannot be mapped to ntfy (e.g. an unknown priority): not retryable."""

    def __init__(self, message_id: str, problem: str) -> None:
        self.message_id = message_id
        self.problem = problem
        super().__init__(f"message {message_id} cannot be sent to ntfy: {problem}")
