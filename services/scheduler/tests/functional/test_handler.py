"""The deployed entry point end to end on moto: EventBridge Scheduler event in, SNS message out."""

from __future__ import annotations

import json

import pytest

from rez_messages import ConfigurationError
from rez_messages.dynamodb import DynamoDBMessageRepository
from rez_scheduler.handler import handler
from rez_scheduler.schedule_input import InvalidScheduleInputError
from rez_scheduler.service import PublishFailedError


def _received(aws):
    response = aws["sqs"].receive_message(
        QueueUrl=aws["queue_url"], MessageAttributeNames=["All"], MaxNumberOfMessages=10
    )
    return response.get("Messages", [])


def _stored(aws, message_id):
    return DynamoDBMessageRepository("rez-agent-messages-dev", aws["dynamodb"]).get(message_id)


def test_schedule_firing_stores_and_publishes(aws, load_event, lambda_context, telemetry):
    # GIVEN the aws.scheduler event / WHEN the function is invoked
    result = handler(load_event("eventbridge_scheduler_event.json"), lambda_context)
    # THEN the message is stored as created, with the answer's correlation id
    stored = _stored(aws, result["message_id"])
    assert result == {
        "message_id": stored.message_id,
        "correlation_id": stored.correlation_id,
        "status": "created",
    }
    assert (stored.message_type, stored.status, stored.created_by) == (
        "scheduled_hello",
        "created",
        "scheduler",
    )
    # AND exactly one SQS message carries its id and attributes
    [sqs_message] = _received(aws)
    assert json.loads(sqs_message["Body"]) == {"message_id": stored.message_id}
    attributes = {k: v["StringValue"] for k, v in sqs_message["MessageAttributes"].items()}
    assert attributes["correlation_id"] == stored.correlation_id
    assert attributes["message_type"] == "scheduled_hello"
    assert attributes["trace_context"].startswith("Root=1-")


def test_documented_log_events_with_their_fields(aws, load_event, lambda_context, telemetry):
    # GIVEN a firing
    result = handler({}, lambda_context)
    # THEN "Scheduled message created" and "Published message to SNS" carry their documented
    # fields (docs/observability.md)
    created = telemetry.log("Scheduled message created")
    assert created["message_id"] == result["message_id"]
    assert created["correlation_id"] == result["correlation_id"]
    assert created["message_type"] == "scheduled_hello"
    assert created["stage"] == "dev"
    assert created["service"] == "scheduler"
    published = telemetry.log("Published message to SNS")
    assert published["topic_arn"] == aws["topic_arn"]
    assert published["message_id"] == result["message_id"]
    assert published["correlation_id"] == result["correlation_id"]
    # AND the invocation's own lines share the message's correlation id
    completed = telemetry.log("Invocation completed")
    assert completed["correlation_id"] == result["correlation_id"]


def test_messages_created_metric(aws, lambda_context, telemetry):
    # GIVEN a firing / WHEN it completes
    handler(None, lambda_context)
    # THEN MessagesCreated=1 is emitted with MessageType, CreatedBy and Stage
    assert telemetry.metric_values("MessagesCreated") == [
        ({"MessageType": "scheduled_hello", "CreatedBy": "scheduler", "Stage": "dev"}, 1.0)
    ]


def test_trace_has_annotations_and_the_documented_subtree(aws, lambda_context, telemetry):
    # GIVEN a firing
    result = handler({}, lambda_context)
    spans = telemetry.spans
    # THEN the invocation span is annotated with the message's ids and type
    [root] = [s for s in spans if s["parent_id"] is None]
    assert root["attributes"]["correlation_id"] == result["correlation_id"]
    assert root["attributes"]["message_id"] == result["message_id"]
    assert root["attributes"]["message_type"] == "scheduled_hello"
    # AND DynamoDB PutItem and SNS Publish hang under it
    children = {s["name"] for s in spans if s["parent_id"] == root["span_id"]}
    assert {"DynamoDB.PutItem", "SNS.Publish"} <= children
    # AND the trace context sent to SNS belongs to this trace
    [sqs_message] = _received(aws)
    trace_context = sqs_message["MessageAttributes"]["trace_context"]["StringValue"]
    assert f"Root={root['trace_id']}" in trace_context


def test_overrides_from_the_schedule_input(aws, load_event, lambda_context):
    # GIVEN an Input with overrides / WHEN the schedule fires / THEN they are stored
    result = handler(load_event("schedule_input_overrides.json"), lambda_context)
    payload = _stored(aws, result["message_id"]).payload
    assert (payload.title, payload.priority, payload.tags) == (
        "Morning check",
        4,
        ("sunrise", "scheduled"),
    )


def test_invalid_input_fails_the_invocation_and_stores_nothing(aws, lambda_context, telemetry):
    # GIVEN an Input with an unknown field / WHEN invoked / THEN the invocation fails by name
    with pytest.raises(InvalidScheduleInputError, match="colour"):
        handler({"colour": "red"}, lambda_context)
    # AND nothing was stored or sent, and the failure is logged once
    assert aws["dynamodb"].scan(TableName="rez-agent-messages-dev")["Items"] == []
    assert _received(aws) == []
    assert telemetry.log("Invocation failed")["error_type"] == "InvalidScheduleInputError"


def test_publish_failure_marks_the_record_failed(aws, lambda_context, monkeypatch, telemetry):
    # GIVEN a topic that does not exist
    monkeypatch.setenv("TOPIC_ARN", "arn:aws:sns:us-east-1:123456789012:gone")
    # WHEN the schedule fires / THEN the invocation fails
    with pytest.raises(PublishFailedError) as caught:
        handler({}, lambda_context)
    # AND the stored record says why it will never be sent
    stored = _stored(aws, caught.value.message_id)
    assert stored.status == "failed"
    assert stored.error is not None
    assert stored.error.startswith("publish to SNS failed: NotFoundException")


def test_missing_configuration_is_named(aws, lambda_context, monkeypatch):
    # GIVEN no TOPIC_ARN / WHEN invoked / THEN the error names the variable
    monkeypatch.delenv("TOPIC_ARN")
    with pytest.raises(ConfigurationError) as caught:
        handler({}, lambda_context)
    assert caught.value.variable == "TOPIC_ARN"


def test_dependencies_are_built_once_per_environment(aws, lambda_context):
    # GIVEN two firings in one execution environment
    from rez_scheduler import bootstrap

    handler({}, lambda_context)
    first = bootstrap.dependencies()
    handler({}, lambda_context)
    # THEN the same clients are reused (configuration read once per cold start)
    assert bootstrap.dependencies() is first
