"""A DLQ redrive delivers the message: a delivery that finds it `failed` takes it again."""

from __future__ import annotations

from rez_messages.notification import NotificationAnswer
from rez_processor.batch import process_batch
from rez_processor.service import Outcome


def _failed_for_good(repository, message, error="notifier failed: NtfyUnavailableError: 503"):
    """What three failed deliveries leave behind: failed on attempt 3, on its way to the DLQ."""
    repository.mark_processing(message.message_id)
    repository.mark_processing(message.message_id, retry_if_attempts_below=2)
    repository.mark_processing(message.message_id, retry_if_attempts_below=3)
    repository.mark_failed(message.message_id, error=error)


def test_redriven_failed_message_is_notified_and_completed(
    ctx, repository, notifier, stored, sqs_record, make_batch, telemetry
):
    # GIVEN a message that failed for good (the cause is fixed now)
    message = stored()
    _failed_for_good(repository, message)
    # WHEN the runbook's redrive delivers it again (a new SQS message: receive count 1)
    record = sqs_record(message, receive_count=1)
    result = process_batch(make_batch(record), ctx)
    # THEN it is notified once and completed: a first attempt, one redrive, the old error cleared
    assert result.failures == []
    assert list(result.outcomes.values()) == [Outcome.COMPLETED]
    assert [call["message_id"] for call in notifier.calls] == [message.message_id]
    done = repository.get(message.message_id)
    assert (done.status, done.attempts, done.redrives, done.error) == ("completed", 1, 1, None)
    # AND the status changes say it was a redrive, with the error it had
    changes = [line for line in telemetry.logs if line["message"] == "Message status updated"]
    assert [(c["old_status"], c["new_status"]) for c in changes] == [
        ("failed", "processing"),
        ("processing", "completed"),
    ]
    assert changes[0]["redrive"] is True
    assert changes[0]["redrives"] == 1
    assert changes[0]["last_error"] == "notifier failed: NtfyUnavailableError: 503"
    assert changes[0]["correlation_id"] == message.correlation_id
    assert "redrive" not in changes[1]
    assert not [
        line for line in telemetry.logs if line["message"] == "Duplicate delivery acknowledged"
    ]


def test_redriven_message_that_fails_again_is_retried_then_failed_again(
    ctx, repository, notifier, stored, sqs_record, make_batch, telemetry
):
    # GIVEN a failed message redriven while ntfy is still unavailable
    message = stored()
    _failed_for_good(repository, message, error="first outage")
    notifier.fail(message.message_id, "NtfyUnavailableError", "ntfy answered 503")
    # WHEN its first redriven delivery fails
    first = sqs_record(message, receive_count=1)
    result = process_batch(make_batch(first), ctx)
    # THEN SQS gets it back for a retry, paced; the message is processing on attempt 1
    assert result.failures == [first["messageId"]]
    assert result.retry_delays == {first["messageId"]: 2}
    taken = repository.get(message.message_id)
    assert (taken.status, taken.attempts, taken.redrives) == ("processing", 1, 1)
    assert taken.error == "first outage"
    # WHEN SQS delivers it again (receive count 2)
    second = sqs_record(message, receive_count=2)
    result = process_batch(make_batch(second), ctx)
    # THEN it is a retry, not a duplicate: the notifier is asked again
    assert list(result.outcomes.values()) == [Outcome.RETRY]
    assert len(notifier.calls) == 2
    assert repository.get(message.message_id).attempts == 2
    # WHEN its last allowed delivery fails too
    last = sqs_record(message, receive_count=3)
    result = process_batch(make_batch(last), ctx)
    # THEN it is failed again with the new reason, still one redrive, and goes back to the DLQ
    assert result.failures == [last["messageId"]]
    assert result.retry_delays == {last["messageId"]: 8}  # paced: the DLQ gets it in seconds
    failed = repository.get(message.message_id)
    assert (failed.status, failed.attempts, failed.redrives) == ("failed", 3, 1)
    assert failed.error == "notifier failed: NtfyUnavailableError: ntfy answered 503"
    assert not [
        line for line in telemetry.logs if line["message"] == "Duplicate delivery acknowledged"
    ]


def test_duplicate_copy_of_a_redriven_message_is_acknowledged(
    ctx, repository, notifier, stored, sqs_record, make_batch, telemetry
):
    # GIVEN a failed message whose redrive was delivered twice (at-least-once), one copy taken
    message = stored()
    _failed_for_good(repository, message)
    repository.redrive(message.message_id)
    # WHEN the other copy arrives on its first receive
    result = process_batch(make_batch(sqs_record(message, receive_count=1)), ctx)
    # THEN it is a duplicate: acknowledged, not notified, not redriven twice
    assert list(result.outcomes.values()) == [Outcome.DUPLICATE]
    assert notifier.calls == []
    assert repository.get(message.message_id).redrives == 1
    assert telemetry.log("Duplicate delivery acknowledged")["current_status"] == "processing"


def test_redrive_of_a_message_already_notified_does_not_notify_twice(
    ctx, repository, notifier, stored, sqs_record, make_batch
):
    # GIVEN a failed message whose notification went out (the notifier recorded ntfy's id)
    message = stored()
    _failed_for_good(repository, message)
    repository.record_notification_id(message.message_id, "ntfy-earlier")
    notifier.answers[message.message_id] = NotificationAnswer.already_sent("ntfy-earlier")
    # WHEN redriven / THEN completed with the earlier id (the notifier answers already_sent)
    process_batch(make_batch(sqs_record(message)), ctx)
    done = repository.get(message.message_id)
    assert (done.status, done.notification_id) == ("completed", "ntfy-earlier")


def test_message_failed_at_publish_but_delivered_is_processed(
    ctx, repository, notifier, stored, sqs_record, make_batch
):
    # GIVEN a message marked failed by its producer (publish seemed to fail, yet SNS delivered)
    message = stored()
    repository.mark_failed(message.message_id, error="publish to SNS failed: timeout")
    # WHEN its delivery arrives / THEN it is taken as a redrive and completed
    result = process_batch(make_batch(sqs_record(message)), ctx)
    assert result.failures == []
    done = repository.get(message.message_id)
    assert (done.status, done.attempts, done.redrives) == ("completed", 1, 1)
