"""One reader of an SQS record: its body, SNS envelope, attributes and correlation, read once.

An SQS record fed by an SNS subscription arrives two ways: with raw delivery the body is the
message and the attributes are SQS `messageAttributes` (`stringValue`); without it the body is
an SNS notification envelope (`Type: Notification`, `Message`, `MessageAttributes` with `Value`).
`read_sqs_record` tells them apart and decodes the JSON once; everything downstream (the
handler's correlation, the invocation span's links, the record's scope, the consumer's delivery)
reads the resulting `SqsRecord`.

Within an invocation of `@lambda_handler` an SQS batch is read once (`hold_sqs_records`), and
`sqs_records(event)` answers from that reading; outside one it reads the event afresh.

The reader never raises: what cannot be read is left None and said in `body_error` /
`message_error`, for the consumer to turn into its own error.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from rez_telemetry.context import CorrelationInfo, clean_id, clean_trace_context
from rez_telemetry.correlation.ids import accept_correlation_id

__all__ = [
    "CORRELATION_ATTRIBUTE",
    "MESSAGE_TYPE_ATTRIBUTE",
    "TRACE_CONTEXT_ATTRIBUTE",
    "SqsRecord",
    "decode_json",
    "hold_sqs_records",
    "read_sqs_record",
    "sqs_records",
]

CORRELATION_ATTRIBUTE = "correlation_id"
MESSAGE_TYPE_ATTRIBUTE = "message_type"
TRACE_CONTEXT_ATTRIBUTE = "trace_context"


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


@dataclass(frozen=True, slots=True)
class SqsRecord:
    """One SQS record as read once: what the body holds and what travelled beside it."""

    #: The record as Lambda delivered it.
    raw: Mapping[str, Any]
    #: SQS `messageId` (None when missing: the record cannot be reported alone).
    sqs_message_id: str | None
    #: UTF-8 size of the body in bytes (0 when the body is not a string).
    body_size: int
    #: `ApproximateReceiveCount`, at least 1.
    receive_count: int
    #: True when the body is an SNS notification envelope (no raw delivery).
    enveloped: bool
    #: The message: the decoded envelope `Message`, else the decoded body; None if undecodable.
    message: Any
    #: Why the body could not be decoded (None when it was).
    body_error: str | None
    #: Why the envelope's `Message` could not be decoded (None when it was, or no envelope).
    message_error: str | None
    #: The message attributes as name -> string: the envelope's (when enveloped), then the SQS ones.
    attributes: Mapping[str, str]
    #: The record's own SQS `messageAttributes` as name -> string (whatever the body is).
    sqs_attributes: Mapping[str, str]
    #: The correlation it carries (a fresh ID when it carries none or a malformed one).
    correlation: CorrelationInfo
    #: The correlation ID as received, for reporting a malformed one when the record is scoped.
    received_correlation_id: object


def _body_size(body: object) -> int:
    return len(body.encode("utf-8", errors="replace")) if isinstance(body, str) else 0


def _receive_count(record: Mapping[str, Any]) -> int:
    raw = _mapping(record.get("attributes")).get("ApproximateReceiveCount", "1")
    try:
        return max(1, int(raw))
    except (TypeError, ValueError):
        return 1


def decode_json(text: object, what: str) -> tuple[Any, str | None]:
    """`(document, None)`, or `(None, why)` when `text` is not a JSON string."""
    if not isinstance(text, str):
        return None, f"{what} is not a string"
    try:
        return json.loads(text), None
    except json.JSONDecodeError as error:
        return None, f"{what} is not valid JSON: {error.msg} at {error.pos}"


def _is_envelope(document: object) -> bool:
    return (
        isinstance(document, Mapping)
        and document.get("Type") == "Notification"
        and "Message" in document
        and "TopicArn" in document
    )


def _string_values(attributes: Mapping[str, Any], value_keys: tuple[str, ...]) -> dict[str, str]:
    values: dict[str, str] = {}
    for name, entry in attributes.items():
        if isinstance(name, str) and isinstance(entry, Mapping):
            value = next((entry[key] for key in value_keys if key in entry), None)
            if isinstance(value, str) and value:
                values[name] = value
    return values


def read_sqs_record(record: Mapping[str, Any]) -> SqsRecord:
    """Read one SQS record, raw delivery or SNS envelope, decoding each JSON text once."""
    body = record.get("body")
    document, body_error = decode_json(body, "body")
    sqs_attributes = _string_values(
        _mapping(record.get("messageAttributes")), ("stringValue", "StringValue")
    )
    message_error = None
    enveloped = _is_envelope(document)
    attributes: Mapping[str, str] = sqs_attributes
    message = document
    if enveloped:
        # The envelope's attributes are the publisher's; the record's own fill in the rest.
        message, message_error = decode_json(document["Message"], "SNS Message")
        sns = _string_values(_mapping(document.get("MessageAttributes")), ("Value",))
        attributes = {**attributes, **sns}
    received = attributes.get(CORRELATION_ATTRIBUTE)
    correlation_id, generated = accept_correlation_id(received, source="sqs", warn=False)
    aws_trace = _mapping(record.get("attributes")).get("AWSTraceHeader")
    sqs_message_id = record.get("messageId")
    return SqsRecord(
        raw=record,
        sqs_message_id=sqs_message_id if isinstance(sqs_message_id, str) else None,
        body_size=_body_size(body),
        receive_count=_receive_count(record),
        enveloped=enveloped,
        message=message,
        body_error=body_error,
        message_error=message_error,
        attributes=attributes,
        sqs_attributes=sqs_attributes,
        correlation=CorrelationInfo(
            correlation_id=correlation_id,
            message_id=clean_id(_mapping(message).get("message_id")),
            message_type=clean_id(attributes.get(MESSAGE_TYPE_ATTRIBUTE)),
            trace_context=clean_trace_context(attributes.get(TRACE_CONTEXT_ATTRIBUTE))
            or clean_trace_context(aws_trace),
            source="sqs",
            was_generated=generated,
        ),
        received_correlation_id=received,
    )


_HELD: ContextVar[tuple[object, tuple[SqsRecord, ...]] | None] = ContextVar(
    "rez_telemetry_sqs_records", default=None
)


def _read_all(event: Any) -> tuple[SqsRecord, ...]:
    records = event.get("Records") if isinstance(event, Mapping) else None
    if not isinstance(records, list):
        return ()
    return tuple(read_sqs_record(r) for r in records if isinstance(r, Mapping))


def hold_sqs_records(event: Any) -> tuple[SqsRecord, ...]:
    """Read an SQS event's records and keep them for the rest of the current context.

    `@lambda_handler` calls this in the invocation's own context, so the reading lasts exactly
    one invocation and every later `sqs_records(event)` in it costs nothing.
    """
    records = _read_all(event)
    _HELD.set((event, records))
    return records


def sqs_records(event: Any) -> tuple[SqsRecord, ...]:
    """The event's records, each read once per invocation (records not mappings are left out)."""
    held = _HELD.get()
    if held is not None and held[0] is event:
        return held[1]
    return _read_all(event)
