"""The httpx client toward ntfy: 10 s timeout, traced by `rez_telemetry`.

Shim: `rez_telemetry`'s tracing transport reads `response.request` for 4xx/5xx answers, which
httpx only sets *after* the outermost transport returns, so an error answer from ntfy turned
into `RuntimeError` whenever a trace was recording. `_ResponseKnowsRequest` sets it where the
response is made. Remove once the telemetry transport no longer relies on it.
"""

from __future__ import annotations

import httpx

from rez_notifier.ntfy_client import NTFY_TIMEOUT_SECONDS
from rez_telemetry import tracer

__all__ = ["new_http_client"]


class _ResponseKnowsRequest(httpx.BaseTransport):
    """Attach the request to its response as soon as the response exists."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self._inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Delegate, then link the response to its request."""
        response = self._inner.handle_request(request)
        response.request = request
        return response

    def close(self) -> None:
        """Close the wrapped transport."""
        self._inner.close()


def new_http_client() -> httpx.Client:
    """A client for ntfy whose POSTs are `HTTP POST` spans carrying the trace headers."""
    client = httpx.Client(
        transport=_ResponseKnowsRequest(httpx.HTTPTransport()),
        timeout=NTFY_TIMEOUT_SECONDS,
    )
    return tracer.instrument_httpx(client)
