"""Deferral on real (moto) queues: an open circuit re-enqueues the delivery as a delayed copy
instead of spending one of its receives, on any attempt including the last; the copy is a retry;
deferring is bounded; a copy that cannot be sent falls back to a batch item failure."""

from __future__ import annotations

import boto3
from botocore.exceptions import ClientError

from rez_messages.notification import NotSentReason
from rez_processor.deferral import SQSMessageDeferral

REGION = "us-east-1"
PRODUCER_TRACE = "Root=1-6756c000-0123456789abcdef01234567;Parent=53995c3f42cd8ad8;Sampled=1"
DEFAULT_MAX_DEFERRAL_SECONDS = 21600


def lines(telemetry, message: str) -> list[dict]:
    return [line for line in telemetry.logs if line["message"] == message]


def test_open_circuit_on_the_last_attempt_defers_and_the_copy_completes(
    wired, queues, sqs_clock, store, notifier, dynamodb_repository, invoke, telemetry
):
    # GIVEN a message whose first two deliveries failed while ntfy was down
    message = store()
    queues.send(message, trace_context=PRODUCER_TRACE)
    notifier.fail(message.message_id, "NtfyUnavailableError", "ntfy answered 503")
    for backoff in (2, 4):
        [record] = queues.receive()
        assert invoke([record]) == [record["messageId"]]
        sqs_clock.advance(backoff + 0.5)
    [last] = queues.receive()
    assert last["attributes"]["ApproximateReceiveCount"] == str(queues.max_receive_count)
    # WHEN its last allowed delivery meets the open circuit (next probe in 30 s)
    notifier.not_sent(message.message_id, NotSentReason.CIRCUIT_OPEN, 30)
    assert invoke([last]) == []
    # THEN it is not failed and not in the DLQ: the record is gone, one delayed copy in its place
    taken = dynamodb_repository.get(message.message_id)
    assert (taken.status, taken.attempts) == ("processing", 3)
    assert (queues.depth(), queues.depth(queues.dlq_url)) == (1, 0)
    deferred = telemetry.log("Message deferred")
    assert (deferred["level"], deferred["delay_seconds"], deferred["attempt_offset"]) == (
        "INFO",
        32,  # the breaker's 30 s plus the pinned 2 s of jitter
        3,
    )
    assert deferred["correlation_id"] == message.correlation_id
    assert deferred["message_id"] == message.message_id
    # AND the copy is delivered when the breaker probes, not before
    sqs_clock.advance(31.5)
    assert queues.receive() == []
    sqs_clock.advance(1.0)
    [copy] = queues.receive()
    # AND it keeps the body and every attribute, adding where the attempts stand
    assert copy["body"] == last["body"]
    assert copy["attributes"]["ApproximateReceiveCount"] == "1"
    copied = {name: a["stringValue"] for name, a in copy["messageAttributes"].items()}
    trace_context = copied.pop("trace_context")
    assert copied == {
        "correlation_id": message.correlation_id,
        "message_type": "scheduled_hello",
        "attempt_offset": "3",
        "deferred_since": str(deferred["deferred_since"]),
    }
    assert copy["messageAttributes"]["attempt_offset"]["dataType"] == "Number"
    # AND its trace context stays in the producer's trace, under the span that sent the copy
    [send] = [span for span in telemetry.spans if span["name"] == "SQS.SendMessage"]
    assert trace_context.startswith("Root=1-6756c000-0123456789abcdef01234567;")
    assert f"Parent={send['span_id']}" in trace_context
    # WHEN ntfy is back and the copy is processed
    del notifier.answers[message.message_id]
    assert invoke([copy]) == []
    # THEN it was taken as a retry, not acknowledged as a duplicate: sent on its 4th attempt
    done = dynamodb_repository.get(message.message_id)
    assert (done.status, done.attempts) == ("completed", 4)
    assert [call["message_id"] for call in notifier.calls].count(message.message_id) == 4
    assert lines(telemetry, "Duplicate delivery acknowledged") == []
    assert (queues.depth(), queues.depth(queues.dlq_url)) == (0, 0)


