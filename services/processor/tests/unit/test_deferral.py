"""Deferral in the use case: an unattempted delivery becomes a delayed copy that does not count
against the message; the copy is a retry; deferring is bounded; a failed send falls back."""

from __future__ import annotations

from rez_messages.notification import NotSentReason
from rez_processor.batch import process_batch
from rez_processor.context import ProcessingContext
from rez_processor.deferral import DeferredCopy
from rez_processor.service import Outcome

MAX_DEFERRAL = 21600


def circuit_open(notifier, message, seconds_left: float = 20.0) -> None:
    """The notifier answers not sent: the circuit is open, its probe `seconds_left` away."""
    notifier.not_sent(message.message_id, NotSentReason.CIRCUIT_OPEN, seconds_left)


def lines(telemetry, message: str) -> list[dict]:
    return [line for line in telemetry.logs if line["message"] == message]


def copy_of(copy: DeferredCopy, sqs_record, message):
    """The deferred copy as SQS delivers it: a first receive carrying the two attributes."""
    return sqs_record(
        message,
        receive_count=1,
        attempt_offset=copy.attempt_offset,
        deferred_since=copy.deferred_since,
    )


def test_open_circuit_defers_without_counting_the_attempt(
    ctx, repository, notifier, deferral, clock, stored, sqs_record, make_batch, telemetry
):
    # GIVEN the notifier failing fast on an open circuit, on the first receive
    message = stored()
    circuit_open(notifier, message)
    record = sqs_record(message, receive_count=1)
    # WHEN processed
    result = process_batch(make_batch(record), ctx)
    # THEN the record is acknowledged and a copy is sent: 22 s later, counting from attempt 1
    assert result.as_response() == {"batchItemFailures": []}
    assert list(result.outcomes.values()) == [Outcome.DEFERRED]
    assert deferral.copies == [(record["messageId"], DeferredCopy(22, 1, int(clock.now)))]
    taken = repository.get(message.message_id)
    assert (taken.status, taken.attempts) == ("processing", 1)
    # AND it is logged as a deferral, not as a failure, and counts no terminal outcome
    line = telemetry.log("Message deferred")
    assert line["level"] == "INFO"
    assert {key: line[key] for key in ("message_id", "correlation_id")} == {
        "message_id": message.message_id,
        "correlation_id": message.correlation_id,
    }
    assert (line["delay_seconds"], line["attempt_offset"], line["deferred_since"]) == (
        22,
        1,
        int(clock.now),
    )
    assert lines(telemetry, "Message processing failed") == []
    assert lines(telemetry, "Notifier circuit open, message retried later") == []
    assert telemetry.metric_values("MessagesProcessed") == []


def test_the_copy_is_a_retry_and_its_duplicate_is_acknowledged(
    ctx, repository, notifier, deferral, clock, stored, sqs_record, make_batch, telemetry
):
    # GIVEN a message deferred on its first receive
    message = stored()
    circuit_open(notifier, message)
    process_batch(make_batch(sqs_record(message)), ctx)
    [(_, copy)] = deferral.copies
    # WHEN the circuit has closed and the copy arrives (receive 1, attempt_offset 1)
    del notifier.answers[message.message_id]
    result = process_batch(make_batch(copy_of(copy, sqs_record, message)), ctx)
    # THEN it takes the message over as attempt 2 and completes it
    assert list(result.outcomes.values()) == [Outcome.COMPLETED]
    done = repository.get(message.message_id)
    assert (done.status, done.attempts) == ("completed", 2)
    # WHEN SQS delivers the copy a second time (at least once)
    again = process_batch(make_batch(copy_of(copy, sqs_record, message)), ctx)
    # THEN that one is a duplicate: acknowledged, never sent twice
    assert list(again.outcomes.values()) == [Outcome.DUPLICATE]
    assert len(notifier.calls) == 2
    assert telemetry.log("Duplicate delivery acknowledged")["attempt_offset"] == 1


