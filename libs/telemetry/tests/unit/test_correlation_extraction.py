"""Extraction from real event shapes: API Gateway, SQS (raw and SNS envelope), SNS, invoke."""

from __future__ import annotations

import copy

import pytest

from rez_telemetry.correlation import (
    CorrelationInfo,
    detect_event_source,
    extract,
    from_api_gateway_event,
    from_invoke_payload,
    from_sns_record,
    from_sqs_batch,
    from_sqs_record,
)


def test_api_gateway_header_is_read_case_insensitively(load_event):
    # GIVEN a REST proxy event with a lower-case x-correlation-id header
    event = load_event("apiGatewayProxyEvent.json")
    # WHEN extracted
    info = from_api_gateway_event(event)
    # THEN the ID, the trace header and the source are there
    assert info == CorrelationInfo(
        correlation_id="660e9500-f39c-52e5-b827-557766551111",
        trace_context="Root=1-5e6a8f1b-12ab34cd56ef78901234abcd;Parent=53995c3f42cd8ad8;Sampled=1",
        source="api_gateway",
        was_generated=False,
    )


def test_api_gateway_header_only_in_multi_value_headers(load_event):
    event = load_event("apiGatewayProxyEvent.json")
    del event["headers"]["x-correlation-id"]
    event["multiValueHeaders"]["X-CORRELATION-ID"] = event["multiValueHeaders"].pop(
        "x-correlation-id"
    )
    assert from_api_gateway_event(event).correlation_id == "660e9500-f39c-52e5-b827-557766551111"


def test_api_gateway_without_the_header_starts_a_new_id_silently(load_event, logs):
    event = load_event("apiGatewayProxyEvent.json")
    del event["headers"]["x-correlation-id"]
    del event["multiValueHeaders"]["x-correlation-id"]
    info = from_api_gateway_event(event)
    assert info.was_generated
    assert logs.lines == []


@pytest.mark.parametrize(
    "bad_value",
    ["has space", "semi;colon", "x" * 129, "<script>alert(1)</script>", "a\nb", "ünïcode"],
)
def test_malformed_or_oversized_header_is_replaced_with_a_warning(load_event, logs, bad_value):
    # GIVEN a request with a malformed correlation header
    event = load_event("apiGatewayProxyEvent.json")
    event["headers"]["x-correlation-id"] = bad_value
    # WHEN extracted
    info = from_api_gateway_event(event)
    # THEN a fresh ID replaces it
    assert info.was_generated
    assert info.correlation_id != bad_value
    # AND one WARN says so with a bounded preview, never the raw value
    warning = logs.find("Invalid correlation ID replaced")
    assert warning["level"] == "WARNING"
    assert warning["correlation_id"] == info.correlation_id
    assert warning["received_length"] == len(bad_value)
    assert len(warning["received_preview"]) <= 17
    assert bad_value not in logs.raw[0]


@pytest.mark.parametrize(
    "valid", ["a", "x" * 128, "abc.DEF_1:2-3", "660e9500-f39c-52e5-b827-557766551111"]
)
def test_valid_ids_pass_unchanged(load_event, valid):
    event = load_event("apiGatewayProxyEvent.json")
    event["headers"]["x-correlation-id"] = valid
    assert from_api_gateway_event(event).correlation_id == valid


def test_sqs_raw_delivery_reads_message_attributes(load_event):
    record = load_event("sqsEventRawDelivery.json")["Records"][1]
    info = from_sqs_record(record)
    assert info.correlation_id == "corr-bbbb-0002"
    assert info.message_id == "3f1c2b7a-0d2e-4c55-9b1a-0a1b2c3d4e02"
    assert info.message_type == "manual"
    assert info.trace_context is not None
    assert info.trace_context.startswith("Root=1-5e6a8f1b-aaaa")
    assert (info.source, info.was_generated) == ("sqs", False)


def test_sqs_falls_back_to_the_aws_trace_header(load_event):
    record = load_event("sqsEventRawDelivery.json")["Records"][0]
    del record["messageAttributes"]["trace_context"]
    assert from_sqs_record(record).trace_context == record["attributes"]["AWSTraceHeader"]


def test_sqs_with_an_sns_envelope_reads_the_envelope_attributes(load_event):
    record = load_event("sqsEventSnsEnvelope.json")["Records"][0]
    info = from_sqs_record(record)
    assert info.correlation_id == "660e9500-f39c-52e5-b827-557766551111"
    assert info.message_id == "7d3e9a10-5b4c-4f1e-8a2d-1c2b3a4d5e6f"
    assert info.message_type == "scheduled_hello"
    assert (
        info.trace_context
        == "Root=1-5e6a8f1b-12ab34cd56ef78901234abcd;Parent=53995c3f42cd8ad8;Sampled=1"
    )


def test_sqs_with_a_body_that_is_not_json_still_extracts(load_event):
    record = load_event("sqsEventRawDelivery.json")["Records"][0]
    record["body"] = "{not json"
    info = from_sqs_record(record)
    assert info.correlation_id == "corr-aaaa-0001"
    assert info.message_id is None


def test_sns_record(load_event):
    info = from_sns_record(load_event("snsEvent.json")["Records"][0])
    assert (info.correlation_id, info.message_id, info.message_type, info.source) == (
        "sns-corr-42",
        "5a6b7c8d-1e2f-4a3b-9c4d-5e6f7a8b9c0d",
        "manual",
        "sns",
    )


def test_invoke_payload(load_event):
    info = from_invoke_payload(load_event("invokePayload.json"))
    assert info.correlation_id == "660e9500-f39c-52e5-b827-557766551111"
    assert info.message_id == "3f1c2b7a-0d2e-4c55-9b1a-0a1b2c3d4e01"
    assert info.trace_context is not None


def test_invoke_payload_that_is_not_a_dict_starts_a_new_id():
    info = from_invoke_payload(["not", "a", "dict"])
    assert info.was_generated


def test_a_batch_with_different_ids_gets_its_own_invocation_id(load_event):
    event = load_event("sqsEventRawDelivery.json")
    info = from_sqs_batch(event)
    assert info.was_generated
    assert info.correlation_id not in {"corr-aaaa-0001", "corr-bbbb-0002", "corr-cccc-0003"}


def test_a_batch_sharing_one_id_uses_it(load_event):
    event = load_event("sqsEventRawDelivery.json")
    for record in event["Records"]:
        record["messageAttributes"]["correlation_id"]["stringValue"] = "shared"
    info = from_sqs_batch(event)
    assert (info.correlation_id, info.was_generated) == ("shared", False)


@pytest.mark.parametrize(
    ("file_name", "expected"),
    [
        ("apiGatewayProxyEvent.json", "api_gateway"),
        ("sqsEventRawDelivery.json", "sqs_batch"),
        ("sqsEventSnsEnvelope.json", "sqs_batch"),
        ("snsEvent.json", "sns"),
        ("invokePayload.json", "invoke"),
        ("eventBridgeSchedulerEvent.json", "schedule"),
    ],
)
def test_event_sources_are_detected(load_event, file_name, expected):
    assert detect_event_source(load_event(file_name)) == expected


def test_a_scheduler_event_starts_a_new_journey(load_event):
    info = extract(load_event("eventBridgeSchedulerEvent.json"))
    assert (info.source, info.was_generated) == ("schedule", True)


def test_extraction_never_mutates_the_event(load_event):
    event = load_event("sqsEventSnsEnvelope.json")
    before = copy.deepcopy(event)
    extract(event)
    assert event == before
