"""DynamoDB adapter of the message repository (boto3 *client* injected, never created here).

Item layout in `rez-agent-messages-{stage}` (PK `message_id`): `correlation_id`, `message_type`,
`status`, `created_by`, `created_at`, `updated_at` (ISO-8601 UTC, microseconds, `Z`), `stage`,
`attempts` (N), `redrives` (N, absent on items written before it existed: 0), `expires_at` (N,
epoch seconds, the table's TTL), the payload flat as `body`, `title`, `priority` (N), `tags` (L of
S), and when known `notification_id`, `error` (removed when the message completes).
Idempotency keys are items `message_id = "idem#<key>"` with `record_type = "idempotency"` and
`target_message_id`; they have no `status`, so the status GSI never sees them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from rez_messages.cursor import Position
from rez_messages.exceptions import (
    MessageAlreadyExistsError,
    MessageNotFoundError,
    StatusConflictError,
)
from rez_messages.model import (
    Message,
    MessageStatus,
    MessageType,
    Payload,
    format_timestamp,
    parse_timestamp,
    sources_of,
)
from rez_messages.repository import (
    MessageRepository,
    truncate_error,
    utc_now,
    validate_redrive_attempts,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
else:
    DynamoDBClient = Any

__all__ = ["STATUS_INDEX", "DynamoDBMessageRepository", "message_from_item", "message_to_item"]

STATUS_INDEX = "status-created_at-index"
IDEMPOTENCY_PREFIX = "idem#"
_CONDITION_FAILED = "ConditionalCheckFailedException"
_NAMES = {"#status": "status"}

Item = dict[str, Any]


def message_to_item(message: Message) -> Item:
    """The DynamoDB attribute map of a message."""
    item: Item = {
        "message_id": {"S": message.message_id},
        "correlation_id": {"S": message.correlation_id},
        "message_type": {"S": str(message.message_type)},
        "status": {"S": str(message.status)},
        "created_by": {"S": message.created_by},
        "created_at": {"S": format_timestamp(message.created_at)},
        "updated_at": {"S": format_timestamp(message.updated_at)},
        "stage": {"S": message.stage},
        "attempts": {"N": str(message.attempts)},
        "redrives": {"N": str(message.redrives)},
        "expires_at": {"N": str(message.expires_at)},
        "body": {"S": message.payload.body},
        "priority": {"N": str(message.payload.priority)},
        "tags": {"L": [{"S": tag} for tag in message.payload.tags]},
    }
    optional = {
        "title": message.payload.title,
        "notification_id": message.notification_id,
        "error": message.error,
    }
    item.update({name: {"S": value} for name, value in optional.items() if value is not None})
    return item


def _s(item: Mapping[str, Any], name: str) -> str | None:
    value = item.get(name)
    return None if value is None else str(value["S"])


def _required(item: Mapping[str, Any], name: str) -> str:
    value = _s(item, name)
    if value is None:
        raise ValueError(f"stored message item lacks {name!r}")
    return value


def message_from_item(item: Mapping[str, Any]) -> Message:
    """The message of a stored item (payload trusted: it was validated before it was written)."""
    return Message(
        message_id=_required(item, "message_id"),
        correlation_id=_required(item, "correlation_id"),
        message_type=MessageType(_required(item, "message_type")),
        payload=Payload(
            body=_required(item, "body"),
            title=_s(item, "title"),
            priority=int(item["priority"]["N"]),
            tags=tuple(str(tag["S"]) for tag in item.get("tags", {}).get("L", [])),
        ),
        status=MessageStatus(_required(item, "status")),
        created_by=_required(item, "created_by"),
        created_at=parse_timestamp(_required(item, "created_at")),
        updated_at=parse_timestamp(_required(item, "updated_at")),
        stage=_required(item, "stage"),
        expires_at=int(item["expires_at"]["N"]),
        attempts=int(item.get("attempts", {"N": "0"})["N"]),
        notification_id=_s(item, "notification_id"),
        error=_s(item, "error"),
        redrives=int(item.get("redrives", {"N": "0"})["N"]),
    )


def _error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


class DynamoDBMessageRepository(MessageRepository):
    """Messages in DynamoDB; status changes are conditional `UpdateItem`s (duplicates detected)."""

    def __init__(
        self,
        table_name: str,
        client: DynamoDBClient,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        super().__init__(clock)
        self.table_name = table_name
        self._client = client

    # --- writes -------------------------------------------------------------------------------
    def add(self, message: Message) -> None:
        try:
            self._client.put_item(
                TableName=self.table_name,
                Item=message_to_item(message),
                ConditionExpression="attribute_not_exists(message_id)",
            )
        except ClientError as error:
            if _error_code(error) == _CONDITION_FAILED:
                raise MessageAlreadyExistsError(message.message_id) from error
            raise

    def _claim_idempotency_key(self, message: Message, key: str) -> str | None:
        key_item: Item = {
            "message_id": {"S": IDEMPOTENCY_PREFIX + key},
            "record_type": {"S": "idempotency"},
            "target_message_id": {"S": message.message_id},
            "created_at": {"S": format_timestamp(message.created_at)},
            "expires_at": {"N": str(message.expires_at)},
        }
        not_exists = "attribute_not_exists(message_id)"
        try:
            self._client.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self.table_name,
                            "Item": message_to_item(message),
                            "ConditionExpression": not_exists,
                        }
                    },
                    {
                        "Put": {
                            "TableName": self.table_name,
                            "Item": key_item,
                            "ConditionExpression": not_exists,
                        }
                    },
                ]
            )
        except ClientError as error:
            if _error_code(error) != "TransactionCanceledException":
                raise
            existing = self._idempotency_target(key)
            if existing is not None:
                return existing
            reasons = error.response.get("CancellationReasons") or []
            if reasons and reasons[0].get("Code") == "ConditionalCheckFailed":
                raise MessageAlreadyExistsError(message.message_id) from error
            raise
        return None

    def _idempotency_target(self, key: str) -> str | None:
        response = self._client.get_item(
            TableName=self.table_name,
            Key={"message_id": {"S": IDEMPOTENCY_PREFIX + key}},
            ConsistentRead=True,
        )
        item = response.get("Item")
        return None if item is None else _s(item, "target_message_id")

    def _update_status(
        self,
        message_id: str,
        target: MessageStatus,
        *,
        condition: str,
        values: dict[str, Any],
        set_clauses: tuple[str, ...] = (),
        add_clause: str = "",
        remove_clause: str = "",
        names: dict[str, str] | None = None,
    ) -> Message:
        expression = "SET " + ", ".join(("#status = :target", "updated_at = :now", *set_clauses))
        if add_clause:
            expression += " ADD " + add_clause
        if remove_clause:
            expression += " REMOVE " + remove_clause
        try:
            response = self._client.update_item(
                TableName=self.table_name,
                Key={"message_id": {"S": message_id}},
                UpdateExpression=expression,
                ConditionExpression=condition,
                ExpressionAttributeNames={**_NAMES, **(names or {})},
                ExpressionAttributeValues={
                    ":target": {"S": str(target)},
                    ":now": {"S": format_timestamp(self._clock())},
                    **values,
                },
                ReturnValues="ALL_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            if _error_code(error) != _CONDITION_FAILED:
                raise
            old = error.response.get("Item")
            stored = message_from_item(old) if old and "status" in old else self.get(message_id)
            raise StatusConflictError(message_id, stored.status, target, stored.attempts) from error
        return message_from_item(response["Attributes"])

    def mark_processing(
        self, message_id: str, *, retry_if_attempts_below: int | None = None
    ) -> Message:
        condition = "#status = :created"
        values: dict[str, Any] = {":created": {"S": "created"}, ":one": {"N": "1"}}
        if retry_if_attempts_below is not None:
            condition += " OR (#status = :target AND attempts < :below)"
            values[":below"] = {"N": str(retry_if_attempts_below)}
        return self._update_status(
            message_id,
            MessageStatus.PROCESSING,
            condition=condition,
            values=values,
            add_clause="attempts :one",
        )

    def redrive(self, message_id: str, *, attempts: int = 1) -> Message:
        counted = validate_redrive_attempts(attempts)
        return self._update_status(
            message_id,
            MessageStatus.PROCESSING,
            condition="#status = :failed",
            values={
                ":failed": {"S": "failed"},
                ":one": {"N": "1"},
                ":attempts": {"N": str(counted)},
            },
            set_clauses=("attempts = :attempts",),
            add_clause="redrives :one",
        )

    def _finish(
        self,
        message_id: str,
        target: MessageStatus,
        field: str,
        value: str | None,
        remove: str | None = None,
    ) -> Message:
        sources = sorted(sources_of(target))
        placeholders = {f":from{index}": {"S": str(status)} for index, status in enumerate(sources)}
        values: dict[str, Any] = dict(placeholders)
        set_clauses: tuple[str, ...] = ()
        names: dict[str, str] = {}
        if value is not None:
            values[":value"] = {"S": value}
            set_clauses = ("#field = :value",)
            names["#field"] = field
        if remove is not None:
            names["#removed"] = remove
        return self._update_status(
            message_id,
            target,
            condition=f"#status IN ({', '.join(placeholders)})",
            values=values,
            set_clauses=set_clauses,
            remove_clause="#removed" if remove is not None else "",
            names=names,
        )

    def mark_completed(self, message_id: str, *, notification_id: str | None) -> Message:
        return self._finish(
            message_id,
            MessageStatus.COMPLETED,
            "notification_id",
            notification_id or None,
            remove="error",
        )

    def mark_failed(self, message_id: str, *, error: str) -> Message:
        return self._finish(message_id, MessageStatus.FAILED, "error", truncate_error(error))

    def record_notification_id(self, message_id: str, notification_id: str) -> Message:
        try:
            response = self._client.update_item(
                TableName=self.table_name,
                Key={"message_id": {"S": message_id}},
                UpdateExpression="SET notification_id = :id, updated_at = :now",
                ConditionExpression=(
                    "attribute_exists(#status) AND "
                    "(attribute_not_exists(notification_id) OR notification_id = :id)"
                ),
                ExpressionAttributeNames=_NAMES,
                ExpressionAttributeValues={
                    ":id": {"S": notification_id},
                    ":now": {"S": format_timestamp(self._clock())},
                },
                ReturnValues="ALL_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            if _error_code(error) != _CONDITION_FAILED:
                raise
            old = error.response.get("Item")
            # A different id was recorded first: it is kept and returned (or no message exists).
            return message_from_item(old) if old and "status" in old else self.get(message_id)
        return message_from_item(response["Attributes"])

    # --- reads --------------------------------------------------------------------------------
    def get(self, message_id: str) -> Message:
        response = self._client.get_item(
            TableName=self.table_name,
            Key={"message_id": {"S": message_id}},
            ConsistentRead=True,
        )
        item = response.get("Item")
        if item is None or "status" not in item:
            raise MessageNotFoundError(message_id)
        return message_from_item(item)

    def _page_by_status(
        self, status: MessageStatus, after: Position | None, limit: int
    ) -> tuple[list[Message], bool]:
        collected: list[Message] = []
        start: Item | None = None
        if after is not None:
            start = {
                "status": {"S": str(status)},
                "created_at": {"S": after.created_at},
                "message_id": {"S": after.message_id},
            }
        while len(collected) <= limit:
            request: dict[str, Any] = {
                "TableName": self.table_name,
                "IndexName": STATUS_INDEX,
                "KeyConditionExpression": "#status = :status",
                "ExpressionAttributeNames": _NAMES,
                "ExpressionAttributeValues": {":status": {"S": str(status)}},
                "ScanIndexForward": False,
                "Limit": limit + 1 - len(collected),
            }
            if start is not None:
                request["ExclusiveStartKey"] = start
            response = self._client.query(**request)
            collected.extend(message_from_item(item) for item in response.get("Items", []))
            start = response.get("LastEvaluatedKey")
            if start is None:
                break
        return collected[:limit], len(collected) > limit
