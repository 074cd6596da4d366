"""OpenTelemetry back end: X-Ray-compatible ids, reservoir sampling, JSON-lines export.

Imported only when the OTel back end is chosen, so services tracing nothing never load the SDK.
Spans are `RecordingSpan`s (OTel API spans without the SDK span's per-call bookkeeping), kept in
memory and exported at `flush()` — the lifecycle hook calls it at the end of each invocation,
before Lambda freezes the environment — or when the buffer fills. SDK span exporters (OTLP,
console) can be added: they receive SDK `ReadableSpan`s built at flush time.

Kept off the hot path: a span only notes which correlation mapping was current when it started
(a reference, no copy); `correlation_id` / `message_id` join its attributes when it is exported.
"""

from __future__ import annotations

import atexit
import threading
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.sdk.extension.aws.trace import AwsXRayIdGenerator
from opentelemetry.trace import Link, NonRecordingSpan, SpanContext, Status, StatusCode, TraceFlags

from rez_telemetry._lazy import lazy_module
from rez_telemetry.context import CORRELATION_FIELDS
from rez_telemetry.tracing.base import (
    METADATA_PREFIX,
    AnnotationValue,
    SpanHandle,
    SpanKind,
    metadata_value,
)
from rez_telemetry.tracing.export import JsonLinesExporter, span_to_dict
from rez_telemetry.tracing.header import (
    TRACEPARENT_HEADER,
    XRAY_HEADER,
    TraceHeader,
    format_trace_header,
    span_id_to_hex,
    trace_id_to_xray,
    traceparent,
)
from rez_telemetry.tracing.otel_span import RecordingSpan, to_readable_span

if TYPE_CHECKING:
    from opentelemetry.sdk import resources
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace.export import SpanExporter

    from rez_telemetry.tracing.sampling import ReservoirSampler
else:
    resources = lazy_module("opentelemetry.sdk.resources")  # only with SDK exporters

_KINDS: dict[str, trace.SpanKind] = {
    "internal": trace.SpanKind.INTERNAL,
    "server": trace.SpanKind.SERVER,
    "client": trace.SpanKind.CLIENT,
    "producer": trace.SpanKind.PRODUCER,
    "consumer": trace.SpanKind.CONSUMER,
}
_SAMPLED = TraceFlags(TraceFlags.SAMPLED)
_NOT_SAMPLED = TraceFlags(TraceFlags.DEFAULT)
_NO_LINKS: tuple[Link, ...] = ()
DEFAULT_BUFFER_LIMIT = 512


class SpanBuffer:
    """Finished spans until `flush` (no background thread: Lambda freezes those)."""

    def __init__(
        self,
        exporter: JsonLinesExporter,
        *,
        service: str,
        resource_attributes: Mapping[str, str],
        sdk_exporters: Sequence[SpanExporter] = (),
        limit: int = DEFAULT_BUFFER_LIMIT,
    ) -> None:
        self.exporter = exporter
        self.service = service
        self.resource_attributes = resource_attributes
        self.sdk_exporters = tuple(sdk_exporters)
        self.limit = limit
        self._spans: list[RecordingSpan] = []
        self._lock = threading.Lock()
        self._resource: Resource | None = None

    def add(self, span: RecordingSpan) -> None:
        """`RecordingSpan`'s end hook."""
        with self._lock:
            spans = self._spans
            spans.append(span)
            full = len(spans) >= self.limit
        if full:
            self.flush()

    def flush(self) -> None:
        """Export what is buffered: JSON lines, then each SDK exporter."""
        with self._lock:
            spans, self._spans = self._spans, []
        if not spans:
            return
        service = self.service
        self.exporter.export_documents([span_to_dict(span, service) for span in spans])
        if self.sdk_exporters:
            resource = self._sdk_resource()
            readable = [to_readable_span(span, resource) for span in spans]
            for exporter in self.sdk_exporters:
                exporter.export(readable)

    def shutdown(self) -> None:
        """Flush, then shut the SDK exporters down."""
        self.flush()
        for exporter in self.sdk_exporters:
            exporter.shutdown()

    def _sdk_resource(self) -> Resource:
        if self._resource is None:
            self._resource = resources.Resource(
                {"service.name": self.service, **self.resource_attributes}
            )
        return self._resource


class OtelSpan:
    """`SpanHandle` over an OTel span."""

    __slots__ = ("_span", "_token")

    def __init__(self, span: trace.Span, token: object | None) -> None:
        self._span = span
        self._token = token

    @property
    def recording(self) -> bool:
        return self._span.is_recording()

    @property
    def otel_span(self) -> trace.Span:
        """The underlying OpenTelemetry span."""
        return self._span

    def set_annotation(self, key: str, value: AnnotationValue) -> None:
        self._span.set_attribute(key, value)

    def set_metadata(self, key: str, value: Any) -> None:
        self._span.set_attribute(METADATA_PREFIX + key, metadata_value(value))

    def record_error(self, error: BaseException) -> None:
        self._span.record_exception(error)
        self._span.set_status(Status(StatusCode.ERROR, f"{type(error).__name__}: {error}"))

    def trace_header(self) -> str | None:
        return _header_of(self._span.get_span_context())

    def propagation_headers(self) -> dict[str, str]:
        return _propagation_headers(self._span.get_span_context())

    def end(self) -> None:
        token = self._token
        if token is not None:
            self._token = None
            # A span ended in another context (async task switch) cannot be detached: OTel's
            # `detach` logs that and returns, never raises.
            otel_context.detach(token)  # type: ignore[arg-type]
        self._span.end()


