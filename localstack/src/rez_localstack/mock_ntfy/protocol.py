"""ntfy's publish API as ntfy documents it (docs.ntfy.sh/publish): parsing, answers, errors.

Pure functions over headers/query/body so they are testable without a socket. Parameter names
follow ntfy's ``readParam``: the ``X-`` header, its short aliases, then the query string.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import string
import time
from collections.abc import Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

#: ntfy's default ``message-size-limit``; larger bodies become attachments, which are off here.
MESSAGE_SIZE_LIMIT = 4096
#: ntfy's default ``cache-duration`` (12 h): ``expires`` = ``time`` + this.
CACHE_DURATION_S = 12 * 3600
DEFAULT_MESSAGE = "triggered"
TOPIC_RE = re.compile(r"^[-_A-Za-z0-9]{1,64}$")

PRIORITIES = {
    "1": 1,
    "min": 1,
    "2": 2,
    "low": 2,
    "3": 3,
    "default": 3,
    "4": 4,
    "high": 4,
    "5": 5,
    "max": 5,
    "urgent": 5,
}

_LINK_PUBLISH = "https://ntfy.sh/docs/publish/"


class NtfyError(Exception):
    """An ntfy error answer: ``{"code", "http", "error", "link"}`` (server/errors.go)."""

    def __init__(self, code: int, http: int, error: str, link: str = "") -> None:
        super().__init__(error)
        self.code, self.http, self.error, self.link = code, http, error, link

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "http": self.http, "error": self.error}
        if self.link:
            body["link"] = self.link
        return body


def priority_invalid() -> NtfyError:
    return NtfyError(40007, 400, "invalid priority parameter", _LINK_PUBLISH + "#message-priority")


def topic_invalid() -> NtfyError:
    return NtfyError(40009, 400, "invalid request: topic invalid")


def message_not_utf8() -> NtfyError:
    return NtfyError(40011, 400, "invalid message: message must be UTF-8 encoded")


def attachments_disallowed() -> NtfyError:
    """What ntfy answers a message over the size limit when attachments are not configured."""
    return NtfyError(
        40014,
        400,
        "invalid request: attachments not allowed",
        "https://ntfy.sh/docs/config/#attachments",
    )


def json_invalid() -> NtfyError:
    return NtfyError(
        40017,
        400,
        "invalid request: request body must be message JSON",
        _LINK_PUBLISH + "#publish-as-json",
    )


def unauthorized() -> NtfyError:
    return NtfyError(40101, 401, "unauthorized", _LINK_PUBLISH + "#authentication")


def forbidden() -> NtfyError:
    return NtfyError(40301, 403, "forbidden", _LINK_PUBLISH + "#authentication")


def not_found() -> NtfyError:
    return NtfyError(40401, 404, "page not found")


def too_many_requests() -> NtfyError:
    return NtfyError(
        42901,
        429,
        "limit reached: too many requests, please be nice",
        _LINK_PUBLISH + "#limitations",
    )


def for_status(status: int) -> NtfyError:
    """ntfy's body for an injected failure status."""
    known = {
        400: NtfyError(40000, 400, "invalid request"),
        401: unauthorized(),
        403: forbidden(),
        404: not_found(),
        429: too_many_requests(),
        500: NtfyError(50001, 500, "internal server error"),
        507: NtfyError(50701, 507, "topic is inactive; no device available to recieve message"),
    }
    if status in known:
        return known[status]
    try:
        phrase = HTTPStatus(status).phrase.lower()
    except ValueError:
        phrase = "error"
    return NtfyError(status * 100 + 1, status, phrase)


def read_param(headers: Mapping[str, str], query: Mapping[str, str], *names: str) -> str | None:
    """First of ``names`` present as a header (case-insensitive), then as a query parameter."""
    lowered = {k.lower(): v for k, v in headers.items()}
    for name in names:
        if name in lowered:
            return lowered[name].strip()
    for name in names:
        if name in query:
            return query[name].strip()
    return None


def parse_priority(value: str | int | None) -> int:
    """``1``-``5`` or the names; empty means "not set" (0). Anything else is ntfy's 40007."""
    if value is None or value == "":
        return 0
    if isinstance(value, int) and not isinstance(value, bool):
        if 0 <= value <= 5:
            return value
        raise priority_invalid()
    if isinstance(value, str) and value.strip().lower() in PRIORITIES:
        return PRIORITIES[value.strip().lower()]
    raise priority_invalid()


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "yes", "true")


@dataclass(frozen=True)
class Credentials:
    """What an ``Authorization`` header carried: a token, or a user and password."""

    token: str | None = None
    user: str | None = None
    password: str | None = None


