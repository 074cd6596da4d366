"""The HTTP side of the mock ntfy: a ThreadingHTTPServer bound to 127.0.0.1.

ntfy endpoints: ``PUT``/``POST /<topic>``, ``GET|POST /<topic>/(publish|send|trigger)``,
``POST /`` (JSON), ``GET /<topic>/json?poll=1``, ``GET /v1/health``.
Control endpoints: ``GET|DELETE /_mock/messages`` (``?topic=``), ``GET /_mock/requests``,
``POST|GET|DELETE /_mock/faults``, ``POST|GET|DELETE /_mock/config``.
"""

from __future__ import annotations

import contextlib
import json
import socket
import struct
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from rez_localstack.mock_ntfy import protocol
from rez_localstack.mock_ntfy.state import AccessConfig, Faults, RateLimiter, Recorder

_PUBLISH_SUFFIXES = ("publish", "send", "trigger")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 512  # hundreds of concurrent posts must not be refused
    mock: MockNtfy


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    server_version = "ntfy-mock"

    # -------------------------------------------------------------- plumbing

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.mock.verbose:
            super().log_message(format, *args)

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send_json(self, status: int, payload: Any, ndjson: bool = False) -> None:
        if ndjson:
            data = "".join(json.dumps(item) + "\n" for item in payload).encode()
        else:
            data = (json.dumps(payload) + "\n").encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _send_error(self, error: protocol.NtfyError) -> None:
        self._send_json(error.http, error.body())

    def _reset(self) -> None:
        """Drop the connection without an answer (RST), as a crashed server would."""
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.close()

    def _route(self, method: str) -> None:
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
        path = url.path
        if path.startswith("/_mock/"):
            self._control(method, path, query)
        elif path == "/v1/health" and method == "GET":
            self._send_json(200, {"healthy": True})
        else:
            self._ntfy(method, path, query)

    def do_GET(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")

    def do_PUT(self) -> None:
        self._route("PUT")

    def do_DELETE(self) -> None:
        self._route("DELETE")

    # -------------------------------------------------------------- control API

    def _control(self, method: str, path: str, query: dict[str, str]) -> None:
        mock = self.server.mock
        body = self._body()
        if path == "/_mock/messages" and method == "GET":
            self._send_json(200, mock.recorder.messages(query.get("topic")))
        elif path == "/_mock/messages" and method == "DELETE":
            mock.recorder.clear()
            self._send_json(200, {"cleared": True})
        elif path == "/_mock/requests" and method == "GET":
            self._send_json(200, mock.recorder.requests())
        elif path == "/_mock/faults" and method == "POST":
            try:
                self._send_json(200, mock.faults.set(json.loads(body or b"{}")))
            except (ValueError, TypeError) as exc:
                self._send_json(400, {"error": f"bad fault spec: {exc}"})
        elif path == "/_mock/faults" and method == "GET":
            self._send_json(200, mock.faults.describe())
        elif path == "/_mock/faults" and method == "DELETE":
            mock.faults.heal()
            self._send_json(200, mock.faults.describe())
        elif path == "/_mock/config" and method == "POST":
            try:
                mock.configure(**json.loads(body or b"{}"))
            except (ValueError, TypeError) as exc:
                self._send_json(400, {"error": f"bad config: {exc}"})
                return
            self._send_json(200, mock.access.describe())
        elif path == "/_mock/config" and method == "GET":
            self._send_json(200, mock.access.describe())
        elif path == "/_mock/config" and method == "DELETE":
            mock.configure(tokens=[], users={}, rate_limit=0)
            self._send_json(200, mock.access.describe())
        else:
            self._send_error(protocol.not_found())

    # -------------------------------------------------------------- ntfy API

    def _ntfy(self, method: str, path: str, query: dict[str, str]) -> None:
        mock = self.server.mock
        body = self._body()
        parts = [p for p in path.split("/") if p]
        headers = {k: v for k, v in self.headers.items()}
        recorded_headers = _masked(headers)
        entry = {
            "method": method,
            "path": path,
            "query": query,
            "headers": recorded_headers,
            "body": body.decode("utf-8", errors="replace"),
            "received_at": time.time(),
        }
        fault, status, latency_ms = mock.faults.take()
        if latency_ms:
            time.sleep(latency_ms / 1000)
        if fault in ("down", "drop"):
            entry["outcome"] = fault
            mock.recorder.request(entry)
            self._reset()
            return
        try:
            if fault == "fail":
                raise protocol.for_status(status)
            if method == "GET" and len(parts) == 2 and parts[1] == "json":
                self._authorize(headers)
                entry["outcome"] = 200
                mock.recorder.request(entry)
                since = protocol.parse_since(query.get("since"))
                cached = [m for m in mock.recorder.messages(parts[0]) if m["time"] >= since]
                self._send_json(200, cached, ndjson=True)
                return
            message = self._publish(method, parts, headers, query, body)
        except protocol.NtfyError as error:
            entry["outcome"] = error.http
            entry["response"] = error.body()
            mock.recorder.request(entry)
            self._send_error(error)
            return
        entry["outcome"] = 200
        entry["response"] = message
        mock.recorder.request(entry)
        mock.recorder.message(
            {**message, "headers": recorded_headers, "method": method, "path": path}
        )
        self._send_json(200, message)

    def _authorize(self, headers: dict[str, str]) -> None:
        access = self.server.mock.access
        if not access.auth_required:
            return
        lowered = {k.lower(): v for k, v in headers.items()}
        creds = protocol.parse_authorization(lowered.get("authorization"))
        if creds is None:
            raise protocol.forbidden()  # anonymous, and anonymous may not write
        if creds.token is not None and creds.token in access.tokens:
            return
        if creds.user is not None and access.users.get(creds.user) == creds.password:
            return
        raise protocol.unauthorized()

    def _publish(
        self,
        method: str,
        parts: list[str],
        headers: dict[str, str],
        query: dict[str, str],
        body: bytes,
    ) -> dict[str, Any]:
        mock = self.server.mock
        if not mock.limiter.allow(mock.access.rate_limit, mock.access.rate_window_s):
            raise protocol.too_many_requests()
        if method in ("POST", "PUT") and not parts:
            self._authorize(headers)
            return protocol.from_json(body)
        publishes = (method in ("POST", "PUT") and len(parts) == 1) or (
            len(parts) == 2 and parts[1] in _PUBLISH_SUFFIXES and method in ("GET", "POST", "PUT")
        )
        if not publishes:
            raise protocol.not_found()
        self._authorize(headers)
        return protocol.from_http(parts[0], headers, query, body)


def _masked(headers: dict[str, str]) -> dict[str, str]:
    """The headers as recorded: ``Authorization`` (any case) as its scheme and fingerprint."""
    return {
        name: protocol.mask_authorization(value) if name.lower() == "authorization" else value
        for name, value in headers.items()
    }


class MockNtfy:
    """In-process mock ntfy: ``MockNtfy(port=0).start()``, ``.url``, ``.stop()``."""

    def __init__(
        self,
        port: int = 0,
        tokens: list[str] | None = None,
        users: dict[str, str] | None = None,
        rate_limit: int = 0,
        rate_window_s: float = 1.0,
        verbose: bool = False,
    ) -> None:
        self.recorder = Recorder()
        self.faults = Faults()
        self.limiter = RateLimiter()
        self.access = AccessConfig()
        self.verbose = verbose
        self.configure(tokens or [], users or {}, rate_limit, rate_window_s)
        self._server = _Server(("127.0.0.1", port), _Handler)
        self._server.mock = self
        self._thread: threading.Thread | None = None

    def configure(
        self,
        tokens: list[str] | None = None,
        users: dict[str, str] | None = None,
        rate_limit: int | None = None,
        rate_window_s: float | None = None,
    ) -> None:
        """Replace auth and/or rate limit (only the arguments given)."""
        if tokens is not None:
            self.access.tokens = set(tokens)
        if users is not None:
            self.access.users = dict(users)
        if rate_limit is not None:
            self.access.rate_limit = int(rate_limit)
            self.limiter.reset()
        if rate_window_s is not None:
            self.access.rate_window_s = float(rate_window_s)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> MockNtfy:
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="mock-ntfy", daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
