"""What a tracing back end provides to the `Tracer` facade (X-Ray SDK, OpenTelemetry, nothing)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, Literal, Protocol

from rez_telemetry.tracing.header import TraceHeader

SpanKind = Literal["internal", "server", "client", "producer", "consumer"]
AnnotationValue = str | int | float | bool
METADATA_PREFIX = "metadata."


class SpanHandle(Protocol):
    """One started span; `end()` closes it (and restores the previous current span)."""

    @property
    def recording(self) -> bool:
        """False for spans dropped by sampling (annotations cost nothing then)."""
        ...

    def set_annotation(self, key: str, value: AnnotationValue) -> None:
        """Indexed, searchable key (X-Ray annotation, OTel attribute)."""
        ...

    def set_metadata(self, key: str, value: Any) -> None:
        """Not indexed: payloads, error details."""
        ...

    def record_error(self, error: BaseException) -> None:
        """Mark the span failed with the exception's type and message."""
        ...

    def trace_header(self) -> str | None:
        """X-Ray header naming this span as parent."""
        ...

    def propagation_headers(self) -> dict[str, str]:
        """HTTP headers for a call made within this span (`X-Amzn-Trace-Id`, `traceparent`)."""
        ...

    def end(self) -> None:
        """Finish the span."""
        ...


class TracingBackend(Protocol):
    """A tracing implementation behind the facade."""

    name: str

    def start_span(
        self,
        name: str,
        *,
        kind: SpanKind = "internal",
        parent: TraceHeader | None = None,
        links: Sequence[TraceHeader] = (),
        annotations: Mapping[str, AnnotationValue] | None = None,
        activate: bool = True,
    ) -> SpanHandle:
        """Start a span; with `activate` it becomes the current span until it ends."""
        ...

    def in_trace(self) -> bool:
        """True when a span is current (client spans are only made inside a trace)."""
        ...

    def annotate(self, annotations: Mapping[str, AnnotationValue]) -> None:
        """Annotate the current span."""
        ...

    def add_metadata(self, values: Mapping[str, Any]) -> None:
        """Add metadata to the current span."""
        ...

    def current_trace_header(self) -> str | None:
        """X-Ray header of the current span."""
        ...

    def current_propagation_headers(self) -> dict[str, str]:
        """HTTP propagation headers of the current span."""
        ...

    def flush(self) -> None:
        """Export what is buffered (end of invocation)."""
        ...

    def shutdown(self) -> None:
        """Flush and release resources."""
        ...


class ClientSpanSource(Protocol):
    """What the client hooks (botocore events, httpx transport) need from a tracer.

    `Tracer` is one; the hooks are typed against this so they never import the facade.
    """

    def active_backend(self) -> TracingBackend | None:
        """The back end if one was built already (hooks never build one)."""
        ...

    def in_trace(self) -> bool:
        """True when a span is current (outgoing calls are traced only then)."""
        ...

    def start_client_span(self, name: str, attributes: Mapping[str, AnnotationValue]) -> SpanHandle:
        """A client span for an outgoing call, not made current."""
        ...


def metadata_value(value: Any) -> str | int | float | bool:
    """Metadata as an attribute value: primitives as they are, the rest as JSON."""
    if isinstance(value, str | int | float | bool):
        return value
    return json.dumps(value, default=str, separators=(",", ":"))


class NoopSpan:
    """The span of a disabled tracer: every method does nothing."""

    recording = False

    def set_annotation(self, key: str, value: AnnotationValue) -> None:
        """Nothing to annotate."""

    def set_metadata(self, key: str, value: Any) -> None:
        """Nothing to record."""

    def record_error(self, error: BaseException) -> None:
        """Nothing to mark."""

    def trace_header(self) -> str | None:
        """No trace, no header."""
        return None

    def propagation_headers(self) -> dict[str, str]:
        """No trace, no headers."""
        return {}

    def end(self) -> None:
        """Nothing to end."""


NOOP_SPAN = NoopSpan()


class NoopBackend:
    """`TRACING_BACKEND=off`: no SDK imported, nothing recorded."""

    name = "off"

    def start_span(
        self,
        name: str,
        *,
        kind: SpanKind = "internal",
        parent: TraceHeader | None = None,
        links: Sequence[TraceHeader] = (),
        annotations: Mapping[str, AnnotationValue] | None = None,
        activate: bool = True,
    ) -> SpanHandle:
        return NOOP_SPAN

    def in_trace(self) -> bool:
        return False

    def annotate(self, annotations: Mapping[str, AnnotationValue]) -> None:
        return None

    def add_metadata(self, values: Mapping[str, Any]) -> None:
        return None

    def current_trace_header(self) -> str | None:
        return None

    def current_propagation_headers(self) -> dict[str, str]:
        return {}

    def flush(self) -> None:
        return None

    def shutdown(self) -> None:
        return None
