"""Reconciler fixtures: clean telemetry per test, moto with the messages table, topic and queue."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from rez_messages.testing import create_messages_table
from rez_reconciler import bootstrap
from rez_telemetry.testing import CapturedTelemetry, reset_telemetry

REGION = "us-east-1"
TABLE = "rez-agent-messages-dev"


@pytest.fixture(autouse=True)
def _clean_state(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN", "LOG_LEVEL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("STAGE", "dev")
    monkeypatch.setenv("SERVICE_NAME", "reconciler")
    monkeypatch.setenv("METRICS_BACKEND", "emf")
    monkeypatch.setenv("TRACING_BACKEND", "off")
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "rez-agent-reconciler-dev")
    bootstrap.reset()
    reset_telemetry()
    yield
    bootstrap.reset()
    reset_telemetry()


@pytest.fixture
def telemetry(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> CapturedTelemetry:
    return CapturedTelemetry(capsys, tmp_path / "spans.jsonl")


class FakeLambdaContext:
    aws_request_id = "5b5f6c1e-1c1f-4b9e-9d0a-3f0c2b7a1d12"
    function_name = "rez-agent-reconciler-dev"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:rez-agent-reconciler-dev"


@pytest.fixture
def lambda_context() -> FakeLambdaContext:
    return FakeLambdaContext()


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """The table, the topic and its raw-delivery queue (visibility 30 s); env vars point at them."""
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        create_messages_table(dynamodb, TABLE)
        sns, sqs = boto3.client("sns", region_name=REGION), boto3.client("sqs", region_name=REGION)
        topic_arn = sns.create_topic(Name="rez-agent-messages-dev")["TopicArn"]
        queue_url = sqs.create_queue(
            QueueName="rez-agent-message-queue-dev", Attributes={"VisibilityTimeout": "30"}
        )["QueueUrl"]
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
        monkeypatch.setenv("MAX_RECEIVE_COUNT", "3")
        monkeypatch.setenv("MESSAGE_QUEUE_URL", queue_url)
        yield {"dynamodb": dynamodb, "sqs": sqs, "queue_url": queue_url}
