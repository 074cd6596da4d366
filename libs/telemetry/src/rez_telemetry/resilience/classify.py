"""What is worth retrying: timeouts, connection failures, HTTP 5xx and 429, nothing else.

httpx and botocore are recognised by duck typing (class names, `status_code`, `response`), so
neither is imported here: a service without httpx pays nothing for this module.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from rez_telemetry.resilience.retry_after import parse_retry_after

TOO_MANY_REQUESTS: Final = 429

_RETRYABLE_EXCEPTION_NAMES: Final = frozenset(
    {
        # httpx
        "TimeoutException",
        "NetworkError",
        "RemoteProtocolError",
        "ProxyError",
        # botocore
        "EndpointConnectionError",
        "ConnectionClosedError",
        "ConnectTimeoutError",
        "ReadTimeoutError",
    }
)
_NEVER_RETRY_NAMES: Final = frozenset({"CircuitOpenError", "UnsupportedProtocol", "InvalidURL"})
_THROTTLING_CODES: Final = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "RequestThrottled",
        "SlowDown",
    }
)


@dataclass(frozen=True, slots=True)
class RetryDecision:
    """The verdict on one attempt's outcome."""

    retryable: bool
    reason: str
    retry_after: float | None = None
    """Seconds the server asked us to wait (`Retry-After`), when it said so."""
    throttled: bool = False


NOT_RETRYABLE = RetryDecision(False, "not retryable")


def _status_decision(
    status: int, headers: Mapping[str, str] | None, now: Callable[[], float]
) -> RetryDecision:
    retry_after = parse_retry_after(_header(headers, "retry-after"), now)
    if status == TOO_MANY_REQUESTS:
        return RetryDecision(True, f"HTTP {status}", retry_after, throttled=True)
    if 500 <= status <= 599:
        return RetryDecision(True, f"HTTP {status}", retry_after)
    return RetryDecision(False, f"HTTP {status}")


def _header(headers: Any, name: str) -> str | None:
    if headers is None:
        return None
    try:
        value = headers.get(name)
        if value is None and isinstance(headers, Mapping):
            # Plain dicts are case-sensitive; httpx.Headers are not.
            value = next((v for k, v in headers.items() if str(k).lower() == name), None)
    except AttributeError:
        return None
    return None if value is None else str(value)


def classify_response(response: Any, now: Callable[[], float] = time.time) -> RetryDecision:
    """Decide on a response-like object (anything with an int `status_code`)."""
    status = getattr(response, "status_code", None)
    if not isinstance(status, int):
        return NOT_RETRYABLE
    return _status_decision(status, getattr(response, "headers", None), now)


def classify_exception(error: BaseException, now: Callable[[], float] = time.time) -> RetryDecision:
    """Decide on an exception raised by an attempt."""
    names = {cls.__name__ for cls in type(error).__mro__}
    if names & _NEVER_RETRY_NAMES:
        return RetryDecision(False, type(error).__name__)
    response = getattr(error, "response", None)
    if response is not None and isinstance(getattr(response, "status_code", None), int):
        return classify_response(response, now)  # httpx.HTTPStatusError and the like
    if isinstance(response, Mapping) and "Error" in response:
        return _botocore_decision(response)
    if isinstance(error, TimeoutError | ConnectionError) or names & _RETRYABLE_EXCEPTION_NAMES:
        return RetryDecision(True, type(error).__name__)
    return RetryDecision(False, type(error).__name__)


def _botocore_decision(response: Mapping[str, Any]) -> RetryDecision:
    code = str(response.get("Error", {}).get("Code", ""))
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    if code in _THROTTLING_CODES:
        return RetryDecision(True, code, throttled=True)
    if isinstance(status, int) and (status >= 500 or status == TOO_MANY_REQUESTS):
        return RetryDecision(True, code or f"HTTP {status}", throttled=status == TOO_MANY_REQUESTS)
    return RetryDecision(False, code or "client error")


def is_retryable(outcome: BaseException | Any) -> bool:
    """Shorthand: True when an exception or a response is worth another attempt."""
    if isinstance(outcome, BaseException):
        return classify_exception(outcome).retryable
    return classify_response(outcome).retryable
