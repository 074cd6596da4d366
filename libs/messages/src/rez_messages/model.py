"""The message record and its status machine. Pure: no AWS, no I/O, no clock of its own.

Status machine::

    created ──▶ processing ──▶ completed
       │          ▲    └─────▶ failed
       │          └─ redrive ──┘          (failed → processing: a DLQ redrive delivers it again)
       └───────────────────────▶ failed   (never published: the creator records why)

`completed` is terminal. `failed` is left only by a redrive (the runbook moves the DLQ's messages
back to the queue once the cause is fixed; SQS delivers a message that went to the DLQ again only
that way): the attempt count restarts at 1, because the redriven SQS message's receive count
restarts too, and `redrives` counts it. The last `error` stays visible while the redriven message
is processed and is cleared when it completes (`completed` means no error; the logs keep the
history under the correlation id). Any other change is refused with `InvalidStatusTransitionError`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from rez_messages.exceptions import InvalidPayloadError, InvalidStatusTransitionError
from rez_messages.validation import (
    DEFAULT_PRIORITY,
    MAX_BODY_BYTES,
    MAX_TAGS,
    MAX_TITLE_CHARS,
    PRIORITY_NAMES,
    payload_problems,
    priority_problem,
)

__all__ = [
    "ALLOWED_TRANSITIONS",
    "MAX_BODY_BYTES",
    "MAX_TAGS",
    "MAX_TITLE_CHARS",
    "PRIORITY_NAMES",
    "Message",
    "MessageStatus",
    "MessageType",
    "Payload",
    "format_timestamp",
    "new_message",
    "parse_priority",
    "parse_timestamp",
    "sources_of",
]


class MessageStatus(StrEnum):
    """Where a message is in its life; stored as the GSI partition key `status`."""

    CREATED = "created"
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"


class MessageType(StrEnum):
    """Who asked for the message: the schedule or a person through the API."""

    SCHEDULED_HELLO = "scheduled_hello"
    MANUAL = "manual"


ALLOWED_TRANSITIONS: dict[MessageStatus, frozenset[MessageStatus]] = {
    MessageStatus.CREATED: frozenset({MessageStatus.PROCESSING, MessageStatus.FAILED}),
    MessageStatus.PROCESSING: frozenset({MessageStatus.COMPLETED, MessageStatus.FAILED}),
    MessageStatus.COMPLETED: frozenset(),
    MessageStatus.FAILED: frozenset({MessageStatus.PROCESSING}),
}


def sources_of(target: MessageStatus) -> frozenset[MessageStatus]:
    """The statuses from which `target` may be reached (what a conditional write must require)."""
    return frozenset(src for src, targets in ALLOWED_TRANSITIONS.items() if target in targets)


def format_timestamp(moment: datetime) -> str:
    """ISO-8601 UTC with microseconds and `Z`: fixed width, so strings sort like times."""
    if moment.tzinfo is None:
        raise ValueError("timestamps must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_timestamp(text: str) -> datetime:
    """Inverse of `format_timestamp` (accepts any ISO-8601 string with an offset or `Z`)."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(f"timestamp {text!r} has no timezone")
    return moment.astimezone(UTC)


def parse_priority(value: object) -> int:
    """ntfy's priority 1-5 from an integer or one of its names (min ... max, urgent)."""
    problem = priority_problem(value)
    if isinstance(value, str) and problem is None:
        return PRIORITY_NAMES[value]
    if isinstance(value, int) and problem is None:
        return value
    raise InvalidPayloadError("priority", problem or "must be given")


@dataclass(frozen=True, slots=True)
class Payload:
    """What the notification says. Build it with `Payload.create`, which validates every field."""

    body: str
    title: str | None = None
    priority: int = DEFAULT_PRIORITY
    tags: tuple[str, ...] = ()

    @classmethod
    def create(
        cls,
        body: object,
        title: object = None,
        priority: object = None,
        tags: object = None,
    ) -> Payload:
        """Validate raw input (from JSON, an event, the environment) into a payload.

        Raises `InvalidPayloadError` naming every invalid field (`rez_messages.validation`).
        """
        problems = payload_problems(body, title, priority, tags)
        if problems:
            raise InvalidPayloadError.of(problems)
        assert isinstance(body, str)
        return cls(
            body=body,
            title=str(title) if title else None,
            priority=DEFAULT_PRIORITY if priority is None else parse_priority(priority),
            tags=tuple(str(tag) for tag in tags) if isinstance(tags, list | tuple) else (),
        )


