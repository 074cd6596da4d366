"""MetricsRecorder: aggregation, Stage, back-end choice, EMF and PutMetricData shapes and limits."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import pytest

from rez_telemetry.metrics import (
    MESSAGES_PROCESSED,
    NAMESPACE,
    PROCESSING_DURATION,
    MetricsRecorder,
    Unit,
    cloudwatch_api,
    emf,
)
from rez_telemetry.metrics import shared as shared_metrics
from rez_telemetry.metrics.buffer import Series


@pytest.fixture(autouse=True)
def _fresh_shared_recorder(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("METRICS_BACKEND", "STAGE", "AWS_LAMBDA_FUNCTION_NAME"):
        monkeypatch.delenv(name, raising=False)
    shared_metrics.reset()
    yield
    shared_metrics.reset()


def emf_recorder(**kwargs: Any) -> tuple[MetricsRecorder, io.StringIO]:
    out = io.StringIO()
    recorder = MetricsRecorder(
        backend="emf", stage="dev", write=out.write, clock=lambda: 1700000000.0, **kwargs
    )
    return recorder, out


def emf_documents(out: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_same_metric_and_dimensions_aggregate_into_one_series() -> None:
    # GIVEN a recorder
    recorder, _ = emf_recorder()
    # WHEN the same metric is recorded three times with dimensions in different orders
    recorder.record_count(MESSAGES_PROCESSED, dimensions={"Status": "completed", "A": "x"})
    recorder.record_count(MESSAGES_PROCESSED, dimensions={"A": "x", "Status": "completed"})
    recorder.record_count(MESSAGES_PROCESSED, 2, dimensions={"Status": "completed", "A": "x"})
    # THEN one series holds the values and counts, with Stage added
    [series] = recorder.pending()
    assert series.counts == {1.0: 2, 2.0: 1}
    assert dict(series.dimensions) == {"A": "x", "Status": "completed", "Stage": "dev"}


def test_dimensions_follow_a_new_stage_and_accept_any_value() -> None:
    # GIVEN a recorder that has recorded with some dimensions in dev
    recorder, _ = emf_recorder()
    recorder.record_count(MESSAGES_PROCESSED, dimensions={"Status": "completed"})
    recorder.flush()
    # WHEN it is reconfigured for prod and records the same dimensions, and unhashable ones
    recorder.configure(stage="prod")
    recorder.record_count(MESSAGES_PROCESSED, dimensions={"Status": "completed"})
    recorder.record_count(MESSAGES_PROCESSED, dimensions={"Tags": ["a", "b"]})
    # THEN the new stage is used, and an unhashable value is recorded as its text
    dimensions = sorted(list(series.dimensions) for series in recorder.pending())
    assert dimensions == [
        [("Stage", "prod"), ("Status", "completed")],
        [("Stage", "prod"), ("Tags", "['a', 'b']")],
    ]


def test_stage_comes_from_the_environment_when_not_given(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN STAGE=prod and no explicit stage
    monkeypatch.setenv("STAGE", "prod")
    recorder = MetricsRecorder(backend="emf", write=lambda _: None)
    # WHEN a metric without dimensions is recorded
    recorder.record_duration(PROCESSING_DURATION, 12.5)
    # THEN Stage=prod is its only dimension and the unit is Milliseconds
    [series] = recorder.pending()
    assert series.dimensions == (("Stage", "prod"),)
    assert series.unit == Unit.MILLISECONDS


@pytest.mark.parametrize(
    ("env", "in_lambda", "expected"),
    [("", False, "off"), ("", True, "emf"), ("api", True, "api"), ("OFF", True, "off")],
)
def test_backend_choice(
    monkeypatch: pytest.MonkeyPatch, env: str, in_lambda: bool, expected: str
) -> None:
    # GIVEN METRICS_BACKEND and the Lambda marker as parametrized
    if env:
        monkeypatch.setenv("METRICS_BACKEND", env)
    if in_lambda:
        monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "rez-agent-scheduler-dev")
    # WHEN the back end is resolved
    # THEN it is the documented default or the configured one
    assert MetricsRecorder().backend == expected


def test_unknown_backend_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("METRICS_BACKEND", "statsd")
    with pytest.raises(ValueError, match="METRICS_BACKEND"):
        _ = MetricsRecorder().backend


def test_off_backend_buffers_nothing() -> None:
    # GIVEN metrics switched off
    recorder = MetricsRecorder(backend="off")
    # WHEN something is recorded and flushed
    recorder.record_count(MESSAGES_PROCESSED)
    recorder.flush()
    # THEN nothing was kept
    assert recorder.pending() == []


def test_emf_line_has_the_embedded_metric_format_shape() -> None:
    # GIVEN two values of a count and one duration under the same dimensions and correlation
    recorder, out = emf_recorder()
    recorder.record_count(MESSAGES_PROCESSED, dimensions={"Status": "completed"})
    recorder.record_count(MESSAGES_PROCESSED, dimensions={"Status": "completed"})
    recorder.record_duration(PROCESSING_DURATION, 40, dimensions={"Status": "completed"})
    # WHEN flushed
    recorder.flush()
    # THEN one EMF object carries both metrics, their values, dimensions and the timestamp
    [document] = emf_documents(out)
    directive = document["_aws"]["CloudWatchMetrics"][0]
    assert document["_aws"]["Timestamp"] == 1700000000000
    assert directive["Namespace"] == NAMESPACE == "RezAgent"
    assert directive["Dimensions"] == [["Stage", "Status"]]
    assert {m["Name"]: (m["Unit"], m["StorageResolution"]) for m in directive["Metrics"]} == {
        MESSAGES_PROCESSED: ("Count", 60),
        PROCESSING_DURATION: ("Milliseconds", 60),
    }
    assert document["Stage"] == "dev"
    assert document["Status"] == "completed"
    assert document[MESSAGES_PROCESSED] == [1.0, 1.0]
    assert document[PROCESSING_DURATION] == 40.0
    # AND the buffer is empty afterwards
    assert recorder.pending() == []


def test_emf_carries_the_correlation_id_as_a_property() -> None:
    # GIVEN metrics recorded under two correlation scopes
    from rez_telemetry.correlation import correlation_scope

    recorder, out = emf_recorder()
    with correlation_scope(correlation_id="corr-a"):
        recorder.record_count(MESSAGES_PROCESSED)
    with correlation_scope(correlation_id="corr-b"):
        recorder.record_count(MESSAGES_PROCESSED)
    # WHEN flushed
    recorder.flush()
    # THEN each correlation has its own object, so logs and metrics join on correlation_id
    documents = emf_documents(out)
    assert sorted(d["correlation_id"] for d in documents) == ["corr-a", "corr-b"]
    assert all(
        "correlation_id" not in d["_aws"]["CloudWatchMetrics"][0]["Dimensions"][0]
        for d in documents
    )


def test_emf_splits_at_100_metrics_per_object() -> None:
    # GIVEN 150 different metrics under the same dimensions
    recorder, out = emf_recorder()
    for index in range(150):
        recorder.record_count(f"Metric{index}")
    # WHEN flushed
    recorder.flush()
    # THEN two objects, none above 100 metrics, every metric present once
    documents = emf_documents(out)
    sizes = [len(d["_aws"]["CloudWatchMetrics"][0]["Metrics"]) for d in documents]
    assert sorted(sizes) == [50, 100]
    names = [m["Name"] for d in documents for m in d["_aws"]["CloudWatchMetrics"][0]["Metrics"]]
    assert sorted(names) == sorted(f"Metric{i}" for i in range(150))


def test_emf_splits_at_100_values_per_metric() -> None:
    # GIVEN 250 distinct values of one metric
    recorder, out = emf_recorder()
    for value in range(250):
        recorder.record_duration(PROCESSING_DURATION, value)
    # WHEN flushed
    recorder.flush()
    # THEN three objects with at most 100 values each, all values kept
    documents = emf_documents(out)
    arrays = [d[PROCESSING_DURATION] for d in documents]
    assert [len(a) for a in arrays] == [100, 100, 50]
    assert sorted(v for a in arrays for v in a) == [float(v) for v in range(250)]


def _series(
    name: str,
    counts: dict[float, int],
    dims: tuple[tuple[str, str], ...] = (("Stage", "dev"),),
    correlation: str | None = None,
) -> Series:
    return Series(name, "Count", dims, correlation, 1700000000.0, dict(counts))


def test_api_datums_use_values_and_counts_and_merge_correlations() -> None:
    # GIVEN the same metric buffered under two correlation ids
    series = [
        _series("M", {1.0: 3}, correlation="a"),
        _series("M", {1.0: 2, 5.0: 1}, correlation="b"),
    ]
    # WHEN turned into PutMetricData datums
    [datum] = cloudwatch_api.build_datums(series)
    # THEN one datum aggregates them (correlation is not a CloudWatch dimension)
    assert dict(zip(datum["Values"], datum["Counts"], strict=True)) == {1.0: 5.0, 5.0: 1.0}
    assert datum["Dimensions"] == [{"Name": "Stage", "Value": "dev"}]
    assert datum["Unit"] == "Count"


def test_api_datum_holds_at_most_150_distinct_values() -> None:
    # GIVEN 400 distinct values of one metric
    series = [_series("M", {float(v): 1 for v in range(400)})]
    # WHEN turned into datums
    datums = cloudwatch_api.build_datums(series)
    # THEN they are split 150/150/100 and no value is lost
    assert [len(d["Values"]) for d in datums] == [150, 150, 100]
    assert sorted(v for d in datums for v in d["Values"]) == [float(v) for v in range(400)]


def test_api_batches_respect_datum_count_and_payload_size() -> None:
    # GIVEN 2,500 small datums, then 30 datums of ~60 kB estimated each
    small = [{"MetricName": f"M{i}", "Values": [1.0]} for i in range(2500)]
    big = [
        {"MetricName": "B", "Dimensions": [{"Name": "X", "Value": "v" * 30000}]} for _ in range(30)
    ]
    # WHEN batched
    small_batches = list(cloudwatch_api.batches(small))
    big_batches = list(cloudwatch_api.batches(big))
    # THEN no call exceeds 1,000 datums nor the payload budget, and nothing is dropped
    assert [len(b) for b in small_batches] == [1000, 1000, 500]
    assert all(
        sum(cloudwatch_api._estimated_size(d) for d in batch) <= cloudwatch_api.MAX_PAYLOAD_BYTES
        for batch in big_batches
    )
    assert sum(len(b) for b in big_batches) == 30
    assert len(big_batches) > 1


def test_emf_render_lines_are_single_line_json() -> None:
    lines = emf.render_lines([_series("M", {1.0: 1})], "RezAgent")
    assert len(lines) == 1
    assert "\n" not in lines[0]
    assert json.loads(lines[0])["M"] == 1.0


def test_timer_records_duration_even_when_the_body_raises() -> None:
    # GIVEN a recorder
    recorder, _ = emf_recorder()
    # WHEN a timed block raises
    with pytest.raises(RuntimeError), recorder.timer(PROCESSING_DURATION):
        raise RuntimeError("boom")
    # THEN its duration was still recorded
    [series] = recorder.pending()
    assert series.name == PROCESSING_DURATION
    assert series.sample_count == 1


def test_module_functions_mirror_the_shared_recorder() -> None:
    # GIVEN the shared recorder set to EMF into a buffer
    import rez_telemetry.metrics as metrics_module

    out = io.StringIO()
    metrics_module.configure(backend="emf", stage="dev", write=out.write)
    # WHEN the module-level function is used (as `from rez_telemetry import metrics` may give)
    metrics_module.record_count(MESSAGES_PROCESSED)
    metrics_module.flush()
    # THEN the shared recorder wrote it
    assert json.loads(out.getvalue())[MESSAGES_PROCESSED] == 1.0


def test_values_recorded_from_many_threads_aggregate_exactly() -> None:
    # GIVEN one recorder shared by threads (the processor handles a batch's records at once)
    import sys
    import threading

    recorder, _ = emf_recorder()
    threads, per_thread = 8, 2000
    start = threading.Barrier(threads)
    drained: list[Series] = []
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible

    def work(index: int) -> None:
        start.wait()
        for n in range(per_thread):
            recorder.record_count(MESSAGES_PROCESSED, 1, dimensions={"Status": "completed"})
            recorder.record_duration(PROCESSING_DURATION, float(n % 5), dimensions={"T": "x"})
            if index == 0 and n % 250 == 0:
                drained.extend(recorder._buffer.drain())  # a flush racing the recording

    try:
        workers = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    finally:
        sys.setswitchinterval(interval)
    # WHEN everything is drained / THEN every value is counted exactly once
    everything = drained + recorder.pending()
    totals: dict[str, dict[float, int]] = {}
    for series in everything:
        counts = totals.setdefault(series.name, {})
        for value, count in series.counts.items():
            counts[value] = counts.get(value, 0) + count
    assert totals[MESSAGES_PROCESSED] == {1.0: threads * per_thread}
    assert totals[PROCESSING_DURATION] == {float(v): threads * per_thread // 5 for v in range(5)}
