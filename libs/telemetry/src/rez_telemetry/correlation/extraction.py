"""Reading the correlation from what triggered us: API Gateway, SQS, SNS, a direct invoke.

Every reader returns a `CorrelationInfo` and never raises on a malformed event: a missing or
invalid correlation ID becomes a fresh one (`was_generated=True`), an invalid one is reported.
SQS records are read by `records.read_sqs_record`, once per invocation.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from rez_telemetry.context import (
    CorrelationInfo,
    CorrelationSource,
    EventSource,
    clean_id,
    clean_trace_context,
)
from rez_telemetry.correlation.ids import accept_correlation_id, new_correlation_id, report_replaced
from rez_telemetry.correlation.records import (
    CORRELATION_ATTRIBUTE,
    MESSAGE_TYPE_ATTRIBUTE,
    TRACE_CONTEXT_ATTRIBUTE,
    SqsRecord,
    decode_json,
    read_sqs_record,
    sqs_records,
)

__all__ = [
    "CORRELATION_HEADER",
    "batch_correlation_ids",
    "detect_event_source",
    "extract",
    "from_api_gateway_event",
    "from_invoke_payload",
    "from_record",
    "from_sns_record",
    "from_sqs_batch",
    "from_sqs_record",
    "record_scope",
]

CORRELATION_HEADER = "X-Correlation-ID"
_TRACE_HEADERS = ("x-amzn-trace-id", "traceparent")
_MAX_IDS_LISTED = 10


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _header(event: Mapping[str, Any], name: str) -> Any:
    """A header's value, case-insensitively, from `headers` then `multiValueHeaders`."""
    wanted = name.lower()
    for key, value in _mapping(event.get("headers")).items():
        if isinstance(key, str) and key.lower() == wanted:
            return value
    for key, values in _mapping(event.get("multiValueHeaders")).items():
        if isinstance(key, str) and key.lower() == wanted and isinstance(values, list) and values:
            return values[0]
    return None


def _message_id_from_body(body: Any) -> str | None:
    """Our `{"message_id": ...}` SNS `Message`, when it is a JSON object."""
    document, _ = decode_json(body, "SNS Message")
    return clean_id(document.get("message_id")) if isinstance(document, dict) else None


def from_api_gateway_event(event: Mapping[str, Any], *, warn: bool = True) -> CorrelationInfo:
    """API Gateway (REST proxy, HTTP API, authorizer REQUEST): the `X-Correlation-ID` header."""
    correlation_id, generated = accept_correlation_id(
        _header(event, CORRELATION_HEADER), source="api_gateway", warn=warn
    )
    trace = next((t for h in _TRACE_HEADERS if (t := _header(event, h)) is not None), None)
    return CorrelationInfo(
        correlation_id=correlation_id,
        trace_context=clean_trace_context(trace),
        source="api_gateway",
        was_generated=generated,
    )


def _attribute(attributes: Mapping[str, Any], name: str, value_key: str) -> Any:
    return _mapping(attributes.get(name)).get(value_key)


def from_sqs_record(record: Mapping[str, Any] | SqsRecord, *, warn: bool = True) -> CorrelationInfo:
    """One SQS record: `messageAttributes` (raw delivery) or the SNS envelope in the body."""
    read = record if isinstance(record, SqsRecord) else read_sqs_record(record)
    info = read.correlation
    if warn and info.was_generated:
        report_replaced(read.received_correlation_id, info.correlation_id, "sqs")
    return info


def from_sns_record(record: Mapping[str, Any], *, warn: bool = True) -> CorrelationInfo:
    """One SNS record delivered to Lambda (`record["Sns"]["MessageAttributes"]`)."""
    sns = _mapping(record.get("Sns"))
    attributes = _mapping(sns.get("MessageAttributes"))
    correlation_id, generated = accept_correlation_id(
        _attribute(attributes, CORRELATION_ATTRIBUTE, "Value"), source="sns", warn=warn
    )
    return CorrelationInfo(
        correlation_id=correlation_id,
        message_id=_message_id_from_body(sns.get("Message")),
        message_type=clean_id(_attribute(attributes, MESSAGE_TYPE_ATTRIBUTE, "Value")),
        trace_context=clean_trace_context(_attribute(attributes, TRACE_CONTEXT_ATTRIBUTE, "Value")),
        source="sns",
        was_generated=generated,
    )


