"""The SQS visibility adapter's reading of a record: which queue, which receipt handle."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from rez_processor.visibility import InvalidSQSRecordError, SQSMessageVisibility, parse_queue_arn


def test_queue_arn_gives_account_and_name():
    # GIVEN the event source ARN of a record / WHEN parsed / THEN account and queue name
    arn = "arn:aws:sqs:us-east-1:123456789012:rez-agent-message-queue-dev"
    assert parse_queue_arn(arn) == ("123456789012", "rez-agent-message-queue-dev")
    # AND other partitions are read the same way
    assert parse_queue_arn("arn:aws-cn:sqs:cn-north-1:123456789012:q") == ("123456789012", "q")


@pytest.mark.parametrize(
    "arn",
    [
        None,
        "",
        "rez-agent-message-queue-dev",
        "arn:aws:sns:us-east-1:123456789012:rez-agent-messages-dev",
        "arn:aws:sqs:us-east-1::rez-agent-message-queue-dev",
        "arn:aws:sqs:us-east-1:123456789012:",
    ],
)
def test_anything_but_a_queue_arn_is_refused(arn):
    # GIVEN a record without a usable queue ARN / WHEN parsed / THEN refused, quoting it
    with pytest.raises(InvalidSQSRecordError, match="is not an SQS queue ARN"):
        parse_queue_arn(arn)


@pytest.mark.parametrize("handle", [None, ""])
def test_a_record_without_receipt_handle_is_refused_before_any_call(handle):
    # GIVEN a client that must not be called / WHEN a record lacks its handle / THEN refused
    client = boto3.client("sqs", region_name="us-east-1")
    calls: list[str] = []
    client.meta.events.register("before-call.sqs.*", lambda model, **_: calls.append(model.name))
    record = {
        "messageId": "m-1",
        "receiptHandle": handle,
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:q",
    }
    with mock_aws(), pytest.raises(InvalidSQSRecordError, match="receiptHandle"):
        SQSMessageVisibility(client).postpone(record, 5)
    assert calls == []


def test_concurrent_lookups_of_one_queue_ask_sqs_once():
    # GIVEN a resolver whose GetQueueUrl is slow, asked by many threads at once
    import threading
    import time

    from rez_processor.queues import QueueUrls

    calls: list[str] = []

    class SlowSQS:
        def get_queue_url(self, **request: str) -> dict[str, str]:
            calls.append(request["QueueName"])
            time.sleep(0.05)
            account, name = request["QueueOwnerAWSAccountId"], request["QueueName"]
            return {"QueueUrl": f"https://sqs/{account}/{name}"}

    urls = QueueUrls(SlowSQS())  # type: ignore[arg-type]
    arn = "arn:aws:sqs:us-east-1:123456789012:rez-agent-messages-dev"
    start = threading.Barrier(8)
    found: list[str] = []

    def look_up() -> None:
        start.wait()
        found.append(urls.queue_url(arn))

    threads = [threading.Thread(target=look_up) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # THEN one call was made and every thread got its answer
    assert calls == ["rez-agent-messages-dev"]
    assert found == ["https://sqs/123456789012/rez-agent-messages-dev"] * 8
