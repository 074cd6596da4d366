"""Functional fixtures on real (moto) SQS queues: the stage's queue and DLQ, a movable SQS clock,
the processor wired from the environment with a fake notifier, and stored messages.

SQS time is moto's clock, replaced by a fake one that the tests move: "visible again after N
seconds" is checked by receiving just before and just after, never by sleeping. The queue's own
visibility timeout is 360 s (six times a 60 s processor timeout, as on AWS), so a record that
comes back within seconds came back because the processor set its visibility (or delayed a copy).
"""

from __future__ import annotations

import dataclasses
import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from rez_messages.model import MessageType, Payload, new_message
from rez_processor import bootstrap
from rez_processor.handler import handler
from rez_processor.retry_delay import RetryDelays
from rez_processor.settings import ProcessorSettings

REGION = "us-east-1"
QUEUE = "rez-agent-message-queue-dev"
DLQ = "rez-agent-message-dlq-dev"
QUEUE_VISIBILITY_SECONDS = 360
MAX_RECEIVE_COUNT = 3  # conftest's MAX_RECEIVE_COUNT: the env var and the redrive policy agree


class MotoSQSClock:
    """Stands in for moto's SQS clock (`unix_time_millis`): starts now, moves when told."""

    def __init__(self) -> None:
        self.millis = time.time() * 1000

    def __call__(self, dt: Any = None) -> float:
        return self.millis

    def advance(self, seconds: float) -> None:
        self.millis += seconds * 1000


@pytest.fixture
def sqs_clock(monkeypatch: pytest.MonkeyPatch) -> MotoSQSClock:
    clock = MotoSQSClock()
    monkeypatch.setattr("moto.sqs.models.unix_time_millis", clock)
    return clock


@dataclasses.dataclass
class Queues:
    """The queue and its DLQ, and what the event source mapping would hand the function."""

    client: Any
    url: str
    arn: str
    dlq_url: str
    name: str = QUEUE
    visibility_timeout: int = QUEUE_VISIBILITY_SECONDS
    max_receive_count: int = MAX_RECEIVE_COUNT

    def send(self, message, trace_context: str | None = None) -> None:
        """What SNS's raw delivery puts on the queue for `message`."""
        attributes = {
            "correlation_id": {"DataType": "String", "StringValue": message.correlation_id},
            "message_type": {"DataType": "String", "StringValue": str(message.message_type)},
        }
        if trace_context:
            attributes["trace_context"] = {"DataType": "String", "StringValue": trace_context}
        self.client.send_message(
            QueueUrl=self.url,
            MessageBody=json.dumps({"message_id": message.message_id}),
            MessageAttributes=attributes,
        )

    def send_enveloped(self, message) -> None:
        """What SNS puts on the queue for `message` without raw delivery: the envelope."""
        envelope = {
            "Type": "Notification",
            "MessageId": "d88d4479-6ec0-54fe-b63f-1cf9df4bb16e",
            "TopicArn": f"arn:aws:sns:{REGION}:123456789012:rez-agent-messages-dev",
            "Message": json.dumps({"message_id": message.message_id}),
            "Timestamp": "2026-01-01T12:00:00.287Z",
            "MessageAttributes": {
                "correlation_id": {"Type": "String", "Value": message.correlation_id},
                "message_type": {"Type": "String", "Value": str(message.message_type)},
            },
        }
        self.client.send_message(QueueUrl=self.url, MessageBody=json.dumps(envelope))

    def depth(self, url: str | None = None) -> int:
        """Messages in the queue, visible, in flight or delayed."""
        names = [
            "ApproximateNumberOfMessages",
            "ApproximateNumberOfMessagesNotVisible",
            "ApproximateNumberOfMessagesDelayed",
        ]
        attributes = self.client.get_queue_attributes(
            QueueUrl=url or self.url, AttributeNames=names
        )["Attributes"]
        return sum(int(attributes[name]) for name in names)

    def receive(self, url: str | None = None) -> list[dict[str, Any]]:
        """What the event source mapping would hand the function now, as Lambda records."""
        response = self.client.receive_message(
            QueueUrl=url or self.url,
            MaxNumberOfMessages=10,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        return [self.as_lambda_record(m) for m in response.get("Messages", [])]

    def as_lambda_record(self, message: dict[str, Any]) -> dict[str, Any]:
        return {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": message["Attributes"],
            "messageAttributes": {
                name: {"stringValue": value["StringValue"], "dataType": value["DataType"]}
                for name, value in (message.get("MessageAttributes") or {}).items()
            },
            "md5OfBody": message["MD5OfBody"],
            "eventSource": "aws:sqs",
            "eventSourceARN": self.arn,
            "awsRegion": REGION,
        }

    def redrive_from_dlq(self) -> int:
        """The runbook's redrive: move every DLQ message back to the queue (new SQS messages)."""
        response = self.client.receive_message(
            QueueUrl=self.dlq_url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
        )
        moved = response.get("Messages", [])
        for message in moved:
            self.client.send_message(
                QueueUrl=self.url,
                MessageBody=message["Body"],
                MessageAttributes=message.get("MessageAttributes") or {},
            )
            self.client.delete_message(
                QueueUrl=self.dlq_url, ReceiptHandle=message["ReceiptHandle"]
            )
        return len(moved)


@pytest.fixture
def queues(dynamodb, sqs_clock) -> Queues:
    """The stage's queue and DLQ (maxReceiveCount 3, visibility timeout 360 s), in moto."""
    client = boto3.client("sqs", region_name=REGION)
    dlq_url = client.create_queue(QueueName=DLQ)["QueueUrl"]
    dlq_arn = client.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    url = client.create_queue(
        QueueName=QUEUE,
        Attributes={
            "VisibilityTimeout": str(QUEUE_VISIBILITY_SECONDS),
            "RedrivePolicy": json.dumps(
                {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": MAX_RECEIVE_COUNT}
            ),
        },
    )["QueueUrl"]
    arn = client.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    return Queues(client=client, url=url, arn=arn, dlq_url=dlq_url)


@pytest.fixture
def wired(dynamodb, notifier):
    """The real wiring from the environment (its SQS client included), with the fake notifier
    and the jitter pinned at its top; returns a function to swap parts."""
    deps = dataclasses.replace(
        bootstrap.build(ProcessorSettings.from_env()),
        notifier=notifier,
        retry_delays=RetryDelays(random=lambda: 1.0),
    )
    bootstrap.override(deps)

    def replace(**changes: Any) -> None:
        bootstrap.override(dataclasses.replace(bootstrap.dependencies(), **changes))

    return replace


@pytest.fixture
def store(dynamodb_repository):
    def store():
        message = new_message(
            message_type=MessageType.SCHEDULED_HELLO,
            payload=Payload.create("Hello"),
            created_by="scheduler",
            stage="dev",
            correlation_id="660e9500-f39c-52e5-b827-557766551111",
            now=datetime.now(UTC),
            retention=timedelta(days=1),
        )
        dynamodb_repository.add(message)
        return message

    return store


@pytest.fixture
def invoke(lambda_context, queues):
    """Run the deployed handler on records as the event source mapping does: the records it does
    not report as batch item failures are deleted from the queue. Returns the reported ids."""

    def run(records: list[dict[str, Any]]) -> list[str]:
        response = handler({"Records": records}, lambda_context)
        failed = [item["itemIdentifier"] for item in response["batchItemFailures"]]
        for record in records:
            if record["messageId"] not in failed and record["eventSourceARN"] == queues.arn:
                queues.client.delete_message(
                    QueueUrl=queues.url, ReceiptHandle=record["receiptHandle"]
                )
        return failed

    return run