def from_record(record: Mapping[str, Any] | SqsRecord, *, warn: bool = True) -> CorrelationInfo:
    """An SQS or SNS record, told apart by its event source."""
    if not isinstance(record, SqsRecord) and (
        record.get("EventSource") == "aws:sns" or "Sns" in record
    ):
        return from_sns_record(record, warn=warn)
    return from_sqs_record(record, warn=warn)


def from_invoke_payload(payload: Any, *, warn: bool = True) -> CorrelationInfo:
    """A direct Lambda invoke payload: `{"correlation_id", "message_id", "trace_context"}`."""
    data = _mapping(payload)
    correlation_id, generated = accept_correlation_id(
        data.get(CORRELATION_ATTRIBUTE), source="invoke", warn=warn
    )
    return CorrelationInfo(
        correlation_id=correlation_id,
        message_id=clean_id(data.get("message_id")),
        message_type=clean_id(data.get(MESSAGE_TYPE_ATTRIBUTE)),
        trace_context=clean_trace_context(data.get(TRACE_CONTEXT_ATTRIBUTE)),
        source="invoke",
        was_generated=generated,
    )


def from_sqs_batch(event: Mapping[str, Any]) -> CorrelationInfo:
    """The invocation-level correlation of a batch: the records' shared ID, else a fresh one.

    Each record still gets its own scope (`record_scope`); this only labels the lines logged
    outside any record. Malformed IDs are reported when their record is scoped, not here.
    """
    infos = [record.correlation for record in sqs_records(event)]
    carried = {i.correlation_id for i in infos if not i.was_generated}
    types = {i.message_type for i in infos}
    if len(carried) == 1 and len(infos) == sum(not i.was_generated for i in infos):
        return CorrelationInfo(
            correlation_id=carried.pop(),
            message_id=infos[0].message_id if len(infos) == 1 else None,
            message_type=types.pop() if len(types) == 1 else None,
            trace_context=infos[0].trace_context if len(infos) == 1 else None,
            source="sqs_batch",
        )
    return CorrelationInfo(
        correlation_id=new_correlation_id(),
        message_type=types.pop() if len(types) == 1 else None,
        source="sqs_batch",
        was_generated=True,
    )


def batch_correlation_ids(event: Mapping[str, Any]) -> list[str]:
    """The valid correlation IDs a batch carries (at most 10), for the invocation's first line."""
    ids: list[str] = []
    for record in sqs_records(event):
        info = record.correlation
        if not info.was_generated and info.correlation_id not in ids:
            ids.append(info.correlation_id)
        if len(ids) >= _MAX_IDS_LISTED:
            break
    return ids


def detect_event_source(event: Any) -> EventSource:
    """What kind of event this is: API Gateway, SQS batch, SNS, a schedule, or a plain invoke."""
    if not isinstance(event, Mapping):
        return "invoke"
    records = event.get("Records")
    if isinstance(records, list) and records and isinstance(records[0], Mapping):
        first = records[0]
        if first.get("eventSource") == "aws:sqs":
            return "sqs_batch"
        if first.get("EventSource") == "aws:sns":
            return "sns"
    if "requestContext" in event and ("headers" in event or "httpMethod" in event):
        return "api_gateway"
    if event.get("type") == "REQUEST" and "methodArn" in event:
        return "api_gateway"  # a REQUEST authorizer carries the client's headers
    if "detail-type" in event and "source" in event:
        return "schedule"
    return "invoke"


def extract(
    event: Any, correlation_from: CorrelationSource | EventSource = "auto"
) -> CorrelationInfo:
    """The invocation's correlation, read the way `correlation_from` says (or detected)."""
    kind: EventSource = (
        detect_event_source(event) if correlation_from == "auto" else correlation_from
    )
    if kind == "api_gateway":
        return from_api_gateway_event(_mapping(event))
    if kind == "sqs_batch":
        return from_sqs_batch(_mapping(event))
    if kind == "sns":
        records = _mapping(event).get("Records") or [{}]
        return from_sns_record(_mapping(records[0]))
    if kind == "schedule":
        return CorrelationInfo(
            correlation_id=new_correlation_id(), source="schedule", was_generated=True
        )
    return from_invoke_payload(event)


@contextmanager
def record_scope(record: Mapping[str, Any] | SqsRecord, **fields: Any) -> Iterator[CorrelationInfo]:
    """Scope one SQS/SNS record's correlation: every line logged inside carries its IDs.

    `for record in correlation.sqs_records(event): with record_scope(record) as info: ...` —
    nothing bleeds from one record into the next. A raw record mapping is read here.
    """
    info = from_record(record)
    with info.scope(**fields):
        yield info
