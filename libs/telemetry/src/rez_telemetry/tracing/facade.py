"""`Tracer`: the one tracing facade services use, whichever back end is on.

The back end (`xray`, `otel`, `off`) is chosen at first use, not at import; until then, and
for ever when tracing is off, no tracing SDK is imported.
"""

from __future__ import annotations

import functools
import inspect
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextvars import ContextVar
from types import TracebackType
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar, cast

from rez_telemetry._lazy import lazy_module
from rez_telemetry.tracing import botocore_hooks, config
from rez_telemetry.tracing.base import (
    NOOP_SPAN,
    AnnotationValue,
    NoopBackend,
    SpanHandle,
    SpanKind,
    TracingBackend,
)
from rez_telemetry.tracing.header import TraceHeader, parse_trace_context
from rez_telemetry.tracing.sampling import ReservoirSampler, sampler_for_stage

if TYPE_CHECKING:
    from opentelemetry.sdk.trace.export import SpanExporter

    from rez_telemetry.tracing import (
        export,
        httpx_transport,
        otel_backend,
        otlp_udp,
        xray_backend,
    )
else:
    # Each pulls in a heavy SDK (OpenTelemetry, the X-Ray SDK, httpx): loaded at first use.
    export = lazy_module("rez_telemetry.tracing.export")
    httpx_transport = lazy_module("rez_telemetry.tracing.httpx_transport")
    otel_backend = lazy_module("rez_telemetry.tracing.otel_backend")
    otlp_udp = lazy_module("rez_telemetry.tracing.otlp_udp")
    xray_backend = lazy_module("rez_telemetry.tracing.xray_backend")

P = ParamSpec("P")
R = TypeVar("R")


class SpanScope:
    """`with tracer.span("name") as span:` or `@tracer.span("name")`: one span per use."""

    __slots__ = ("_annotations", "_handle", "_kind", "_links", "_name", "_parent", "_tracer")

    def __init__(
        self,
        tracer: Tracer,
        name: str | None,
        kind: SpanKind,
        annotations: Mapping[str, AnnotationValue],
        parent: TraceHeader | None = None,
        links: tuple[TraceHeader, ...] = (),
    ) -> None:
        self._tracer = tracer
        self._name = name
        self._kind: SpanKind = kind
        self._annotations = annotations
        self._parent = parent
        self._links = links
        self._handle: SpanHandle = NOOP_SPAN

    def __enter__(self) -> SpanHandle:
        backend = self._tracer._get_backend()
        if backend.name == "off":
            return NOOP_SPAN
        self._handle = backend.start_span(
            self._name or "span",
            kind=self._kind,
            parent=self._parent,
            links=self._links,
            annotations=self._annotations,
        )
        return self._handle

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        handle, self._handle = self._handle, NOOP_SPAN
        if exc is not None:
            handle.record_error(exc)
        handle.end()

    def _fresh(self, name: str) -> SpanScope:
        return SpanScope(
            self._tracer, name, self._kind, self._annotations, self._parent, self._links
        )

    def __call__(self, fn: Callable[P, R]) -> Callable[P, R]:
        """Decorator form (like Powertools' `capture_method`); name defaults to the function's."""
        name = self._name or fn.__qualname__
        if inspect.iscoroutinefunction(fn):

            @functools.wraps(fn)
            async def traced_async(*args: P.args, **kwargs: P.kwargs) -> Any:
                with self._fresh(name):
                    return await fn(*args, **kwargs)

            return cast("Callable[P, R]", traced_async)

        @functools.wraps(fn)
        def traced(*args: P.args, **kwargs: P.kwargs) -> R:
            with self._fresh(name):
                return fn(*args, **kwargs)

        return traced


