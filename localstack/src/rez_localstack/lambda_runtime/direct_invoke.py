"""Invocations answered on the invoke connection itself, not through LocalStack's gateway.

LocalStack's ``ExecutorEndpoint`` POSTs ``/invoke`` (a new ``requests`` session each time), gets
an empty 200 at once, and waits for the runtime to POST ``/invocations/<id>/logs`` and then
``/response`` back to the gateway. Each of those passes through the gateway's whole handler
chain: two trips that, on a busy 2-core machine, cost more than the rest of a warm invoke
(10-30 ms each, measured from the runtime). Here the executor keeps LocalStack's future (so an
environment that dies, or is shut down, still fails or cancels the wait exactly as before) but
fills it from the answer to its own ``/invoke`` request, over one loopback connection.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import logging
import time
from concurrent.futures import Future, InvalidStateError
from typing import Final

from localstack.services.lambda_.invocation.executor_endpoint import ExecutorEndpoint
from localstack.services.lambda_.invocation.lambda_models import InvocationResult

LOG = logging.getLogger(__name__)

RESULT_HEADER: Final = "X-Rez-Result"
LOGS_LENGTH_HEADER: Final = "X-Rez-Logs-Length"
MAX_WAIT_SECONDS: Final = 905.0
"""As LocalStack: no invoke waits longer than Lambda's 900 s maximum plus a buffer."""
CONNECT_RETRIES: Final = 5
"""A runtime re-executing itself after a timeout refuses connections for a moment: retry."""
EXIT_GRACE_SECONDS: Final = 5.0
"""How long a broken connection waits for the process watcher's exit status."""


class EnvironmentGone(Exception):
    """The invoke connection broke: the runtime process died or was stopped."""


def exchange(host: str, port: int, payload: dict[str, str]) -> InvocationResult:
    """POST one invocation and read its result from the answer."""
    body = json.dumps(payload).encode()
    connection = _connect(host, port)
    try:
        try:
            connection.request(
                "POST",
                "/invoke",
                body,
                {"Content-Type": "application/json", "Connection": "close"},
            )
            response = connection.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException) as exc:
            raise EnvironmentGone(str(exc)) from exc
        kind = response.getheader(RESULT_HEADER)
        if response.status != 200 or kind not in ("response", "error"):
            raise EnvironmentGone(f"unexpected answer {response.status} ({kind!r}) to /invoke")
        logs_length = int(response.getheader(LOGS_LENGTH_HEADER) or 0)
        return InvocationResult(
            payload.get("invoke-id", ""),
            data[logs_length:],
            is_error=kind == "error",
            logs=data[:logs_length].decode(errors="replace"),
        )
    finally:
        connection.close()


def _connect(host: str, port: int) -> http.client.HTTPConnection:
    delay = 0.1
    for attempt in range(CONNECT_RETRIES + 1):
        connection = http.client.HTTPConnection(host, port, timeout=MAX_WAIT_SECONDS)
        try:
            connection.connect()
            return connection
        except ConnectionRefusedError:
            connection.close()
            if attempt == CONNECT_RETRIES:
                raise
            LOG.debug("Runtime on port %s refused the invoke; retrying in %.1f s", port, delay)
            time.sleep(delay)
            delay *= 2
    raise AssertionError("unreachable")


class DirectExecutorEndpoint(ExecutorEndpoint):
    """`ExecutorEndpoint` whose invocations come back on the invoke connection."""

    def invoke(self, payload: dict[str, str]) -> InvocationResult:
        future: Future[InvocationResult] = Future()
        self.invocation_future = future
        self.logs = None
        if not self.container_address or not self.container_port:
            raise ValueError("Container address not set, but got an invoke.")
        try:
            result = exchange(self.container_address, self.container_port, payload)
        except EnvironmentGone as exc:
            LOG.debug("Invoke connection to %s broke: %s", self.executor_id, exc)
            # The process watcher answers with the exit status; a shutdown cancels the future.
            return future.result(timeout=EXIT_GRACE_SECONDS)
        with contextlib.suppress(InvalidStateError):
            future.set_result(result)
        return future.result()
