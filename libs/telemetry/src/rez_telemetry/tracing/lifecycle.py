"""Joins tracing to `@lambda_handler`: one span per invocation, exported when it ends.

The span's parent is the trace context the event carried (invoke payload, API Gateway header,
single SNS/SQS message); an SQS batch gets one link per record's producer instead. The sampling
decision is therefore taken per invocation — never once per cold start.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from rez_telemetry.correlation.records import sqs_records
from rez_telemetry.tracing.base import AnnotationValue, SpanKind
from rez_telemetry.tracing.config import lambda_trace_header, service_name

if TYPE_CHECKING:
    from rez_telemetry.tracing.facade import Tracer


def _records(event: Any) -> list[Mapping[str, Any]]:
    records = event.get("Records") if isinstance(event, Mapping) else None
    return [r for r in records if isinstance(r, Mapping)] if isinstance(records, list) else []


def invocation_kind(event: Any) -> SpanKind:
    """`consumer` for queue and topic deliveries, `server` otherwise."""
    records = _records(event)
    if records and str(records[0].get("eventSource", records[0].get("EventSource", ""))) in (
        "aws:sqs",
        "aws:sns",
    ):
        return "consumer"
    return "server"


class TracingLifecycleHook:
    """Lifecycle hook: invocation span at start, end + flush at the end."""

    def __init__(self, tracer: Tracer) -> None:
        self.tracer = tracer

    def on_invocation_start(self, event: Any, context: Any, info: Any) -> None:
        """Open the invocation span (nothing at all when tracing is off)."""
        if self.tracer.backend_name == "off":
            return
        records = _records(event)
        links: list[str | None] = []
        parent = getattr(info, "trace_context", None)
        if len(records) > 1:
            # Only SQS batches have several records (SNS invokes Lambda with one): read as the
            # handler decorator read them, once per invocation.
            links = [record.correlation.trace_context for record in sqs_records(event)]
            parent = None
        if parent is None and not links and self.tracer.backend_name == "otel":
            parent = lambda_trace_header()  # Lambda's function segment, as ADOT's Lambda span
        annotations: dict[str, AnnotationValue] = {}
        for key in ("correlation_id", "message_id", "message_type"):
            value = getattr(info, key, None)
            if isinstance(value, str):
                annotations[key] = value
        request_id = getattr(context, "aws_request_id", None)
        if isinstance(request_id, str):
            annotations["faas.invocation_id"] = request_id
        name = getattr(context, "function_name", None) or service_name()
        self.tracer.begin_invocation(name, invocation_kind(event), parent, links, annotations)

    def on_invocation_end(self, error: BaseException | None) -> None:
        """End the invocation span and export (force-flush) before Lambda freezes us."""
        if self.tracer.active_backend() is None:
            return
        self.tracer.end_invocation(error)