def parse_authorization(header: str | None) -> Credentials | None:
    """``Bearer <token>`` or ``Basic base64(user:pass)``; a Basic with no user is a token."""
    if not header:
        return None
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() == "bearer":
        return Credentials(token=value.strip())
    if scheme.lower() == "basic":
        try:
            user, _, password = base64.b64decode(value.strip()).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return Credentials()
        if not user:
            return Credentials(token=password)
        return Credentials(user=user, password=password)
    return Credentials()


def fingerprint(secret: str) -> str:
    """A short, stable digest of a credential: enough for a test to check which one was sent."""
    return "sha256:" + hashlib.sha256(secret.encode()).hexdigest()[:16]


def mask_authorization(header: str) -> str:
    """``Bearer tk_secret`` -> ``Bearer sha256:…``: what the control API shows instead of the value.

    The control endpoints answer any local client (a web page the developer opens included), so
    they never hand out a credential; the fingerprint still tells a test which one arrived.
    """
    scheme, _, value = header.strip().partition(" ")
    return f"{scheme} {fingerprint(value.strip())}" if value else fingerprint(scheme)


def new_message(topic: str) -> dict[str, Any]:
    now = int(time.time())
    alphabet = string.ascii_letters + string.digits
    return {
        "id": "".join(secrets.choice(alphabet) for _ in range(12)),
        "time": now,
        "expires": now + CACHE_DURATION_S,
        "event": "message",
        "topic": topic,
    }


def _finish(message: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
    """Add the optional fields the way Go's ``omitempty`` would show them."""
    for key in (
        "title",
        "message",
        "priority",
        "tags",
        "click",
        "icon",
        "content_type",
        "actions",
        "sequence_id",
    ):
        value = fields.get(key)
        if value:
            message[key] = value
    if "message" not in message:
        message["message"] = DEFAULT_MESSAGE
    return message


def from_http(
    topic: str, headers: Mapping[str, str], query: Mapping[str, str], body: bytes
) -> dict[str, Any]:
    """A ``PUT``/``POST /<topic>`` publish: body is the message, metadata in headers/query."""
    if not TOPIC_RE.match(topic):
        raise topic_invalid()
    if len(body) > MESSAGE_SIZE_LIMIT:
        raise attachments_disallowed()
    try:
        text = body.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise attachments_disallowed() from None  # ntfy treats binary bodies as attachments
    if not text:
        text = read_param(headers, query, "x-message", "message", "m") or ""
    tags = read_param(headers, query, "x-tags", "tags", "tag", "ta")
    content_type = (read_param(headers, {}, "content-type") or "").lower()
    markdown = _truthy(read_param(headers, query, "x-markdown", "markdown", "md"))
    fields = {
        "title": read_param(headers, query, "x-title", "title", "ti", "t"),
        "message": text,
        "priority": parse_priority(
            read_param(headers, query, "x-priority", "priority", "prio", "p")
        ),
        "tags": [t.strip() for t in tags.split(",") if t.strip()] if tags else [],
        "click": read_param(headers, query, "x-click", "click"),
        "icon": read_param(headers, query, "x-icon", "icon"),
        "content_type": "text/markdown" if markdown or "text/markdown" in content_type else None,
        # ntfy 2.16+: notifications with one sequence id update each other on clients
        "sequence_id": read_param(headers, query, "x-sequence-id", "sequence-id", "sid"),
    }
    return _finish(new_message(topic), fields)


def from_json(body: bytes) -> dict[str, Any]:
    """A JSON publish to ``/``: ``{"topic", "message", "title", "priority", "tags", ...}``."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise json_invalid() from None
    if not isinstance(data, dict) or not isinstance(data.get("topic"), str):
        raise json_invalid()
    topic = data["topic"]
    if not TOPIC_RE.match(topic):
        raise topic_invalid()
    message = data.get("message") or ""
    if not isinstance(message, str):
        raise json_invalid()
    if len(message.encode()) > MESSAGE_SIZE_LIMIT:
        raise attachments_disallowed()
    if isinstance(data.get("priority"), str):
        raise json_invalid()  # ntfy's JSON priority is a number; Go's decoder rejects a string
    tags = data.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise json_invalid()
    fields = {
        "title": data.get("title"),
        "message": message.strip(),
        "priority": parse_priority(data.get("priority")),
        "tags": tags,
        "click": data.get("click"),
        "icon": data.get("icon"),
        "actions": data.get("actions"),
        "content_type": "text/markdown" if data.get("markdown") else None,
        "sequence_id": data.get("sequence_id"),
    }
    return _finish(new_message(topic), fields)


def parse_since(value: str | None) -> int:
    """``since``: unix seconds, or ``all`` / absent (every cached message). ntfy's durations and
    message ids are not supported by the mock (a 400, as ntfy answers a malformed value)."""
    if value is None or value in ("", "all"):
        return 0
    if value.isdigit():
        return int(value)
    raise NtfyError(40008, 400, "invalid request: since invalid")
