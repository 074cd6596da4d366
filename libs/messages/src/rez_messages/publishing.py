"""The wire format between message producers (scheduler, web-api) and the processor.

Producer side: `SNSMessagePublisher` publishes `{"message_id": ...}` with the message attributes
`correlation_id`, `message_type` and `trace_context` (X-Ray header `Root=…;Parent=…;Sampled=…`).
Consumer side: `parse_delivery` turns one SQS record, as rez_telemetry's `read_sqs_record` read it
(raw delivery or SNS envelope, decoded once), into a `Delivery`, or says what is wrong with it.

A delivery the processor deferred (an open circuit: nothing was sent, so the attempt must not count
against the message) is a new SQS message that keeps the body and attributes and adds two SQS
message attributes, read from the record's `messageAttributes` whatever the body is:
`attempt_offset` (the message's stored attempts when it was deferred: the copy's receive count
restarts at 1) and `deferred_since` (epoch seconds of the first deferral, which bounds deferring).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from rez_messages.exceptions import InvalidDeliveryError
from rez_messages.model import Message
from rez_telemetry import correlation

if TYPE_CHECKING:
    from mypy_boto3_sns import SNSClient
else:
    SNSClient = Any

__all__ = [
    "ATTR_ATTEMPT_OFFSET",
    "ATTR_CORRELATION_ID",
    "ATTR_DEFERRED_SINCE",
    "ATTR_MESSAGE_TYPE",
    "ATTR_TRACE_CONTEXT",
    "MAX_ATTEMPT_OFFSET",
    "Delivery",
    "InMemoryPublisher",
    "MessagePublisher",
    "SNSMessagePublisher",
    "message_attributes",
    "parse_delivery",
]

ATTR_CORRELATION_ID = "correlation_id"
ATTR_MESSAGE_TYPE = "message_type"
ATTR_TRACE_CONTEXT = "trace_context"
ATTR_ATTEMPT_OFFSET = "attempt_offset"
ATTR_DEFERRED_SINCE = "deferred_since"
#: Far above any real count (deferring is bounded in time); refuses absurd values early.
MAX_ATTEMPT_OFFSET = 1_000_000
_WHOLE_NUMBER = re.compile(r"^[0-9]{1,7}$")
_EPOCH_SECONDS = re.compile(r"^[0-9]{1,12}(\.[0-9]{1,6})?$")

TraceContextSource = Callable[[], str | None]


def current_trace_context() -> str | None:
    """The active span's X-Ray style header, as rez_telemetry injects it (else None)."""
    value = correlation.sns_message_attributes().get(ATTR_TRACE_CONTEXT)
    if isinstance(value, Mapping):
        text = value.get("StringValue")
        return text if isinstance(text, str) and text else None
    return None


def message_attributes(message: Message, trace_context: str | None) -> dict[str, Any]:
    """The SNS `MessageAttributes` of a message publication."""
    attributes: dict[str, Any] = {
        ATTR_CORRELATION_ID: {"DataType": "String", "StringValue": message.correlation_id},
        ATTR_MESSAGE_TYPE: {"DataType": "String", "StringValue": str(message.message_type)},
    }
    if trace_context:
        attributes[ATTR_TRACE_CONTEXT] = {"DataType": "String", "StringValue": trace_context}
    return attributes


def message_body(message: Message) -> str:
    """The SNS `Message`: only the id; the record in DynamoDB is the truth."""
    return json.dumps({"message_id": message.message_id})


class MessagePublisher(Protocol):
    """Announces a stored message to the processor."""

    @property
    def topic_arn(self) -> str:
        """Where messages are published (logged with each publication)."""
        ...

    def publish(self, message: Message) -> str:
        """Publish; returns the broker's id of the publication."""
        ...


class SNSMessagePublisher:
    """Publishes to the messages topic with an injected boto3 SNS client."""

    def __init__(
        self,
        topic_arn: str,
        client: SNSClient,
        trace_context: TraceContextSource = current_trace_context,
    ) -> None:
        self.topic_arn = topic_arn
        self._client = client
        self._trace_context = trace_context

    def publish(self, message: Message) -> str:
        response = self._client.publish(
            TopicArn=self.topic_arn,
            Message=message_body(message),
            MessageAttributes=message_attributes(message, self._trace_context()),
        )
        return str(response["MessageId"])


