"""The reconciler's pass: stuck `created` published again, stuck `processing` handed back or
failed, fresh messages untouched; against the in-memory fake and DynamoDB (moto)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import timedelta

import boto3

from rez_messages import Message, MessageRepository, MessageStatus, parse_delivery
from rez_messages.reconcile import SNSRepublisher, reconcile

GRACE = timedelta(minutes=2)
PROCESSING_GRACE = timedelta(minutes=20)


@dataclass
class RecordingRepublisher:
    sent: list[tuple[str, int]] = field(default_factory=list)
    failing: set[str] = field(default_factory=set)

    def republish(self, message: Message, *, attempt_offset: int = 0) -> None:
        if message.message_id in self.failing:
            raise ConnectionError("SNS unavailable")
        self.sent.append((message.message_id, attempt_offset))


def test_stuck_messages_are_republished_handed_back_or_failed(
    repository: MessageRepository, make_message, clock
) -> None:
    # GIVEN a message stuck in created, one in processing with receives left, one on its last
    stuck_created, taken_once, taken_thrice = make_message(), make_message(), make_message()
    for message in (stuck_created, taken_once, taken_thrice):
        repository.add(message)
    repository.mark_processing(taken_once.message_id)
    repository.mark_processing(taken_thrice.message_id)
    for attempt in (2, 3):
        repository.mark_processing(taken_thrice.message_id, retry_if_attempts_below=attempt)
    started = clock.now
    # AND fresh ones in both statuses, updated after the cut-off
    clock.now = started + PROCESSING_GRACE
    fresh_created, fresh_processing = make_message(), make_message()
    repository.add(fresh_created)
    repository.add(fresh_processing)
    repository.mark_processing(fresh_processing.message_id)
    republisher = RecordingRepublisher()

    # WHEN the reconciler runs past both windows of the stuck ones
    report = reconcile(
        repository,
        republisher,
        now=started + PROCESSING_GRACE + timedelta(seconds=1),
        created_grace=GRACE,
        processing_grace=PROCESSING_GRACE,
        max_receive_count=3,
    )

    # THEN created is published again, processing with receives left is handed back as a retry
    assert sorted(republisher.sent) == sorted(
        [(stuck_created.message_id, 0), (taken_once.message_id, 1)]
    )
    assert report.stuck_created == [stuck_created.message_id]
    assert sorted(report.stuck_processing) == sorted(
        [taken_once.message_id, taken_thrice.message_id]
    )
    # AND the one past its last receive is failed with the reason (it is in the DLQ)
    assert report.failed == [taken_thrice.message_id]
    failed = repository.get(taken_thrice.message_id)
    assert failed.status is MessageStatus.FAILED
    assert "stuck in processing" in (failed.error or "")
    # AND the fresh ones are untouched
    assert repository.get(fresh_created.message_id).status is MessageStatus.CREATED
    assert repository.get(fresh_processing.message_id).status is MessageStatus.PROCESSING


def test_one_failure_does_not_stop_the_run(
    repository: MessageRepository, make_message, clock
) -> None:
    first, second = make_message(), make_message()
    repository.add(first)
    repository.add(second)
    republisher = RecordingRepublisher(failing={first.message_id})
    report = reconcile(
        repository,
        republisher,
        now=clock.now + GRACE + timedelta(seconds=1),
        created_grace=GRACE,
        processing_grace=PROCESSING_GRACE,
        max_receive_count=3,
    )
    assert report.republished == [second.message_id]
    assert "SNS unavailable" in report.errors[first.message_id]


def test_hand_back_reaches_the_processor_as_a_retry(aws, make_message) -> None:
    # GIVEN the SNS → SQS raw subscription the system uses
    sns, sqs = boto3.client("sns"), boto3.client("sqs")
    topic = sns.create_topic(Name="messages")["TopicArn"]
    queue = sqs.create_queue(QueueName="q")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    sns.subscribe(
        TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"}
    )
    message = make_message()
    # WHEN a message with 2 stored attempts is handed back
    SNSRepublisher(topic, sns).republish(message, attempt_offset=2)
    received = sqs.receive_message(
        QueueUrl=queue, MessageAttributeNames=["All"], AttributeNames=["All"]
    )["Messages"][0]
    record = {
        "messageId": received["MessageId"],
        "body": received["Body"],
        "attributes": received["Attributes"],
        "messageAttributes": {
            name: {"stringValue": value["StringValue"], "dataType": value["DataType"]}
            for name, value in received["MessageAttributes"].items()
        },
    }
    # THEN the processor parses a delivery whose attempt is past the stored attempts
    delivery = parse_delivery(record)
    assert delivery.message_id == message.message_id
    assert delivery.attempt == 3
    assert json.loads(received["Body"]) == {"message_id": message.message_id}
