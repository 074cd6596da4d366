"""SQS event source mappings long-poll (no harness: the poller against a stubbed client)."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from localstack.services.lambda_.event_source_mapping.pollers import sqs_poller as sqs_poller_module
from localstack.services.lambda_.event_source_mapping.pollers.poller import (
    EmptyPollResultsException,
)
from localstack.services.lambda_.event_source_mapping.pollers.sqs_poller import SqsPoller

from rez_localstack.event_sources.sqs_long_polling import (
    LONG_POLL_SECONDS,
    patch_sqs_long_polling,
)

QUEUE_ARN = "arn:aws:sqs:us-east-1:000000000000:work"
QUEUE_URL = "http://127.0.0.1:4566/queue/us-east-1/000000000000/work"


class RecordingProcessor:
    def __init__(self) -> None:
        self.events: list[Any] = []

    def process_events_batch(self, events: Any) -> None:
        self.events.extend(events)


@pytest.fixture(autouse=True)
def queue_url_without_localstack(monkeypatch: pytest.MonkeyPatch) -> None:
    # the poller resolves its queue's URL through LocalStack; there is none here
    monkeypatch.setattr(sqs_poller_module, "get_queue_url", lambda arn: QUEUE_URL)


def poller(window: int) -> tuple[SqsPoller, Stubber, RecordingProcessor]:
    patch_sqs_long_polling()
    client = boto3.client(
        "sqs",
        region_name="us-east-1",
        endpoint_url="http://127.0.0.1:1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    processor = RecordingProcessor()
    parameters: dict[str, Any] = {"SqsQueueParameters": {"BatchSize": 10}}
    if window:
        parameters["SqsQueueParameters"]["MaximumBatchingWindowInSeconds"] = window
    sqs_poller = SqsPoller(QUEUE_ARN, parameters, client, processor)  # type: ignore[arg-type]
    return sqs_poller, Stubber(client), processor


def expected_receive(wait: int) -> dict[str, Any]:
    return {
        "QueueUrl": QUEUE_URL,
        "MaxNumberOfMessages": 10,
        "WaitTimeSeconds": wait,
        "MessageAttributeNames": ["All"],
        "MessageSystemAttributeNames": ["All"],
    }


def test_a_mapping_without_batching_window_long_polls_and_does_not_back_off() -> None:
    sqs_poller, stub, _ = poller(window=0)
    # GIVEN an empty queue: the stub only answers a long poll
    stub.add_response("receive_message", {"Messages": []}, expected_receive(LONG_POLL_SECONDS))
    with stub:
        # WHEN the poller polls, THEN it waited in SQS and returns normally (no back-off)
        assert sqs_poller.poll_events() is None
    stub.assert_no_pending_responses()


def test_a_mapping_with_a_batching_window_keeps_localstack_batching() -> None:
    sqs_poller, stub, _ = poller(window=2)
    stub.add_response("receive_message", {"Messages": []}, expected_receive(2))
    with stub, pytest.raises(EmptyPollResultsException):
        sqs_poller.poll_events()
    stub.assert_no_pending_responses()


def test_the_patch_is_applied_once() -> None:
    patch_sqs_long_polling()
    wrapped = SqsPoller.poll_events
    patch_sqs_long_polling()
    assert SqsPoller.poll_events is wrapped
