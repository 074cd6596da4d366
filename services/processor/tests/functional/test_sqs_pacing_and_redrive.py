"""The deployed entry point against a real (moto) queue with a DLQ, on moto DynamoDB: retries
paced by the record's visibility, and the DLQ redrive (fixtures in `conftest.py`)."""

from __future__ import annotations

import boto3
import pytest

from rez_messages.notification import NotSentReason
from rez_processor import bootstrap
from rez_processor.deferral import SQSMessageDeferral
from rez_processor.handler import handler
from rez_processor.settings import ProcessorSettings
from rez_processor.visibility import SQSMessageVisibility
from rez_telemetry.config import ConfigurationError

REGION = "us-east-1"


def test_unavailable_ntfy_brings_the_record_back_after_the_backoff(
    wired, queues, sqs_clock, store, notifier, dynamodb_repository, invoke, telemetry
):
    # GIVEN a stored message in the queue and ntfy unavailable
    message = store()
    queues.send(message)
    notifier.fail(message.message_id, "NtfyUnavailableError", "ntfy answered 503")
    [record] = queues.receive()
    # WHEN its first delivery fails
    assert invoke([record]) == [record["messageId"]]
    # THEN it is invisible for 2 s (base 2 s, first receive), not for the queue's 360 s
    sqs_clock.advance(1.5)
    assert queues.receive() == []
    sqs_clock.advance(1.0)
    [again] = queues.receive()
    assert again["attributes"]["ApproximateReceiveCount"] == "2"
    assert telemetry.log("Message retry scheduled")["retry_delay_seconds"] == 2
    # AND once ntfy is back, the retry completes it on attempt 2
    del notifier.answers[message.message_id]
    assert invoke([again]) == []
    done = dynamodb_repository.get(message.message_id)
    assert (done.status, done.attempts) == ("completed", 2)


def test_a_permanent_failure_is_paced_and_reaches_the_dlq_in_seconds(
    wired, queues, sqs_clock, store, notifier, dynamodb_repository, invoke
):
    # GIVEN a message ntfy refuses every time (a 400: waiting does not fix it)
    message = store()
    queues.send(message)
    notifier.not_sent(message.message_id, NotSentReason.REJECTED, detail="ntfy answered 400")
    # WHEN every allowed delivery fails
    for receive, backoff in enumerate((2, 4, 8), start=1):
        [record] = queues.receive()
        assert record["attributes"]["ApproximateReceiveCount"] == str(receive)
        assert invoke([record]) == [record["messageId"]]
        # THEN each comes back after the exponential backoff, not the queue's 360 s
        sqs_clock.advance(backoff - 0.5)
        assert queues.receive() == []
        sqs_clock.advance(1.0)
    # AND 15 s after the first delivery it is failed with the reason and in the DLQ
    assert queues.receive() == []
    assert queues.depth(queues.dlq_url) == 1
    failed = dynamodb_repository.get(message.message_id)
    assert (failed.status, failed.attempts) == ("failed", queues.max_receive_count)
    assert failed.error == "notification not sent: rejected: ntfy answered 400"


def test_a_poison_record_is_paced_to_the_dlq(wired, queues, sqs_clock, invoke, telemetry):
    # GIVEN a body that is not JSON
    queues.client.send_message(QueueUrl=queues.url, MessageBody="not json")
    # WHEN every allowed delivery fails / THEN each comes back after the backoff
    for backoff in (2, 4, 8):
        [record] = queues.receive()
        assert invoke([record]) == [record["messageId"]]
        sqs_clock.advance(backoff + 0.5)
    # AND it is in the DLQ seconds later, each attempt logged as poison with its delay
    assert queues.receive() == []
    assert queues.depth(queues.dlq_url) == 1
    poison = [line for line in telemetry.logs if line.get("poison")]
    assert [line["retry_delay_seconds"] for line in poison] == [2, 4, 8]


def test_a_failed_visibility_change_never_loses_the_message(
    wired, queues, sqs_clock, store, notifier, invoke, telemetry
):
    # GIVEN a record whose queue cannot be resolved (GetQueueUrl fails)
    message = store()
    queues.send(message)
    notifier.fail(message.message_id, "NtfyUnavailableError", "ntfy answered 503")
    [record] = queues.receive()
    record["eventSourceARN"] = f"arn:aws:sqs:{REGION}:123456789012:no-such-queue"
    # WHEN its delivery fails
    failures = invoke([record])
    # THEN it is still reported, and the WARN says why the delay was not applied
    assert failures == [record["messageId"]]
    line = telemetry.log("Retry delay not applied")
    assert line["level"] == "WARNING"
    assert line["error"].startswith("QueueDoesNotExist: ")
    # AND the message comes back after the queue's own visibility timeout
    sqs_clock.advance(queues.visibility_timeout - 10)
    assert queues.receive() == []
    sqs_clock.advance(11)
    assert len(queues.receive()) == 1


