"""One HTTP POST to ntfy, its answer turned into a notification id or a classified error.

The classification is the whole policy: 5xx, 429 and transport failures are retryable breaker
failures; any other non-2xx is a permanent rejection of this message. No retries here.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING

import httpx

from rez_notifier.errors import (
    NtfyRateLimitedError,
    NtfyRejectedError,
    NtfyResponseError,
    NtfyUnavailableError,
)

if TYPE_CHECKING:
    from rez_notifier.publication import NtfyPublication

__all__ = ["NTFY_TIMEOUT_SECONDS", "NtfyClient"]

NTFY_TIMEOUT_SECONDS = 10.0
_DETAIL_MAX = 200


def _error_detail(response: httpx.Response) -> str:
    """ntfy's own error text (`{"code", "http", "error"}`) when it sent one, else the raw start."""
    try:
        answer = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        answer = None
    if isinstance(answer, dict) and isinstance(answer.get("error"), str):
        code = answer.get("code")
        return f"{answer['error']} (ntfy code {code})" if code else answer["error"]
    return response.text[:_DETAIL_MAX].strip() or response.reason_phrase


def _notification_id(response: httpx.Response) -> str:
    try:
        answer = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise NtfyResponseError(
            f"ntfy answered {response.status_code} without JSON", response
        ) from error
    notification_id = answer.get("id") if isinstance(answer, dict) else None
    if not isinstance(notification_id, str) or not notification_id:
        raise NtfyResponseError(
            f"ntfy answered {response.status_code} without a message id", response
        )
    return notification_id


class NtfyClient:
    """Publishes to one ntfy topic; the token (if any) is fetched per request from a provider."""

    def __init__(
        self,
        http: httpx.Client,
        *,
        base_url: str,
        topic: str,
        token_provider: Callable[[], str | None] = lambda: None,
    ) -> None:
        self._http = http
        self._url = f"{base_url.rstrip('/')}/{topic}"
        self._token_provider = token_provider

    @property
    def url(self) -> str:
        """Where messages are posted (carries no credentials)."""
        return self._url

    def find(self, sequence_id: str, since: float) -> str | None:
        """ntfy's id of a cached message with `sequence_id` since `since` (epoch seconds).

        ntfy down (transport error, 5xx) or limiting (429) raises as `publish` does, so the
        circuit breaker counts it and nothing is posted; any other refusal answers None."""
        from rez_notifier.intent import parse_poll

        headers = {}
        token = self._token_provider()
        if token:
            headers["Authorization"] = f"Bearer {token}"
        try:
            response = self._http.get(
                f"{self._url}/json",
                params={"poll": "1", "since": str(int(since))},
                headers=headers,
                timeout=NTFY_TIMEOUT_SECONDS,
            )
        except httpx.TransportError as error:  # timeouts included: ntfy is down, as for a POST
            raise NtfyUnavailableError(
                f"ntfy unreachable ({type(error).__name__}: {error})"
            ) from error
        status = response.status_code
        if status == 429:
            raise NtfyRateLimitedError(f"ntfy answered 429: {_error_detail(response)}", response)
        if status >= 500:
            raise NtfyUnavailableError(
                f"ntfy answered {status}: {_error_detail(response)}", response
            )
        if not 200 <= status < 300:
            return None  # no cache to ask (e.g. polling refused): the caller posts
        return parse_poll(response.text, sequence_id)

    def publish(self, publication: NtfyPublication) -> str:
        """POST the publication; return ntfy's message id or raise an `NtfyError`."""
        headers = dict(publication.headers)
        token = self._token_provider()
        if token:
            headers["Authorization"] = f"Bearer {token}"
        try:
            response = self._http.post(
                self._url,
                content=publication.body.encode("utf-8"),
                headers=headers,
                timeout=NTFY_TIMEOUT_SECONDS,
            )
        except httpx.TimeoutException as error:
            raise NtfyUnavailableError(
                f"ntfy timed out after {NTFY_TIMEOUT_SECONDS:g}s ({type(error).__name__})"
            ) from error
        except httpx.TransportError as error:
            raise NtfyUnavailableError(
                f"ntfy unreachable ({type(error).__name__}: {error})"
            ) from error
        status = response.status_code
        if 200 <= status < 300:
            return _notification_id(response)
        detail = f"ntfy answered {status}: {_error_detail(response)}"
        if status == 429:
            raise NtfyRateLimitedError(detail, response)
        if status >= 500:
            raise NtfyUnavailableError(detail, response)
        raise NtfyRejectedError(detail, response)
