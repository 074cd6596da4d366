"""In-memory message repository: the fake for tests, held to the same contract suite as DynamoDB."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from rez_messages.cursor import Position
from rez_messages.exceptions import (
    MessageAlreadyExistsError,
    MessageNotFoundError,
    StatusConflictError,
)
from rez_messages.model import Message, MessageStatus, format_timestamp, sources_of
from rez_messages.repository import (
    MessageRepository,
    truncate_error,
    utc_now,
    validate_redrive_attempts,
)

__all__ = ["InMemoryMessageRepository"]


class InMemoryMessageRepository(MessageRepository):
    """Messages in a dict; writes are atomic under a lock, like DynamoDB's conditional writes."""

    def __init__(self, clock: Callable[[], datetime] = utc_now) -> None:
        super().__init__(clock)
        self._messages: dict[str, Message] = {}
        self._idempotency_keys: dict[str, str] = {}
        self._lock = threading.Lock()

    def add(self, message: Message) -> None:
        with self._lock:
            if message.message_id in self._messages:
                raise MessageAlreadyExistsError(message.message_id)
            self._messages[message.message_id] = message

    def _claim_idempotency_key(self, message: Message, key: str) -> str | None:
        with self._lock:
            if key in self._idempotency_keys:
                return self._idempotency_keys[key]
            if message.message_id in self._messages:
                raise MessageAlreadyExistsError(message.message_id)
            self._messages[message.message_id] = message
            self._idempotency_keys[key] = message.message_id
            return None

    def get(self, message_id: str) -> Message:
        try:
            return self._messages[message_id]
        except KeyError:
            raise MessageNotFoundError(message_id) from None

    def _conflict(self, stored: Message, target: MessageStatus) -> StatusConflictError:
        return StatusConflictError(stored.message_id, stored.status, target, stored.attempts)

    def mark_processing(
        self, message_id: str, *, retry_if_attempts_below: int | None = None
    ) -> Message:
        with self._lock:
            stored = self.get(message_id)
            now = self._clock()
            if stored.status is MessageStatus.CREATED:
                updated = stored.transition_to(MessageStatus.PROCESSING, now=now)
            elif (
                stored.status is MessageStatus.PROCESSING
                and retry_if_attempts_below is not None
                and stored.attempts < retry_if_attempts_below
            ):
                updated = stored.retried(now=now)
            else:
                raise self._conflict(stored, MessageStatus.PROCESSING)
            self._messages[message_id] = updated
            return updated

    def redrive(self, message_id: str, *, attempts: int = 1) -> Message:
        counted = validate_redrive_attempts(attempts)
        with self._lock:
            stored = self.get(message_id)
            if stored.status is not MessageStatus.FAILED:
                raise self._conflict(stored, MessageStatus.PROCESSING)
            updated = stored.redriven(now=self._clock(), attempts=counted)
            self._messages[message_id] = updated
            return updated

    def _finish(
        self,
        message_id: str,
        target: MessageStatus,
        *,
        error: str | None = None,
        notification_id: str | None = None,
    ) -> Message:
        with self._lock:
            stored = self.get(message_id)
            if stored.status not in sources_of(target):
                raise self._conflict(stored, target)
            updated = stored.transition_to(
                target, now=self._clock(), error=error, notification_id=notification_id
            )
            self._messages[message_id] = updated
            return updated

    def mark_completed(self, message_id: str, *, notification_id: str | None) -> Message:
        return self._finish(message_id, MessageStatus.COMPLETED, notification_id=notification_id)

    def mark_failed(self, message_id: str, *, error: str) -> Message:
        return self._finish(message_id, MessageStatus.FAILED, error=truncate_error(error))

    def record_notification_id(self, message_id: str, notification_id: str) -> Message:
        with self._lock:
            stored = self.get(message_id)
            if stored.notification_id not in (None, notification_id):
                return stored  # a different id was recorded first: it is kept
            updated = replace(stored, notification_id=notification_id, updated_at=self._clock())
            self._messages[message_id] = updated
            return updated

    def _page_by_status(
        self, status: MessageStatus, after: Position | None, limit: int
    ) -> tuple[list[Message], bool]:
        def key(message: Message) -> tuple[str, str]:
            return (format_timestamp(message.created_at), message.message_id)

        matching = sorted(
            (m for m in self._messages.values() if m.status is status), key=key, reverse=True
        )
        if after is not None:
            boundary = (after.created_at, after.message_id)
            matching = [m for m in matching if key(m) < boundary]
        return matching[:limit], len(matching) > limit
