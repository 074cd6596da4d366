"""The deployed entry point on moto DynamoDB, the notifier invoked through a stubbed Lambda API."""

from __future__ import annotations

import dataclasses
import io
import json

import boto3
import pytest
from botocore.response import StreamingBody
from botocore.stub import Stubber

from rez_processor import bootstrap
from rez_processor.handler import handler
from rez_processor.notifier import LambdaNotifierClient
from rez_processor.settings import ProcessorSettings
from rez_telemetry.config import ConfigurationError
from rez_telemetry.tracing import tracer

FUNCTION = "rez-agent-notification-service-dev"
PRODUCER_TRACE = "Root=1-6756c000-0123456789abcdef01234567;Parent=53995c3f42cd8ad8;Sampled=1"


def _answer(document, function_error=None):
    raw = json.dumps(document).encode()
    response = {"StatusCode": 200, "Payload": StreamingBody(io.BytesIO(raw), len(raw))}
    if function_error:
        response["FunctionError"] = function_error
    return response


@pytest.fixture
def notifier_api(dynamodb):
    """The real wiring, with the Lambda API stubbed (moto cannot run the notifier here)."""
    assert tracer.backend_name == "otel"  # tracing up first: clients created now are traced
    deps = bootstrap.build(ProcessorSettings.from_env())
    client = boto3.client("lambda", region_name="us-east-1")
    sent_payloads: list[dict] = []
    # The Stubber answers at before-call; record the payload as sent, after every other hook.
    client.meta.events.register_last(
        "before-parameter-build",
        lambda params, **_: sent_payloads.append(json.loads(params["Payload"])),
    )
    # The Stubber answers in the order it is called: records one after another, so each test's
    # queued answers meet the records they are meant for (concurrency has its own tests).
    bootstrap.override(
        dataclasses.replace(deps, notifier=LambdaNotifierClient(FUNCTION, client), concurrency=1)
    )
    with Stubber(client) as stubber:
        yield stubber, sent_payloads


@pytest.fixture
def store(dynamodb_repository):
    from datetime import UTC, datetime, timedelta

    from rez_messages.model import MessageType, Payload, new_message

    def store(correlation_id="660e9500-f39c-52e5-b827-557766551111"):
        message = new_message(
            message_type=MessageType.SCHEDULED_HELLO,
            payload=Payload.create("Hello"),
            created_by="scheduler",
            stage="dev",
            correlation_id=correlation_id,
            now=datetime.now(UTC),
            retention=timedelta(days=1),
        )
        dynamodb_repository.add(message)
        return message

    return store


def test_batch_processed_end_to_end_with_the_documented_trace(
    notifier_api, store, sqs_record, make_batch, dynamodb_repository, lambda_context, telemetry
):
    stubber, sent_payloads = notifier_api
    # GIVEN a stored message delivered with its producer's trace context
    message = store()
    stubber.add_response("invoke", _answer({"status": "sent", "notification_id": "ntfy-9"}))
    event = make_batch(sqs_record(message, trace_context=PRODUCER_TRACE))
    # WHEN the processor is invoked
    response = handler(event, lambda_context)
    # THEN the batch succeeds and the message is completed with the notifier's id
    assert response == {"batchItemFailures": []}
    done = dynamodb_repository.get(message.message_id)
    assert (done.status, done.notification_id, done.attempts) == ("completed", "ntfy-9", 1)
    # AND the notifier got the contract payload with correlation and trace context
    [payload] = sent_payloads
    assert payload["message_id"] == message.message_id
    assert payload["correlation_id"] == message.correlation_id
    assert payload["trace_context"].startswith("Root=1-6756c000-0123456789abcdef01234567;")
    # AND the record's consumer span continues the producer's trace, annotated
    spans = telemetry.spans
    [consumer] = [s for s in spans if s["name"] == "process_message"]
    assert consumer["kind"] == "consumer"
    assert consumer["trace_id"] == "1-6756c000-0123456789abcdef01234567"
    assert consumer["parent_id"] == "53995c3f42cd8ad8"
    assert consumer["attributes"]["correlation_id"] == message.correlation_id
    assert consumer["attributes"]["message_id"] == message.message_id
    assert consumer["attributes"]["message_type"] == "scheduled_hello"
    # AND under it the processor's part of the trace (docs/observability.md), in order
    children = sorted(
        (s for s in spans if s["parent_id"] == consumer["span_id"]), key=lambda s: s["start"]
    )
    assert [s["name"] for s in children] == [
        "DynamoDB.UpdateItem",
        "DynamoDB.GetItem",
        "Lambda.Invoke",
        "DynamoDB.UpdateItem",
    ]
    # AND the notifier's parent is the Lambda.Invoke span
    invoke = children[2]
    assert f"Parent={invoke['span_id']}" in payload["trace_context"]


