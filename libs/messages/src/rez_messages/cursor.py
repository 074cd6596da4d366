"""Opaque pagination cursors: base64url JSON that only this library writes and reads.

A position is the last item a page handed out, as `(created_at, message_id)`; the next page starts
strictly after it in newest-first order. Callers must treat cursors as opaque strings.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass

from rez_messages.exceptions import InvalidCursorError
from rez_messages.model import MessageStatus

__all__ = ["ALL_STATUSES", "DONE", "MergedCursor", "Position", "StatusCursor"]

_VERSION = 1
#: Marks a status whose messages a merged listing has handed out entirely.
DONE = "done"
ALL_STATUSES: tuple[MessageStatus, ...] = tuple(MessageStatus)


@dataclass(frozen=True, slots=True)
class Position:
    """Where a newest-first listing stopped: the last item returned."""

    created_at: str
    message_id: str

    def as_list(self) -> list[str]:
        return [self.created_at, self.message_id]

    @classmethod
    def from_list(cls, value: object) -> Position:
        if (
            not isinstance(value, list)
            or len(value) != 2
            or not all(isinstance(part, str) and part for part in value)
        ):
            raise InvalidCursorError("malformed position")
        return cls(created_at=value[0], message_id=value[1])


def _encode(document: dict[str, object]) -> str:
    raw = json.dumps(document, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str, kind: str) -> dict[str, object]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        document = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, UnicodeDecodeError, ValueError) as error:
        raise InvalidCursorError("not a cursor issued by this API") from error
    if not isinstance(document, dict) or document.get("v") != _VERSION:
        raise InvalidCursorError("unknown cursor version")
    if document.get("k") != kind:
        raise InvalidCursorError(f"cursor belongs to another listing, not {kind!r}")
    return document


@dataclass(frozen=True, slots=True)
class StatusCursor:
    """Cursor of `list_by_status`: the status it lists and the last position handed out."""

    status: MessageStatus
    after: Position

    def encode(self) -> str:
        return _encode({"v": _VERSION, "k": "status", "s": self.status, "a": self.after.as_list()})

    @classmethod
    def decode(cls, cursor: str, status: MessageStatus) -> StatusCursor:
        document = _decode(cursor, "status")
        if document.get("s") != status:
            raise InvalidCursorError(
                f"cursor was issued for status {document.get('s')!r}, not {status!r}"
            )
        return cls(status=status, after=Position.from_list(document.get("a")))


@dataclass(frozen=True, slots=True)
class MergedCursor:
    """Cursor of `list_all`: per status, where it stopped (None: not started, DONE: exhausted)."""

    positions: dict[MessageStatus, Position | str | None]

    def encode(self) -> str:
        state: dict[str, object] = {}
        for status in ALL_STATUSES:
            position = self.positions.get(status)
            state[status] = position.as_list() if isinstance(position, Position) else position
        return _encode({"v": _VERSION, "k": "all", "p": state})

    @classmethod
    def decode(cls, cursor: str) -> MergedCursor:
        document = _decode(cursor, "all")
        state = document.get("p")
        if not isinstance(state, dict):
            raise InvalidCursorError("malformed merged cursor")
        positions: dict[MessageStatus, Position | str | None] = {}
        for status in ALL_STATUSES:
            value = state.get(status)
            positions[status] = (
                value if value is None or value == DONE else Position.from_list(value)
            )
        return cls(positions=positions)
