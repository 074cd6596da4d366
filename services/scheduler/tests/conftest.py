"""Scheduler test fixtures: clean telemetry per test, moto AWS, captured logs/metrics/spans."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from rez_messages.testing import create_messages_table
from rez_scheduler import bootstrap
from rez_telemetry.handler import reset_cold_start
from rez_telemetry.logging import reset_logging
from rez_telemetry.metrics import metrics
from rez_telemetry.tracing import tracer

EVENTS = Path(__file__).parent / "events"
REGION = "us-east-1"
TABLE = "rez-agent-messages-dev"
TOPIC = "rez-agent-messages-dev"
_LEAKY_ENV = (
    "AWS_PROFILE",
    "AWS_ENDPOINT_URL",
    "AWS_SESSION_TOKEN",
    "LOG_LEVEL",
    "_X_AMZN_TRACE_ID",
)


@pytest.fixture(autouse=True)
def _clean_state(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """Fake credentials, a dev stage, EMF metrics and OTel spans to a file; nothing leaks."""
    for name in _LEAKY_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("STAGE", "dev")
    monkeypatch.setenv("SERVICE_NAME", "scheduler")
    monkeypatch.setenv("METRICS_BACKEND", "emf")
    monkeypatch.setenv("TRACING_BACKEND", "otel")
    monkeypatch.setenv("TRACE_EXPORT_FILE", str(tmp_path / "spans.jsonl"))
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "rez-agent-scheduler-dev")
    _reset()
    yield
    _reset()


def _reset() -> None:
    bootstrap.reset()
    reset_logging()
    reset_cold_start()
    metrics.reset()
    tracer.reset()


class Telemetry:
    """What one test wrote: JSON log lines and EMF objects from stdout, spans from the file."""

    def __init__(self, capsys: pytest.CaptureFixture[str], spans_file: Path) -> None:
        self._capsys = capsys
        self._spans_file = spans_file
        self._lines: list[dict[str, Any]] = []

    def _read(self) -> list[dict[str, Any]]:
        out = self._capsys.readouterr().out
        self._lines.extend(json.loads(line) for line in out.splitlines() if line.startswith("{"))
        return self._lines

    @property
    def logs(self) -> list[dict[str, Any]]:
        return [line for line in self._read() if "message" in line and "_aws" not in line]

    def log(self, message: str) -> dict[str, Any]:
        matches = [line for line in self.logs if line["message"] == message]
        assert len(matches) == 1, f"expected one {message!r} line, got {len(matches)}"
        return matches[0]

    def metric_values(self, name: str) -> list[tuple[dict[str, str], Any]]:
        """(dimensions, value) of each EMF object recording `name`."""
        found = []
        for line in self._read():
            if "_aws" not in line:
                continue
            directive = line["_aws"]["CloudWatchMetrics"][0]
            if any(m["Name"] == name for m in directive["Metrics"]):
                dims = {d: line[d] for dset in directive["Dimensions"] for d in dset}
                found.append((dims, line[name]))
        return found

    @property
    def spans(self) -> list[dict[str, Any]]:
        if not self._spans_file.exists():
            return []
        return [json.loads(line) for line in self._spans_file.read_text().splitlines() if line]


@pytest.fixture
def telemetry(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> Telemetry:
    return Telemetry(capsys, tmp_path / "spans.jsonl")


@pytest.fixture
def load_event():
    """A real event shape from tests/events."""

    def load(name: str) -> Any:
        return json.loads((EVENTS / name).read_text())

    return load


class FakeLambdaContext:
    aws_request_id = "5b5f6c1e-1c1f-4b9e-9d0a-3f0c2b7a1d11"
    function_name = "rez-agent-scheduler-dev"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:rez-agent-scheduler-dev"


@pytest.fixture
def lambda_context() -> FakeLambdaContext:
    return FakeLambdaContext()


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """moto with the real table, the topic and a raw-delivery queue; env vars point at them."""
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        create_messages_table(dynamodb, TABLE)
        sns = boto3.client("sns", region_name=REGION)
        sqs = boto3.client("sqs", region_name=REGION)
        topic_arn = sns.create_topic(Name=TOPIC)["TopicArn"]
        queue_url = sqs.create_queue(QueueName="rez-agent-message-queue-dev")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        sns.subscribe(
            TopicArn=topic_arn,
            Protocol="sqs",
            Endpoint=queue_arn,
            Attributes={"RawMessageDelivery": "true"},
        )
        monkeypatch.setenv("MESSAGES_TABLE", TABLE)
        monkeypatch.setenv("TOPIC_ARN", topic_arn)
        yield {
            "dynamodb": dynamodb,
            "sqs": sqs,
            "queue_url": queue_url,
            "topic_arn": topic_arn,
        }