def test_partial_batch_failure_through_the_handler(
    notifier_api, store, sqs_record, make_batch, dynamodb_repository, lambda_context, telemetry
):
    stubber, _ = notifier_api
    # GIVEN a good message, a poison record and a message whose notifier call fails
    good, failing = store(), store("corr-failing")
    stubber.add_response("invoke", _answer({"status": "sent", "notification_id": "n-good"}))
    stubber.add_response(
        "invoke",
        _answer({"errorType": "NtfyError", "errorMessage": "ntfy answered 503"}, "Unhandled"),
    )
    records = [sqs_record(good), sqs_record(body='{"message_id": 42}'), sqs_record(failing)]
    # WHEN invoked
    response = handler(make_batch(*records), lambda_context)
    # THEN only the two bad records are reported
    assert response == {
        "batchItemFailures": [
            {"itemIdentifier": records[1]["messageId"]},
            {"itemIdentifier": records[2]["messageId"]},
        ]
    }
    assert dynamodb_repository.get(good.message_id).status == "completed"
    assert dynamodb_repository.get(failing.message_id).status == "processing"
    failures = [line for line in telemetry.logs if line["message"] == "Message processing failed"]
    assert {f.get("reason") or f["error"] for f in failures} == {
        "message_id is not a string",
        "notifier failed: NtfyError: ntfy answered 503",
    }


def test_duplicate_delivery_through_the_handler_is_not_sent_twice(
    notifier_api, store, sqs_record, make_batch, dynamodb_repository, lambda_context
):
    stubber, sent_payloads = notifier_api
    # GIVEN a message delivered twice (SNS at-least-once: two SQS messages, both first receives)
    message = store()
    stubber.add_response("invoke", _answer({"status": "sent", "notification_id": "n-1"}))
    first, second = sqs_record(message), sqs_record(message)
    # WHEN both arrive in one batch
    response = handler(make_batch(first, second), lambda_context)
    # THEN both are acknowledged and the notifier is invoked once
    assert response == {"batchItemFailures": []}
    assert len(sent_payloads) == 1
    assert dynamodb_repository.get(message.message_id).attempts == 1


def test_last_attempt_on_dynamodb_marks_failed(
    notifier_api, store, sqs_record, make_batch, dynamodb_repository, lambda_context
):
    stubber, _ = notifier_api
    # GIVEN a message whose earlier attempts failed (processing, attempts 2)
    message = store()
    dynamodb_repository.mark_processing(message.message_id)
    dynamodb_repository.mark_processing(message.message_id, retry_if_attempts_below=2)
    stubber.add_response(
        "invoke",
        _answer({"status": "not_sent", "reason": "rejected", "detail": "ntfy answered 400"}),
    )
    record = sqs_record(message, receive_count=3)
    # WHEN the last allowed delivery fails
    response = handler(make_batch(record), lambda_context)
    # THEN it is reported for the DLQ and the record says why
    assert response == {"batchItemFailures": [{"itemIdentifier": record["messageId"]}]}
    failed = dynamodb_repository.get(message.message_id)
    assert (failed.status, failed.error) == (
        "failed",
        "notification not sent: rejected: ntfy answered 400",
    )


def test_metrics_are_flushed_by_the_handler(
    notifier_api, store, sqs_record, make_batch, lambda_context, telemetry
):
    # GIVEN a processed batch / WHEN the handler returns / THEN MessagesProcessed was flushed
    stubber, _ = notifier_api
    stubber.add_response("invoke", _answer({"status": "sent", "notification_id": "n"}))
    handler(make_batch(sqs_record(store())), lambda_context)
    assert telemetry.metric_values("MessagesProcessed") == [
        ({"Status": "completed", "Stage": "dev"}, 1.0)
    ]


def test_missing_configuration_is_named(
    dynamodb, monkeypatch, sqs_record, make_batch, lambda_context
):
    # GIVEN no MAX_RECEIVE_COUNT / WHEN invoked / THEN the error names it (whole batch retried)
    monkeypatch.delenv("MAX_RECEIVE_COUNT")
    with pytest.raises(ConfigurationError) as caught:
        handler(make_batch(sqs_record(body="{}")), lambda_context)
    assert caught.value.variable == "MAX_RECEIVE_COUNT"
