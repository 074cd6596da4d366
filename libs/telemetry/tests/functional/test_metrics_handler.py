"""Metrics through `@lambda_handler`: one flush per invocation, cold start, failures never mask."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from rez_telemetry import lambda_handler, metrics
from rez_telemetry.cold_start import reset_cold_start
from rez_telemetry.metrics import (
    COLD_START,
    MESSAGES_CREATED,
    MESSAGES_PROCESSED,
    PROCESSING_DURATION,
    install,
)


class Context:
    function_name = "rez-agent-scheduler-dev"
    aws_request_id = "req-1"


@pytest.fixture(autouse=True)
def _fresh_metrics(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("METRICS_BACKEND", raising=False)
    metrics.reset()
    install()
    reset_cold_start()
    yield
    metrics.reset()
    reset_cold_start()


def emf_lines(out: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_flush_happens_even_when_the_handler_raises(logs: Any) -> None:
    # GIVEN EMF metrics into a buffer and a handler that records then fails
    out = io.StringIO()
    metrics.configure(backend="emf", stage="dev", write=out.write)

    @lambda_handler(service="scheduler")
    def handler(event: Any, context: Any) -> None:
        metrics.record_count(MESSAGES_CREATED, dimensions={"MessageType": "manual"})
        raise ValueError("bad input")

    # WHEN it is invoked
    with pytest.raises(ValueError, match="bad input"):
        handler({}, Context())
    # THEN the metric left anyway, with the invocation's correlation id
    created = [d for d in emf_lines(out) if MESSAGES_CREATED in d]
    assert len(created) == 1
    assert created[0]["correlation_id"] == logs.find("Invocation failed")["correlation_id"]


def test_cold_start_metric_once_and_in_the_same_flush() -> None:
    # GIVEN EMF metrics and a handler recording one metric
    out = io.StringIO()
    metrics.configure(backend="emf", stage="dev", write=out.write)

    @lambda_handler(service="scheduler")
    def handler(event: Any, context: Any) -> str:
        metrics.record_count(MESSAGES_PROCESSED, dimensions={"Status": "completed"})
        return "ok"

    # WHEN invoked twice
    handler({}, Context())
    first = emf_lines(out)
    out.truncate(0)
    out.seek(0)
    handler({}, Context())
    second = emf_lines(out)
    # THEN ColdStart (function_name + Stage) was emitted with the first invocation's flush only
    cold = [d for d in first if COLD_START in d]
    assert len(cold) == 1
    assert cold[0]["function_name"] == "rez-agent-scheduler-dev"
    assert cold[0]["Stage"] == "dev"
    assert any(MESSAGES_PROCESSED in d for d in first)
    assert not any(COLD_START in d for d in second)
    assert any(MESSAGES_PROCESSED in d for d in second)


def _cold_starts(out: io.StringIO, logs: Any) -> list[tuple[bool, bool]]:
    """Per invocation: (the log line's `cold_start`, whether a ColdStart metric left)."""
    flushed = out.getvalue().split("\n")
    out.truncate(0)
    out.seek(0)
    logged = logs.find("Invocation completed")["cold_start"]
    logs.raw.clear()
    return [(logged, any(COLD_START in line for line in flushed))]


def test_the_log_field_and_the_metric_share_one_cold_start_flag(logs: Any) -> None:
    # GIVEN EMF metrics and a handler
    out = io.StringIO()
    metrics.configure(backend="emf", stage="dev", write=out.write)

    @lambda_handler(service="scheduler")
    def handler(event: Any, context: Any) -> None:
        return None

    # WHEN invoked, invoked again, then the environment is made cold again (the handler's
    # reset, as tests do) and invoked once more
    seen: list[tuple[bool, bool]] = []
    handler({}, Context())
    seen += _cold_starts(out, logs)
    handler({}, Context())
    seen += _cold_starts(out, logs)
    reset_cold_start()
    handler({}, Context())
    seen += _cold_starts(out, logs)
    # THEN the log field and the metric agree every time
    assert seen == [(True, True), (False, False), (True, True)]


def test_provisioned_concurrency_is_never_a_cold_start(
    logs: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN provisioned concurrency, announced after rez_telemetry was imported
    out = io.StringIO()
    metrics.configure(backend="emf", stage="dev", write=out.write)
    monkeypatch.setenv("AWS_LAMBDA_INITIALIZATION_TYPE", "provisioned-concurrency")

    @lambda_handler(service="scheduler")
    def handler(event: Any, context: Any) -> None:
        return None

    # WHEN the environment's first invocation runs
    handler({}, Context())
    # THEN neither the log line nor the metrics call it a cold start
    assert _cold_starts(out, logs) == [(False, False)]


@mock_aws
def test_api_backend_sends_one_put_metric_data_per_invocation() -> None:
    # GIVEN the api back end with no client injected (created lazily at flush), and a call counter
    metrics.configure(backend="api", stage="dev")
    calls: list[int] = []

    @lambda_handler(service="processor")
    def handler(event: Any, context: Any) -> str:
        for _ in range(20):
            metrics.record_count(MESSAGES_PROCESSED, dimensions={"Status": "completed"})
        metrics.record_duration(PROCESSING_DURATION, 120, dimensions={"MessageType": "manual"})
        metrics.record_duration(PROCESSING_DURATION, 80, dimensions={"MessageType": "manual"})
        return "done"

    # WHEN invoked (PutMetricData calls counted on the default session the client will come from)
    boto3.setup_default_session()
    assert boto3.DEFAULT_SESSION is not None
    boto3.DEFAULT_SESSION.events.register(
        "before-call.cloudwatch.PutMetricData", lambda **_: calls.append(1)
    )
    assert handler({}, Context()) == "done"
    # THEN exactly one API call carried everything, aggregated
    assert len(calls) == 1
    cloudwatch = boto3.client("cloudwatch")
    stats = cloudwatch.get_metric_statistics(
        Namespace="RezAgent",
        MetricName=MESSAGES_PROCESSED,
        Dimensions=[{"Name": "Stage", "Value": "dev"}, {"Name": "Status", "Value": "completed"}],
        StartTime="2000-01-01T00:00:00Z",
        EndTime="2100-01-01T00:00:00Z",
        Period=60,
        Statistics=["Sum", "SampleCount"],
    )
    [point] = stats["Datapoints"]
    assert point["Sum"] == 20.0
    assert point["SampleCount"] == 20.0


class BrokenCloudWatch:
    def put_metric_data(self, **_: Any) -> None:
        raise ConnectionError("cloudwatch unreachable")


def test_failed_flush_is_logged_and_never_masks_the_result(logs: Any) -> None:
    # GIVEN the api back end with a client that cannot reach CloudWatch
    metrics.configure(backend="api", stage="dev", client=BrokenCloudWatch())

    @lambda_handler(service="processor")
    def handler(event: Any, context: Any) -> dict[str, str]:
        metrics.record_count(MESSAGES_PROCESSED)
        return {"status": "ok"}

    # WHEN invoked
    result = handler({}, Context())
    # THEN the handler's result is intact and the failure was logged at ERROR with the error
    assert result == {"status": "ok"}
    line = logs.find("Metrics flush failed")
    assert line["level"] == "ERROR"
    assert "cloudwatch unreachable" in line["error"]
    # AND the buffer was emptied (no unbounded growth on repeated failures)
    assert metrics.pending() == []


def test_failed_flush_keeps_the_handlers_own_exception(logs: Any) -> None:
    # GIVEN a broken client and a failing handler
    metrics.configure(backend="api", stage="dev", client=BrokenCloudWatch())

    @lambda_handler(service="processor")
    def handler(event: Any, context: Any) -> None:
        metrics.record_count(MESSAGES_PROCESSED)
        raise KeyError("message_id")

    # WHEN invoked
    # THEN the caller sees the handler's exception, not the flush's
    with pytest.raises(KeyError, match="message_id"):
        handler({}, Context())
    assert logs.find("Metrics flush failed")["level"] == "ERROR"
