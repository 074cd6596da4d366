"""Waiting for the pipeline: records reaching a final status, the scheduled message appearing."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from boto3.dynamodb.types import TypeDeserializer

FINAL = frozenset({"completed", "failed"})
_DESERIALIZE = TypeDeserializer().deserialize


def poll[T](check: Callable[[], T | None], *, timeout: float, every: float = 0.5) -> T:
    """Call `check` until it returns something; TimeoutError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up after {timeout:.0f} s")
        time.sleep(every)


def record(dynamodb: Any, table: str, message_id: str) -> dict[str, Any] | None:
    """A message record as plain values, or None."""
    item = dynamodb.get_item(
        TableName=table, Key={"message_id": {"S": message_id}}, ConsistentRead=True
    ).get("Item")
    return {k: _DESERIALIZE(v) for k, v in item.items()} if item else None


def final_record(dynamodb: Any, table: str, message_id: str, timeout: float) -> dict[str, Any]:
    """The record once it is completed or failed."""

    def done() -> dict[str, Any] | None:
        found = record(dynamodb, table, message_id)
        return found if found and found.get("status") in FINAL else None

    return poll(done, timeout=timeout)


def newest_scheduled_message(dynamodb: Any, table: str, since: str) -> str | None:
    """The id of a `scheduled_hello` message created after `since` (ISO-8601), if any."""
    items = dynamodb.scan(
        TableName=table,
        FilterExpression="message_type = :t AND created_at > :since",
        ExpressionAttributeValues={":t": {"S": "scheduled_hello"}, ":since": {"S": since}},
        ConsistentRead=True,
    )["Items"]
    newest = max(items, key=lambda item: item["created_at"]["S"], default=None)
    return newest["message_id"]["S"] if newest else None
