"""The deployed entry point against a real (moto) queue with a DLQ, on moto DynamoDB.

SQS time is moto's clock, replaced by a fake one that the tests move: "visible again after N
seconds" is checked by receiving just before and just after, never by sleeping. The queue's own
visibility timeout is 360 s (six times a 60 s processor timeout, as on AWS), so a record that
comes back within seconds came back because the processor set its visibility.
"""

from __future__ import annotations

import dataclasses
import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from rez_messages import ConfigurationError
from rez_messages.model import MessageType, Payload, new_message
from rez_processor import bootstrap
from rez_processor.handler import handler
from rez_processor.retry_delay import RetryDelays
from rez_processor.visibility import SQSMessageVisibility
from rez_telemetry.resilience import CircuitOpenError

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
    client: Any
    url: str
    arn: str
    dlq_url: str

    def send(self, message) -> None:
        self.client.send_message(
            QueueUrl=self.url,
            MessageBody=json.dumps({"message_id": message.message_id}),
            MessageAttributes={
                "correlation_id": {"DataType": "String", "StringValue": message.correlation_id},
                "message_type": {"DataType": "String", "StringValue": str(message.message_type)},
            },
        )

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
        bootstrap.build_from_environment(),
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


def _invoke(records, lambda_context) -> list[str]:
    response = handler({"Records": records}, lambda_context)
    return [item["itemIdentifier"] for item in response["batchItemFailures"]]


def test_unavailable_ntfy_brings_the_record_back_after_the_backoff(
    wired, queues, sqs_clock, store, notifier, dynamodb_repository, lambda_context, telemetry
):
    # GIVEN a stored message in the queue and ntfy unavailable
    message = store()
    queues.send(message)
    notifier.fail(message.message_id, "NtfyUnavailableError", "ntfy answered 503")
    [record] = queues.receive()
    # WHEN its first delivery fails
    assert _invoke([record], lambda_context) == [record["messageId"]]
    # THEN it is invisible for 2 s (base 2 s, first receive), not for the queue's 360 s
    sqs_clock.advance(1.5)
    assert queues.receive() == []
    sqs_clock.advance(1.0)
    [again] = queues.receive()
    assert again["attributes"]["ApproximateReceiveCount"] == "2"
    assert telemetry.log("Message retry scheduled")["retry_delay_seconds"] == 2
    # AND once ntfy is back, the retry completes it on attempt 2
    del notifier.answers[message.message_id]
    assert _invoke([again], lambda_context) == []
    done = dynamodb_repository.get(message.message_id)
    assert (done.status, done.attempts) == ("completed", 2)


def test_open_circuit_brings_the_record_back_when_the_breaker_probes(
    wired, queues, sqs_clock, store, notifier, lambda_context
):
    # GIVEN the notifier failing fast: its breaker probes again in 30 s
    message = store()
    queues.send(message)
    now = time.time()
    notifier.fail(
        message.message_id, "CircuitOpenError", str(CircuitOpenError("ntfy-sh", now + 30, now))
    )
    [record] = queues.receive()
    # WHEN the delivery fails fast
    assert _invoke([record], lambda_context) == [record["messageId"]]
    # THEN the record stays away for the open time plus the (pinned, 2 s) jitter: 32 s
    sqs_clock.advance(31.5)
    assert queues.receive() == []
    sqs_clock.advance(1.0)
    assert len(queues.receive()) == 1


def test_a_failed_visibility_change_never_loses_the_message(
    wired, queues, sqs_clock, store, notifier, lambda_context, telemetry
):
    # GIVEN a record whose queue cannot be resolved (GetQueueUrl fails)
    message = store()
    queues.send(message)
    notifier.fail(message.message_id, "NtfyUnavailableError", "ntfy answered 503")
    [record] = queues.receive()
    record["eventSourceARN"] = f"arn:aws:sqs:{REGION}:123456789012:no-such-queue"
    # WHEN its delivery fails
    failures = _invoke([record], lambda_context)
    # THEN it is still reported, and the WARN says why the delay was not applied
    assert failures == [record["messageId"]]
    line = telemetry.log("Retry delay not applied")
    assert line["level"] == "WARNING"
    assert line["error"].startswith("QueueDoesNotExist: ")
    # AND the message comes back after the queue's own visibility timeout
    sqs_clock.advance(QUEUE_VISIBILITY_SECONDS - 10)
    assert queues.receive() == []
    sqs_clock.advance(11)
    assert len(queues.receive()) == 1


