"""httpx calls as client spans (`HTTP POST`) with `traceparent` and `X-Amzn-Trace-Id` injected.

A transport wrapper rather than a global patch: `tracer.instrument_httpx(client)` wraps that
client's transport, whichever back end is on (OTel span or X-Ray subsegment), so a call is never
traced twice. Imported only by `instrument_httpx`, i.e. by services that already use httpx.
"""

from __future__ import annotations

from typing import Any

import httpx

from rez_telemetry.tracing.base import ClientSpanSource, SpanHandle

_MARKER = "_rez_telemetry_traced"


def _attributes(request: httpx.Request) -> dict[str, str | int | float | bool]:
    url = request.url.copy_with(username=None, password=None, query=None, fragment=None)
    return {
        "http.method": request.method,
        "http.url": str(url),
        "server.address": request.url.host,
    }


def _before(tracer: ClientSpanSource, request: httpx.Request) -> SpanHandle | None:
    if not tracer.in_trace():
        return None
    span = tracer.start_client_span(f"HTTP {request.method}", _attributes(request))
    request.headers.update(span.propagation_headers())
    return span


def _after(span: SpanHandle, request: httpx.Request, response: httpx.Response) -> None:
    """Status on the span; 4xx/5xx mark it failed.

    Uses the request the transport was given: `response.request` is only set by the client
    after the outermost transport returns, and reading it here raises `RuntimeError`.
    """
    span.set_annotation("http.status_code", response.status_code)
    if response.status_code >= 400:
        span.record_error(
            httpx.HTTPStatusError(
                f"HTTP {response.status_code}", request=request, response=response
            )
        )


class TracingTransport(httpx.BaseTransport):
    """Wraps a sync transport."""

    def __init__(self, inner: httpx.BaseTransport, tracer: ClientSpanSource) -> None:
        self.inner = inner
        self.tracer = tracer

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        span = _before(self.tracer, request)
        if span is None:
            return self.inner.handle_request(request)
        try:
            response = self.inner.handle_request(request)
        except BaseException as exc:
            span.record_error(exc)
            span.end()
            raise
        _after(span, request, response)
        span.end()
        return response

    def close(self) -> None:
        self.inner.close()


class AsyncTracingTransport(httpx.AsyncBaseTransport):
    """Wraps an async transport."""

    def __init__(self, inner: httpx.AsyncBaseTransport, tracer: ClientSpanSource) -> None:
        self.inner = inner
        self.tracer = tracer

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        span = _before(self.tracer, request)
        if span is None:
            return await self.inner.handle_async_request(request)
        try:
            response = await self.inner.handle_async_request(request)
        except BaseException as exc:
            span.record_error(exc)
            span.end()
            raise
        _after(span, request, response)
        span.end()
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


def instrument(client: Any, tracer: ClientSpanSource) -> Any:
    """Wrap the client's transport once; returns the client."""
    if getattr(client, _MARKER, False):
        return client
    if isinstance(client, httpx.AsyncClient):
        client._transport = AsyncTracingTransport(client._transport, tracer)
    else:
        client._transport = TracingTransport(client._transport, tracer)
    setattr(client, _MARKER, True)
    return client
