"""What the notifier needs from the messages table: read a message, record its ntfy id.

Both go through `rez_messages`' repository: `get` (strongly consistent) and
`record_notification_id` (one conditional write, no status change: the status is the
processor's). The store only turns the repository's answer into the notifier's question, "was a
*different* id recorded first?" (the message was notified twice).
"""

from __future__ import annotations

from typing import Any, Protocol

from rez_messages import Message, MessageRepository

__all__ = ["DynamoDBMessageStore", "MessageStore"]


class MessageStore(Protocol):
    """The notifier's port onto stored messages."""

    def get(self, message_id: str) -> Message:
        """The message; `MessageNotFoundError` when there is none."""
        ...

    def record_notification(self, message_id: str, notification_id: str) -> str | None:
        """Record ntfy's id; return a *different* id recorded earlier (a duplicate), else None."""
        ...


class DynamoDBMessageStore:
    """`MessageStore` over the messages repository (the DynamoDB one in production).

    `client` and `table_name` are no longer used (the repository holds both); they stay
    accepted so the notifier's wiring keeps working unchanged.
    """

    def __init__(
        self, repository: MessageRepository, client: Any = None, table_name: str | None = None
    ) -> None:
        self._repository = repository

    def get(self, message_id: str) -> Message:
        """Strongly consistent read through the repository."""
        return self._repository.get(message_id)

    def record_notification(self, message_id: str, notification_id: str) -> str | None:
        """Set `notification_id` once: an existing different id is kept and returned."""
        stored = self._repository.record_notification_id(message_id, notification_id)
        recorded = stored.notification_id
        return recorded if recorded is not None and recorded != notification_id else None
