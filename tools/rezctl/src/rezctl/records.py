"""The message record in DynamoDB, as plain Python values (read strongly consistent)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer

from rezctl.target import Target

_DESERIALIZER = TypeDeserializer()


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, set):
        return sorted(_plain(v) for v in value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def from_item(item: dict[str, Any]) -> dict[str, Any]:
    """A DynamoDB item (attribute-value form) as JSON-ready values."""
    return {key: _plain(_DESERIALIZER.deserialize(value)) for key, value in item.items()}


def get_record(target: Target, message_id: str) -> dict[str, Any] | None:
    """The record of `message_id`, or None (idempotency-key items are not messages)."""
    item = (
        target.client("dynamodb")
        .get_item(
            TableName=target.names.messages_table,
            Key={"message_id": {"S": message_id}},
            ConsistentRead=True,
        )
        .get("Item")
    )
    if item is None or "status" not in item:
        return None
    return from_item(item)


def parse_time(value: Any) -> dt.datetime | None:
    """A record timestamp (ISO-8601 with `Z`) as an aware datetime."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(dt.UTC)
    except ValueError:
        return None
