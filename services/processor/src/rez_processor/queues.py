"""Which queue an SQS record came from: its URL, from the record's `eventSourceARN`.

Both ways of putting a record back on its queue (`visibility`: postpone it; `deferral`: send a
delayed copy) need the queue URL. It is built from `arn:aws:sqs:<region>:<account>:<name>` with
`GetQueueUrl` and cached for the life of the resolver (one per cold start: `bootstrap` builds it
once and shares it). The cache is shared by the threads processing a batch's records: a lock
makes the first record of a queue ask for its URL while the others wait for the answer.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient
else:
    SQSClient = Any

__all__ = ["InvalidSQSRecordError", "QueueUrls", "parse_queue_arn"]


class InvalidSQSRecordError(ValueError):
    """The record lacks what an SQS call about it needs (receipt handle, queue ARN)."""


def parse_queue_arn(arn: object) -> tuple[str, str]:
    """`(account id, queue name)` of `arn:<partition>:sqs:<region>:<account>:<name>`."""
    parts = arn.split(":") if isinstance(arn, str) else []
    if len(parts) != 6 or parts[0] != "arn" or parts[2] != "sqs" or not parts[4] or not parts[5]:
        raise InvalidSQSRecordError(f"eventSourceARN {str(arn)[:200]!r} is not an SQS queue ARN")
    return parts[4], parts[5]


class QueueUrls:
    """Queue URLs by ARN, asked of SQS once each (an injected boto3 client, function's region).

    Thread-safe: concurrent lookups of an unknown queue make one `GetQueueUrl` call.
    """

    def __init__(self, client: SQSClient) -> None:
        self._client = client
        self._urls: dict[tuple[str, str], str] = {}
        self._lock = threading.Lock()

    def queue_url(self, arn: object) -> str:
        """The URL of the queue `arn` names (asked once, then cached)."""
        queue = parse_queue_arn(arn)
        url = self._urls.get(queue)
        if url is not None:
            return url
        with self._lock:  # held during the call: the others need its answer anyway
            url = self._urls.get(queue)
            if url is None:
                account, name = queue
                response = self._client.get_queue_url(
                    QueueName=name, QueueOwnerAWSAccountId=account
                )
                url = self._urls[queue] = response["QueueUrl"]
        return url