def test_a_duplicate_of_the_copy_while_it_is_processed_is_acknowledged(
    ctx, repository, notifier, deferral, clock, stored, sqs_record, make_batch
):
    # GIVEN a deferred message whose copy was taken (processing, attempt 2), circuit still open
    message = stored()
    circuit_open(notifier, message)
    process_batch(make_batch(sqs_record(message)), ctx)
    [(_, copy)] = deferral.copies
    repository.mark_processing(message.message_id, retry_if_attempts_below=2)
    # WHEN a second delivery of that copy arrives / THEN it is a duplicate, not a takeover
    result = process_batch(make_batch(copy_of(copy, sqs_record, message)), ctx)
    assert list(result.outcomes.values()) == [Outcome.DUPLICATE]
    assert repository.get(message.message_id).attempts == 2


def test_open_circuit_on_the_last_attempt_defers_instead_of_failing(
    ctx, repository, notifier, deferral, clock, stored, sqs_record, make_batch
):
    # GIVEN a message that failed twice already (processing, attempts 2)
    message = stored()
    repository.mark_processing(message.message_id)
    repository.mark_processing(message.message_id, retry_if_attempts_below=2)
    circuit_open(notifier, message)
    record = sqs_record(message, receive_count=3)
    # WHEN its last allowed delivery meets the open circuit
    result = process_batch(make_batch(record), ctx)
    # THEN it is deferred, not failed: the copy counts on from attempt 3, nothing goes to the DLQ
    assert result.failures == []
    assert [copy.attempt_offset for _, copy in deferral.copies] == [3]
    assert repository.get(message.message_id).status == "processing"
    # AND the copy's own first receive is not its last: a failure there is retried
    [(_, copy)] = deferral.copies
    notifier.fail(message.message_id, "NtfyUnavailableError", "ntfy answered 503")
    retried = process_batch(make_batch(copy_of(copy, sqs_record, message)), ctx)
    assert list(retried.outcomes.values()) == [Outcome.RETRY]
    assert repository.get(message.message_id).attempts == 4


def test_rate_limit_wait_on_the_last_attempt_defers_too(
    ctx, repository, notifier, deferral, stored, sqs_record, make_batch
):
    # GIVEN the rate limit's next token too far for the invocation, on the last receive
    message = stored()
    notifier.not_sent(message.message_id, NotSentReason.RATE_LIMITED, 4.0)
    # WHEN processed / THEN deferred (nothing was sent), not failed
    result = process_batch(make_batch(sqs_record(message, receive_count=3)), ctx)
    assert list(result.outcomes.values()) == [Outcome.DEFERRED]
    assert repository.get(message.message_id).status == "processing"


def test_the_copys_delay_is_at_most_fifteen_minutes(
    ctx, notifier, deferral, clock, stored, sqs_record, make_batch
):
    # GIVEN a breaker announcing its probe in more than an hour
    message = stored()
    circuit_open(notifier, message, 5000)
    # WHEN deferred / THEN by SQS's longest DelaySeconds
    process_batch(make_batch(sqs_record(message)), ctx)
    assert [copy.delay_seconds for _, copy in deferral.copies] == [900]


