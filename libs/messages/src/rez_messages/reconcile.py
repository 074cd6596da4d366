"""Reconciliation: no accepted message stays `created` or `processing` for ever.

Two ways a message can be stranded although every part did its job "at least once":

- `created` past a grace period: the producer stored it and died (or SNS failed) before the
  publication reached the queue, and the caller never retried. It is published again; the
  processor takes a `created` message exactly once (a conditional write), so a publication that
  did get through after all makes the second one an acknowledged duplicate.
- `processing` past the queue's visibility window: the processor died after taking it and SQS
  stopped redelivering (the death was on its last receive: SQS moved the record to the DLQ), or
  the record was lost. With receives left (`attempts < max_receive_count`) it is handed back: a
  new publication whose `attempt_offset` is the stored `attempts`, so the processor sees a retry
  (`attempt > attempts`) and takes it over. Without, it is marked `failed` with the reason (the
  record is in the DLQ, where a redrive picks it up like any failed message).

The windows are the caller's: the created grace must exceed the producers' own retries and the
SNS→SQS→processor latency; the processing grace must exceed the queue's visibility timeout plus
the longest paced retry or deferral delay (a deferred message stays `processing` between copies,
and each copy's take-over refreshes `updated_at`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from rez_messages.exceptions import StatusConflictError
from rez_messages.model import Message, MessageStatus
from rez_messages.publishing import (
    ATTR_ATTEMPT_OFFSET,
    current_trace_context,
    message_attributes,
    message_body,
)
from rez_messages.repository import MessageRepository

if TYPE_CHECKING:
    from mypy_boto3_sns import SNSClient
else:
    SNSClient = Any

__all__ = [
    "ReconcileReport",
    "Republisher",
    "SNSRepublisher",
    "reconcile",
]

PAGE = 100


class Republisher(Protocol):
    """Publishes a stored message again, optionally as a retry of `attempt_offset` attempts."""

    def republish(self, message: Message, *, attempt_offset: int = 0) -> None: ...


class SNSRepublisher:
    """The producers' publication format, plus `attempt_offset` for a hand-back."""

    def __init__(self, topic_arn: str, client: SNSClient) -> None:
        self.topic_arn = topic_arn
        self._client = client

    def republish(self, message: Message, *, attempt_offset: int = 0) -> None:
        attributes = message_attributes(message, current_trace_context())
        if attempt_offset:
            attributes[ATTR_ATTEMPT_OFFSET] = {
                "DataType": "String",
                "StringValue": str(attempt_offset),
            }
        self._client.publish(
            TopicArn=self.topic_arn, Message=message_body(message), MessageAttributes=attributes
        )


@dataclass(slots=True)
class ReconcileReport:
    """What one run found and did, by message id."""

    stuck_created: list[str] = field(default_factory=list)
    stuck_processing: list[str] = field(default_factory=list)
    republished: list[str] = field(default_factory=list)
    handed_back: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "stuck_created": len(self.stuck_created),
            "stuck_processing": len(self.stuck_processing),
            "republished": self.republished,
            "handed_back": self.handed_back,
            "failed": self.failed,
            "errors": self.errors,
        }


def _older_than(
    repository: MessageRepository, status: MessageStatus, cutoff: datetime, limit: int
) -> Iterator[Message]:
    """Messages of `status` last updated before `cutoff` (pages newest first; at most `limit`)."""
    cursor: str | None = None
    seen = 0
    while seen < limit:
        page = repository.list_by_status(status, limit=PAGE, cursor=cursor)
        for message in page.items:
            if message.status is status and message.updated_at < cutoff:
                seen += 1
                yield message
                if seen >= limit:
                    return
        if page.cursor is None:
            return
        cursor = page.cursor


def reconcile(
    repository: MessageRepository,
    republisher: Republisher,
    *,
    now: datetime,
    created_grace: timedelta,
    processing_grace: timedelta,
    max_receive_count: int,
    limit: int = 500,
    on_action: Callable[[str, Message], None] | None = None,
) -> ReconcileReport:
    """One pass over both statuses; each message's failure is reported, never fatal to the run."""
    report = ReconcileReport()
    notify = on_action or (lambda _action, _message: None)
    for message in _older_than(repository, MessageStatus.CREATED, now - created_grace, limit):
        report.stuck_created.append(message.message_id)
        try:
            republisher.republish(message)
        except Exception as error:
            report.errors[message.message_id] = f"republish: {error!r}"
            continue
        report.republished.append(message.message_id)
        notify("republished", message)
    cutoff = now - processing_grace
    for message in _older_than(repository, MessageStatus.PROCESSING, cutoff, limit):
        report.stuck_processing.append(message.message_id)
        try:
            if message.attempts < max_receive_count:
                republisher.republish(message, attempt_offset=message.attempts)
                report.handed_back.append(message.message_id)
                notify("handed_back", message)
            else:
                repository.mark_failed(
                    message.message_id,
                    error=(
                        f"stuck in processing after {message.attempts} attempts (the processor "
                        "stopped on its last one; the record is in the DLQ)"
                    ),
                )
                report.failed.append(message.message_id)
                notify("failed", message)
        except StatusConflictError:
            continue  # it moved on since it was read: not stuck after all
        except Exception as error:
            report.errors[message.message_id] = f"hand back: {error!r}"
    return report
