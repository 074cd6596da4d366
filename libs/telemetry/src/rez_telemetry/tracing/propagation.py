"""Tracing's contribution to the core's context injection: the trace context on every hop.

`correlation.sns_message_attributes()` and `inject_into_payload()` then carry `trace_context`
(X-Ray header of the current span), and `correlation.http_headers()` carries `traceparent` and
`X-Amzn-Trace-Id` — without correlation ever importing a tracing SDK.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from rez_telemetry.tracing.facade import Tracer

TRACE_CONTEXT_KEY: Final = "trace_context"


class TraceContextInjector:
    """A `ContextInjector` (callable with the carrier kind) bound to a tracer."""

    def __init__(self, tracer: Tracer) -> None:
        self.tracer = tracer

    def __call__(self, kind: str) -> Mapping[str, str]:
        if self.tracer.backend_name == "off":
            return {}
        if kind == "http":
            return self.tracer.propagation_headers()
        header = self.tracer.current_trace_header()
        return {TRACE_CONTEXT_KEY: header} if header else {}