@dataclass(frozen=True, slots=True)
class Message:
    """One message record (DESIGN §3). Immutable: status changes return a new `Message`."""

    message_id: str
    correlation_id: str
    message_type: MessageType
    payload: Payload
    status: MessageStatus
    created_by: str
    created_at: datetime
    updated_at: datetime
    stage: str
    expires_at: int
    attempts: int = 0
    notification_id: str | None = None
    error: str | None = None
    redrives: int = 0

    def can_become(self, target: MessageStatus) -> bool:
        """Whether the status machine allows moving this message to `target`."""
        return target in ALLOWED_TRANSITIONS[self.status]

    def transition_to(
        self,
        target: MessageStatus,
        *,
        now: datetime,
        error: str | None = None,
        notification_id: str | None = None,
    ) -> Message:
        """The message after a status change; refuses changes the machine does not allow.

        Entering `processing` counts an attempt (from `failed` it is a redrive: see `redriven`);
        `failed` records `error`; `completed` records `notification_id` (keeping one recorded
        earlier when given None) and clears `error`.
        """
        if not self.can_become(target):
            raise InvalidStatusTransitionError(self.message_id, self.status, target)
        return self._moved(target, now=now, error=error, notification_id=notification_id)

    def _moved(
        self,
        target: MessageStatus,
        *,
        now: datetime,
        error: str | None,
        notification_id: str | None,
    ) -> Message:
        if self.status is MessageStatus.FAILED and target is MessageStatus.PROCESSING:
            return self.redriven(now=now)
        if target is MessageStatus.COMPLETED:
            return replace(
                self,
                status=target,
                updated_at=now,
                error=None,
                notification_id=notification_id or self.notification_id,
            )
        return replace(
            self,
            status=target,
            updated_at=now,
            attempts=self.attempts + 1 if target is MessageStatus.PROCESSING else self.attempts,
            error=error if target is MessageStatus.FAILED else self.error,
        )

    def retried(self, *, now: datetime) -> Message:
        """The message when a new attempt takes over a stuck `processing` (counts one attempt)."""
        if self.status is not MessageStatus.PROCESSING:
            raise InvalidStatusTransitionError(
                self.message_id, self.status, MessageStatus.PROCESSING
            )
        return replace(self, updated_at=now, attempts=self.attempts + 1)

    def redriven(self, *, now: datetime, attempts: int = 1) -> Message:
        """The message when a DLQ redrive delivers it again: `failed → processing`.

        The attempt count restarts at `attempts`: 1, as the redriven SQS message's receive count
        does (a deferred copy's offset added), so "receive count > attempts means a retry" keeps
        holding; `redrives` counts one more; `error` stays until the message completes.
        """
        if self.status is not MessageStatus.FAILED:
            raise InvalidStatusTransitionError(
                self.message_id, self.status, MessageStatus.PROCESSING
            )
        if isinstance(attempts, bool) or not isinstance(attempts, int) or attempts < 1:
            raise ValueError(f"a redrive counts at least 1 attempt, got {attempts!r}")
        return replace(
            self,
            status=MessageStatus.PROCESSING,
            updated_at=now,
            attempts=attempts,
            redrives=self.redrives + 1,
        )


def new_message(
    *,
    message_type: MessageType,
    payload: Payload,
    created_by: str,
    stage: str,
    correlation_id: str,
    now: datetime,
    retention: timedelta,
    message_id: str | None = None,
) -> Message:
    """A fresh `created` message; `expires_at` (epoch seconds, the TTL) is now + retention."""
    if not created_by:
        raise InvalidPayloadError("created_by", "must not be empty")
    return Message(
        message_id=message_id or str(uuid.uuid4()),
        correlation_id=correlation_id,
        message_type=MessageType(message_type),
        payload=payload,
        status=MessageStatus.CREATED,
        created_by=created_by,
        created_at=now,
        updated_at=now,
        stage=stage,
        expires_at=int((now + retention).timestamp()),
    )
