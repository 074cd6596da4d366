"""`read_sqs_record`: one reading of an SQS record (raw or SNS envelope), kept per invocation."""

from __future__ import annotations

import contextvars
import json

from rez_telemetry.correlation import SqsRecord, read_sqs_record, sqs_records
from rez_telemetry.correlation.records import hold_sqs_records


def test_an_sns_envelope_is_read_through_to_the_message(load_event):
    # GIVEN a record whose body is SNS's envelope
    record = load_event("sqsEventSnsEnvelope.json")["Records"][0]
    # WHEN read
    read = read_sqs_record(record)
    # THEN the inner message, the envelope's attributes and the record's facts come out
    assert read.enveloped
    assert read.message == {"message_id": "7d3e9a10-5b4c-4f1e-8a2d-1c2b3a4d5e6f"}
    assert read.attributes["correlation_id"] == "660e9500-f39c-52e5-b827-557766551111"
    assert read.correlation.message_id == "7d3e9a10-5b4c-4f1e-8a2d-1c2b3a4d5e6f"
    assert read.correlation.message_type == "scheduled_hello"
    assert read.sqs_message_id == record["messageId"]
    assert read.body_size == len(record["body"].encode())
    assert (read.body_error, read.message_error) == (None, None)


def test_raw_delivery_reads_the_sqs_attributes(load_event):
    # GIVEN a raw-delivery record
    record = load_event("sqsEventRawDelivery.json")["Records"][0]
    # WHEN read
    read = read_sqs_record(record)
    # THEN the body is the message and the SQS attributes carry the correlation
    assert not read.enveloped
    assert read.message == json.loads(record["body"])
    assert read.attributes["correlation_id"] == read.correlation.correlation_id
    assert not read.correlation.was_generated
    assert read.sqs_attributes == read.attributes


def test_a_deferred_copy_keeps_its_own_sqs_attributes_beside_the_envelope(load_event):
    # GIVEN an enveloped record that also carries SQS attributes of its own
    record = load_event("sqsEventSnsEnvelope.json")["Records"][0]
    record["messageAttributes"] = {
        "attempt_offset": {"stringValue": "2", "dataType": "Number"},
        "correlation_id": {"stringValue": "not-the-publisher-s", "dataType": "String"},
    }
    # WHEN read
    read = read_sqs_record(record)
    # THEN the envelope's attributes win, the record's own are kept apart and fill the gaps
    assert read.attributes["correlation_id"] == "660e9500-f39c-52e5-b827-557766551111"
    assert read.attributes["attempt_offset"] == "2"
    assert read.sqs_attributes["attempt_offset"] == "2"


def test_what_cannot_be_decoded_is_said_not_raised(load_event):
    # GIVEN a body that is not JSON, and an envelope whose Message is not JSON
    raw = {"messageId": "m-1", "body": "not json", "attributes": {"ApproximateReceiveCount": "x"}}
    enveloped = load_event("sqsEventSnsEnvelope.json")["Records"][0]
    envelope = json.loads(enveloped["body"])
    envelope["Message"] = "{oops"
    enveloped["body"] = json.dumps(envelope)
    # WHEN read / THEN each says why, and the rest is still read
    first, second = read_sqs_record(raw), read_sqs_record(enveloped)
    assert first.message is None
    assert first.body_error is not None
    assert first.body_error.startswith("body is not valid JSON")
    assert first.receive_count == 1
    assert second.message is None
    assert second.message_error is not None
    assert second.message_error.startswith("SNS Message is not valid JSON")
    assert second.correlation.correlation_id == "660e9500-f39c-52e5-b827-557766551111"


def test_the_trace_context_falls_back_to_the_aws_trace_header(load_event):
    # GIVEN a malformed trace_context attribute and X-Ray's AWSTraceHeader
    record = load_event("sqsEventRawDelivery.json")["Records"][0]
    record["messageAttributes"]["trace_context"] = {"stringValue": "garbage", "dataType": "String"}
    record["attributes"]["AWSTraceHeader"] = "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1"
    # WHEN read / THEN the system header is the trace context
    assert read_sqs_record(record).correlation.trace_context == (
        "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1"
    )


def test_a_held_reading_lasts_the_context_and_only_for_that_event(load_event):
    # GIVEN an event held in an invocation's own context
    event = load_event("sqsEventRawDelivery.json")
    invocation = contextvars.copy_context()
    held = invocation.run(hold_sqs_records, event)
    # WHEN the same event is read in that context, another event, or outside it
    same = invocation.run(sqs_records, event)
    other = invocation.run(sqs_records, load_event("sqsEventRawDelivery.json"))
    outside = sqs_records(event)
    # THEN only the first is the held reading itself
    assert same is held
    assert all(isinstance(record, SqsRecord) for record in held)
    assert other is not held
    assert outside is not held
    assert outside == held
