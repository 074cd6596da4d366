"""OpenTelemetry back end: X-Ray-compatible ids, reservoir sampling, JSON-lines export.

Imported only when the OTel back end is chosen, so services tracing nothing never load the SDK.
Spans are buffered in memory and exported at `flush()` — the lifecycle hook calls it at the end
of each invocation, before Lambda freezes the environment — or when the buffer fills.

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
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.sampling import Decision, Sampler, SamplingResult
from opentelemetry.trace import Link, NonRecordingSpan, SpanContext, Status, StatusCode, TraceFlags

from rez_telemetry.correlation.context import CORRELATION_FIELDS
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

if TYPE_CHECKING:
    from opentelemetry.util.types import Attributes

    from rez_telemetry.tracing.sampling import ReservoirSampler

_NO_CORRELATION: Mapping[str, Any] = {}
_KINDS: dict[str, trace.SpanKind] = {
    "internal": trace.SpanKind.INTERNAL,
    "server": trace.SpanKind.SERVER,
    "client": trace.SpanKind.CLIENT,
    "producer": trace.SpanKind.PRODUCER,
    "consumer": trace.SpanKind.CONSUMER,
}
DEFAULT_BUFFER_LIMIT = 512
_MAX_OPEN_SPANS = 10_000
"""Correlations noted for spans not ended yet; beyond this (spans never ended) they are dropped."""


class HonouringReservoirSampler(Sampler):
    """Follow the parent's decision, else any sampled link's, else the reservoir's."""

    def __init__(self, reservoir: ReservoirSampler) -> None:
        self.reservoir = reservoir

    def should_sample(
        self,
        parent_context: otel_context.Context | None,
        trace_id: int,
        name: str,
        kind: trace.SpanKind | None = None,
        attributes: Attributes = None,
        links: Sequence[Link] | None = None,
        trace_state: trace.TraceState | None = None,
    ) -> SamplingResult:
        parent = trace.get_current_span(parent_context).get_span_context()
        if parent.is_valid:
            sampled = parent.trace_flags.sampled
        elif links:
            sampled = any(link.context.trace_flags.sampled for link in links)
        else:
            sampled = self.reservoir.should_sample()
        if not sampled:
            return SamplingResult(Decision.DROP)
        return SamplingResult(Decision.RECORD_AND_SAMPLE, attributes)

    def get_description(self) -> str:
        return f"HonouringReservoirSampler({self.reservoir.describe()})"


class BufferingSpanProcessor(SpanProcessor):
    """Keeps finished spans until `force_flush` (no background thread: Lambda freezes those).

    Also notes, at each span's start, the correlation mapping then current (the immutable
    `CORRELATION_FIELDS` value: a reference, not a copy) for the export to read.
    """

    def __init__(self, exporter: JsonLinesExporter, limit: int = DEFAULT_BUFFER_LIMIT) -> None:
        self.exporter = exporter
        self.limit = limit
        self._spans: list[tuple[ReadableSpan, Mapping[str, Any]]] = []
        self._correlations: dict[int, Mapping[str, Any]] = {}
        self._lock = threading.Lock()

    def on_start(self, span: Span, parent_context: otel_context.Context | None = None) -> None:
        correlations = self._correlations
        if len(correlations) >= _MAX_OPEN_SPANS:
            correlations.clear()
        correlations[span.context.span_id] = CORRELATION_FIELDS.get()

    def on_end(self, span: ReadableSpan) -> None:
        context = span.context
        correlation = _NO_CORRELATION
        if context is not None:
            correlation = self._correlations.pop(context.span_id, _NO_CORRELATION)
        with self._lock:
            self._spans.append((span, correlation))
            full = len(self._spans) >= self.limit
        if full:
            self.force_flush()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        with self._lock:
            spans, self._spans = self._spans, []
        if spans:
            self.exporter.export_documents([span_to_dict(span, fields) for span, fields in spans])
        return True

    def shutdown(self) -> None:
        self.force_flush()


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
        trace_flags=TraceFlags(TraceFlags.SAMPLED if sampled else TraceFlags.DEFAULT),
    )


class OtelBackend:
    """The OTel SDK set up for rez_agent: own provider, X-Ray ids, buffered JSON export."""

    name = "otel"

    def __init__(
        self,
        *,
        service: str,
        sampler: ReservoirSampler,
        exporter: JsonLinesExporter,
        resource_attributes: Mapping[str, str] | None = None,
    ) -> None:
        self.sampler = sampler
        self.processor = BufferingSpanProcessor(exporter)
        self.provider = TracerProvider(
            sampler=HonouringReservoirSampler(sampler),
            id_generator=AwsXRayIdGenerator(),
            resource=Resource({"service.name": service, **(resource_attributes or {})}),
        )
        self.provider.add_span_processor(self.processor)
        self.tracer = self.provider.get_tracer("rez_telemetry")
        atexit.register(self.processor.force_flush)

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
        parent_context: otel_context.Context | None = None
        undecided: bool | None = None
        if parent is not None:
            sampled = parent.sampled
            if sampled is None:  # the sender left the decision to us
                undecided = sampled = self.sampler.should_sample()
            if parent.parent_int:
                parent_context = trace.set_span_in_context(
                    NonRecordingSpan(_remote_context(parent, sampled))
                )
        otel_links: list[Link] = []
        for link in links:
            sampled = link.sampled
            if sampled is None:
                if undecided is None:
                    undecided = self.sampler.should_sample()
                sampled = undecided
            if link.parent_int:
                otel_links.append(Link(_remote_context(link, sampled)))
        span = self.tracer.start_span(
            name,
            context=parent_context,
            kind=_KINDS[kind],
            attributes=annotations or None,  # the SDK copies them
            links=otel_links,
        )
        token = otel_context.attach(trace.set_span_in_context(span)) if activate else None
        return OtelSpan(span, token)

    def in_trace(self) -> bool:
        return trace.get_current_span().get_span_context().is_valid

    def annotate(self, annotations: Mapping[str, AnnotationValue]) -> None:
        span = trace.get_current_span()
        if span.is_recording():
            span.set_attributes(dict(annotations))

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
        self.provider.force_flush()

    def shutdown(self) -> None:
        atexit.unregister(self.processor.force_flush)
        self.provider.shutdown()
