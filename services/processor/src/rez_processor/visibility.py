"""Postponing a record's next delivery: `ChangeMessageVisibility` on the record's own queue.

A record returned in `batchItemFailures` stays invisible for the rest of the visibility timeout it
was received with (minutes on AWS). Setting its visibility to the retry delay first makes SQS hand
it out again after that delay instead. The queue URL is built from the record's `eventSourceARN`
(`arn:aws:sqs:<region>:<account>:<name>`) with `GetQueueUrl` and cached for the life of the
adapter (one per cold start: `bootstrap` builds it once).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient
else:
    SQSClient = Any

__all__ = ["InvalidSQSRecordError", "MessageVisibility", "SQSMessageVisibility", "parse_queue_arn"]


class InvalidSQSRecordError(ValueError):
    """The record lacks what `ChangeMessageVisibility` needs (receipt handle, queue ARN)."""


class MessageVisibility(Protocol):
    """Makes an SQS record visible again after `seconds` (instead of the queue's timeout)."""

    def postpone(self, record: Mapping[str, Any], seconds: int) -> None:
        """Set the record's visibility timeout to `seconds` from now; raises on failure."""
        ...


def parse_queue_arn(arn: object) -> tuple[str, str]:
    """`(account id, queue name)` of `arn:<partition>:sqs:<region>:<account>:<name>`."""
    parts = arn.split(":") if isinstance(arn, str) else []
    if len(parts) != 6 or parts[0] != "arn" or parts[2] != "sqs" or not parts[4] or not parts[5]:
        raise InvalidSQSRecordError(f"eventSourceARN {str(arn)[:200]!r} is not an SQS queue ARN")
    return parts[4], parts[5]


class SQSMessageVisibility:
    """`MessageVisibility` with an injected boto3 SQS client (same region as the function)."""

    def __init__(self, client: SQSClient) -> None:
        self._client = client
        self._queue_urls: dict[tuple[str, str], str] = {}

    def queue_url(self, arn: object) -> str:
        """The URL of the queue `arn` names (asked once, then cached)."""
        queue = parse_queue_arn(arn)
        if queue not in self._queue_urls:
            account, name = queue
            response = self._client.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)
            self._queue_urls[queue] = response["QueueUrl"]
        return self._queue_urls[queue]

    def postpone(self, record: Mapping[str, Any], seconds: int) -> None:
        handle = record.get("receiptHandle")
        if not isinstance(handle, str) or not handle:
            raise InvalidSQSRecordError("record has no receiptHandle")
        self._client.change_message_visibility(
            QueueUrl=self.queue_url(record.get("eventSourceARN")),
            ReceiptHandle=handle,
            VisibilityTimeout=seconds,
        )
