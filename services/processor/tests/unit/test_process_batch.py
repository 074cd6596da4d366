"""Every branch of processing, with the in-memory repository and a fake notifier."""

from __future__ import annotations

import pytest

from rez_messages import MessageStatus
from rez_messages.notification import NotificationAnswer
from rez_processor.batch import MalformedBatchError, process_batch
from rez_processor.service import Outcome

UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"


def test_created_message_is_notified_and_completed(
    ctx, repository, notifier, stored, sqs_record, make_batch, telemetry
):
    # GIVEN a stored message and its first delivery
    message = stored()
    record = sqs_record(message)
    # WHEN the batch is processed
    result = process_batch(make_batch(record), ctx)
    # THEN nothing goes back to SQS and the message is completed with the notification id
    assert result.as_response() == {"batchItemFailures": []}
    done = repository.get(message.message_id)
    assert (done.status, done.attempts) == ("completed", 1)
    assert done.notification_id == f"ntfy-{message.message_id[:8]}"
    # AND the notifier was asked once, with the stored correlation id
    assert [(c["message_id"], c["correlation_id"]) for c in notifier.calls] == [
        (message.message_id, message.correlation_id)
    ]


def test_documented_log_events_for_a_processed_message(
    ctx, stored, sqs_record, make_batch, telemetry
):
    message = stored()
    process_batch(make_batch(sqs_record(message, receive_count=1)), ctx)
    # THEN "SQS message received" carries the attempt, the ids of the record
    received = telemetry.log("SQS message received")
    assert (received["message_id"], received["correlation_id"], received["attempt"]) == (
        message.message_id,
        message.correlation_id,
        1,
    )
    # AND both status changes are logged with old/new status
    changes = [
        (line["old_status"], line["new_status"], line["correlation_id"])
        for line in telemetry.logs
        if line["message"] == "Message status updated"
    ]
    assert changes == [
        ("created", "processing", message.correlation_id),
        ("processing", "completed", message.correlation_id),
    ]


def test_metrics_for_a_completed_message(ctx, stored, sqs_record, make_batch, telemetry):
    # GIVEN a completed message / WHEN metrics are flushed / THEN count and duration are emitted
    from rez_telemetry import metrics

    process_batch(make_batch(sqs_record(stored())), ctx)
    metrics.flush()
    assert telemetry.metric_values("MessagesProcessed") == [
        ({"Status": "completed", "Stage": "dev"}, 1.0)
    ]
    [(dims, duration)] = telemetry.metric_values("ProcessingDuration")
    assert dims == {"MessageType": "scheduled_hello", "Stage": "dev"}
    assert duration >= 0


def test_sns_envelope_record_is_processed(ctx, repository, stored, sqs_record, make_batch):
    # GIVEN a record without raw delivery (SNS envelope) / WHEN processed / THEN completed
    message = stored()
    result = process_batch(make_batch(sqs_record(message, enveloped=True)), ctx)
    assert result.failures == []
    assert repository.get(message.message_id).status == "completed"


def test_notifier_already_sent_still_completes(
    ctx, repository, notifier, stored, sqs_record, make_batch
):
    # GIVEN a notifier that had sent it on an attempt that crashed afterwards
    message = stored()
    notifier.answers[message.message_id] = NotificationAnswer.already_sent("ntfy-old")
    # WHEN processed / THEN completed with the earlier notification id
    process_batch(make_batch(sqs_record(message)), ctx)
    assert repository.get(message.message_id).notification_id == "ntfy-old"


def test_duplicate_of_a_completed_message_is_acknowledged_not_resent(
    ctx, repository, notifier, stored, sqs_record, make_batch, telemetry
):
    # GIVEN a message already completed
    message = stored()
    process_batch(make_batch(sqs_record(message)), ctx)
    notifier.calls.clear()
    # WHEN SNS/SQS delivers it again
    result = process_batch(make_batch(sqs_record(message, receive_count=1)), ctx)
    # THEN the record is acknowledged, the notifier not called, the duplicate logged
    assert result.failures == []
    assert list(result.outcomes.values()) == [Outcome.DUPLICATE]
    assert notifier.calls == []
    line = telemetry.log("Duplicate delivery acknowledged")
    assert (line["current_status"], line["message_id"]) == ("completed", message.message_id)


