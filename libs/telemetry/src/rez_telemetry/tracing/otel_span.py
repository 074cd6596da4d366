"""`RecordingSpan`: an OpenTelemetry API span that costs a few microseconds, not the SDK's ~25.

The SDK's `Span` validates and bounds every attribute under a lock, builds bounded lists for
events and links and calls every processor as it starts: together more than Powertools'
whole `capture_method`. A Lambda function's spans are short, single-threaded and exported at the
end of the invocation, so this span records plain values in slots and leaves the rest to the
export: it is a real `opentelemetry.trace.Span` (current-span lookups, `use_span`, OTel API
instrumentation all see it) and `to_readable_span` turns it into the SDK's `ReadableSpan` for any
SDK exporter (OTLP, console) at flush time, off the hot path.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final

from opentelemetry import trace
from opentelemetry.trace import Link, SpanContext, Status, StatusCode
from opentelemetry.util import types

from rez_telemetry._lazy import lazy_module

if TYPE_CHECKING:
    from opentelemetry.sdk import trace as sdk_trace
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import ReadableSpan
    from opentelemetry.sdk.util import instrumentation
else:
    # The SDK proper is needed only when SDK exporters are configured.
    sdk_trace = lazy_module("opentelemetry.sdk.trace")
    instrumentation = lazy_module("opentelemetry.sdk.util.instrumentation")

MAX_ATTRIBUTES: Final = 128
"""As the SDK's default `OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT`: new keys beyond it are dropped."""
MAX_EVENTS: Final = 128
_PRIMITIVES: Final = frozenset({str, int, float, bool})
_NO_ATTRIBUTES: Mapping[str, Any] = {}
_UNSET: Final = Status(StatusCode.UNSET)


class SpanEvent:
    """A timestamped event (`exception` for recorded errors), shaped like the SDK's `Event`."""

    __slots__ = ("attributes", "name", "timestamp")

    def __init__(self, name: str, attributes: Mapping[str, Any], timestamp: int) -> None:
        self.name = name
        self.attributes = attributes
        self.timestamp = timestamp


def clean_value(value: Any) -> Any:
    """An attribute value as OTel allows it (primitive or homogeneous sequence), else None."""
    if type(value) in _PRIMITIVES:
        return value
    if isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, Sequence) and not isinstance(value, bytes | bytearray):
        items = tuple(value)
        if all(type(item) in _PRIMITIVES for item in items) and len({type(i) for i in items}) <= 1:
            return items
    return None


class RecordingSpan(trace.Span):
    """A sampled span, recorded in slots; handed to `on_end` once when it ends."""

    __slots__ = (
        "_on_end",
        "attributes",
        "context",
        "correlation",
        "dropped_attributes",
        "end_time",
        "events",
        "kind",
        "links",
        "name",
        "parent",
        "start_time",
        "status",
    )

    def __init__(
        self,
        name: str,
        context: SpanContext,
        parent: SpanContext | None,
        kind: trace.SpanKind,
        attributes: Mapping[str, Any] | None,
        links: Sequence[Link],
        correlation: Mapping[str, Any],
        on_end: Callable[[RecordingSpan], None],
    ) -> None:
        self.name = name
        self.context = context
        self.parent = parent
        self.kind = kind
        self.attributes: dict[str, Any] = {}
        self.dropped_attributes = 0
        self.end_time: int | None = None
        if attributes:
            self.set_attributes(attributes)
        self.links = links
        self.correlation = correlation
        """The correlation mapping current at the start (a reference; read at export)."""
        self.events: list[SpanEvent] = []
        self.status = _UNSET
        self._on_end: Callable[[RecordingSpan], None] | None = on_end
        self.start_time = time.time_ns()

    # -- opentelemetry.trace.Span ----------------------------------------------------------

    def get_span_context(self) -> SpanContext:
        return self.context

    def is_recording(self) -> bool:
        return self.end_time is None

    def set_attribute(self, key: str, value: types.AnyValue) -> None:
        if self.end_time is not None:
            return
        if type(value) not in _PRIMITIVES:
            value = clean_value(value)
            if value is None:
                self.dropped_attributes += 1
                return
        attributes = self.attributes
        if len(attributes) >= MAX_ATTRIBUTES and key not in attributes:
            self.dropped_attributes += 1
            return
        attributes[key] = value

    def set_attributes(self, attributes: Mapping[str, types.AnyValue]) -> None:
        for key, value in attributes.items():
            self.set_attribute(key, value)

    def add_event(
        self,
        name: str,
        attributes: types.Attributes = None,
        timestamp: int | None = None,
    ) -> None:
        if self.end_time is None and len(self.events) < MAX_EVENTS:
            self.events.append(
                SpanEvent(name, dict(attributes or _NO_ATTRIBUTES), timestamp or time.time_ns())
            )

    def update_name(self, name: str) -> None:
        if self.end_time is None:
            self.name = name

    def set_status(
        self,
        status: Status | StatusCode,
        description: str | None = None,
    ) -> None:
        if self.end_time is not None or self.status.status_code is StatusCode.OK:
            return  # as the SDK: OK is final
        if isinstance(status, StatusCode):
            status = Status(status, description)
        self.status = status

    def record_exception(
        self,
        exception: BaseException,
        attributes: types.Attributes = None,
        timestamp: int | None = None,
        escaped: bool = False,
    ) -> None:
        error_type = type(exception)
        module = error_type.__module__
        qualname = error_type.__qualname__
        recorded: dict[str, Any] = {
            "exception.type": f"{module}.{qualname}" if module != "builtins" else qualname,
            "exception.message": str(exception),
            "exception.stacktrace": "".join(traceback.format_exception(exception)),
            "exception.escaped": str(escaped),
        }
        if attributes:
            recorded.update(attributes)
        self.add_event("exception", recorded, timestamp)

    def end(self, end_time: int | None = None) -> None:
        on_end = self._on_end
        if on_end is None:
            return  # ended already
        self._on_end = None
        self.end_time = end_time or time.time_ns()
        on_end(self)

    def __repr__(self) -> str:
        return f"RecordingSpan({self.name!r}, span_id={self.context.span_id:016x})"


def to_readable_span(span: RecordingSpan, resource: Resource) -> ReadableSpan:
    """The SDK's `ReadableSpan` of a finished span, for SDK exporters (imports the SDK)."""
    return sdk_trace.ReadableSpan(
        name=span.name,
        context=span.context,
        parent=span.parent,
        resource=resource,
        attributes=span.attributes,
        events=[sdk_trace.Event(e.name, e.attributes, e.timestamp) for e in span.events],
        links=span.links,
        kind=span.kind,
        status=span.status,
        start_time=span.start_time,
        end_time=span.end_time,
        instrumentation_scope=instrumentation.InstrumentationScope("rez_telemetry"),
    )