def test_an_enveloped_delivery_is_deferred_with_its_envelope(
    wired, queues, sqs_clock, store, notifier, dynamodb_repository, invoke
):
    # GIVEN a delivery without raw delivery (the body is the SNS envelope) and an open circuit
    message = store()
    queues.send_enveloped(message)
    notifier.not_sent(message.message_id, NotSentReason.CIRCUIT_OPEN, 10)
    [record] = queues.receive()
    # WHEN it is deferred
    assert invoke([record]) == []
    sqs_clock.advance(12.5)
    [copy] = queues.receive()
    # THEN the copy carries the envelope as it was, plus the two deferral attributes
    assert copy["body"] == record["body"]
    assert set(copy["messageAttributes"]) == {"attempt_offset", "deferred_since"}
    # AND once the circuit closes it completes, under the envelope's correlation id
    del notifier.answers[message.message_id]
    assert invoke([copy]) == []
    done = dynamodb_repository.get(message.message_id)
    assert (done.status, done.attempts) == ("completed", 2)
    assert notifier.calls[-1]["correlation_id"] == message.correlation_id


def test_after_max_deferral_seconds_an_open_circuit_fails_the_message(
    wired, queues, sqs_clock, clock, store, notifier, dynamodb_repository, invoke, telemetry
):
    # GIVEN the processor's clock under the test's control and a circuit that stays open
    wired(clock=clock)
    message = store()
    queues.send(message)
    notifier.not_sent(message.message_id, NotSentReason.CIRCUIT_OPEN, 30)
    [record] = queues.receive()
    assert invoke([record]) == []
    first_deferral = int(clock.now)
    # WHEN the copy comes back exactly MAX_DEFERRAL_SECONDS after the first deferral
    clock.advance(DEFAULT_MAX_DEFERRAL_SECONDS)
    sqs_clock.advance(33)
    [copy] = queues.receive()
    assert invoke([copy]) == []
    # THEN it is deferred once more, the first deferral's time carried over
    assert [line["deferred_since"] for line in lines(telemetry, "Message deferred")] == [
        first_deferral,
        first_deferral,
    ]
    # WHEN the circuit is still open a second later, on every receive of the copy
    clock.advance(1)
    sqs_clock.advance(33)
    for receive in range(1, queues.max_receive_count + 1):
        [copy] = queues.receive()
        assert copy["attributes"]["ApproximateReceiveCount"] == str(receive)
        assert invoke([copy]) == [copy["messageId"]]
        sqs_clock.advance(33)
    # THEN it counted like any failure, paced to the probe, and on the last receive it was
    # marked failed with the reason and went to the DLQ
    failed = dynamodb_repository.get(message.message_id)
    assert (failed.status, failed.attempts) == ("failed", 2 + queues.max_receive_count)
    assert failed.error.startswith("notification not sent: circuit_open: ")
    assert queues.receive() == []
    assert queues.depth(queues.dlq_url) == 1
    expired = lines(telemetry, "Message deferral expired")
    assert len(expired) == queues.max_receive_count
    assert expired[0]["max_deferral_seconds"] == DEFAULT_MAX_DEFERRAL_SECONDS


def test_a_copy_that_cannot_be_sent_falls_back_to_a_batch_item_failure(
    wired, queues, sqs_clock, store, notifier, dynamodb_repository, invoke, telemetry
):
    # GIVEN SQS refusing SendMessage (and only that) and an open circuit
    client = boto3.client("sqs", region_name=REGION)

    def refuse(**_: object) -> None:
        error = {"Code": "AccessDenied", "Message": "not authorized to perform sqs:SendMessage"}
        raise ClientError({"Error": error}, "SendMessage")

    client.meta.events.register("before-call.sqs.SendMessage", refuse)
    wired(deferral=SQSMessageDeferral(client))
    message = store()
    queues.send(message)
    notifier.not_sent(message.message_id, NotSentReason.CIRCUIT_OPEN, 30)
    # WHEN every delivery meets the open circuit
    for _ in range(queues.max_receive_count):
        [record] = queues.receive()
        # THEN the record itself goes back to SQS, paced to the probe
        assert invoke([record]) == [record["messageId"]]
        sqs_clock.advance(32.5)
    # AND nothing is lost: failed on the last attempt and in the DLQ, with a WARN each time
    failed = dynamodb_repository.get(message.message_id)
    assert (failed.status, failed.attempts) == ("failed", queues.max_receive_count)
    assert queues.receive() == []
    assert queues.depth(queues.dlq_url) == 1
    warnings = lines(telemetry, "Message not deferred")
    assert [line["level"] for line in warnings] == ["WARNING"] * queues.max_receive_count
    assert warnings[0]["deferral_error"].startswith("ClientError: ")
    assert lines(telemetry, "Message deferred") == []
