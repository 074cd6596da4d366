"""The API's use cases over the message domain; collaborators are injected (see `bootstrap`).

Creating stores first and publishes second. When the publication fails the message is marked
`failed` with the reason (it never sits in `created` forever) and the client gets a 500 naming the
correlation ID. An idempotent retry that finds its message still `created` (the function died
between the write and the publication) publishes it again; the processor's conditional writes
make a duplicate delivery harmless. A retry that finds it `failed` gets it as it is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from rez_messages import (
    Message,
    MessagePublisher,
    MessageRepository,
    MessageStatus,
    MessageType,
    Page,
    new_message,
)
from rez_messages.crash_points import crash_point
from rez_web_api.validation import CreateMessage, ListMessages


@dataclass(frozen=True, slots=True)
class Created:
    """The outcome of a create: the message and whether this request made it (False: replay)."""

    message: Message
    created: bool


class PublishFailedError(Exception):
    """The message was stored but could not be announced; it was marked failed."""

    def __init__(self, message: Message, cause: Exception) -> None:
        super().__init__(f"message {message.message_id} stored but not published: {cause!r}")
        self.message = message


def create_manual_message(
    command: CreateMessage,
    *,
    created_by: str,
    correlation_id: str,
    stage: str,
    retention: timedelta,
    repository: MessageRepository,
    publisher: MessagePublisher,
    now: Callable[[], datetime],
) -> Created:
    """Store a `manual` message (once per idempotency key) and publish it."""
    message = new_message(
        message_type=MessageType.MANUAL,
        payload=command.payload,
        created_by=created_by,
        stage=stage,
        correlation_id=correlation_id,
        now=now(),
        retention=retention,
    )
    if command.idempotency_key is None:
        repository.add(message)
        created = True
    else:
        outcome = repository.create_idempotent(message, command.idempotency_key)
        message, created = outcome.message, outcome.created
    crash_point("web_api.after_store", message.message_id, message.correlation_id)
    if created or message.status is MessageStatus.CREATED:
        _publish(message, repository, publisher)
    return Created(message=message, created=created)


def _publish(message: Message, repository: MessageRepository, publisher: MessagePublisher) -> None:
    try:
        publisher.publish(message)
    except Exception as error:
        try:
            repository.mark_failed(message.message_id, error=f"publish failed: {error!r}")
        except Exception as mark_error:  # the original failure is what the caller must see
            error.add_note(f"marking the message failed also failed: {mark_error!r}")
        raise PublishFailedError(message, error) from error


def get_message(message_id: str, *, repository: MessageRepository) -> Message:
    """The stored message (`MessageNotFoundError` when absent)."""
    return repository.get(message_id)


def list_messages(query: ListMessages, *, repository: MessageRepository) -> Page:
    """A page of messages, newest first, of one status or of all."""
    if query.status is None:
        return repository.list_all(limit=query.limit, cursor=query.cursor)
    return repository.list_by_status(query.status, limit=query.limit, cursor=query.cursor)
