"""Fixtures: real API Gateway events, moto-backed AWS, captured logs and metrics, clean state."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from moto import mock_aws

from rez_web_api import bootstrap

EVENTS = Path(__file__).parent / "events"
OPENAPI = Path(__file__).parents[1] / "openapi.yaml"
TABLE = "rez-agent-messages-dev"


@pytest.fixture(autouse=True)
def _reset_global_state() -> Iterator[None]:
    """No cached dependencies, buffered metrics or logging settings leak between tests."""
    from rez_telemetry import metrics
    from rez_telemetry.cold_start import reset_cold_start
    from rez_telemetry.logging import reset_logging
    from rez_telemetry.logging.sampling import reset_sampling

    resets = (bootstrap.reset, metrics.reset, reset_logging, reset_sampling, reset_cold_start)
    for reset in resets:
        reset()
    yield
    for reset in resets:
        reset()


def load_event(name: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS / name).read_text())
    return event


@pytest.fixture
def event() -> Callable[..., dict[str, Any]]:
    """A copy of a real proxy event from tests/events, with optional changes."""

    def make(name: str, **changes: Any) -> dict[str, Any]:
        document = copy.deepcopy(load_event(name))
        headers = changes.pop("headers", None)
        if headers is not None:
            for key, value in headers.items():
                for bag in ("headers", "multiValueHeaders"):
                    document[bag] = {
                        k: v
                        for k, v in (document.get(bag) or {}).items()
                        if k.lower() != key.lower()
                    }
                    if value is not None:
                        document[bag][key] = value if bag == "headers" else [value]
        document.update(changes)
        return document

    return make


@dataclass
class LambdaContext:
    function_name: str = "rez-agent-web-api-dev"
    function_version: str = "$LATEST"
    invoked_function_arn: str = (
        "arn:aws:lambda:us-east-1:123456789012:function:rez-agent-web-api-dev"
    )
    memory_limit_in_mb: int = 512
    aws_request_id: str = "5b1c6a0e-1f2d-4c3b-8a9e-7d6f5e4c3b2a"
    log_group_name: str = "/aws/lambda/rez-agent-web-api-dev"
    log_stream_name: str = "2026/11/27/[$LATEST]abc"

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


@dataclass
class Answer:
    """A proxy integration result, decoded."""

    status: int
    headers: dict[str, str]
    body: Any
    raw: dict[str, Any]


@dataclass
class Captured:
    raw_logs: list[str] = field(default_factory=list)
    raw_metrics: list[str] = field(default_factory=list)

    @property
    def logs(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.raw_logs]

    def lines(self, message: str) -> list[dict[str, Any]]:
        return [line for line in self.logs if line["message"] == message]

    def metrics(self, name: str) -> list[dict[str, Any]]:
        documents = [json.loads(line) for text in self.raw_metrics for line in text.splitlines()]
        return [doc for doc in documents if name in doc]


@pytest.fixture
def captured() -> Captured:
    from rez_telemetry import metrics
    from rez_telemetry.logging import configure_logging

    sink = Captured()
    configure_logging(sink=sink.raw_logs.append, level="INFO", sample_rate=1.0)
    metrics.configure(backend="emf", stage="dev", write=sink.raw_metrics.append)
    return sink


@pytest.fixture
def call(captured) -> Callable[[dict[str, Any]], Answer]:
    """Invoke the Lambda handler as API Gateway would, and decode the answer."""
    from rez_web_api.handler import handler

    def invoke(proxy_event: dict[str, Any]) -> Answer:
        result = handler(proxy_event, LambdaContext())
        assert set(result) == {"statusCode", "headers", "body", "isBase64Encoded"}
        body = json.loads(result["body"]) if result["body"] else None
        return Answer(result["statusCode"], result["headers"], body, result)

    return invoke


@dataclass
class Aws:
    """Handles on the moto resources the web API uses."""

    dynamodb: Any
    sqs: Any
    queue_url: str
    topic_arn: str

    def published(self) -> list[dict[str, Any]]:
        answer = self.sqs.receive_message(
            QueueUrl=self.queue_url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
        )
        return answer.get("Messages", [])

    def item_count(self) -> int:
        return int(self.dynamodb.scan(TableName=TABLE, Select="COUNT")["Count"])


@pytest.fixture
def aws(monkeypatch) -> Iterator[Aws]:
    """Table, topic and a raw-delivery queue in moto; the env the function reads."""
    from rez_messages.testing import create_messages_table

    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "STAGE": "dev",
        "MESSAGES_TABLE": TABLE,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        dynamodb = boto3.client("dynamodb")
        create_messages_table(dynamodb, TABLE)
        sns, sqs = boto3.client("sns"), boto3.client("sqs")
        topic_arn = sns.create_topic(Name="rez-agent-messages-dev")["TopicArn"]
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
        monkeypatch.setenv("TOPIC_ARN", topic_arn)
        yield Aws(dynamodb, sqs, queue_url, topic_arn)


@pytest.fixture(scope="session")
def openapi() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(OPENAPI.read_text())
    return document
