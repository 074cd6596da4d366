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
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TextIO

from rez_telemetry.tracing.base import METADATA_PREFIX
from rez_telemetry.tracing.header import span_id_to_hex, trace_id_to_xray

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import ReadableSpan


def span_to_dict(span: ReadableSpan) -> dict[str, Any]:
    """The exported shape of one span (ids in X-Ray format, times in epoch seconds)."""
    context = span.get_span_context()
    parent = span.parent
    attributes: dict[str, Any] = {}
    metadata: dict[str, Any] = {}
    for key, value in (span.attributes or {}).items():
        if key.startswith(METADATA_PREFIX):
            metadata[key[len(METADATA_PREFIX) :]] = _decoded(value)
        else:
            attributes[key] = list(value) if isinstance(value, tuple) else value
    start = (span.start_time or 0) / 1e9
    end = (span.end_time or span.start_time or 0) / 1e9
    document: dict[str, Any] = {
        "trace_id": trace_id_to_xray(context.trace_id) if context else None,
        "span_id": span_id_to_hex(context.span_id) if context else None,
        "parent_id": span_id_to_hex(parent.span_id) if parent else None,
        "links": [
            {
                "trace_id": trace_id_to_xray(link.context.trace_id),
                "span_id": span_id_to_hex(link.context.span_id),
            }
            for link in span.links
        ],
        "name": span.name,
        "kind": span.kind.name.lower(),
        "start": start,
        "end": end,
        "duration_ms": round((end - start) * 1000.0, 3),
        "status": span.status.status_code.name.lower(),
        "attributes": attributes,
        "metadata": metadata,
        "service": span.resource.attributes.get("service.name"),
        "correlation_id": attributes.get("correlation_id"),
    }
    if span.status.description:
        document["status_message"] = span.status.description
    errors = [event for event in span.events if event.name == "exception"]
    if errors:
        error_attributes = errors[-1].attributes or {}
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


def _compact(document: dict[str, Any]) -> str:
    return json.dumps(document, separators=(",", ":"), default=str)


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
