"""Test support for services built on rez_telemetry: read back what one invocation wrote.

Services' test suites capture stdout (pytest's `capsys`) and point `TRACE_EXPORT_FILE` at a temp
file; `CapturedTelemetry` turns both into log lines, EMF metric values and spans, and
`reset_telemetry` puts every module-level state back between tests; `FakeXRayDaemon` receives
what the X-Ray back end sends.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

from rez_telemetry import metrics
from rez_telemetry.cold_start import reset_cold_start
from rez_telemetry.logging import reset_logging
from rez_telemetry.tracing import tracer


class _Captures(Protocol):
    """What pytest's `capsys` offers (typed here so the library needs no pytest import)."""

    def readouterr(self) -> Any: ...


def reset_telemetry() -> None:
    """Forget logging configuration, cold start, buffered metrics and the tracer."""
    reset_logging()
    reset_cold_start()
    metrics.reset()
    tracer.reset()


class CapturedTelemetry:
    """What one test wrote: JSON log lines and EMF objects from stdout, spans from the file."""

    def __init__(self, capsys: _Captures, spans_file: Path) -> None:
        self._capsys = capsys
        self._spans_file = spans_file
        self._lines: list[dict[str, Any]] = []

    def _read(self) -> list[dict[str, Any]]:
        out = self._capsys.readouterr().out
        self._lines.extend(json.loads(line) for line in out.splitlines() if line.startswith("{"))
        return self._lines

    @property
    def logs(self) -> list[dict[str, Any]]:
        """Every JSON log line so far (EMF objects left out)."""
        return [line for line in self._read() if "message" in line and "_aws" not in line]

    def log(self, message: str) -> dict[str, Any]:
        """The one line with this message (AssertionError if there is not exactly one)."""
        matches = [line for line in self.logs if line["message"] == message]
        assert len(matches) == 1, f"expected one {message!r} line, got {len(matches)}"
        return matches[0]

    def metric_values(self, name: str) -> list[tuple[dict[str, str], Any]]:
        """(dimensions, value) of each EMF object recording `name`."""
        found = []
        for line in self._read():
            if "_aws" not in line:
                continue
            directive = line["_aws"]["CloudWatchMetrics"][0]
            if any(m["Name"] == name for m in directive["Metrics"]):
                dims = {d: line[d] for dset in directive["Dimensions"] for d in dset}
                found.append((dims, line[name]))
        return found

    @property
    def spans(self) -> list[dict[str, Any]]:
        """The spans exported to the file so far."""
        if not self._spans_file.exists():
            return []
        return [json.loads(line) for line in self._spans_file.read_text().splitlines() if line]


class FakeXRayDaemon:
    """A UDP socket on 127.0.0.1 where the X-Ray daemon would listen, and what it received.

    Point `AWS_XRAY_DAEMON_ADDRESS` at `address`; after the traced process has exited, its
    datagrams are already queued on loopback and `documents()` reads them all.
    """

    def __init__(self) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._socket.bind(("127.0.0.1", 0))

    @property
    def address(self) -> str:
        """`127.0.0.1:<port>`, as `AWS_XRAY_DAEMON_ADDRESS` takes it."""
        host, port = self._socket.getsockname()
        return f"{host}:{port}"

    def documents(self) -> list[dict[str, Any]]:
        """Every segment document received so far (`{"format":"json","version":1}\\n{...}`)."""
        documents: list[dict[str, Any]] = []
        self._socket.setblocking(False)
        while True:
            try:
                datagram = self._socket.recv(65535)
            except BlockingIOError:
                return documents
            header, _, body = datagram.decode().partition("\n")
            if json.loads(header) != {"format": "json", "version": 1}:
                raise ValueError(f"not an X-Ray daemon datagram header: {header!r}")
            documents.append(json.loads(body))

    def lambda_environment(
        self,
        base: Mapping[str, str],
        task_root: str,
        function_name: str,
        trace_header: str,
        **extra: str,
    ) -> dict[str, str]:
        """An environment for a Lambda-like child process with active tracing, sending here.

        `base` (the test's `os.environ`) minus any telemetry setting, so the child chooses its
        back end from the Lambda environment alone, plus Lambda's variables and `extra`.
        """
        env = {k: v for k, v in base.items() if not k.startswith(_TELEMETRY_SETTINGS)}
        env.update(
            LAMBDA_TASK_ROOT=task_root,
            AWS_LAMBDA_FUNCTION_NAME=function_name,
            _X_AMZN_TRACE_ID=trace_header,
            AWS_XRAY_DAEMON_ADDRESS=self.address,
            METRICS_BACKEND="off",
            **extra,
        )
        return env

    def close(self) -> None:
        """Release the port."""
        self._socket.close()


_TELEMETRY_SETTINGS = ("TRACING_", "TRACE_", "OTEL_", "METRICS_", "AWS_XRAY", "LOG_")
