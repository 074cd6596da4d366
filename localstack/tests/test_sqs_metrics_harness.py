"""``AWS/SQS`` ``ApproximateAgeOfOldestMessage``: the age in seconds of the oldest non-deleted
message (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-available-cloudwatch-metrics.html),
published with the queue's other metrics (every 5 s on the harness)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from tests.conftest import wait_until


def ages(cw: Any, queue: str) -> list[float]:
    now = dt.datetime.now(dt.UTC)
    result = cw.get_metric_data(
        MetricDataQueries=[
            {
                "Id": "age",
                "MetricStat": {
                    "Metric": {
                        "Namespace": "AWS/SQS",
                        "MetricName": "ApproximateAgeOfOldestMessage",
                        "Dimensions": [{"Name": "QueueName", "Value": queue}],
                    },
                    "Period": 10,
                    "Stat": "Maximum",
                },
            }
        ],
        StartTime=now - dt.timedelta(seconds=30),
        EndTime=now + dt.timedelta(seconds=1),
        ScanBy="TimestampDescending",
    )
    return list(result["MetricDataResults"][0]["Values"])


def test_age_of_the_oldest_message_grows_until_it_is_deleted(
    client: Callable[[str], Any], sqs_queue: Callable[..., str]
) -> None:
    sqs, cw = client("sqs"), client("cloudwatch")
    url = sqs_queue()
    name = url.rsplit("/", 1)[1]
    # GIVEN a message nobody consumes
    sqs.send_message(QueueUrl=url, MessageBody="waiting")
    # THEN its age is reported, growing
    wait_until(lambda: (found := ages(cw, name)) and found[0] >= 6, timeout=40, interval=1)
    # WHEN it is consumed and deleted, THEN the queue reports 0 again
    (message,) = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1)["Messages"]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    wait_until(lambda: (found := ages(cw, name)) and found[0] == 0, timeout=40, interval=1)
