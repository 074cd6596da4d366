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
from rez_telemetry.testing import CapturedTelemetry, reset_telemetry

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
    reset_telemetry()


Telemetry = CapturedTelemetry


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
