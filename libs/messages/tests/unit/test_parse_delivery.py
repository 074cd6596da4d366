"""Reading an SQS record: raw delivery, SNS envelope, and every way a body can be wrong."""

from __future__ import annotations

import copy
import json

import pytest

from rez_messages import InvalidDeliveryError, parse_delivery

MESSAGE_ID = "3b0f6d2e-9c1a-4f7e-8a55-2d9c1e7b6a10"


def test_raw_delivery_reads_attributes_and_receive_count(load_event):
    # GIVEN a raw-delivery SQS record as Lambda receives it
    record = load_event("sqs_raw_delivery.json")["Records"][0]
    # WHEN parsed
    delivery = parse_delivery(record)
    # THEN the id, the attributes and the attempt come out
    assert delivery.message_id == MESSAGE_ID
    assert delivery.correlation_id == "660e9500-f39c-52e5-b827-557766551111"
    assert delivery.message_type == "scheduled_hello"
    assert delivery.trace_context is not None
    assert delivery.trace_context.startswith("Root=1-6756c000-0123")
    assert delivery.receive_count == 2
    assert delivery.sqs_message_id == "059f36b4-87a3-44ab-83d2-661975830a7d"
    assert delivery.enveloped is False


def test_sns_envelope_reads_attributes_from_inside_the_body(load_event):
    # GIVEN a record whose body is the SNS envelope (no raw delivery)
    record = load_event("sqs_sns_envelope.json")["Records"][0]
    # WHEN parsed
    delivery = parse_delivery(record)
    # THEN the inner message and the envelope's attributes are used
    assert delivery.message_id == "8a1c2f4e-5b6d-4e7f-9a0b-1c2d3e4f5a6b"
    assert delivery.correlation_id == "770fa611-a4ad-43f6-9c38-668877662222"
    assert delivery.message_type == "manual"
    assert delivery.trace_context is not None
    assert delivery.trace_context.startswith("Root=1-6756c001")
    assert (delivery.receive_count, delivery.enveloped) == (1, True)


def test_trace_context_falls_back_to_the_sqs_system_header(load_event):
    # GIVEN a raw record without our trace attribute but with X-Ray's AWSTraceHeader
    record = load_event("sqs_raw_delivery.json")["Records"][0]
    del record["messageAttributes"]["trace_context"]
    # WHEN parsed / THEN the system header is the parent
    assert parse_delivery(record).trace_context == record["attributes"]["AWSTraceHeader"]


def test_malformed_attributes_are_dropped_not_fatal(load_event):
    # GIVEN a correlation id with forbidden characters and a trace context without a root
    record = load_event("sqs_raw_delivery.json")["Records"][0]
    record["messageAttributes"]["correlation_id"]["stringValue"] = "bad id\n"
    record["messageAttributes"]["trace_context"]["stringValue"] = "garbage"
    del record["attributes"]["AWSTraceHeader"]
    # WHEN parsed / THEN the message still comes through, without them
    delivery = parse_delivery(record)
    assert (delivery.message_id, delivery.correlation_id, delivery.trace_context) == (
        MESSAGE_ID,
        None,
        None,
    )


def test_missing_receive_count_means_first_attempt(load_event):
    # GIVEN a record without ApproximateReceiveCount / WHEN parsed / THEN attempt 1
    record = load_event("sqs_raw_delivery.json")["Records"][0]
    record["attributes"] = {}
    assert parse_delivery(record).receive_count == 1


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("not json", "body is not valid JSON"),
        ("[1, 2]", "message is not a JSON object"),
        ("{}", "message has no message_id"),
        ('{"message_id": 7}', "message_id is not a string"),
        ('{"message_id": "abc"}', "message_id 'abc' is not a UUID"),
    ],
)
def test_poison_bodies_raise_a_precise_reason_with_the_body_size(load_event, body, reason):
    # GIVEN a raw record with a broken body
    record = load_event("sqs_raw_delivery.json")["Records"][0]
    record["body"] = body
    # WHEN parsed / THEN the error says why and how big the body was
    with pytest.raises(InvalidDeliveryError) as caught:
        parse_delivery(record)
    assert caught.value.reason.startswith(reason)
    assert caught.value.body_size == len(body.encode())