def test_concurrent_duplicate_of_a_processing_message_is_acknowledged(
    ctx, repository, notifier, stored, sqs_record, make_batch
):
    # GIVEN a message another delivery has just taken (attempts = 1)
    message = stored()
    repository.mark_processing(message.message_id)
    # WHEN a second copy arrives for its first receive
    result = process_batch(make_batch(sqs_record(message, receive_count=1)), ctx)
    # THEN it is acknowledged without notifying: the other delivery owns the message
    assert list(result.outcomes.values()) == [Outcome.DUPLICATE]
    assert notifier.calls == []
    assert repository.get(message.message_id).attempts == 1


def test_retry_takes_over_a_message_stuck_in_processing(
    ctx, repository, notifier, stored, sqs_record, make_batch, telemetry
):
    # GIVEN a first attempt that crashed after taking the message (processing, attempts 1)
    message = stored()
    repository.mark_processing(message.message_id)
    # WHEN SQS redelivers it (receive count 2)
    result = process_batch(make_batch(sqs_record(message, receive_count=2)), ctx)
    # THEN this attempt takes over, notifies and completes; two attempts are counted
    assert result.failures == []
    done = repository.get(message.message_id)
    assert (done.status, done.attempts) == ("completed", 2)
    assert len(notifier.calls) == 1
    first_change = next(
        line for line in telemetry.logs if line["message"] == "Message status updated"
    )
    assert (first_change["old_status"], first_change["new_status"]) == ("processing", "processing")


def test_notifier_failure_returns_the_record_for_retry(
    ctx, repository, notifier, stored, sqs_record, make_batch, telemetry
):
    # GIVEN a notifier that fails (ntfy answered 500 after its retries)
    message = stored()
    notifier.fail(message.message_id, "NtfyError", "ntfy answered 500")
    record = sqs_record(message, receive_count=1)
    # WHEN processed
    result = process_batch(make_batch(record), ctx)
    # THEN the record goes back to SQS and the message stays processing (a retry takes over)
    assert result.failures == [record["messageId"]]
    assert repository.get(message.message_id).status == "processing"
    line = telemetry.log("Message processing failed")
    assert line["level"] == "ERROR"
    assert line["error"] == "notifier failed: NtfyError: ntfy answered 500"
    assert (line["retry_count"], line["will_retry"]) == (0, True)
    assert line["correlation_id"] == message.correlation_id
    # AND no terminal outcome was counted
    from rez_telemetry import metrics

    metrics.flush()
    assert telemetry.metric_values("MessagesProcessed") == []
    assert telemetry.metric_values("ProcessingDuration") == []


def test_last_attempt_marks_the_message_failed_before_the_dlq(
    ctx, repository, notifier, stored, sqs_record, make_batch, telemetry
):
    from rez_telemetry import metrics

    # GIVEN a message that failed twice already (processing, attempts 2)
    message = stored()
    repository.mark_processing(message.message_id)
    repository.mark_processing(message.message_id, retry_if_attempts_below=2)
    notifier.fail(message.message_id, "NtfyError", "ntfy answered 500")
    record = sqs_record(message, receive_count=3)
    # WHEN its last allowed delivery fails too
    result = process_batch(make_batch(record), ctx)
    metrics.flush()
    # THEN it is marked failed with the reason and still reported (SQS moves it to the DLQ)
    assert result.failures == [record["messageId"]]
    failed = repository.get(message.message_id)
    assert (failed.status, failed.attempts) == ("failed", 3)
    assert failed.error == "notifier failed: NtfyError: ntfy answered 500"
    line = telemetry.log("Message processing failed")
    assert (line["retry_count"], line["will_retry"]) == (2, False)
    assert telemetry.metric_values("MessagesProcessed") == [
        ({"Status": "failed", "Stage": "dev"}, 1.0)
    ]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("{not json", "body is not valid JSON"),
        ('{"hello": "world"}', "message has no message_id"),
        ('{"message_id": "nope"}', "is not a UUID"),
        ('{"message_id": "' + UNKNOWN_ID + '"}', "is not in the messages table"),
    ],
)
def test_poison_record_is_reported_with_reason_and_size(
    ctx, notifier, sqs_record, make_batch, telemetry, body, reason
):
    # GIVEN a record whose body is not a message we know
    record = sqs_record(body=body)
    # WHEN processed
    result = process_batch(make_batch(record), ctx)
    # THEN it is reported (it reaches the DLQ after its retries), never silently dropped
    assert result.failures == [record["messageId"]]
    line = telemetry.log("Message processing failed")
    assert line["level"] == "ERROR"
    assert reason in line["reason"]
    assert line["body_size"] == len(body.encode())
    assert line["sqs_message_id"] == record["messageId"]
    assert notifier.calls == []


