"""Finished OpenTelemetry spans as JSON lines: to a file (`TRACE_EXPORT_FILE`) and/or stdout.

On stdout each line is `{"span": {...}, "correlation_id": ..., "service": ...}` so a span can be
picked out of the function's log group next to its log lines; in the file each line is the span
object itself. `tree.load_spans` reads both.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TextIO

from rez_telemetry.tracing.annotations import annotations_of
from rez_telemetry.tracing.base import METADATA_PREFIX
from rez_telemetry.tracing.header import span_id_to_hex, trace_id_to_xray

if TYPE_CHECKING:
    from rez_telemetry.tracing.otel_span import RecordingSpan


_NO_FIELDS: Mapping[str, Any] = {}
_names: dict[object, str] = {}
_last_trace: list[tuple[int, str]] = [(0, "")]


def _name_of(member: Any) -> str:
    """`SpanKind.CLIENT` -> `client`, `StatusCode.ERROR` -> `error` (cached per member)."""
    name = _names.get(member)
    if name is None:
        name = _names[member] = member.name.lower()
    return name


def _xray_trace_id(trace_id: int) -> str:
    """`trace_id_to_xray`, remembering the last one (an invocation's spans share it)."""
    last_id, text = _last_trace[0]
    if trace_id != last_id:
        text = trace_id_to_xray(trace_id)
        _last_trace[0] = (trace_id, text)
    return text


def span_to_dict(span: RecordingSpan, service: str | None = None) -> dict[str, Any]:
    """The exported shape of one span (ids in X-Ray format, times in epoch seconds).

    The correlation current when the span started gives `correlation_id` and `message_id`
    attributes unless the span set its own.
    """
    context = span.context
    parent = span.parent
    correlation = span.correlation
    attributes: dict[str, Any] = dict(annotations_of(correlation)) if correlation else {}
    metadata: dict[str, Any] = {}
    for key, value in span.attributes.items():
        if key.startswith(METADATA_PREFIX):
            metadata[key[len(METADATA_PREFIX) :]] = _decoded(value)
        else:
            attributes[key] = list(value) if isinstance(value, tuple) else value
    start = span.start_time / 1e9
    end = (span.end_time or span.start_time) / 1e9
    links = span.links
    status = span.status
    document: dict[str, Any] = {
        "trace_id": _xray_trace_id(context.trace_id),
        "span_id": span_id_to_hex(context.span_id),
        "parent_id": span_id_to_hex(parent.span_id) if parent else None,
        "links": [
            {
                "trace_id": trace_id_to_xray(link.context.trace_id),
                "span_id": span_id_to_hex(link.context.span_id),
            }
            for link in links
        ]
        if links
        else [],
        "name": span.name,
        "kind": _name_of(span.kind),
        "start": start,
        "end": end,
        "duration_ms": round((end - start) * 1000.0, 3),
        "status": _name_of(status.status_code),
        "attributes": attributes,
        "metadata": metadata,
        "service": service,
        "correlation_id": attributes.get("correlation_id"),
    }
    if status.description:
        document["status_message"] = status.description
    if span.events:
        errors = [event for event in span.events if event.name == "exception"]
        if errors:
            error_attributes = errors[-1].attributes
            document["error"] = {
                "type": error_attributes.get("exception.type"),
                "message": error_attributes.get("exception.message"),
            }
    return document


def _decoded(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


_encoder = json.JSONEncoder(separators=(",", ":"), default=str)
"""One encoder for every line (`json.dumps` with options builds a new one per call)."""


def _compact(document: dict[str, Any]) -> str:
    return _encoder.encode(document)


class JsonLinesExporter:
    """Writes span documents; one `os.write` per batch so processes can share one file."""

    def __init__(
        self,
        path: str | None = None,
        *,
        stdout: bool = False,
        stream: Callable[[], TextIO] | None = None,
    ) -> None:
        self.path = path
        self.stdout = stdout
        self._stream = stream or (lambda: sys.stdout)
        self._lock = threading.Lock()

    def export_documents(self, documents: Sequence[dict[str, Any]]) -> None:
        """Write the given span documents."""
        if not documents:
            return
        with self._lock:
            if self.path:
                payload = "".join(_compact(document) + "\n" for document in documents)
                descriptor = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
                try:
                    os.write(descriptor, payload.encode())
                finally:
                    os.close(descriptor)
            if self.stdout:
                stream = self._stream()
                stream.write(
                    "".join(
                        _compact(
                            {
                                "span": document,
                                "correlation_id": document.get("correlation_id"),
                                "service": document.get("service"),
                            }
                        )
                        + "\n"
                        for document in documents
                    )
                )
                stream.flush()
