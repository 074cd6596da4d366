"""Tracing for rez_agent: `tracer.span(...)`, annotations, and trace context across every hop.

Back ends (`TRACING_BACKEND`): `xray` (aws-xray-sdk, Lambda with active tracing), `otel`
(OpenTelemetry SDK with X-Ray ids, spans as JSON lines), `off`. Chosen at first use; importing
this module imports no tracing SDK. Importing it registers the invocation span with
`@lambda_handler` and the trace context with the correlation injectors.
"""

from __future__ import annotations

from rez_telemetry import _lifecycle
from rez_telemetry.correlation import register_injector
from rez_telemetry.tracing import botocore_hooks
from rez_telemetry.tracing.base import ClientSpanSource, SpanHandle, SpanKind
from rez_telemetry.tracing.facade import SpanScope, Tracer
from rez_telemetry.tracing.header import (
    TraceHeader,
    format_trace_header,
    parse_trace_context,
    parse_trace_header,
)
from rez_telemetry.tracing.lifecycle import TracingLifecycleHook
from rez_telemetry.tracing.propagation import TraceContextInjector
from rez_telemetry.tracing.sampling import ReservoirSampler, sampler_for_stage

__all__ = [
    "ClientSpanSource",
    "ReservoirSampler",
    "SpanHandle",
    "SpanKind",
    "SpanScope",
    "TraceContextInjector",
    "TraceHeader",
    "Tracer",
    "TracingLifecycleHook",
    "format_trace_header",
    "install",
    "parse_trace_context",
    "parse_trace_header",
    "sampler_for_stage",
    "tracer",
]

tracer = Tracer()
"""The tracer every service shares."""

_hook = TracingLifecycleHook(tracer)
_injector = TraceContextInjector(tracer)


def install() -> None:
    """Join tracing to the rest (done at import; idempotent): the invocation span's lifecycle
    hook, the trace-context injector, and the botocore hooks — this is their one install point."""
    _lifecycle.register(_hook)
    register_injector(_injector)
    # Hooks go on every botocore client created from now on (botocore itself is not imported
    # here); they record only while the OTel back end is active.
    botocore_hooks.install(tracer)


install()
