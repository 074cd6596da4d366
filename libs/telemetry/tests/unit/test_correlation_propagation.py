"""Injection: SNS attributes, invoke payloads and HTTP headers carry the correlation onward."""

from __future__ import annotations

import pytest

from rez_telemetry.correlation import (
    correlation_scope,
    from_invoke_payload,
    from_sqs_record,
    http_headers,
    inject_into_payload,
    register_injector,
    sns_message_attributes,
)


def _trace_injector(kind):
    if kind == "http":
        return {"X-Amzn-Trace-Id": "Root=1-abc-def;Parent=0123456789abcdef;Sampled=1"}
    return {"trace_context": "Root=1-abc-def;Parent=0123456789abcdef;Sampled=1"}


def test_sns_attributes_carry_the_correlation_and_extras():
    with correlation_scope(correlation_id="corr-7"):
        attributes = sns_message_attributes(message_type="scheduled_hello", attempt=2, none=None)
    assert attributes == {
        "correlation_id": {"DataType": "String", "StringValue": "corr-7"},
        "message_type": {"DataType": "String", "StringValue": "scheduled_hello"},
        "attempt": {"DataType": "Number", "StringValue": "2"},
    }


def test_registered_injectors_add_the_trace_context():
    register_injector(_trace_injector)
    with correlation_scope(correlation_id="corr-7"):
        attributes = sns_message_attributes()
        payload = inject_into_payload({"message_id": "m-1"})
        headers = http_headers()
    assert attributes["trace_context"]["StringValue"].startswith("Root=1-abc-def")
    assert payload == {
        "correlation_id": "corr-7",
        "trace_context": "Root=1-abc-def;Parent=0123456789abcdef;Sampled=1",
        "message_id": "m-1",
    }
    assert headers == {
        "X-Correlation-ID": "corr-7",
        "X-Amzn-Trace-Id": "Root=1-abc-def;Parent=0123456789abcdef;Sampled=1",
    }


def test_a_failing_injector_is_logged_and_skipped(logs):
    def broken(kind):
        raise RuntimeError("tracer not ready")

    register_injector(broken)
    with correlation_scope(correlation_id="corr-8"):
        headers = http_headers()
    assert headers == {"X-Correlation-ID": "corr-8"}
    assert logs.find("Context injector failed")["level"] == "ERROR"


def test_inject_never_overwrites_an_explicit_value_nor_mutates_the_input():
    payload = {"message_id": "m-1", "correlation_id": "explicit"}
    with correlation_scope(correlation_id="ambient"):
        injected = inject_into_payload(payload)
    assert injected["correlation_id"] == "explicit"
    assert payload == {"message_id": "m-1", "correlation_id": "explicit"}


def test_outside_any_scope_a_fresh_id_is_sent():
    assert len(http_headers()["X-Correlation-ID"]) == 36


def test_more_than_ten_sns_attributes_is_refused():
    with pytest.raises(ValueError, match="10 message attributes"):
        sns_message_attributes(**{f"a{i}": "v" for i in range(10)})


def test_what_is_injected_is_what_extraction_reads_back():
    # GIVEN a publisher scope and the raw-delivery SQS record SNS would produce from it
    register_injector(_trace_injector)
    with correlation_scope(correlation_id="round-trip"):
        attributes = sns_message_attributes(message_type="manual")
        payload = inject_into_payload({"message_id": "m-9"})
    record = {
        "eventSource": "aws:sqs",
        "body": '{"message_id": "m-9"}',
        "messageAttributes": {
            name: {"stringValue": a["StringValue"], "dataType": a["DataType"]}
            for name, a in attributes.items()
        },
    }
    # WHEN the consumers extract
    from_queue = from_sqs_record(record)
    from_invoke = from_invoke_payload(payload)
    # THEN both find the same journey
    assert (from_queue.correlation_id, from_queue.message_type) == ("round-trip", "manual")
    assert from_queue.trace_context == "Root=1-abc-def;Parent=0123456789abcdef;Sampled=1"
    assert (from_invoke.correlation_id, from_invoke.message_id) == ("round-trip", "m-9")