def test_deferring_stops_once_max_deferral_seconds_have_passed(
    ctx, repository, notifier, deferral, clock, stored, sqs_record, make_batch, telemetry
):
    # GIVEN a copy first deferred exactly MAX_DEFERRAL_SECONDS ago, the circuit still open
    message = stored()
    repository.mark_processing(message.message_id)
    first = int(clock.now)
    clock.advance(MAX_DEFERRAL)
    circuit_open(notifier, message)
    at_bound = sqs_record(message, attempt_offset=1, deferred_since=first)
    # WHEN it arrives / THEN it is deferred again, the first deferral's time carried over
    process_batch(make_batch(at_bound), ctx)
    assert [copy.deferred_since for _, copy in deferral.copies] == [first]
    # WHEN the next copy arrives a second past the bound, on each of its receives
    clock.advance(1)
    receives = [
        sqs_record(message, receive_count=n, attempt_offset=2, deferred_since=first)
        for n in (1, 2, 3)
    ]
    results = [process_batch(make_batch(record), ctx) for record in receives]
    # THEN it is a failure like any other: paced and retried, then marked failed for the DLQ
    assert len(deferral.copies) == 1
    assert [list(r.outcomes.values()) for r in results] == [
        [Outcome.RETRY],
        [Outcome.RETRY],
        [Outcome.FAILED],
    ]
    assert results[0].retry_delays == {receives[0]["messageId"]: 22}
    stored_message = repository.get(message.message_id)
    assert (stored_message.status, stored_message.attempts) == ("failed", 5)
    assert stored_message.error.startswith("notification not sent: circuit_open: ")
    expired = lines(telemetry, "Message deferral expired")
    assert [(line["deferred_for_seconds"], line["level"]) for line in expired] == [
        (MAX_DEFERRAL + 1, "WARNING")
    ] * 3


def test_a_failed_send_on_the_last_attempt_marks_the_message_failed(
    ctx,
    repository,
    notifier,
    deferral,
    visibility,
    clock,
    stored,
    sqs_record,
    make_batch,
    telemetry,
):
    # GIVEN SQS refusing the copy, on the last receive of an open circuit
    deferral.failure = RuntimeError("AccessDenied: sqs:SendMessage")
    message = stored()
    repository.mark_processing(message.message_id)
    repository.mark_processing(message.message_id, retry_if_attempts_below=2)
    circuit_open(notifier, message)
    record = sqs_record(message, receive_count=3)
    # WHEN processed
    result = process_batch(make_batch(record), ctx)
    # THEN the record is a batch item failure and the message is failed: the DLQ keeps it
    assert result.failures == [record["messageId"]]
    assert repository.get(message.message_id).status == "failed"
    warning = telemetry.log("Message not deferred")
    assert (warning["level"], warning["deferral_error"]) == (
        "WARNING",
        "RuntimeError: AccessDenied: sqs:SendMessage",
    )
    assert visibility.postponed == [(record["messageId"], 22)]


def test_without_an_sqs_client_nothing_is_deferred(
    repository, notifier, clock, stored, sqs_record, make_batch
):
    # GIVEN a context without a deferral adapter (e.g. a local run without SQS)
    bare = ProcessingContext(repository=repository, notifier=notifier, max_receive_count=3)
    message = stored()
    circuit_open(notifier, message)
    # WHEN the last receive meets the open circuit / THEN it fails as before
    result = process_batch(make_batch(sqs_record(message, receive_count=3)), bare)
    assert list(result.outcomes.values()) == [Outcome.FAILED]


def test_a_redriven_copy_restarts_its_attempts_and_its_deferral_window(
    ctx, repository, notifier, deferral, clock, sqs_record, make_batch, stored
):
    # GIVEN a message failed for good whose DLQ record is a deferred copy (offset 3, long ago)
    message = stored()
    for attempts in range(1, 5):
        repository.mark_processing(message.message_id, retry_if_attempts_below=attempts)
    repository.mark_failed(message.message_id, error="ntfy answered 400")
    since = int(clock.now) - 10 * MAX_DEFERRAL
    # WHEN the redrive is delivered while the circuit is open
    circuit_open(notifier, message)
    redriven = sqs_record(message, attempt_offset=3, deferred_since=since)
    result = process_batch(make_batch(redriven), ctx)
    # THEN it is taken as attempt 4 (its receive count plus offset) and deferred afresh
    assert list(result.outcomes.values()) == [Outcome.DEFERRED]
    assert deferral.copies == [(redriven["messageId"], DeferredCopy(22, 4, int(clock.now)))]
    assert repository.get(message.message_id).redrives == 1
    # AND a concurrent copy of the same redrive is a duplicate, not a second taker
    again = process_batch(
        make_batch(sqs_record(message, attempt_offset=3, deferred_since=since)), ctx
    )
    assert list(again.outcomes.values()) == [Outcome.DUPLICATE]