def _header_of(context: SpanContext) -> str | None:
    if not context.is_valid:
        return None
    return format_trace_header(
        trace_id_to_xray(context.trace_id),
        span_id_to_hex(context.span_id),
        context.trace_flags.sampled,
    )


def _propagation_headers(context: SpanContext) -> dict[str, str]:
    header = _header_of(context)
    if header is None:
        return {}
    return {
        XRAY_HEADER: header,
        TRACEPARENT_HEADER: traceparent(
            context.trace_id, context.span_id, context.trace_flags.sampled
        ),
    }


def _remote_context(header: TraceHeader, sampled: bool) -> SpanContext:
    return SpanContext(
        trace_id=header.trace_id_int,
        span_id=header.parent_int or 0,
        is_remote=True,
        trace_flags=_SAMPLED if sampled else _NOT_SAMPLED,
    )


class OtelBackend:
    """OpenTelemetry for rez_agent: X-Ray ids, per-invocation sampling, buffered JSON export.

    Sampling follows the parent (the incoming header's decision, else the current span's),
    else any sampled link's, else the reservoir's — one decision per root span.
    """

    name = "otel"

    def __init__(
        self,
        *,
        service: str,
        sampler: ReservoirSampler,
        exporter: JsonLinesExporter,
        resource_attributes: Mapping[str, str] | None = None,
        sdk_exporters: Sequence[SpanExporter] = (),
    ) -> None:
        self.sampler = sampler
        self.buffer = SpanBuffer(
            exporter,
            service=service,
            resource_attributes=resource_attributes or {},
            sdk_exporters=sdk_exporters,
        )
        self.ids = AwsXRayIdGenerator()
        atexit.register(self.buffer.flush)

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
        parent_context: SpanContext | None = None
        undecided: bool | None = None
        sampled: bool | None = None
        trace_id = 0
        if parent is not None:
            sampled = parent.sampled
            if sampled is None:  # the sender left the decision to us
                undecided = sampled = self.sampler.should_sample()
            trace_id = parent.trace_id_int
            if parent.parent_int:
                parent_context = _remote_context(parent, sampled)
        else:
            current = trace.get_current_span().get_span_context()
            if current.is_valid:
                parent_context = current
                trace_id = current.trace_id
                sampled = current.trace_flags.sampled
        otel_links: Sequence[Link] = _NO_LINKS
        if links:
            otel_links = []
            for link in links:
                link_sampled = link.sampled
                if link_sampled is None:
                    if undecided is None:
                        undecided = self.sampler.should_sample()
                    link_sampled = undecided
                if link.parent_int:
                    otel_links.append(Link(_remote_context(link, link_sampled)))
            if sampled is None:
                sampled = any(link.context.trace_flags.sampled for link in otel_links)
        if sampled is None:
            sampled = self.sampler.should_sample()
        ids = self.ids
        context = SpanContext(
            trace_id or ids.generate_trace_id(),
            ids.generate_span_id(),
            False,
            _SAMPLED if sampled else _NOT_SAMPLED,
        )
        span: trace.Span
        if sampled:
            span = RecordingSpan(
                name,
                context,
                parent_context,
                _KINDS[kind],
                annotations,
                otel_links,
                CORRELATION_FIELDS.get(),
                self.buffer.add,
            )
        else:
            span = NonRecordingSpan(context)
        token = otel_context.attach(trace.set_span_in_context(span)) if activate else None
        return OtelSpan(span, token)

    def in_trace(self) -> bool:
        return trace.get_current_span().get_span_context().is_valid

    def annotate(self, annotations: Mapping[str, AnnotationValue]) -> None:
        span = trace.get_current_span()
        if span.is_recording():
            span.set_attributes(annotations)

    def add_metadata(self, values: Mapping[str, Any]) -> None:
        span = trace.get_current_span()
        if span.is_recording():
            for key, value in values.items():
                span.set_attribute(METADATA_PREFIX + key, metadata_value(value))

    def current_trace_header(self) -> str | None:
        return _header_of(trace.get_current_span().get_span_context())

    def current_propagation_headers(self) -> dict[str, str]:
        return _propagation_headers(trace.get_current_span().get_span_context())

    def flush(self) -> None:
        self.buffer.flush()

    def shutdown(self) -> None:
        atexit.unregister(self.buffer.flush)
        self.buffer.shutdown()
