"""The dead-letter queue: what is in it and why, and the runbook's redrive.

Listing never consumes: messages are received with a short visibility timeout and made
visible again at once. A redrive sends each chosen message to the main queue (same body, same
attributes) and deletes it from the DLQ only after that send succeeded. A crash between the two
leaves the message in both queues; a retry sends it again and the processor's conditional status
write acknowledges the second delivery as a duplicate, so nothing is notified twice.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Final

from rezctl import circuit
from rezctl.errors import ExitCode, RezctlError, UsageError
from rezctl.records import get_record
from rezctl.target import Target

RECEIVE_BATCH: Final = 10
HOLD_SECONDS: Final = 60
"""How long a listed/redriven message stays invisible while we work on it."""


class CircuitStillOpenError(RezctlError):
    """Redrive refused: the ntfy circuit is not closed (exit 1: the thing checked is bad)."""

    exit_code = ExitCode.BAD


@dataclass(slots=True)
class DeadLetter:
    """One DLQ message with what its record says about why it failed."""

    sqs_message_id: str
    receipt_handle: str
    body: str
    attributes: dict[str, Any]
    message_id: str | None
    correlation_id: str | None
    receive_count: int
    sent_at: int | None
    record: dict[str, Any] | None = None

    @property
    def status(self) -> str | None:
        return None if self.record is None else str(self.record.get("status"))

    @property
    def reason(self) -> str:
        """The record's `error`, or why there is none (a poison record has no message)."""
        if self.message_id is None:
            return "poison: the body has no message_id"
        if self.record is None:
            return "no record for this message id"
        return str(self.record.get("error") or f"no error recorded (status {self.status})")

    def as_dict(self) -> dict[str, Any]:
        return {
            "sqs_message_id": self.sqs_message_id,
            "message_id": self.message_id,
            "correlation_id": self.correlation_id,
            "status": self.status,
            "reason": self.reason,
            "attempts": None if self.record is None else self.record.get("attempts"),
            "receive_count": self.receive_count,
            "sent_at": self.sent_at,
        }


@dataclass(slots=True)
class RedriveReport:
    """What a redrive did, message by message."""

    moved: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    not_found: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "moved": self.moved,
            "failed": self.failed,
            "skipped": self.skipped,
            "not_found": self.not_found,
        }


def queue_url(target: Target, name: str) -> str:
    return str(target.client("sqs").get_queue_url(QueueName=name)["QueueUrl"])


def _identity(body: str, attributes: dict[str, Any]) -> tuple[str | None, str | None]:
    """(message id, correlation id) from a raw delivery or an SNS envelope."""
    try:
        document = json.loads(body)
    except ValueError:
        return None, _attribute(attributes, "correlation_id")
    if isinstance(document, dict) and document.get("Type") == "Notification":
        envelope_attributes = document.get("MessageAttributes") or {}
        correlation = (envelope_attributes.get("correlation_id") or {}).get("Value")
        try:
            document = json.loads(document.get("Message") or "")
        except ValueError:
            return None, correlation
        message_id = document.get("message_id") if isinstance(document, dict) else None
        return (str(message_id) if message_id else None), correlation
    message_id = document.get("message_id") if isinstance(document, dict) else None
    return (str(message_id) if message_id else None), _attribute(attributes, "correlation_id")


def _attribute(attributes: dict[str, Any], name: str) -> str | None:
    value = (attributes.get(name) or {}).get("StringValue")
    return str(value) if value else None


def _receive_all(target: Target, url: str, limit: int) -> list[DeadLetter]:
    sqs = target.client("sqs")
    seen: dict[str, DeadLetter] = {}
    while len(seen) < limit:
        answer = sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=min(RECEIVE_BATCH, limit - len(seen)),
            VisibilityTimeout=HOLD_SECONDS,
            WaitTimeSeconds=0,
            MessageAttributeNames=["All"],
            AttributeNames=["All"],
        )
        batch = answer.get("Messages", [])
        if not batch:
            break
        for raw in batch:
            attributes = raw.get("MessageAttributes") or {}
            message_id, correlation_id = _identity(raw.get("Body", ""), attributes)
            system = raw.get("Attributes") or {}
            seen[raw["MessageId"]] = DeadLetter(
                sqs_message_id=raw["MessageId"],
                receipt_handle=raw["ReceiptHandle"],
                body=raw.get("Body", ""),
                attributes=attributes,
                message_id=message_id,
                correlation_id=correlation_id,
                receive_count=int(system.get("ApproximateReceiveCount", 0)),
                sent_at=int(system["SentTimestamp"]) if "SentTimestamp" in system else None,
            )
    return list(seen.values())


