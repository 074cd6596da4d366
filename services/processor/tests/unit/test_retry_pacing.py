"""Retries paced by the processor: the record's visibility is set before it goes back to SQS."""

from __future__ import annotations

import pytest

from rez_messages.notification import NotSentReason
from rez_processor.batch import process_batch
from rez_processor.service import Outcome


def test_unavailable_ntfy_is_retried_after_an_exponential_delay(
    ctx, notifier, visibility, stored, sqs_record, make_batch, telemetry
):
    # GIVEN ntfy unavailable (after the notifier's own retries), on the second receive
    message = stored()
    notifier.fail(message.message_id, "NtfyUnavailableError", "ntfy answered 503")
    record = sqs_record(message, receive_count=2)
    # WHEN processed
    result = process_batch(make_batch(record), ctx)
    # THEN the record becomes visible again in 4 s (2 * 2^1) and is still reported for retry
    assert visibility.postponed == [(record["messageId"], 4)]
    assert result.failures == [record["messageId"]]
    assert result.retry_delays == {record["messageId"]: 4}
    failed = telemetry.log("Message processing failed")
    assert (failed["will_retry"], failed["retry_delay_seconds"]) == (True, 4)
    scheduled = telemetry.log("Message retry scheduled")
    assert (scheduled["retry_delay_seconds"], scheduled["attempt"]) == (4, 2)
    assert scheduled["correlation_id"] == message.correlation_id


def test_open_circuit_is_deferred_until_the_breaker_probes_again(
    ctx, notifier, visibility, deferral, stored, sqs_record, make_batch, telemetry
):
    # GIVEN the notifier failing fast: the breaker probes again in 20 s
    message = stored()
    notifier.not_sent(message.message_id, NotSentReason.CIRCUIT_OPEN, 20.0)
    record = sqs_record(message, receive_count=1)
    # WHEN processed
    result = process_batch(make_batch(record), ctx)
    # THEN a copy comes back after the open time plus at most the 2 s base of jitter,
    # and the record itself is acknowledged (its visibility untouched)
    assert [(sqs_id, copy.delay_seconds) for sqs_id, copy in deferral.copies] == [
        (record["messageId"], 22)
    ]
    assert list(result.outcomes.values()) == [Outcome.DEFERRED]
    assert (result.failures, visibility.postponed) == ([], [])
    assert result.retry_delays == {record["messageId"]: 22}
    assert telemetry.log("Message deferred")["delay_seconds"] == 22


def test_open_circuit_that_cannot_be_deferred_is_paced_until_the_probe(
    ctx, notifier, visibility, deferral, stored, sqs_record, make_batch, telemetry
):
    # GIVEN an open circuit (probe in 20 s) and SQS refusing the deferred copy
    deferral.failure = RuntimeError("AccessDenied: sqs:SendMessage")
    message = stored()
    notifier.not_sent(message.message_id, NotSentReason.CIRCUIT_OPEN, 20.0)
    record = sqs_record(message, receive_count=1)
    # WHEN processed
    result = process_batch(make_batch(record), ctx)
    # THEN the record itself goes back, visible again when the breaker probes
    assert visibility.postponed == [(record["messageId"], 22)]
    assert list(result.outcomes.values()) == [Outcome.RETRY]
    line = telemetry.log("Notifier circuit open, message retried later")
    assert line["retry_delay_seconds"] == 22


def test_rate_limit_wait_is_deferred_until_a_token_is_due(
    ctx, notifier, visibility, deferral, stored, sqs_record, make_batch
):
    # GIVEN the shared rate limit's next token 9.2 s away
    message = stored()
    notifier.not_sent(message.message_id, NotSentReason.RATE_LIMITED, 9.2)
    record = sqs_record(message, receive_count=1)
    # WHEN processed / THEN the copy is not delivered before the token; nothing was attempted
    result = process_batch(make_batch(record), ctx)
    assert [copy.delay_seconds for _, copy in deferral.copies] == [10]
    assert (result.failures, visibility.postponed) == ([], [])


