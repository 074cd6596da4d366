"""The deferred copy's SendMessage request: the record's body and attributes, converted from the
Lambda event's shape, plus the two deferral attributes; within SQS's limits."""

from __future__ import annotations

import base64
import json

import pytest

from rez_messages import parse_delivery
from rez_processor.deferral import DeferredCopy, send_message_request
from rez_processor.queues import InvalidSQSRecordError

COPY = DeferredCopy(delay_seconds=32, attempt_offset=3, deferred_since=1767268800)


def test_a_raw_delivery_keeps_its_body_and_attributes(load_event):
    # GIVEN a raw-delivery record as Lambda hands it (camelCase attribute shape)
    record = load_event("sqs_record_raw.json")["Records"][0]
    # WHEN its deferred copy is built
    request, dropped = send_message_request(record, COPY)
    # THEN SendMessage gets the same body, the delay, every attribute in its own shape, plus two
    assert (request["MessageBody"], request["DelaySeconds"], dropped) == (record["body"], 32, ())
    attributes = request["MessageAttributes"]
    assert attributes["correlation_id"] == {
        "DataType": "String",
        "StringValue": "660e9500-f39c-52e5-b827-557766551111",
    }
    assert attributes["trace_context"]["StringValue"].startswith("Root=1-6756c000-0123")
    assert attributes["attempt_offset"] == {"DataType": "Number", "StringValue": "3"}
    assert attributes["deferred_since"] == {"DataType": "Number", "StringValue": "1767268800"}
    assert set(attributes) == {
        "correlation_id",
        "message_type",
        "trace_context",
        "attempt_offset",
        "deferred_since",
    }


def _as_delivered(record, request):
    """What SQS hands Lambda for the copy: the request's body and attributes, receive 1."""
    return {
        **record,
        "messageId": "copy-1",
        "body": request["MessageBody"],
        "attributes": {"ApproximateReceiveCount": "1"},
        "messageAttributes": {
            name: {"stringValue": value["StringValue"], "dataType": value["DataType"]}
            for name, value in request["MessageAttributes"].items()
        },
    }


@pytest.mark.parametrize("event", ["sqs_record_raw.json", "sqs_record_sns_envelope.json"])
def test_the_copy_reads_as_the_same_message_counting_on(load_event, event):
    # GIVEN a record, raw or SNS envelope
    record = load_event(event)["Records"][0]
    original = parse_delivery(record)
    # WHEN its copy is delivered
    request, _ = send_message_request(record, COPY)
    delivery = parse_delivery(_as_delivered(record, request))
    # THEN it names the same message, correlation and type, and knows where attempts stand
    assert (delivery.message_id, delivery.correlation_id, delivery.message_type) == (
        original.message_id,
        original.correlation_id,
        original.message_type,
    )
    assert (delivery.enveloped, delivery.attempt_offset, delivery.deferred_since) == (
        original.enveloped,
        3,
        1767268800.0,
    )
    assert delivery.attempt == 4


def test_an_envelope_keeps_its_body_as_it_is(load_event):
    # GIVEN a record whose body is the SNS envelope (its attributes inside it)
    record = load_event("sqs_record_sns_envelope.json")["Records"][0]
    # WHEN its copy is built / THEN the envelope is the body; only ours are SQS attributes
    request, _ = send_message_request(record, COPY)
    assert json.loads(request["MessageBody"]) == json.loads(record["body"])
    assert set(request["MessageAttributes"]) == {"attempt_offset", "deferred_since"}


def test_a_copy_of_a_copy_replaces_the_deferral_attributes(load_event):
    # GIVEN a record that is itself a deferred copy
    record = load_event("sqs_record_raw.json")["Records"][0]
    record["messageAttributes"]["attempt_offset"] = {"stringValue": "1", "dataType": "Number"}
    record["messageAttributes"]["deferred_since"] = {"stringValue": "100", "dataType": "Number"}
    # WHEN deferred again / THEN the new values replace the old ones
    attributes = send_message_request(record, COPY)[0]["MessageAttributes"]
    assert attributes["attempt_offset"]["StringValue"] == "3"
    assert attributes["deferred_since"]["StringValue"] == "1767268800"


def test_binary_attributes_are_sent_as_bytes(load_event):
    # GIVEN a binary attribute (Lambda gives it base64-encoded)
    record = load_event("sqs_record_raw.json")["Records"][0]
    record["messageAttributes"]["blob"] = {
        "binaryValue": base64.b64encode(b"\x00\x01").decode(),
        "dataType": "Binary",
    }
    # WHEN copied / THEN SendMessage gets the bytes
    attributes = send_message_request(record, COPY)[0]["MessageAttributes"]
    assert attributes["blob"] == {"DataType": "Binary", "BinaryValue": b"\x00\x01"}


def test_attributes_past_sqss_limit_of_ten_are_left_out_ours_kept(load_event):
    # GIVEN a record with 3 attributes of ours and 7 others (10: the most SQS takes)
    record = load_event("sqs_record_raw.json")["Records"][0]
    for n in range(7):
        record["messageAttributes"][f"extra_{n}"] = {"stringValue": str(n), "dataType": "String"}
    # WHEN copied with the two deferral attributes
    request, dropped = send_message_request(record, COPY)
    # THEN 10 go out: ours and the deferral attributes first, the last extras left out
    assert len(request["MessageAttributes"]) == 10
    assert {"correlation_id", "message_type", "trace_context"} <= set(request["MessageAttributes"])
    assert dropped == ("extra_5", "extra_6")


def test_attributes_without_a_value_are_left_out(load_event):
    # GIVEN an attribute SQS would refuse (no value)
    record = load_event("sqs_record_raw.json")["Records"][0]
    record["messageAttributes"]["empty"] = {"stringValue": "", "dataType": "String"}
    # WHEN copied / THEN it is named as left out, the rest go
    request, dropped = send_message_request(record, COPY)
    assert dropped == ("empty",)
    assert "correlation_id" in request["MessageAttributes"]


def test_a_record_without_a_body_cannot_be_copied(load_event):
    record = load_event("sqs_record_raw.json")["Records"][0]
    del record["body"]
    with pytest.raises(InvalidSQSRecordError, match="no body"):
        send_message_request(record, COPY)


@pytest.mark.parametrize("delay", [-1, 901])
def test_a_delay_sqs_would_refuse_is_refused(delay):
    with pytest.raises(ValueError, match="DelaySeconds"):
        DeferredCopy(delay_seconds=delay, attempt_offset=1, deferred_since=0)
