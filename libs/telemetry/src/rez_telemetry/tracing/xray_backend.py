"""X-Ray SDK back end, for Lambda with active tracing: subsegments under Lambda's own segment.

Imported only when chosen. botocore is patched by the SDK itself (its subsegments name the AWS
calls), so our OTel botocore hooks stay idle — no call is traced twice. In Lambda the trace,
parent and sampling decision come from Lambda (`_X_AMZN_TRACE_ID`); X-Ray has no span links,
so the producers of a batch are recorded as metadata `links`.
"""

from __future__ import annotations

import traceback
from collections.abc import Mapping, Sequence
from typing import Any

from aws_xray_sdk.core import patch, xray_recorder
from aws_xray_sdk.core.models import http

from rez_telemetry.tracing.annotations import correlation_annotations
from rez_telemetry.tracing.base import NOOP_SPAN, AnnotationValue, SpanHandle, SpanKind
from rez_telemetry.tracing.header import (
    TRACEPARENT_HEADER,
    XRAY_HEADER,
    TraceHeader,
    format_trace_header,
    traceparent,
    xray_to_trace_id,
)

_HTTP_ATTRIBUTES = {
    "http.method": http.METHOD,
    "http.url": http.URL,
    "http.status_code": http.STATUS,
}


def _header_of(entity: Any) -> str | None:
    if entity is None or not getattr(entity, "trace_id", None):
        return None
    return format_trace_header(entity.trace_id, entity.id, bool(entity.sampled))


def _propagation_headers(entity: Any) -> dict[str, str]:
    header = _header_of(entity)
    if header is None:
        return {}
    return {
        XRAY_HEADER: header,
        TRACEPARENT_HEADER: traceparent(
            xray_to_trace_id(entity.trace_id), int(entity.id, 16), bool(entity.sampled)
        ),
    }


class XRaySpan:
    """`SpanHandle` over an X-Ray subsegment."""

    __slots__ = ("_ended", "_subsegment")

    def __init__(self, subsegment: Any) -> None:
        self._subsegment = subsegment
        self._ended = False

    @property
    def recording(self) -> bool:
        return bool(getattr(self._subsegment, "sampled", False))

    def set_annotation(self, key: str, value: AnnotationValue) -> None:
        if key in _HTTP_ATTRIBUTES:
            self._subsegment.put_http_meta(_HTTP_ATTRIBUTES[key], value)
        elif "." in key:  # X-Ray annotation keys are [A-Za-z0-9_]: keep dotted keys as metadata
            self._subsegment.put_metadata(key, value, "attributes")
        else:
            self._subsegment.put_annotation(key, value)

    def set_metadata(self, key: str, value: Any) -> None:
        self._subsegment.put_metadata(key, value)

    def record_error(self, error: BaseException) -> None:
        stack = traceback.extract_tb(error.__traceback__)
        self._subsegment.add_exception(error, stack)

    def trace_header(self) -> str | None:
        return _header_of(self._subsegment)

    def propagation_headers(self) -> dict[str, str]:
        return _propagation_headers(self._subsegment)

    def end(self) -> None:
        if not self._ended:
            self._ended = True
            xray_recorder.end_subsegment()


class XRayBackend:
    """aws-xray-sdk behind the facade."""

    name = "xray"

    def __init__(self, *, service: str) -> None:
        self.service = service
        xray_recorder.configure(service=service, context_missing="IGNORE_ERROR")
        patch(("botocore",), raise_errors=False)

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
        subsegment = xray_recorder.begin_subsegment(
            name, namespace="remote" if kind == "client" else "local"
        )
        if subsegment is None:
            return NOOP_SPAN
        span = XRaySpan(subsegment)
        for key, value in {**correlation_annotations(), **(annotations or {})}.items():
            span.set_annotation(key, value)
        producers = [str(header) for header in (*([parent] if parent else []), *links)]
        if producers:
            subsegment.put_metadata("links", producers)
        return span

    def in_trace(self) -> bool:
        return xray_recorder.get_trace_entity() is not None

    def annotate(self, annotations: Mapping[str, AnnotationValue]) -> None:
        entity = xray_recorder.current_subsegment()
        if entity is not None:
            for key, value in annotations.items():
                XRaySpan(entity).set_annotation(key, value)

    def add_metadata(self, values: Mapping[str, Any]) -> None:
        entity = xray_recorder.current_subsegment()
        if entity is not None:
            for key, value in values.items():
                entity.put_metadata(key, value)

    def current_trace_header(self) -> str | None:
        return _header_of(xray_recorder.get_trace_entity())

    def current_propagation_headers(self) -> dict[str, str]:
        return _propagation_headers(xray_recorder.get_trace_entity())

    def flush(self) -> None:
        # Subsegments stream to the daemon as they close; nothing is held back.
        return None

    def shutdown(self) -> None:
        return None
