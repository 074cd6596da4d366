"""SQS event source mappings and SNS -> SQS -> Lambda through the harness."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from tests.conftest import queue_arn, short_uid, wait_until

# Records every batch it receives into a DynamoDB-free sink: an SQS "report" queue.
# Messages whose body says {"fail": true} are reported as partial batch failures.
BATCH_HANDLER = """
import boto3, json, os

sqs = boto3.client("sqs")

def handler(event, context):
    failures = []
    seen = []
    for record in event["Records"]:
        body = json.loads(record["body"])
        seen.append({
            "body": body,
            "attributes": {
                k: v.get("stringValue") for k, v in record.get("messageAttributes", {}).items()
            },
            "receive_count": record["attributes"]["ApproximateReceiveCount"],
        })
        if body.get("fail"):
            failures.append({"itemIdentifier": record["messageId"]})
    sqs.send_message(QueueUrl=os.environ["REPORT"], MessageBody=json.dumps(seen))
    return {"batchItemFailures": failures}
"""


def _drain(sqs: Any, url: str, want: int, timeout: float = 30) -> list[Any]:
    """Receive until ``want`` messages arrived (deleting them)."""
    got: list[Any] = []

    def more() -> bool:
        for message in sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1, MessageAttributeNames=["All"]
        ).get("Messages", []):
            got.append(message)
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return len(got) >= want

    wait_until(more, timeout=timeout, interval=0)
    return got


def _map(client: Callable[[str], Any], source_arn: str, name: str, batch: int = 10) -> str:
    lam = client("lambda")
    uuid = lam.create_event_source_mapping(
        EventSourceArn=source_arn,
        FunctionName=name,
        BatchSize=batch,
        MaximumBatchingWindowInSeconds=0,
        FunctionResponseTypes=["ReportBatchItemFailures"],
    )["UUID"]
    wait_until(lambda: lam.get_event_source_mapping(UUID=uuid)["State"] == "Enabled", timeout=20)
    return str(uuid)


def test_sqs_mapping_batches_partial_failures_and_dlq_redrive(
    create_function: Callable[..., str], client: Callable[[str], Any], sqs_queue: Any
) -> None:
    # GIVEN a source queue that redrives to a DLQ after 2 receives, mapped to the function
    sqs, lam = client("sqs"), client("lambda")
    report, dlq = sqs_queue(), sqs_queue()
    source = sqs_queue(
        VisibilityTimeout="1",
        RedrivePolicy=json.dumps(
            {"deadLetterTargetArn": queue_arn(sqs, dlq), "maxReceiveCount": "2"}
        ),
    )
    name = create_function({"app.py": BATCH_HANDLER}, env={"REPORT": report})

    # WHEN a batch with one poisoned message is sent
    entries = [{"Id": str(i), "MessageBody": json.dumps({"n": i})} for i in range(4)]
    entries.append({"Id": "bad", "MessageBody": json.dumps({"n": 99, "fail": True})})
    sqs.send_message_batch(QueueUrl=source, Entries=entries)
    uuid = _map(client, queue_arn(sqs, source), name)
    try:
        # THEN the poisoned message lands in the DLQ after maxReceiveCount receives
        dead = _drain(sqs, dlq, 1, timeout=40)
        assert json.loads(dead[0]["Body"]) == {"n": 99, "fail": True}
        # and the good ones were delivered once, in batches (more than one record per batch)
        reports = [json.loads(m["Body"]) for m in _drain(sqs, report, 2, timeout=10)]
        delivered = [r["body"]["n"] for batch in reports for r in batch]
        assert sorted(n for n in delivered if n != 99) == [0, 1, 2, 3]
        assert delivered.count(99) == 2  # retried once, then dead-lettered
        assert max(len(batch) for batch in reports) > 1
    finally:
        lam.delete_event_source_mapping(UUID=uuid)


def test_sns_to_sqs_to_lambda_with_message_attributes(
    create_function: Callable[..., str], client: Callable[[str], Any], sqs_queue: Any
) -> None:
    # GIVEN a topic with one raw and one enveloped subscription, both mapped to the function
    sqs, sns, lam = client("sqs"), client("sns"), client("lambda")
    report, raw, enveloped = sqs_queue(), sqs_queue(), sqs_queue()
    topic = sns.create_topic(Name=f"t-{short_uid()}")["TopicArn"]
    sns.subscribe(
        TopicArn=topic,
        Protocol="sqs",
        Endpoint=queue_arn(sqs, raw),
        Attributes={"RawMessageDelivery": "true"},
    )
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn(sqs, enveloped))
    name = create_function({"app.py": BATCH_HANDLER}, env={"REPORT": report})
    uuids = [_map(client, queue_arn(sqs, url), name) for url in (raw, enveloped)]
    try:
        # WHEN a message with attributes is published
        sns.publish(
            TopicArn=topic,
            Message=json.dumps({"message_id": "m-1"}),
            MessageAttributes={"correlation_id": {"DataType": "String", "StringValue": "c-123"}},
        )

        # THEN raw delivery carries them as SQS message attributes...
        reports = [r for m in _drain(sqs, report, 2) for r in json.loads(m["Body"])]
        raw_records = [r for r in reports if r["body"] == {"message_id": "m-1"}]
        assert raw_records and raw_records[0]["attributes"] == {"correlation_id": "c-123"}
        # ...and enveloped delivery inside the SNS notification
        envelopes = [r["body"] for r in reports if r["body"].get("Type") == "Notification"]
        assert envelopes and json.loads(envelopes[0]["Message"]) == {"message_id": "m-1"}
        assert envelopes[0]["MessageAttributes"]["correlation_id"] == {
            "Type": "String",
            "Value": "c-123",
        }
    finally:
        for uuid in uuids:
            lam.delete_event_source_mapping(UUID=uuid)