def test_queue_url_is_asked_once_per_cold_start(wired, queues, sqs_clock, store, notifier, invoke):
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
    assert len(invoke(records)) == 2
    sqs_clock.advance(2.5)
    assert len(invoke(queues.receive())) == 2
    # THEN the queue URL was looked up once, by its name from the ARN
    assert lookups == [queues.name]


def test_failed_message_redriven_from_the_dlq_is_delivered(
    wired, queues, sqs_clock, store, notifier, dynamodb_repository, invoke, telemetry
):
    # GIVEN a message that fails on every allowed receive while ntfy is down
    message = store()
    queues.send(message)
    notifier.fail(message.message_id, "NtfyUnavailableError", "ntfy answered 503")
    for _ in range(queues.max_receive_count):
        [record] = queues.receive()
        assert invoke([record]) == [record["messageId"]]
        sqs_clock.advance(queues.visibility_timeout + 1)
    # THEN it was failed on its last attempt, and SQS moved it to the DLQ
    failed = dynamodb_repository.get(message.message_id)
    assert (failed.status, failed.attempts) == ("failed", queues.max_receive_count)
    assert queues.receive() == []
    # WHEN ntfy is back and the runbook redrives the DLQ
    del notifier.answers[message.message_id]
    assert queues.redrive_from_dlq() == 1
    [redriven] = queues.receive()
    assert invoke([redriven]) == []
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
    # GIVEN RETRY_BASE_SECONDS, RETRY_MAX_SECONDS and MAX_DEFERRAL_SECONDS / WHEN wired
    monkeypatch.setenv("RETRY_BASE_SECONDS", "1")
    monkeypatch.setenv("RETRY_MAX_SECONDS", "30")
    monkeypatch.setenv("MAX_DEFERRAL_SECONDS", "3600")
    deps = bootstrap.build(ProcessorSettings.from_env())
    # THEN they pace the retries and bound the deferrals, through SQS adapters
    assert (deps.retry_delays.base_seconds, deps.retry_delays.max_seconds) == (1.0, 30.0)
    assert deps.max_deferral_seconds == 3600.0
    assert isinstance(deps.visibility, SQSMessageVisibility)
    assert isinstance(deps.deferral, SQSMessageDeferral)


def test_deferral_is_bounded_by_six_hours_by_default(dynamodb):
    # GIVEN no MAX_DEFERRAL_SECONDS / WHEN wired / THEN 21600 s
    assert bootstrap.build(ProcessorSettings.from_env()).max_deferral_seconds == 21600.0


def test_records_are_processed_ten_at_a_time_by_default(dynamodb, monkeypatch):
    # GIVEN no PROCESSOR_CONCURRENCY / WHEN wired / THEN 10 (the batch size)
    monkeypatch.delenv("PROCESSOR_CONCURRENCY", raising=False)
    deps = bootstrap.build(ProcessorSettings.from_env())
    assert deps.concurrency == 10
    # AND every client can keep a connection per thread
    assert deps.repository._client.meta.config.max_pool_connections >= 10  # type: ignore[attr-defined]


def test_processor_concurrency_comes_from_the_environment(dynamodb, monkeypatch):
    # GIVEN PROCESSOR_CONCURRENCY=25 / WHEN wired / THEN 25, with pools as large
    monkeypatch.setenv("PROCESSOR_CONCURRENCY", "25")
    deps = bootstrap.build(ProcessorSettings.from_env())
    assert deps.concurrency == 25
    assert deps.notifier._client.meta.config.max_pool_connections == 25  # type: ignore[attr-defined]


def test_a_malformed_deferral_bound_is_refused_naming_it(dynamodb, monkeypatch):
    # GIVEN MAX_DEFERRAL_SECONDS that is not a number / WHEN wired / THEN the error names it
    monkeypatch.setenv("MAX_DEFERRAL_SECONDS", "six hours")
    with pytest.raises(ConfigurationError) as caught:
        bootstrap.build(ProcessorSettings.from_env())
    assert caught.value.variable == "MAX_DEFERRAL_SECONDS"


def test_a_base_above_the_cap_is_refused_naming_the_cap(
    dynamodb, monkeypatch, sqs_record, make_batch, lambda_context
):
    # GIVEN a base retry delay above the cap / WHEN invoked / THEN the error names the variable
    monkeypatch.setenv("RETRY_BASE_SECONDS", "90")
    with pytest.raises(ConfigurationError) as caught:
        handler(make_batch(sqs_record(body="{}")), lambda_context)
    assert caught.value.variable == "RETRY_MAX_SECONDS"
