"""Postponing a record's next delivery: `ChangeMessageVisibility` on the record's own queue.

A record returned in `batchItemFailures` stays invisible for the rest of the visibility timeout it
was received with (minutes on AWS). Setting its visibility to the retry delay first makes SQS hand
it out again after that delay instead (and, after its last receive, move it to the DLQ then).
The queue URL comes from `queues.QueueUrls` (shared with the deferral adapter).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

from rez_processor.queues import InvalidSQSRecordError, QueueUrls, parse_queue_arn

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient
else:
    SQSClient = Any

__all__ = ["InvalidSQSRecordError", "MessageVisibility", "SQSMessageVisibility", "parse_queue_arn"]


class MessageVisibility(Protocol):
    """Makes an SQS record visible again after `seconds` (instead of the queue's timeout)."""

    def postpone(self, record: Mapping[str, Any], seconds: int) -> None:
        """Set the record's visibility timeout to `seconds` from now; raises on failure."""
        ...


class SQSMessageVisibility:
    """`MessageVisibility` with an injected boto3 SQS client (same region as the function)."""

    def __init__(self, client: SQSClient, queue_urls: QueueUrls | None = None) -> None:
        self._client = client
        self._queue_urls = queue_urls if queue_urls is not None else QueueUrls(client)

    def queue_url(self, arn: object) -> str:
        """The URL of the queue `arn` names (asked once, then cached)."""
        return self._queue_urls.queue_url(arn)

    def postpone(self, record: Mapping[str, Any], seconds: int) -> None:
        handle = record.get("receiptHandle")
        if not isinstance(handle, str) or not handle:
            raise InvalidSQSRecordError("record has no receiptHandle")
        self._client.change_message_visibility(
            QueueUrl=self.queue_url(record.get("eventSourceARN")),
            ReceiptHandle=handle,
            VisibilityTimeout=seconds,
        )
