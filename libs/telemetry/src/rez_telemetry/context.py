"""The correlation context: what one unit of work is tied to, and what a valid ID is.

The bottom of the package (it imports nothing of rez_telemetry): logging reads the current fields
from here, correlation sets them, tracing annotates spans with them. The state is one immutable
dict (`correlation_id`, `message_id`, extra scope fields) replaced on every change, so the logging
sink reads it with a single `ContextVar.get()` and a buffered log line can keep a reference to it.

`is_valid_correlation_id` is the one spelling of the `X-Correlation-ID` rule: every package that
accepts a correlation ID (HTTP header, message attribute, invoke payload, CLI argument) asks it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal, TypeGuard

__all__ = [
    "CORRELATION_FIELDS",
    "CORRELATION_ID_RULE",
    "MAX_CORRELATION_ID_LENGTH",
    "CorrelationInfo",
    "CorrelationSource",
    "EventSource",
    "clean_id",
    "clean_trace_context",
    "current_fields",
    "get_correlation_id",
    "get_message_id",
    "is_valid_correlation_id",
    "safe_preview",
    "scope_for",
    "set_message_id",
]

# -- validation ---------------------------------------------------------------------------------

MAX_CORRELATION_ID_LENGTH = 128
_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
CORRELATION_ID_RULE = "1-128 chars of [A-Za-z0-9._:-]"
"""The rule in words, for error messages that tell the caller what a valid ID is."""
_TRACE_CONTEXT = re.compile(r"[A-Za-z0-9=;:._,-]{1,512}")
_TRACEPARENT = re.compile(r"[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}")
_PREVIEW_LENGTH = 16


def is_valid_correlation_id(value: object) -> TypeGuard[str]:
    """1-128 characters of `[A-Za-z0-9._:-]` (the contract for `X-Correlation-ID`).

    The same rule bounds every identifier we accept from outside and quote onward (message IDs,
    message types): safe in log fields, metric dimensions and query text.
    """
    return isinstance(value, str) and _ID.fullmatch(value) is not None


def clean_id(value: object) -> str | None:
    """A message ID or type from the wire if it is well formed, else None."""
    return value if is_valid_correlation_id(value) else None


def clean_trace_context(value: object) -> str | None:
    """An X-Ray header (`Root=...`) or a W3C `traceparent` if it is one, else None."""
    if not isinstance(value, str) or not _TRACE_CONTEXT.fullmatch(value):
        return None
    if "Root=" in value or _TRACEPARENT.fullmatch(value):
        return value
    return None


def safe_preview(value: object) -> str:
    """A short, log-safe hint of a rejected value: its first characters, disallowed ones as `?`."""
    text = value if isinstance(value, str) else type(value).__name__
    head = "".join(c if _ID.fullmatch(c) else "?" for c in text[:_PREVIEW_LENGTH])
    return head + ("…" if len(text) > _PREVIEW_LENGTH else "")


# -- what a unit of work is tied to -------------------------------------------------------------

EventSource = Literal[
    "api_gateway", "sqs", "sqs_batch", "sns", "invoke", "schedule", "scope", "generated"
]
"""Where a `CorrelationInfo` came from."""

CorrelationSource = Literal["auto", "api_gateway", "sqs_batch", "sns", "invoke"]
"""What `@lambda_handler(correlation_from=...)` accepts."""


@dataclass(frozen=True, slots=True)
class CorrelationInfo:
    """The IDs that tie one unit of work to the rest of its message's journey.

    `was_generated` is True when the event carried no usable correlation ID and a fresh one was
    made here (a new journey starts, or a malformed value was replaced).
    """

    correlation_id: str
    message_id: str | None = None
    message_type: str | None = None
    trace_context: str | None = None
    source: EventSource = "generated"
    was_generated: bool = False

    def scope(self, **fields: Any) -> AbstractContextManager[CorrelationInfo]:
        """A `correlation_scope` for this info: `with info.scope(): ...`."""
        return scope_for(self, **fields)


# -- the current correlation --------------------------------------------------------------------

_EMPTY: Mapping[str, Any] = MappingProxyType({})
_ID_KEYS = frozenset({"correlation_id", "message_id"})

CORRELATION_FIELDS: ContextVar[Mapping[str, Any]] = ContextVar(
    "rez_telemetry_correlation", default=_EMPTY
)
"""Read by the logging sink; change it only through the functions of this package."""


def current_fields() -> Mapping[str, Any]:
    """The correlation fields every log line carries now (read-only)."""
    return CORRELATION_FIELDS.get()


def get_correlation_id() -> str | None:
    """The current correlation ID, or None outside any scope or invocation."""
    value = CORRELATION_FIELDS.get().get("correlation_id")
    return value if isinstance(value, str) else None


def get_message_id() -> str | None:
    """The current message ID, or None when unknown."""
    value = CORRELATION_FIELDS.get().get("message_id")
    return value if isinstance(value, str) else None


def compose(
    correlation_id: str | None, message_id: str | None, rest: Mapping[str, Any]
) -> Mapping[str, Any]:
    """The state dict, IDs first (so they lead every log line), None values dropped."""
    state: dict[str, Any] = {}
    if correlation_id is not None:
        state["correlation_id"] = correlation_id
    if message_id is not None:
        state["message_id"] = message_id
    for key, value in rest.items():
        if value is not None and key not in _ID_KEYS:
            state[key] = value
    return state


def set_message_id(message_id: str | None) -> None:
    """Set (or clear, with None) the message ID for the rest of the current context."""
    current = CORRELATION_FIELDS.get()
    CORRELATION_FIELDS.set(compose(current.get("correlation_id"), message_id, current))


def scope_for(info: CorrelationInfo, **fields: Any) -> AbstractContextManager[CorrelationInfo]:
    """A scope setting exactly `info`'s IDs (and `fields`) until it exits."""
    if info.message_type is not None:
        fields.setdefault("message_type", info.message_type)
    return _scoped(info, fields)


@contextmanager
def _scoped(info: CorrelationInfo, fields: Mapping[str, Any]) -> Iterator[CorrelationInfo]:
    state = compose(info.correlation_id, info.message_id, {**CORRELATION_FIELDS.get(), **fields})
    token = CORRELATION_FIELDS.set(state)
    try:
        yield info
    finally:
        CORRELATION_FIELDS.reset(token)