def test_one_bad_record_never_fails_its_neighbours(
    ctx, repository, notifier, stored, sqs_record, make_batch, telemetry
):
    # GIVEN a batch: a good message, a poison body, a message the notifier rejects, a good one
    good_a, failing, good_b = stored("a"), stored("b"), stored("c")
    notifier.fail(failing.message_id, "NtfyError", "400 bad request")
    records = [
        sqs_record(good_a),
        sqs_record(body="garbage"),
        sqs_record(failing),
        sqs_record(good_b, enveloped=True),
    ]
    # WHEN processed together
    result = process_batch(make_batch(*records), ctx)
    # THEN exactly the two bad records come back, the good ones are completed
    assert result.as_response() == {
        "batchItemFailures": [
            {"itemIdentifier": records[1]["messageId"]},
            {"itemIdentifier": records[2]["messageId"]},
        ]
    }
    assert repository.get(good_a.message_id).status == "completed"
    assert repository.get(good_b.message_id).status == "completed"
    assert repository.get(failing.message_id).status == "processing"


def test_each_record_logs_under_its_own_correlation_id(
    ctx, stored, sqs_record, make_batch, telemetry
):
    # GIVEN two messages of two journeys in one batch
    first, second = stored(correlation_id="journey-1"), stored(correlation_id="journey-2")
    process_batch(make_batch(sqs_record(first), sqs_record(second)), ctx)
    # THEN every line about a message carries that message's correlation id
    about = [
        line
        for line in telemetry.logs
        if line.get("message_id") in (first.message_id, second.message_id)
    ]
    assert about
    for line in about:
        expected = "journey-1" if line["message_id"] == first.message_id else "journey-2"
        assert line["correlation_id"] == expected, line


def test_unexpected_error_fails_only_that_record(
    ctx, repository, stored, sqs_record, make_batch, telemetry, monkeypatch
):
    # GIVEN a repository read that blows up for one message
    broken, fine = stored("broken"), stored("fine")
    real_get = repository.get

    def get(message_id):
        if message_id == broken.message_id:
            raise RuntimeError("disk on fire")
        return real_get(message_id)

    monkeypatch.setattr(repository, "get", get)
    records = [sqs_record(broken), sqs_record(fine)]
    # WHEN processed / THEN only the broken record is returned to SQS
    result = process_batch(make_batch(*records), ctx)
    assert result.failures == [records[0]["messageId"]]
    assert repository.get(fine.message_id).status == MessageStatus.COMPLETED
    assert "RuntimeError: disk on fire" in telemetry.log("Message processing failed")["error"]


@pytest.mark.parametrize(
    "event",
    [{}, {"Records": "x"}, {"Records": [{"body": "{}"}]}, None],
)
def test_a_batch_that_cannot_be_reported_per_record_fails_whole(ctx, event):
    # GIVEN a batch whose records cannot be named / WHEN processed / THEN the invocation fails
    with pytest.raises(MalformedBatchError):
        process_batch(event, ctx)


def test_completion_lost_to_a_concurrent_attempt_is_acknowledged(
    ctx, repository, notifier, stored, sqs_record, make_batch, telemetry
):
    # GIVEN a notifier call during which a concurrent attempt completes the message
    message = stored()

    class RacingNotifier:
        def notify(self, request):
            repository.mark_completed(request.message_id, notification_id="ntfy-other")
            return NotificationAnswer.already_sent("ntfy-other")

    racing_ctx = type(ctx)(
        repository=repository, notifier=RacingNotifier(), max_receive_count=ctx.max_receive_count
    )
    # WHEN this attempt tries to complete it
    result = process_batch(make_batch(sqs_record(message)), racing_ctx)
    # THEN the record is acknowledged (no retry, no failure) and the other result kept
    assert result.failures == []
    assert list(result.outcomes.values()) == [Outcome.DUPLICATE]
    assert repository.get(message.message_id).notification_id == "ntfy-other"
    assert telemetry.log("Message not marked completed")["current_status"] == "completed"
