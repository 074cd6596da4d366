"""`RecordingSpan`, the OTel API span behind the OTel back end, and SDK exporters at flush."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanContext, StatusCode, TraceFlags

from rez_telemetry import correlation
from rez_telemetry.tracing import tracer
from rez_telemetry.tracing.otel_span import MAX_ATTRIBUTES, RecordingSpan
from rez_telemetry.tracing.tree import load_spans

CONTEXT = SpanContext(0x5759E988BD862E3FE1BE46A994272793, 0x53995C3F42CD8AD8, False, TraceFlags(1))


def recording_span(ended: list[RecordingSpan]) -> RecordingSpan:
    return RecordingSpan(
        "work", CONTEXT, None, trace.SpanKind.INTERNAL, {"a": 1}, (), {}, ended.append
    )


def test_attribute_values_are_kept_as_otel_allows_and_bounded() -> None:
    span = recording_span([])
    # WHEN values of every kind are set
    span.set_attribute("text", "x")
    span.set_attribute("numbers", [1, 2, 3])
    span.set_attribute("mixed", [1, "two"])
    span.set_attribute("object", object())  # type: ignore[arg-type]
    for index in range(MAX_ATTRIBUTES + 5):
        span.set_attribute(f"k{index}", index)
    # THEN primitives and homogeneous sequences stay, the rest is dropped and counted
    assert span.attributes["text"] == "x"
    assert span.attributes["numbers"] == (1, 2, 3)
    assert "mixed" not in span.attributes
    assert "object" not in span.attributes
    assert len(span.attributes) == MAX_ATTRIBUTES
    # 2 invalid values, and 3 + 133 keys for 128 places
    assert span.dropped_attributes == 2 + 8


def test_a_span_ends_once_and_is_frozen_after() -> None:
    ended: list[RecordingSpan] = []
    span = recording_span(ended)
    span.end()
    span.end()
    span.set_attribute("late", True)
    span.update_name("renamed")
    span.add_event("late")
    assert ended == [span]
    assert not span.is_recording()
    assert "late" not in span.attributes
    assert span.name == "work"
    assert span.events == []
    assert span.end_time is not None
    assert span.end_time >= span.start_time


def test_record_exception_and_status_follow_the_sdk_rules() -> None:
    span = recording_span([])
    span.record_exception(ValueError("bad"))
    span.set_status(StatusCode.ERROR, "bad")
    [event] = span.events
    assert event.name == "exception"
    assert event.attributes["exception.type"] == "ValueError"
    assert event.attributes["exception.message"] == "bad"
    assert "ValueError: bad" in event.attributes["exception.stacktrace"]
    assert span.status.status_code is StatusCode.ERROR
    # OK is final, as in the SDK
    span.set_status(StatusCode.OK)
    span.set_status(StatusCode.ERROR, "again")
    assert span.status.status_code is StatusCode.OK


@pytest.fixture
def sdk_exporter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[InMemorySpanExporter]:
    for name in ("TRACING_BACKEND", "TRACE_EXPORT_FILE", "TRACE_EXPORT_STDOUT"):
        monkeypatch.delenv(name, raising=False)
    exporter = InMemorySpanExporter()
    tracer.configure(
        backend="otel",
        service="notifier",
        export_file=str(tmp_path / "spans.jsonl"),
        export_stdout=False,
        span_exporters=[exporter],
    )
    yield exporter
    tracer.reset()


def test_sdk_exporters_receive_readable_spans_at_flush(
    sdk_exporter: InMemorySpanExporter, tmp_path: Path
) -> None:
    # GIVEN an SDK exporter configured beside the JSON lines
    with (
        correlation.correlation_scope(correlation_id="corr-7"),
        tracer.span("send notification", message_type="manual") as outer,
    ):
        outer.set_metadata("payload", {"title": "hi"})
        with pytest.raises(RuntimeError), tracer.span("post"):
            raise RuntimeError("ntfy said no")
    # WHEN nothing is flushed yet, THEN the exporter has nothing (the hot path exports nothing)
    assert sdk_exporter.get_finished_spans() == ()
    tracer.flush()
    # THEN it gets both spans as the SDK's ReadableSpan, the same ids as the JSON lines
    readable = {span.name: span for span in sdk_exporter.get_finished_spans()}
    lines: dict[str, dict[str, Any]] = {s["name"]: s for s in load_spans(tmp_path / "spans.jsonl")}
    assert set(readable) == set(lines) == {"send notification", "post"}
    post = readable["post"]
    assert post.parent is not None
    assert post.parent.span_id == readable["send notification"].context.span_id
    assert f"{post.context.span_id:016x}" == lines["post"]["span_id"]
    assert post.status.status_code is StatusCode.ERROR
    assert [event.name for event in post.events] == ["exception"]
    assert post.resource.attributes["service.name"] == "notifier"
    assert readable["send notification"].attributes["message_type"] == "manual"
    assert lines["send notification"]["attributes"]["correlation_id"] == "corr-7"


def test_other_otel_api_code_sees_our_span_as_current(sdk_exporter: InMemorySpanExporter) -> None:
    # GIVEN OTel API code (an instrumentation library) running inside one of our spans
    with tracer.span("handler") as handle:
        current = trace.get_current_span()
        current.set_attribute("library.key", "v")
        header = handle.trace_header()
    tracer.flush()
    # THEN it reaches the same span
    [span] = sdk_exporter.get_finished_spans()
    assert span.attributes is not None
    assert span.attributes["library.key"] == "v"
    assert header is not None
    assert f"{span.context.span_id:016x}" in header


def test_a_root_only_header_joins_its_trace(sdk_exporter: InMemorySpanExporter) -> None:
    # GIVEN an incoming header with a Root and a decision but no parent span
    header = "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1"
    with tracer.consumer_span("consume", [header]):
        pass
    tracer.flush()
    # THEN the span is a root of that trace, not of a new one
    [span] = sdk_exporter.get_finished_spans()
    assert span.parent is None
    assert f"{span.context.trace_id:032x}" == "5759e988bd862e3fe1be46a994272793"
