"""Finished spans to X-Ray the way ADOT sends them from Lambda: OTLP over UDP.

Lambda runs an X-Ray endpoint in every sandbox at `AWS_XRAY_DAEMON_ADDRESS`. ADOT's
`OTLPUdpSpanExporter` (`amazon.opentelemetry.distro.otlp_udp_exporter`) sends each batch as one
datagram: the header line `{"format":"json","version":1}`, the prefix `T1S` (sampled spans), then
the base64 of a serialized OTLP `ExportTraceServiceRequest`. Unsampled spans are never recorded
here (`NonRecordingSpan`), as ADOT without Application Signals drops them; ADOT's `T1U` prefix
is only for Application Signals, which this system does not use.

X-Ray reads the attributes listed in `aws.xray.annotations` as annotations (the correlation's
`correlation_id`, `message_id`, `message_type` and every `set_annotation` key X-Ray allows) and
the rest as metadata. A datagram stays under UDP's 64 KB: larger batches are split.
"""

from __future__ import annotations

import base64
import socket
import threading
from collections.abc import Mapping, Sequence
from typing import Any, Final

from rez_telemetry.tracing.otlp_encoding import request_of, scope_span

PROTOCOL_HEADER: Final = b'{"format":"json","version":1}\n'
SAMPLED_PREFIX: Final = b"T1S"
MAX_DATAGRAM: Final = 64 * 1024 - 1024
"""Bytes a datagram may take (UDP's limit, with room to spare)."""
SCOPE: Final = "rez_telemetry"


def parse_address(address: str) -> tuple[str, int]:
    """`host:port` (as `AWS_XRAY_DAEMON_ADDRESS` spells it; its `tcp:…` `udp:…` form too)."""
    for part in address.split():
        if part.startswith("udp:"):
            address = part[4:]
            break
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit():
        raise ValueError(f"not a host:port address: {address!r}")
    return host, int(port)


def datagram(payload: bytes) -> bytes:
    """One ADOT datagram for a serialized `ExportTraceServiceRequest`."""
    return PROTOCOL_HEADER + SAMPLED_PREFIX + base64.b64encode(payload)


class OtlpUdpExporter:
    """`export_documents` (as `JsonLinesExporter`): span documents as ADOT datagrams."""

    def __init__(self, address: str, resource: Mapping[str, Any]) -> None:
        self.address = parse_address(address)
        self.resource = dict(resource)
        self._socket: socket.socket | None = None
        self._lock = threading.Lock()
        self.failures = 0

    def export_documents(self, documents: Sequence[Mapping[str, Any]]) -> None:
        """Send the documents; a failed send is counted, never raised into the handler."""
        if not documents:
            return
        for chunk in self._chunks([scope_span(document) for document in documents]):
            self._send(datagram(request_of(chunk, self.resource, SCOPE)))

    @staticmethod
    def _chunks(spans: list[bytes]) -> list[list[bytes]]:
        """Spans packed into requests whose datagram stays under the limit (each encoded once)."""
        budget = (MAX_DATAGRAM - 512) * 3 // 4  # base64 grows by 4/3; room for the envelope
        chunks: list[list[bytes]] = [[]]
        size = 0
        for encoded in spans:
            if chunks[-1] and size + len(encoded) > budget:
                chunks.append([])
                size = 0
            chunks[-1].append(encoded)
            size += len(encoded)
        return chunks

    def _send(self, data: bytes) -> None:
        with self._lock:
            try:
                if self._socket is None:
                    self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                self._socket.sendto(data, self.address)
            except OSError:
                self.failures += 1

    def close(self) -> None:
        with self._lock:
            if self._socket is not None:
                self._socket.close()
                self._socket = None


class TeeExporter:
    """Several `export_documents` sinks (X-Ray and span lines in the logs, when both are on)."""

    def __init__(self, *sinks: Any) -> None:
        self.sinks = sinks

    def export_documents(self, documents: Sequence[Mapping[str, Any]]) -> None:
        for sink in self.sinks:
            sink.export_documents(documents)


def udp_exporter(address: str, service: str, logs: Any) -> Any:
    """The OTel back end's exporter in Lambda: X-Ray over UDP, plus `logs` when it writes."""
    resource = {"service.name": service, "cloud.provider": "aws", "cloud.platform": "aws_lambda"}
    xray = OtlpUdpExporter(address, resource)
    if getattr(logs, "path", None) or getattr(logs, "stdout", False):
        return TeeExporter(xray, logs)
    return xray
