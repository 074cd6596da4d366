"""The API's use cases over the message domain; collaborators are injected (see `bootstrap`).

Creating is `rez_messages.creation.create_and_publish` (shared with the scheduler): store first,
publish second; a failed publication marks the message `failed` with the reason and raises
`PublishFailedError` (the client gets a 500 naming the correlation ID). An idempotent retry that
finds its message still `created` publishes it again; one that finds it `failed` gets it as it is.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Final

from rez_messages import (
    Message,
    MessagePublisher,
    MessageRepository,
    MessageType,
    Page,
    new_message,
)
from rez_messages.creation import Created, PublishFailedError, create_and_publish
from rez_web_api.validation import CreateMessage, ListMessages

__all__ = [
    "CREATED_BY_DIMENSION",
    "Created",
    "PublishFailedError",
    "create_manual_message",
    "get_message",
    "list_messages",
]

#: `CreatedBy` metric dimension of API-made messages: bounded (a user's email would make one
#: CloudWatch metric per user, and put personal data into metrics); the record has the email.
CREATED_BY_DIMENSION: Final = "web-api"


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
    return create_and_publish(
        message,
        repository=repository,
        publisher=publisher,
        created_by_dimension=CREATED_BY_DIMENSION,
        idempotency_key=command.idempotency_key,
        after_store="web_api.after_store",
    )


def get_message(message_id: str, *, repository: MessageRepository) -> Message:
    """The stored message (`MessageNotFoundError` when absent)."""
    return repository.get(message_id)


def list_messages(query: ListMessages, *, repository: MessageRepository) -> Page:
    """A page of messages, newest first, of one status or of all."""
    if query.status is None:
        return repository.list_all(limit=query.limit, cursor=query.cursor)
    return repository.list_by_status(query.status, limit=query.limit, cursor=query.cursor)