def test_queue_url_is_asked_once_per_cold_start(
    wired, queues, sqs_clock, store, notifier, lambda_context
):
    # GIVEN an SQS adapter whose GetQueueUrl calls are counted
    client = boto3.client("sqs", region_name=REGION)
    lookups: list[str] = []
    client.meta.events.register(
        "before-parameter-build.sqs.GetQueueUrl",
        lambda params, **_: lookups.append(params["QueueName"]),
    )
    wired(visibility=SQSMessageVisibility(client))
    first, second = store(), store()
    for message in (first, second):
        queues.send(message)
        notifier.fail(message.message_id, "NtfyUnavailableError", "ntfy answered 503")
    # WHEN two failing records come in one batch, then again in a second invocation
    records = queues.receive()
    assert len(_invoke(records, lambda_context)) == 2
    sqs_clock.advance(2.5)
    assert len(_invoke(queues.receive(), lambda_context)) == 2
    # THEN the queue URL was looked up once, by its name from the ARN
    assert lookups == [QUEUE]


def test_failed_message_redriven_from_the_dlq_is_delivered(
    wired, queues, sqs_clock, store, notifier, dynamodb_repository, lambda_context, telemetry
):
    # GIVEN a message that fails on every allowed receive while ntfy is down
    message = store()
    queues.send(message)
    notifier.fail(message.message_id, "NtfyUnavailableError", "ntfy answered 503")
    for _ in range(MAX_RECEIVE_COUNT):
        [record] = queues.receive()
        assert _invoke([record], lambda_context) == [record["messageId"]]
        sqs_clock.advance(QUEUE_VISIBILITY_SECONDS + 1)
    # THEN it was failed on its last attempt, and SQS moved it to the DLQ
    failed = dynamodb_repository.get(message.message_id)
    assert (failed.status, failed.attempts) == ("failed", MAX_RECEIVE_COUNT)
    assert queues.receive() == []
    # WHEN ntfy is back and the runbook redrives the DLQ
    del notifier.answers[message.message_id]
    assert queues.redrive_from_dlq() == 1
    [redriven] = queues.receive()
    assert _invoke([redriven], lambda_context) == []
    # THEN the message is notified and completed: one redrive, a first attempt, no error
    done = dynamodb_repository.get(message.message_id)
    assert (done.status, done.attempts, done.redrives, done.error) == ("completed", 1, 1, None)
    assert notifier.calls[-1]["message_id"] == message.message_id
    redrive_line = [
        line
        for line in telemetry.logs
        if line["message"] == "Message status updated" and line.get("redrive")
    ]
    assert [(line["old_status"], line["new_status"]) for line in redrive_line] == [
        ("failed", "processing")
    ]


def test_retry_settings_come_from_the_environment(dynamodb, monkeypatch):
    # GIVEN RETRY_BASE_SECONDS and RETRY_MAX_SECONDS / WHEN wired / THEN they pace the retries
    monkeypatch.setenv("RETRY_BASE_SECONDS", "1")
    monkeypatch.setenv("RETRY_MAX_SECONDS", "30")
    deps = bootstrap.build_from_environment()
    assert (deps.retry_delays.base_seconds, deps.retry_delays.max_seconds) == (1.0, 30.0)
    assert isinstance(deps.visibility, SQSMessageVisibility)


def test_a_base_above_the_cap_is_refused_naming_the_cap(
    dynamodb, monkeypatch, sqs_record, make_batch, lambda_context
):
    # GIVEN a base retry delay above the cap / WHEN invoked / THEN the error names the variable
    monkeypatch.setenv("RETRY_BASE_SECONDS", "90")
    with pytest.raises(ConfigurationError) as caught:
        handler(make_batch(sqs_record(body="{}")), lambda_context)
    assert caught.value.variable == "RETRY_MAX_SECONDS"
