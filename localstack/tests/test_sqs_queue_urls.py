"""Queue URLs carry their region, as AWS's do.

AWS: a queue URL is ``https://sqs.<region>.amazonaws.com/<account>/<name>``; queue names are
unique per account *and region*, and ``GetQueueUrl`` with ``QueueOwnerAWSAccountId`` answers the
owner's queue URL in the caller's region.
https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-queue-message-identifiers.html
https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_GetQueueUrl.html
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import boto3

from rez_localstack import launcher
from tests.conftest import short_uid


def _sqs(harness: launcher.Handle, region: str, account: str = "000000000000") -> Any:
    # LocalStack takes a 12-digit access key id as the caller's account.
    return boto3.client(
        "sqs",
        endpoint_url=harness.endpoint,
        region_name=region,
        aws_access_key_id=account,
        aws_secret_access_key="test",
    )


def test_same_queue_name_in_two_regions_is_two_queues(harness: launcher.Handle) -> None:
    # GIVEN one queue name created in two regions
    name = f"q-{short_uid()}"
    east, west = _sqs(harness, "us-east-1"), _sqs(harness, "eu-west-1")
    east_url = east.create_queue(QueueName=name)["QueueUrl"]
    west_url = west.create_queue(QueueName=name)["QueueUrl"]
    try:
        # THEN each URL names its region, and the two queues hold their own messages
        assert east_url == f"{harness.endpoint}/queue/us-east-1/000000000000/{name}"
        assert west_url == f"{harness.endpoint}/queue/eu-west-1/000000000000/{name}"
        east.send_message(QueueUrl=east_url, MessageBody="east")
        got = west.receive_message(QueueUrl=west_url, WaitTimeSeconds=0).get("Messages", [])
        assert got == []
        arn = west.get_queue_attributes(QueueUrl=west_url, AttributeNames=["QueueArn"])
        assert arn["Attributes"]["QueueArn"] == f"arn:aws:sqs:eu-west-1:000000000000:{name}"
    finally:
        east.delete_queue(QueueUrl=east_url)
        west.delete_queue(QueueUrl=west_url)


def test_cross_account_get_queue_url_answers_the_owners_queue_in_its_region(
    harness: launcher.Handle, client: Callable[[str], Any]
) -> None:
    # GIVEN a queue owned by another account in eu-west-1
    name = f"q-{short_uid()}"
    owner = _sqs(harness, "eu-west-1", account="111111111111")
    url = owner.create_queue(QueueName=name)["QueueUrl"]
    try:
        # WHEN this account asks for it by name and owner, in the same region
        found = _sqs(harness, "eu-west-1").get_queue_url(
            QueueName=name, QueueOwnerAWSAccountId="111111111111"
        )["QueueUrl"]
        # THEN the URL names the owner's region and account
        assert found == url == f"{harness.endpoint}/queue/eu-west-1/111111111111/{name}"
    finally:
        owner.delete_queue(QueueUrl=url)
