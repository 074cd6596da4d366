"""What the notifier needs from the messages table: read a message, record its ntfy id.

Reads go through `rez_messages`' repository. Recording the notification id without a status
change is not in the repository's API yet (its `mark_completed` is the processor's
`processing → completed` step), so `record_notification` is a single conditional UpdateItem
here, on the attribute the repository's item layout names (`notification_id`).
"""

from __future__ import annotations

from typing import Any, Protocol

from botocore.exceptions import ClientError

from rez_messages import Message, MessageNotFoundError, MessageRepository

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
    """`MessageStore` over the repository plus one conditional write for the notification id."""

    def __init__(self, repository: MessageRepository, client: Any, table_name: str) -> None:
        self._repository = repository
        self._client = client
        self._table_name = table_name

    def get(self, message_id: str) -> Message:
        """Strongly consistent read through the repository."""
        return self._repository.get(message_id)

    def record_notification(self, message_id: str, notification_id: str) -> str | None:
        """Set `notification_id` once: an existing different id is kept and returned."""
        try:
            self._client.update_item(
                TableName=self._table_name,
                Key={"message_id": {"S": message_id}},
                UpdateExpression="SET notification_id = :id",
                ConditionExpression=(
                    "attribute_exists(message_id) AND "
                    "(attribute_not_exists(notification_id) OR notification_id = :id)"
                ),
                ExpressionAttributeValues={":id": {"S": notification_id}},
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise
            old = error.response.get("Item")
            if not old:
                raise MessageNotFoundError(message_id) from error
            return str(old["notification_id"]["S"])
        return None
