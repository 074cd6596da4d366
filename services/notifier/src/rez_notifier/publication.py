"""Mapping a stored message to one ntfy publish request (body + headers), within ntfy's limits.

How a human finds the message from the phone: the body ends with a footer line
`correlation_id: <id>` (the same field name as in every log line, so it can be pasted into
saved Logs Insights query 1 of docs/observability.md). The correlation ID also travels as the
`X-Correlation-ID` header.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from rez_messages import InvalidPayloadError
from rez_messages.model import parse_priority
from rez_notifier.errors import InvalidMessageError
from rez_notifier.truncation import truncate_utf8

__all__ = [
    "NTFY_MESSAGE_LIMIT_BYTES",
    "TRUNCATION_MARKER",
    "NtfyPublication",
    "build_publication",
    "encode_header_value",
    "ntfy_priority",
]

# ntfy's default `message-size-limit` (ntfy.sh's too); a longer body would become an attachment.
NTFY_MESSAGE_LIMIT_BYTES = 4096
TRUNCATION_MARKER = "… [truncated]"


@dataclass(frozen=True, slots=True)
class NtfyPublication:
    """One publish request, ready for the client; holds no credentials, so it may be logged."""

    body: str
    headers: Mapping[str, str] = field(default_factory=dict)
    original_body_bytes: int = 0
    truncated: bool = False

    @property
    def body_bytes(self) -> int:
        """Size of the body as sent."""
        return len(self.body.encode("utf-8"))


def encode_header_value(text: str) -> str:
    """A header-safe rendering of `text` that ntfy decodes back.

    Line breaks and control characters become spaces; non-ASCII text (or text that would look
    like an encoded word) is sent as an RFC 2047 encoded word, which ntfy decodes.
    """
    cleaned = " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())
    if cleaned.isascii() and "=?" not in cleaned:
        return cleaned
    return "=?UTF-8?B?" + base64.b64encode(cleaned.encode("utf-8")).decode("ascii") + "?="


def ntfy_priority(message_id: str, priority: object) -> str | None:
    """ntfy's numeric priority (1..5); names are read by the message model's own parser."""
    if priority is None or priority == "":
        return None
    try:
        return str(parse_priority(priority))
    except InvalidPayloadError as error:
        raise InvalidMessageError(message_id, str(error)) from error


def _footer(correlation_id: str) -> str:
    return f"\n\ncorrelation_id: {correlation_id}"


def _fit_body(body: str, footer: str, limit: int) -> tuple[str, bool]:
    """The body with its footer, truncated (with a marker) so the whole fits in `limit` bytes."""
    full = body + footer
    if len(full.encode("utf-8")) <= limit:
        return full, False
    budget = limit - len(footer.encode("utf-8")) - len(TRUNCATION_MARKER.encode("utf-8"))
    return truncate_utf8(body, budget) + TRUNCATION_MARKER + footer, True


def build_publication(
    *,
    message_id: str,
    correlation_id: str,
    title: str | None,
    body: str,
    priority: object = None,
    tags: Sequence[str] = (),
    limit_bytes: int = NTFY_MESSAGE_LIMIT_BYTES,
) -> NtfyPublication:
    """Map one message to ntfy's publish API: body, X-Title, X-Priority, X-Tags, X-Correlation-ID,
    X-Sequence-ID.

    `X-` names are used because a bare `Priority` header is ignored by ntfy when it looks like
    the RFC 9218 HTTP priority that proxies add.
    """
    headers: dict[str, str] = {
        "Content-Type": "text/plain; charset=utf-8",
        "X-Correlation-ID": correlation_id,
        # ntfy's sequence id (ntfy 2.16+): a redelivered post updates the same notification,
        # and the notifier can find an earlier attempt's post in ntfy's cache (see `intent`).
        "X-Sequence-ID": message_id,
    }
    if title and title.strip():
        headers["X-Title"] = encode_header_value(title)
    numeric_priority = ntfy_priority(message_id, priority)
    if numeric_priority is not None:
        headers["X-Priority"] = numeric_priority
    cleaned_tags = [tag.strip() for tag in tags if tag and tag.strip()]
    if cleaned_tags:
        headers["X-Tags"] = encode_header_value(",".join(cleaned_tags))
    text, truncated = _fit_body(body, _footer(correlation_id), limit_bytes)
    return NtfyPublication(
        body=text,
        headers=headers,
        original_body_bytes=len(body.encode("utf-8")),
        truncated=truncated,
    )
