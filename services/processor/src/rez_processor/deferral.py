"""Deferring a delivery: a delayed copy of the SQS record on its own queue.

When the notifier did not even try (open circuit, rate-limit wait too long), the attempt should
not count against the message: returning the record would spend one of its `maxReceiveCount`
receives, and enough of them send a message that was never attempted to the DLQ. Instead the
processor sends a copy (same body, same message attributes, `DelaySeconds` = the paced delay, at
most 900) and acknowledges the record. The copy adds two attributes that `parse_delivery` reads:
`attempt_offset` (the message's stored attempts: the copy's receive count restarts at 1, and the
duplicate rule compares `receive count + attempt_offset` with the stored attempts) and
`deferred_since` (epoch seconds of the first deferral, carried over: it bounds deferring).

The Lambda event's attribute shape (`stringValue`/`binaryValue` base64/`dataType`) becomes
SendMessage's (`StringValue`/`BinaryValue` bytes/`DataType`). A raw-delivery record keeps its
attributes; an SNS-envelope body keeps its envelope (the attributes inside it travel with it).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from rez_messages.publishing import (
    ATTR_ATTEMPT_OFFSET,
    ATTR_CORRELATION_ID,
    ATTR_DEFERRED_SINCE,
    ATTR_MESSAGE_TYPE,
    ATTR_TRACE_CONTEXT,
)
from rez_processor.queues import InvalidSQSRecordError, QueueUrls
from rez_telemetry import logger

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient
else:
    SQSClient = Any

__all__ = [
    "MAX_DELAY_SECONDS",
    "MAX_MESSAGE_ATTRIBUTES",
    "DeferredCopy",
    "MessageDeferral",
    "Requeue",
    "SQSMessageDeferral",
    "send_message_request",
]

#: SQS's longest `DelaySeconds` (15 minutes).
MAX_DELAY_SECONDS = 900
#: SQS's limit of message attributes on one message.
MAX_MESSAGE_ATTRIBUTES = 10
#: Kept first when a record carries more attributes than a copy can (ours are never dropped).
_PREFERRED = (ATTR_CORRELATION_ID, ATTR_MESSAGE_TYPE, ATTR_TRACE_CONTEXT)


@dataclass(frozen=True, slots=True)
class DeferredCopy:
    """What the copy adds to the record: its delay and the two deferral attributes."""

    delay_seconds: int
    attempt_offset: int
    deferred_since: int

    def __post_init__(self) -> None:
        if not 0 <= self.delay_seconds <= MAX_DELAY_SECONDS:
            raise ValueError(
                f"DelaySeconds must be 0-{MAX_DELAY_SECONDS}, got {self.delay_seconds}"
            )


#: Sends the copy of the record being processed; returns the new SQS message id.
Requeue = Callable[[DeferredCopy], str]


class MessageDeferral(Protocol):
    """Puts a delayed copy of an SQS record on the record's queue."""

    def defer(self, record: Mapping[str, Any], copy: DeferredCopy) -> str:
        """Send the copy; returns its SQS message id; raises on failure (nothing was sent)."""
        ...


def _binary(entry: Mapping[str, Any]) -> bytes | None:
    raw = entry.get("binaryValue", entry.get("BinaryValue"))
    if isinstance(raw, bytes):
        return raw or None
    if not isinstance(raw, str):
        return None
    try:
        return base64.b64decode(raw, validate=True) or None
    except (binascii.Error, ValueError):
        return None


def _send_attribute(entry: object) -> dict[str, Any] | None:
    """One attribute in SendMessage's shape, or None when it cannot be sent as it is."""
    if not isinstance(entry, Mapping):
        return None
    data_type = entry.get("dataType", entry.get("DataType"))
    if not isinstance(data_type, str) or not data_type:
        return None
    if data_type.startswith("Binary"):
        binary = _binary(entry)
        return None if binary is None else {"DataType": data_type, "BinaryValue": binary}
    value = entry.get("stringValue", entry.get("StringValue"))
    if not isinstance(value, str) or not value:  # SQS refuses empty values
        return None
    return {"DataType": data_type, "StringValue": value}


def _copied_attributes(
    record: Mapping[str, Any], room: int
) -> tuple[dict[str, Any], tuple[str, ...]]:
    source = record.get("messageAttributes")
    entries = source if isinstance(source, Mapping) else {}
    names = [
        name
        for name in entries
        if isinstance(name, str) and name not in (ATTR_ATTEMPT_OFFSET, ATTR_DEFERRED_SINCE)
    ]
    names.sort(key=lambda name: name not in _PREFERRED)  # stable: otherwise the record's order
    kept: dict[str, Any] = {}
    dropped: list[str] = []
    for name in names:
        converted = _send_attribute(entries[name])
        if converted is None or len(kept) >= room:
            dropped.append(name)
        else:
            kept[name] = converted
    return kept, tuple(dropped)


def send_message_request(
    record: Mapping[str, Any], copy: DeferredCopy
) -> tuple[dict[str, Any], tuple[str, ...]]:
    """SendMessage's arguments (but the queue URL) for `copy`, and the attributes left out.

    Attributes are left out only when they cannot be sent (no value) or would pass SQS's limit
    of 10 with the two deferral attributes (ours first: correlation id, type, trace context).
    """
    body = record.get("body")
    if not isinstance(body, str) or not body:
        raise InvalidSQSRecordError("record has no body")
    attributes, dropped = _copied_attributes(record, MAX_MESSAGE_ATTRIBUTES - 2)
    attributes[ATTR_ATTEMPT_OFFSET] = {
        "DataType": "Number",
        "StringValue": str(copy.attempt_offset),
    }
    attributes[ATTR_DEFERRED_SINCE] = {
        "DataType": "Number",
        "StringValue": str(copy.deferred_since),
    }
    request = {
        "MessageBody": body,
        "DelaySeconds": copy.delay_seconds,
        "MessageAttributes": attributes,
    }
    return request, dropped


class SQSMessageDeferral:
    """`MessageDeferral` with an injected boto3 SQS client (same region as the function)."""

    def __init__(self, client: SQSClient, queue_urls: QueueUrls | None = None) -> None:
        self._client = client
        self._queue_urls = queue_urls if queue_urls is not None else QueueUrls(client)

    def defer(self, record: Mapping[str, Any], copy: DeferredCopy) -> str:
        request, dropped = send_message_request(record, copy)
        queue_url = self._queue_urls.queue_url(record.get("eventSourceARN"))
        if dropped:
            logger.warning("Message attributes not carried over", dropped=list(dropped))
        response = self._client.send_message(QueueUrl=queue_url, **request)
        return str(response["MessageId"])
