"""Domain errors of the rez_agent message: each says what was wrong, so callers answer precisely."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rez_telemetry.config import ConfigurationError

if TYPE_CHECKING:
    from rez_messages.validation import FieldProblem

__all__ = [
    "ConfigurationError",
    "IdempotencyConflictError",
    "InvalidCursorError",
    "InvalidDeliveryError",
    "InvalidPayloadError",
    "InvalidStatusTransitionError",
    "MessageAlreadyExistsError",
    "MessageError",
    "MessageNotFoundError",
    "StatusConflictError",
]


class MessageError(Exception):
    """Base of every rez_messages error, so a handler can map the whole family at once."""


class InvalidPayloadError(MessageError, ValueError):
    """Payload fields out of their bounds: `problems` lists every `(field, reason)` at once.

    `field` and `reason` are the first problem's (for callers that answer one).
    """

    def __init__(self, field: str, reason: str, *more: tuple[str, str]) -> None:
        self.problems: tuple[tuple[str, str], ...] = ((field, reason), *more)
        super().__init__("; ".join(f"{name}: {why}" for name, why in self.problems))
        self.field = field
        self.reason = reason

    @classmethod
    def of(cls, problems: Sequence[FieldProblem]) -> InvalidPayloadError:
        """The error for a non-empty list of problems (`rez_messages.validation`)."""
        first, *rest = problems
        return cls(first.field, first.detail, *((p.field, p.detail) for p in rest))


class InvalidStatusTransitionError(MessageError):
    """The status machine refuses `current → target` (created → processing → completed | failed)."""

    def __init__(self, message_id: str, current: str, target: str) -> None:
        super().__init__(f"message {message_id}: status {current!r} cannot become {target!r}")
        self.message_id = message_id
        self.current = current
        self.target = target


class StatusConflictError(InvalidStatusTransitionError):
    """A conditional status write lost: the stored record was not in a state that allows it.

    Raised by repositories. `current` and `attempts` are the stored values, so a consumer can tell a
    duplicate delivery (already processing/completed) from a real conflict.
    """

    def __init__(self, message_id: str, current: str, target: str, attempts: int) -> None:
        super().__init__(message_id, current, target)
        self.attempts = attempts


class MessageNotFoundError(MessageError, LookupError):
    """No message with this id is stored."""

    def __init__(self, message_id: str) -> None:
        super().__init__(f"message {message_id} not found")
        self.message_id = message_id


class MessageAlreadyExistsError(MessageError):
    """A create found a record with the same message_id (the write was conditional)."""

    def __init__(self, message_id: str) -> None:
        super().__init__(f"message {message_id} already exists")
        self.message_id = message_id


class IdempotencyConflictError(MessageError):
    """An idempotency key was reused with a different payload than the message it created."""

    def __init__(self, idempotency_key: str, message_id: str) -> None:
        super().__init__(
            f"idempotency key {idempotency_key!r} was already used for message {message_id} "
            "with a different payload"
        )
        self.idempotency_key = idempotency_key
        self.message_id = message_id


class InvalidCursorError(MessageError, ValueError):
    """A pagination cursor that this library did not issue (or that was altered)."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"invalid cursor: {reason}")
        self.reason = reason


class InvalidDeliveryError(MessageError, ValueError):
    """An SQS record that does not carry a message: the reason, and the raw body's size in bytes."""

    def __init__(self, reason: str, body_size: int) -> None:
        super().__init__(f"invalid delivery: {reason} (body of {body_size} bytes)")
        self.reason = reason
        self.body_size = body_size