class Tracer:
    """Spans, annotations, metadata and trace propagation for rez_agent services."""

    def __init__(self, *, backend: str | None = None, service: str | None = None) -> None:
        self._explicit_backend = backend
        self._explicit_service = service
        self._sampler: ReservoirSampler | None = None
        self._export_file: str | None = None
        self._export_stdout: bool | None = None
        self._span_exporters: Sequence[SpanExporter] = ()
        self._backend: TracingBackend | None = None
        self._lock = threading.Lock()
        self._invocation: ContextVar[tuple[SpanHandle, ...]] = ContextVar(
            f"rez_tracer_invocation_{id(self)}", default=()
        )

    # -- configuration -------------------------------------------------------------------

    def configure(
        self,
        *,
        backend: str | None = None,
        service: str | None = None,
        sampler: ReservoirSampler | None = None,
        export_file: str | None = None,
        export_stdout: bool | None = None,
        span_exporters: Sequence[SpanExporter] = (),
    ) -> Tracer:
        """Explicit settings (they win over the environment); takes effect at next use.

        `span_exporters`: OpenTelemetry SDK exporters (OTLP, console…) that receive the spans
        as SDK `ReadableSpan`s at each flush, beside the JSON lines (OTel back end only).
        """
        self.reset()
        self._explicit_backend = backend or self._explicit_backend
        self._explicit_service = service or self._explicit_service
        self._sampler = sampler
        self._export_file = export_file
        self._export_stdout = export_stdout
        self._span_exporters = tuple(span_exporters)
        return self

    def reset(self) -> None:
        """Flush and drop the back end; the next use builds one again (tests, reconfiguration)."""
        with self._lock:
            backend, self._backend = self._backend, None
            self._explicit_backend = self._explicit_service = None
            self._sampler = self._export_file = self._export_stdout = None
            self._span_exporters = ()
        if backend is not None:
            backend.shutdown()

    @property
    def backend_name(self) -> str:
        """`xray`, `otel` or `off` (building the back end if needed)."""
        return self._get_backend().name

    def active_backend(self) -> TracingBackend | None:
        """The back end if one was built already (hooks use this: they never build one)."""
        return self._backend

    def _get_backend(self) -> TracingBackend:
        backend = self._backend
        if backend is not None:
            return backend
        with self._lock:
            if self._backend is None:
                self._backend = self._build()
            return self._backend

    def _build(self) -> TracingBackend:
        name = config.resolve_backend(self._explicit_backend)
        service = config.service_name(self._explicit_service)
        if name == "xray":
            return xray_backend.XRayBackend(service=service)
        if name == "otel":
            path = self._export_file or config.export_file()
            stdout = self._export_stdout
            if stdout is None:
                stdout = config.export_stdout()
            xray = config.xray_export_address()
            exporter: Any = export.JsonLinesExporter(
                path, stdout=(path is None and xray is None) if stdout is None else stdout
            )
            if xray is not None:
                exporter = otlp_udp.udp_exporter(xray, service, exporter)
            return otel_backend.OtelBackend(
                service=service,
                sampler=self._sampler or sampler_for_stage(),
                exporter=exporter,
                sdk_exporters=self._span_exporters,
            )
        return NoopBackend()

    # -- spans ---------------------------------------------------------------------------

    def span(
        self,
        name: str | None = None,
        *,
        kind: SpanKind = "internal",
        **annotations: AnnotationValue,
    ) -> SpanScope:
        """A span as context manager or decorator; keyword arguments become annotations."""
        return SpanScope(self, name, kind, annotations)

    def consumer_span(
        self,
        name: str,
        trace_headers: Iterable[str | None],
        *,
        as_parent: bool | None = None,
        **annotations: AnnotationValue,
    ) -> SpanScope:
        """A consumer span linked to each producer's context (X-Ray header or `traceparent`).

        A batch gets one link per producer and no parent. With a single producer the span is
        also its child (one trace across the hop) unless `as_parent=False`.
        """
        headers = tuple(h for h in (parse_trace_context(t) for t in trace_headers) if h)
        unique = tuple(dict.fromkeys(headers))
        parent = None
        if len(unique) == 1 and as_parent is not False:
            parent = unique[0]
        return SpanScope(self, name, "consumer", annotations, parent, unique)

    def start_span(
        self,
        name: str,
        *,
        kind: SpanKind = "internal",
        parent: TraceHeader | None = None,
        links: Iterable[TraceHeader] = (),
        annotations: Mapping[str, AnnotationValue] | None = None,
        activate: bool = True,
    ) -> SpanHandle:
        """Start a span by hand (`span.end()` to finish it); prefer `span()`.

        The back end adds the current `correlation_id` / `message_id` (the OTel one when the span
        is exported, not here: the hot path only notes which correlation was current).
        """
        backend = self._get_backend()
        if backend.name == "off":
            return NOOP_SPAN
        return backend.start_span(
            name,
            kind=kind,
            parent=parent,
            links=links if isinstance(links, tuple) else tuple(links),
            annotations=annotations,
            activate=activate,
        )

    def start_client_span(self, name: str, attributes: Mapping[str, AnnotationValue]) -> SpanHandle:
        """A client span for an outgoing call (AWS, HTTP), not made current."""
        return self.start_span(name, kind="client", annotations=attributes, activate=False)

    def in_trace(self) -> bool:
        """True when a span is current (outgoing calls are traced only then)."""
        backend = self._backend
        return backend is not None and backend.in_trace()

    # -- annotations and propagation -----------------------------------------------------

    def annotate(self, **annotations: AnnotationValue) -> None:
        """Indexed annotations on the current span (`correlation_id`, `message_id`, …)."""
        values = {k: v for k, v in annotations.items() if v is not None}
        if values:
            self._get_backend().annotate(values)

    def metadata(self, **values: Any) -> None:
        """Unindexed metadata on the current span (payload, error details)."""
        if values:
            self._get_backend().add_metadata(values)

    def current_trace_header(self) -> str | None:
        """`Root=…;Parent=…;Sampled=…` of the current span, None outside a trace."""
        return self._get_backend().current_trace_header()

    def propagation_headers(self) -> dict[str, str]:
        """`X-Amzn-Trace-Id` and `traceparent` for an outgoing HTTP call."""
        return self._get_backend().current_propagation_headers()

    def instrument_httpx(self, client: Any) -> Any:
        """Trace the calls of an `httpx.Client`/`AsyncClient`; returns the same client."""
        return httpx_transport.instrument(client, self)

    def instrument_boto_client(self, client: Any) -> Any:
        """Trace the calls of a client created before tracing started (others are automatic)."""
        self._get_backend()
        return botocore_hooks.instrument_client(client, self)

    # -- invocation lifecycle ------------------------------------------------------------

    def begin_invocation(
        self,
        name: str,
        kind: SpanKind,
        parent: str | None,
        links: Iterable[str | None],
        annotations: Mapping[str, AnnotationValue],
    ) -> SpanHandle:
        """Open the invocation span (the lifecycle hook calls this; the sampling decision is
        taken here, per invocation)."""
        parsed_links = tuple(h for h in (parse_trace_context(t) for t in links) if h)
        handle = self.start_span(
            name,
            kind=kind,
            parent=parse_trace_context(parent),
            links=tuple(dict.fromkeys(parsed_links)),
            annotations=annotations,
        )
        self._invocation.set((*self._invocation.get(), handle))
        return handle

    def end_invocation(self, error: BaseException | None) -> None:
        """Close the invocation span and export what the invocation traced."""
        stack = self._invocation.get()
        if stack:
            handle = stack[-1]
            self._invocation.set(stack[:-1])
            if error is not None:
                handle.record_error(error)
            handle.end()
        self.flush()

    def flush(self) -> None:
        """Export buffered spans now (done at the end of every invocation)."""
        backend = self._backend
        if backend is not None:
            backend.flush()