@pytest.mark.parametrize("refusal", ["rejected", "InvalidMessageError"])
def test_failures_that_time_does_not_fix_are_paced_too(
    ctx, notifier, visibility, deferral, stored, sqs_record, make_batch, telemetry, refusal
):
    # GIVEN ntfy refusing the message (answered) or the notifier failing on it, on receive 2
    message = stored()
    if refusal == "rejected":
        notifier.not_sent(message.message_id, NotSentReason.REJECTED, detail="refused")
    else:
        notifier.fail(message.message_id, refusal, "refused")
    record = sqs_record(message, receive_count=2)
    # WHEN processed
    result = process_batch(make_batch(record), ctx)
    # THEN reported for retry, visible again after the exponential 4 s (not the queue's timeout)
    assert result.failures == [record["messageId"]]
    assert visibility.postponed == [(record["messageId"], 4)]
    assert deferral.copies == []
    assert telemetry.log("Message processing failed")["retry_delay_seconds"] == 4


def test_last_attempt_is_paced_so_the_dlq_gets_it_promptly(
    ctx, notifier, visibility, stored, sqs_record, make_batch
):
    # GIVEN ntfy unavailable on the last allowed receive
    message = stored()
    notifier.fail(message.message_id, "NtfyUnavailableError", "ntfy answered 503")
    # WHEN processed
    record = sqs_record(message, receive_count=3)
    result = process_batch(make_batch(record), ctx)
    # THEN failed for the DLQ, and SQS may move it there after 8 s rather than the queue's timeout
    assert list(result.outcomes.values()) == [Outcome.FAILED]
    assert visibility.postponed == [(record["messageId"], 8)]


def test_completed_records_are_not_paced(ctx, visibility, stored, sqs_record, make_batch):
    # GIVEN a good message / WHEN processed / THEN nothing is postponed
    process_batch(make_batch(sqs_record(stored())), ctx)
    assert visibility.postponed == []


def test_poison_records_are_paced(ctx, visibility, sqs_record, make_batch, telemetry):
    # GIVEN a record that can never be processed, on its second receive
    record = sqs_record(body="garbage", receive_count=2)
    # WHEN processed / THEN it comes back after the exponential 4 s, on its way to the DLQ
    result = process_batch(make_batch(record), ctx)
    assert result.failures == [record["messageId"]]
    assert visibility.postponed == [(record["messageId"], 4)]
    assert telemetry.log("Message processing failed")["retry_delay_seconds"] == 4


def test_an_unexpected_error_is_paced(
    ctx, repository, visibility, sqs_record, make_batch, monkeypatch
):
    # GIVEN a repository that breaks (a bug, a throttled table) on the first receive
    def broken(*args, **kwargs):
        raise RuntimeError("table throttled")

    monkeypatch.setattr(repository, "mark_processing", broken)
    record = sqs_record(body='{"message_id": "00000000-0000-4000-8000-000000000000"}')
    # WHEN processed / THEN reported and visible again after the exponential 2 s
    result = process_batch(make_batch(record), ctx)
    assert result.failures == [record["messageId"]]
    assert visibility.postponed == [(record["messageId"], 2)]


def test_a_failed_visibility_change_is_logged_and_the_record_still_retried(
    ctx, notifier, visibility, stored, sqs_record, make_batch, telemetry
):
    # GIVEN SQS refusing the visibility change
    visibility.failure = RuntimeError("AccessDenied: sqs:ChangeMessageVisibility")
    message = stored()
    notifier.fail(message.message_id, "NtfyUnavailableError", "ntfy answered 503")
    record = sqs_record(message, receive_count=1)
    # WHEN processed
    result = process_batch(make_batch(record), ctx)
    # THEN the record is still reported (it comes back after the queue's timeout), with a WARN
    assert result.failures == [record["messageId"]]
    line = telemetry.log("Retry delay not applied")
    assert line["level"] == "WARNING"
    assert line["error"] == "RuntimeError: AccessDenied: sqs:ChangeMessageVisibility"
    assert (line["retry_delay_seconds"], line["sqs_message_id"]) == (2, record["messageId"])
    assert not [entry for entry in telemetry.logs if entry["message"] == "Message retry scheduled"]


def test_without_an_sqs_client_the_delay_is_only_computed(
    repository, notifier, stored, sqs_record, make_batch
):
    # GIVEN a context with no visibility adapter (e.g. a local run without SQS)
    from rez_processor.service import ProcessingContext

    bare = ProcessingContext(repository=repository, notifier=notifier, max_receive_count=3)
    message = stored()
    notifier.fail(message.message_id, "NtfyUnavailableError", "ntfy answered 503")
    record = sqs_record(message)
    # WHEN processed / THEN the record is reported for retry all the same
    result = process_batch(make_batch(record), bare)
    assert result.failures == [record["messageId"]]
    assert record["messageId"] in result.retry_delays
