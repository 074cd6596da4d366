"""The message repository port: what services may ask of storage, and the listing logic shared by
every adapter (`DynamoDBMessageRepository`, `InMemoryMessageRepository`).

Listing newest first without a status uses no extra index: it pages through the four statuses of
the `status-created_at-index` GSI and merges them (at most one query per status per page), with a
cursor that remembers where each status stopped. A message that changes status between two pages
may be seen twice or not at all, as in any GSI listing (the GSI is eventually consistent too).
"""

from __future__ import annotations

import abc
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from rez_messages.cursor import ALL_STATUSES, DONE, MergedCursor, Position, StatusCursor
from rez_messages.exceptions import IdempotencyConflictError, InvalidPayloadError
from rez_messages.model import Message, MessageStatus, format_timestamp

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "MAX_PAGE_SIZE",
    "IdempotentCreate",
    "MessageRepository",
    "Page",
    "utc_now",
    "validate_idempotency_key",
]

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
MAX_ERROR_CHARS = 1000
_IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")


def utc_now() -> datetime:
    """The repositories' default clock."""
    return datetime.now(UTC)


def validate_redrive_attempts(attempts: object) -> int:
    """A redrive counts the delivery that takes the message: a whole number of at least 1."""
    if isinstance(attempts, bool) or not isinstance(attempts, int) or attempts < 1:
        raise ValueError(f"a redrive counts at least 1 attempt, got {attempts!r}")
    return attempts


def validate_idempotency_key(key: object) -> str:
    """1-255 printable ASCII characters without spaces (an `Idempotency-Key` header value)."""
    if not isinstance(key, str) or not _IDEMPOTENCY_KEY.fullmatch(key):
        raise InvalidPayloadError(
            "idempotency_key", "must be 1-255 printable ASCII characters without spaces"
        )
    return key


