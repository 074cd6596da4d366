"""httpx calls traced through the transport wrapper, against a real server on 127.0.0.1.

An error answer must come back to the caller as a response (so retries and breakers see a 5xx),
never as an exception raised by the tracing.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from rez_telemetry.tracing import ReservoirSampler, tracer
from rez_telemetry.tracing.tree import load_spans


class _Server:
    """Answers every POST with `status`, records the trace headers it was sent."""

    def __init__(self) -> None:
        self.status = 200
        self.traceparents: list[str | None] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                server.traceparents.append(self.headers.get("traceparent"))
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                body = b'{"error": "down"}'
                self.send_response(server.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}/topic"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()


@pytest.fixture
def server() -> Iterator[_Server]:
    running = _Server()
    yield running
    running.close()


@pytest.fixture
def spans_file(tmp_path: Path) -> Path:
    """OTel on, every trace sampled, spans into a file."""
    path = tmp_path / "spans.jsonl"
    tracer.configure(
        backend="otel", export_file=str(path), export_stdout=False, sampler=ReservoirSampler(1, 1.0)
    )
    return path


def _http_spans(path: Path) -> list[dict[str, Any]]:
    tracer.flush()
    return [span for span in load_spans(path) if span["name"] == "HTTP POST"]


@pytest.mark.parametrize("status", [404, 429, 503])
def test_an_error_answer_inside_a_trace_is_returned_not_raised(server, spans_file, status):
    # GIVEN a traced client, a server answering an error, and a recording trace
    server.status = status
    client = tracer.instrument_httpx(httpx.Client())
    # WHEN a POST is made inside a span
    with tracer.span("send"):
        response = client.post(server.url, content=b"hello")
    # THEN the caller gets the response (its retry policy or breaker decides), request attached
    assert response.status_code == status
    assert response.request.url == server.url
    # AND the client span carries the status, marked failed, and its context reached the server
    [span] = _http_spans(spans_file)
    assert span["attributes"]["http.status_code"] == status
    assert span["status"] == "error"
    assert span["error"]["type"] == "httpx.HTTPStatusError"
    assert server.traceparents == [
        f"00-{span['trace_id'][2:].replace('-', '')}-{span['span_id']}-01"
    ]


def test_an_async_client_error_answer_is_returned_not_raised(server, spans_file):
    # GIVEN a traced async client and a server answering 503
    server.status = 503

    async def post() -> httpx.Response:
        async with tracer.instrument_httpx(httpx.AsyncClient()) as client:
            with tracer.span("send"):
                return await client.post(server.url, content=b"hello")

    # WHEN a POST is made inside a span
    response = asyncio.run(post())
    # THEN the 503 comes back as a response, and the span says so
    assert response.status_code == 503
    [span] = _http_spans(spans_file)
    assert (span["attributes"]["http.status_code"], span["status"]) == (503, "error")


def test_a_success_is_a_plain_span(server, spans_file):
    client = tracer.instrument_httpx(httpx.Client())
    with tracer.span("send"):
        assert client.post(server.url, content=b"hello").status_code == 200
    [span] = _http_spans(spans_file)
    assert (span["attributes"]["http.status_code"], span["status"]) == (200, "unset")
