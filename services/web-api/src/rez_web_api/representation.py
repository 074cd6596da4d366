"""How a stored message looks in the API's answers (the `Message` schema of openapi.yaml)."""

from __future__ import annotations

from typing import Any

from rez_messages import Message, Page
from rez_messages.model import format_timestamp


def message_json(message: Message) -> dict[str, Any]:
    """The full record, with the payload's `body` called `message` as in the create request."""
    return {
        "message_id": message.message_id,
        "correlation_id": message.correlation_id,
        "message_type": str(message.message_type),
        "status": str(message.status),
        "message": message.payload.body,
        "title": message.payload.title,
        "priority": message.payload.priority,
        "tags": list(message.payload.tags),
        "created_by": message.created_by,
        "created_at": format_timestamp(message.created_at),
        "updated_at": format_timestamp(message.updated_at),
        "attempts": message.attempts,
        "notification_id": message.notification_id,
        "error": message.error,
        "stage": message.stage,
    }


def accepted_json(message: Message) -> dict[str, Any]:
    """The 202 answer of a create (and of its idempotent replays)."""
    return {
        "message_id": message.message_id,
        "correlation_id": message.correlation_id,
        "status": str(message.status),
    }


def page_json(page: Page) -> dict[str, Any]:
    """One page of a listing; `next_cursor` is null on the last page."""
    return {"items": [message_json(message) for message in page.items], "next_cursor": page.cursor}