@dataclass
class InMemoryPublisher:
    """A publisher fake that records what was published (optionally failing first)."""

    published: list[Message] = field(default_factory=list)
    failures: list[Exception] = field(default_factory=list)
    topic_arn: str = "arn:aws:sns:us-east-1:000000000000:in-memory"

    def publish(self, message: Message) -> str:
        if self.failures:
            raise self.failures.pop(0)
        self.published.append(message)
        return f"fake-{len(self.published)}"


@dataclass(frozen=True, slots=True)
class Delivery:
    """One SQS record that carries a message id, with what travelled beside it."""

    message_id: str
    correlation_id: str | None
    message_type: str | None
    trace_context: str | None
    receive_count: int
    sqs_message_id: str
    enveloped: bool = False
    #: Attempts the message had when this copy was deferred; `receive_count + attempt_offset`
    #: is the attempt this delivery stands for (0 for anything SNS delivered).
    attempt_offset: int = 0
    #: Epoch seconds of the message's first deferral (None: never deferred).
    deferred_since: float | None = None

    @property
    def attempt(self) -> int:
        """The attempt number this delivery stands for, across deferred copies."""
        return self.receive_count + self.attempt_offset


def _attempt_offset(attributes: Mapping[str, str], size: int) -> int:
    value = attributes.get(ATTR_ATTEMPT_OFFSET)
    if value is None:
        return 0
    if not _WHOLE_NUMBER.fullmatch(value) or int(value) > MAX_ATTEMPT_OFFSET:
        raise InvalidDeliveryError(
            f"{ATTR_ATTEMPT_OFFSET} {value[:32]!r} is not a whole number from 0 to "
            f"{MAX_ATTEMPT_OFFSET}",
            size,
        )
    return int(value)


def _deferred_since(attributes: Mapping[str, str], size: int) -> float | None:
    value = attributes.get(ATTR_DEFERRED_SINCE)
    if value is None:
        return None
    if not _EPOCH_SECONDS.fullmatch(value):
        raise InvalidDeliveryError(
            f"{ATTR_DEFERRED_SINCE} {value[:32]!r} is not epoch seconds", size
        )
    return float(value)


def _message_id(document: object, size: int) -> str:
    if not isinstance(document, Mapping):
        raise InvalidDeliveryError("message is not a JSON object", size)
    if "message_id" not in document:
        raise InvalidDeliveryError("message has no message_id", size)
    value = document["message_id"]
    if not isinstance(value, str):
        raise InvalidDeliveryError("message_id is not a string", size)
    try:
        uuid.UUID(value)
    except ValueError:
        raise InvalidDeliveryError(f"message_id {value[:64]!r} is not a UUID", size) from None
    return value


def parse_delivery(record: Mapping[str, Any] | correlation.SqsRecord) -> Delivery:
    """A `Delivery` from one SQS record; `InvalidDeliveryError` says what is wrong.

    Give it the `SqsRecord` the invocation already read (`correlation.sqs_records(event)`), so
    the body is decoded once; a raw record mapping is read here. The correlation id, type and
    trace context are the ones rez_telemetry read (None when missing or malformed: the stored
    record still knows the correlation id; the trace context falls back to the SQS
    `AWSTraceHeader`). `attempt_offset` / `deferred_since` come from the SQS attributes (the
    processor sets them on a deferred copy); a malformed one is an `InvalidDeliveryError`, since
    the duplicate rule cannot be applied without it.
    """
    read = (
        record if isinstance(record, correlation.SqsRecord) else correlation.read_sqs_record(record)
    )
    size = read.body_size
    if read.sqs_message_id is None or not read.sqs_message_id:
        raise InvalidDeliveryError("record has no SQS messageId", size)
    problem = read.body_error or read.message_error
    if problem is not None:
        raise InvalidDeliveryError(problem, size)
    info = read.correlation
    return Delivery(
        message_id=_message_id(read.message, size),
        correlation_id=None if info.was_generated else info.correlation_id,
        message_type=info.message_type,
        trace_context=info.trace_context,
        receive_count=read.receive_count,
        sqs_message_id=read.sqs_message_id,
        enveloped=read.enveloped,
        attempt_offset=_attempt_offset(read.sqs_attributes, size),
        deferred_since=_deferred_since(read.sqs_attributes, size),
    )