def truncate_error(error: str) -> str:
    """Keep a recorded error readable and the item small."""
    return error if len(error) <= MAX_ERROR_CHARS else error[: MAX_ERROR_CHARS - 1] + "…"


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a listing, newest first; `cursor` is None on the last page."""

    items: tuple[Message, ...]
    cursor: str | None


@dataclass(frozen=True, slots=True)
class IdempotentCreate:
    """Result of `create_idempotent`: the message, and whether this call created it."""

    message: Message
    created: bool


def _check_limit(limit: int) -> None:
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE_SIZE:
        raise ValueError(f"limit must be an integer between 1 and {MAX_PAGE_SIZE}, got {limit!r}")


def _newest_first_key(message: Message) -> tuple[str, str]:
    return (format_timestamp(message.created_at), message.message_id)


def _position_of(message: Message) -> Position:
    return Position(format_timestamp(message.created_at), message.message_id)


def same_request(stored: Message, candidate: Message) -> bool:
    """Whether a retried create asks for the same message (payload, type and author)."""
    return (
        stored.payload == candidate.payload
        and stored.message_type == candidate.message_type
        and stored.created_by == candidate.created_by
    )


class MessageRepository(abc.ABC):
    """Storage of messages. Every status change is conditional on the stored status."""

    def __init__(self, clock: Callable[[], datetime] = utc_now) -> None:
        self._clock = clock

    # --- writes -------------------------------------------------------------------------------
    @abc.abstractmethod
    def add(self, message: Message) -> None:
        """Store a new message; `MessageAlreadyExistsError` if its id is taken."""

    def create_idempotent(self, message: Message, idempotency_key: str) -> IdempotentCreate:
        """Store `message` unless `idempotency_key` was used before; then return that message.

        A key reused with a different payload raises `IdempotencyConflictError`. The key record
        lives in the same table (`message_id = "idem#<key>"`, written in one transaction with the
        message) and expires with the message.
        """
        key = validate_idempotency_key(idempotency_key)
        existing_id = self._claim_idempotency_key(message, key)
        if existing_id is None:
            return IdempotentCreate(message=message, created=True)
        stored = self.get(existing_id)
        if not same_request(stored, message):
            raise IdempotencyConflictError(key, existing_id)
        return IdempotentCreate(message=stored, created=False)

    @abc.abstractmethod
    def _claim_idempotency_key(self, message: Message, key: str) -> str | None:
        """Atomically store the message and the key record; the existing message id if taken."""

    @abc.abstractmethod
    def mark_processing(
        self, message_id: str, *, retry_if_attempts_below: int | None = None
    ) -> Message:
        """`created → processing`, counting an attempt; returns the updated message.

        With `retry_if_attempts_below=n`, a message already `processing` whose `attempts < n` is
        taken over too (a retry of an attempt that crashed or failed), counting one more attempt.
        Otherwise raises `StatusConflictError` (stored status and attempts) or
        `MessageNotFoundError`.
        """

    @abc.abstractmethod
    def redrive(self, message_id: str, *, attempts: int = 1) -> Message:
        """`failed → processing` for a delivery redriven from the DLQ; returns the message.

        One conditional write: `attempts = attempts` (1: the redriven SQS message's receive count
        restarts at 1; a redriven deferred copy adds its `attempt_offset`), `redrives += 1`,
        `error` kept until completion. `StatusConflictError` (stored status and attempts) unless
        the stored status is `failed`; `MessageNotFoundError`; `ValueError` if `attempts < 1`.
        """

    @abc.abstractmethod
    def mark_completed(self, message_id: str, *, notification_id: str | None) -> Message:
        """`processing → completed`, recording the notification id (None keeps one recorded
        earlier) and clearing `error`; else `StatusConflictError`."""

    @abc.abstractmethod
    def mark_failed(self, message_id: str, *, error: str) -> Message:
        """`created | processing → failed`, recording why; `StatusConflictError` otherwise."""

    @abc.abstractmethod
    def record_notification_id(self, message_id: str, notification_id: str) -> Message:
        """Record ntfy's id once, whatever the status (no status change); returns the message.

        One conditional write that succeeds when no id is recorded or the same one is. When a
        *different* id was recorded earlier it is kept: the returned message carries that id, so
        the caller can tell the message was notified twice. `MessageNotFoundError` if absent.
        """

    # --- reads --------------------------------------------------------------------------------
    @abc.abstractmethod
    def get(self, message_id: str) -> Message:
        """The stored message; `MessageNotFoundError` if there is none."""

    @abc.abstractmethod
    def _page_by_status(
        self, status: MessageStatus, after: Position | None, limit: int
    ) -> tuple[list[Message], bool]:
        """Up to `limit` messages of `status` strictly after `after`, newest first; and whether
        more exist beyond them."""

    def list_by_status(
        self,
        status: MessageStatus | str,
        *,
        limit: int = DEFAULT_PAGE_SIZE,
        cursor: str | None = None,
    ) -> Page:
        """Messages with `status`, newest first, `limit` per page (1-100)."""
        _check_limit(limit)
        wanted = MessageStatus(status)
        after = StatusCursor.decode(cursor, wanted).after if cursor else None
        items, more = self._page_by_status(wanted, after, limit)
        next_cursor = (
            StatusCursor(wanted, _position_of(items[-1])).encode() if more and items else None
        )
        return Page(items=tuple(items), cursor=next_cursor)

    def list_all(self, *, limit: int = DEFAULT_PAGE_SIZE, cursor: str | None = None) -> Page:
        """Every message, newest first: the four status listings merged (see module doc)."""
        _check_limit(limit)
        positions = (
            MergedCursor.decode(cursor).positions if cursor else dict.fromkeys(ALL_STATUSES, None)
        )
        fetched: dict[MessageStatus, tuple[list[Message], bool]] = {}
        for status in ALL_STATUSES:
            position = positions.get(status)
            if position == DONE:
                continue
            after = position if isinstance(position, Position) else None
            fetched[status] = self._page_by_status(status, after, limit)
        candidates = [message for items, _ in fetched.values() for message in items]
        taken = sorted(candidates, key=_newest_first_key, reverse=True)[:limit]
        next_positions = dict(positions)
        for status, (items, more) in fetched.items():
            mine = [message for message in taken if message.status == status]
            if len(mine) == len(items) and not more:
                next_positions[status] = DONE
            elif mine:
                next_positions[status] = _position_of(mine[-1])
        finished = all(next_positions.get(status) == DONE for status in ALL_STATUSES)
        next_cursor = None if finished else MergedCursor(next_positions).encode()
        return Page(items=tuple(taken), cursor=next_cursor)