def _release(target: Target, url: str, letters: Iterable[DeadLetter]) -> None:
    """Make held messages visible again (a list never consumes)."""
    entries = [
        {"Id": str(i), "ReceiptHandle": letter.receipt_handle, "VisibilityTimeout": 0}
        for i, letter in enumerate(letters)
    ]
    sqs = target.client("sqs")
    for offset in range(0, len(entries), RECEIVE_BATCH):
        sqs.change_message_visibility_batch(
            QueueUrl=url, Entries=entries[offset : offset + RECEIVE_BATCH]
        )


def list_dead_letters(target: Target | None = None, *, limit: int = 100) -> list[DeadLetter]:
    """The DLQ's messages (up to `limit`) with their records; leaves them in the DLQ."""
    where = target or Target.resolve()
    url = queue_url(where, where.names.dlq)
    letters = _receive_all(where, url, limit)
    try:
        for letter in letters:
            if letter.message_id:
                letter.record = get_record(where, letter.message_id)
    finally:
        _release(where, url, letters)
    return letters


def _resend_attributes(attributes: dict[str, Any]) -> dict[str, Any]:
    """Message attributes as SendMessage takes them (only the value fields)."""
    resent: dict[str, Any] = {}
    for name, value in attributes.items():
        entry = {"DataType": value["DataType"]}
        for key in ("StringValue", "BinaryValue"):
            if key in value:
                entry[key] = value[key]
        resent[name] = entry
    return resent


def redrive(
    target: Target | None = None,
    *,
    message_ids: Iterable[str] | None = None,
    redrive_all: bool = False,
    force: bool = False,
    limit: int = 1000,
    progress: Callable[[DeadLetter], None] | None = None,
) -> RedriveReport:
    """Move DLQ messages back to the main queue: the chosen message ids, or all of them.

    Refuses (CircuitStillOpenError) while the ntfy circuit is open or half-open, unless
    `force`: redriving into an open circuit only fills the DLQ again.
    """
    wanted = set(message_ids or ())
    if not wanted and not redrive_all:
        raise UsageError("name messages with --message-id, or pass --all")
    where = target or Target.resolve()
    current = circuit.status(where)
    if circuit.is_open(current) and not force:
        raise CircuitStillOpenError(
            f"circuit {current.describe()}: confirm ntfy has recovered, then "
            "`rezctl breaker reset` (or pass --force)"
        )
    sqs = where.client("sqs")
    dlq_url = queue_url(where, where.names.dlq)
    main_url = queue_url(where, where.names.queue)
    report = RedriveReport()
    letters = _receive_all(where, dlq_url, limit)
    kept: list[DeadLetter] = []
    for letter in letters:
        chosen = redrive_all or (letter.message_id in wanted)
        if not chosen:
            kept.append(letter)
            report.skipped.append(letter.message_id or letter.sqs_message_id)
            continue
        key = letter.message_id or letter.sqs_message_id
        try:
            request: dict[str, Any] = {"QueueUrl": main_url, "MessageBody": letter.body}
            if letter.attributes:
                request["MessageAttributes"] = _resend_attributes(letter.attributes)
            sqs.send_message(**request)
        except Exception as error:  # keep it in the DLQ, visible again, and go on
            report.failed[key] = f"send failed: {error}"
            kept.append(letter)
            continue
        try:
            sqs.delete_message(QueueUrl=dlq_url, ReceiptHandle=letter.receipt_handle)
        except Exception as error:  # sent, so a retry is safe: the processor drops duplicates
            report.failed[key] = f"sent, but not deleted from the DLQ: {error}"
            continue
        report.moved.append(key)
        if progress is not None:
            progress(letter)
    _release(where, dlq_url, kept)
    found = {letter.message_id for letter in letters}
    report.not_found = sorted(wanted - found)
    return report