def test_envelope_with_broken_inner_message(load_event):
    # GIVEN an SNS envelope whose Message is not JSON
    record = load_event("sqs_sns_envelope.json")["Records"][0]
    envelope = json.loads(record["body"])
    envelope["Message"] = "hello"
    record["body"] = json.dumps(envelope)
    # WHEN parsed / THEN the reason names the SNS Message
    with pytest.raises(InvalidDeliveryError, match="SNS Message is not valid JSON"):
        parse_delivery(record)


def test_record_without_sqs_message_id_is_invalid(load_event):
    # GIVEN a record without messageId / WHEN parsed / THEN invalid, by reason
    record = copy.deepcopy(load_event("sqs_raw_delivery.json")["Records"][0])
    del record["messageId"]
    with pytest.raises(InvalidDeliveryError, match="no SQS messageId"):
        parse_delivery(record)


def test_body_that_is_not_a_string(load_event):
    # GIVEN a null body / WHEN parsed / THEN invalid, with size 0
    record = load_event("sqs_raw_delivery.json")["Records"][0]
    record["body"] = None
    with pytest.raises(InvalidDeliveryError, match="body is not a string") as caught:
        parse_delivery(record)
    assert caught.value.body_size == 0


def _deferred(load_event, event: str = "sqs_raw_delivery.json", **attributes: str) -> dict:
    """A record as the processor's deferred copy arrives: our SQS attributes added."""
    record = load_event(event)["Records"][0]
    record.setdefault("messageAttributes", {})
    for name, value in attributes.items():
        record["messageAttributes"][name] = {"stringValue": value, "dataType": "Number"}
    return record


def test_a_delivery_never_deferred_has_no_offset_and_no_deferral_time(load_event):
    # GIVEN a record as SNS delivered it / WHEN parsed / THEN offset 0, never deferred
    delivery = parse_delivery(load_event("sqs_raw_delivery.json")["Records"][0])
    assert (delivery.attempt_offset, delivery.deferred_since) == (0, None)
    assert delivery.attempt == delivery.receive_count


@pytest.mark.parametrize("event", ["sqs_raw_delivery.json", "sqs_sns_envelope.json"])
def test_a_deferred_copy_reads_its_offset_and_first_deferral(load_event, event):
    # GIVEN a deferred copy, raw or with an SNS envelope body (ours are SQS attributes either way)
    record = _deferred(load_event, event, attempt_offset="3", deferred_since="1767268800")
    # WHEN parsed
    delivery = parse_delivery(record)
    # THEN both are read, and the attempt it stands for counts on from the offset
    assert (delivery.attempt_offset, delivery.deferred_since) == (3, 1767268800.0)
    assert delivery.attempt == delivery.receive_count + 3


def test_deferral_time_may_have_a_fraction(load_event):
    record = _deferred(load_event, deferred_since="1767268800.25")
    assert parse_delivery(record).deferred_since == 1767268800.25


@pytest.mark.parametrize(
    ("name", "value", "reason"),
    [
        ("attempt_offset", "-1", "attempt_offset '-1' is not a whole number from 0 to 1000000"),
        ("attempt_offset", "2.5", "attempt_offset '2.5' is not a whole number"),
        ("attempt_offset", "three", "attempt_offset 'three' is not a whole number"),
        ("attempt_offset", "1000001", "attempt_offset '1000001' is not a whole number"),
        ("deferred_since", "yesterday", "deferred_since 'yesterday' is not epoch seconds"),
        ("deferred_since", "-5", "deferred_since '-5' is not epoch seconds"),
        ("deferred_since", "1e9", "deferred_since '1e9' is not epoch seconds"),
        ("deferred_since", "nan", "deferred_since 'nan' is not epoch seconds"),
    ],
)
def test_malformed_deferral_attributes_are_invalid_with_the_reason(load_event, name, value, reason):
    # GIVEN a copy whose attribute cannot be trusted (the duplicate rule depends on it)
    record = _deferred(load_event, **{name: value})
    # WHEN parsed / THEN an invalid delivery saying which attribute and why
    with pytest.raises(InvalidDeliveryError) as caught:
        parse_delivery(record)
    assert caught.value.reason.startswith(reason)
    assert caught.value.body_size == len(record["body"].encode())
