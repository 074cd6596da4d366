"""Retries paced by the processor: the record's visibility is set before it goes back to SQS."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from rez_processor.batch import process_batch
from rez_processor.service import Outcome
from rez_telemetry.resilience import CircuitOpenError


def _open_circuit_message(seconds_left: float) -> str:
    now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC).timestamp()  # the pinned clock of `ctx`
    return str(CircuitOpenError("ntfy-sh", now + seconds_left, now))


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


def test_open_circuit_is_retried_when_the_breaker_probes_again(
    ctx, notifier, visibility, stored, sqs_record, make_batch, telemetry
):
    # GIVEN the notifier failing fast: the breaker probes again in 20 s
    message = stored()
    notifier.fail(message.message_id, "CircuitOpenError", _open_circuit_message(20.0))
    record = sqs_record(message, receive_count=1)
    # WHEN processed
    result = process_batch(make_batch(record), ctx)
    # THEN the record comes back after the open time plus at most the 2 s base of jitter
    assert visibility.postponed == [(record["messageId"], 22)]
    assert list(result.outcomes.values()) == [Outcome.RETRY]
    line = telemetry.log("Notifier circuit open, message retried later")
    assert line["retry_delay_seconds"] == 22


def test_rate_limit_wait_is_retried_when_a_token_is_due(
    ctx, notifier, visibility, stored, sqs_record, make_batch
):
    # GIVEN the shared rate limit's next token 9.2 s away
    message = stored()
    notifier.fail(
        message.message_id,
        "RateLimitWaitTooLongError",
        "ntfy rate limit: next token in 9.2s, but only 1.5s of the invocation are left",
    )
    record = sqs_record(message, receive_count=1)
    # WHEN processed / THEN not before the token
    process_batch(make_batch(record), ctx)
    assert visibility.postponed == [(record["messageId"], 10)]


@pytest.mark.parametrize("error_type", ["NtfyRejectedError", "InvalidMessageError"])
def test_failures_that_time_does_not_fix_keep_the_queues_timeout(
    ctx, notifier, visibility, stored, sqs_record, make_batch, telemetry, error_type
):
    # GIVEN a notifier failure about the message itself
    message = stored()
    notifier.fail(message.message_id, error_type, "refused")
    record = sqs_record(message, receive_count=1)
    # WHEN processed / THEN reported for retry, its visibility untouched
    result = process_batch(make_batch(record), ctx)
    assert result.failures == [record["messageId"]]
    assert visibility.postponed == []
    assert result.retry_delays == {}
    assert telemetry.log("Message processing failed")["retry_delay_seconds"] is None


def test_last_attempt_is_not_paced(ctx, notifier, visibility, stored, sqs_record, make_batch):
    # GIVEN ntfy unavailable on the last allowed receive
    message = stored()
    notifier.fail(message.message_id, "NtfyUnavailableError", "ntfy answered 503")
    # WHEN processed / THEN failed for the DLQ, no visibility change
    result = process_batch(make_batch(sqs_record(message, receive_count=3)), ctx)
    assert list(result.outcomes.values()) == [Outcome.FAILED]
    assert visibility.postponed == []


def test_completed_and_poison_records_are_not_paced(
    ctx, visibility, stored, sqs_record, make_batch
):
    # GIVEN a good message and a poison record / WHEN processed / THEN nothing is postponed
    process_batch(make_batch(sqs_record(stored()), sqs_record(body="garbage")), ctx)
    assert visibility.postponed == []


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
