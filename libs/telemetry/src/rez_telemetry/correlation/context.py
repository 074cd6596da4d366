"""The current correlation, in a ContextVar: what every log line of this unit of work carries.

The state is one immutable dict (`correlation_id`, `message_id`, extra scope fields) replaced on
every change, so the logging sink reads it with a single `ContextVar.get()` and a buffered log line
can keep a reference to it safely.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from types import MappingProxyType
from typing import Any

from rez_telemetry.correlation.ids import accept_correlation_id, new_correlation_id
from rez_telemetry.correlation.types import CorrelationInfo
from rez_telemetry.correlation.validation import clean_id

__all__ = [
    "CORRELATION_FIELDS",
    "correlation_scope",
    "current_fields",
    "get_correlation_id",
    "get_message_id",
    "scope_for",
    "set_correlation_id",
    "set_message_id",
]

_EMPTY: Mapping[str, Any] = MappingProxyType({})

CORRELATION_FIELDS: ContextVar[Mapping[str, Any]] = ContextVar(
    "rez_telemetry_correlation", default=_EMPTY
)
"""Read by the logging sink; change it only through the functions below."""


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


def _compose(
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


_ID_KEYS = frozenset({"correlation_id", "message_id"})


def set_correlation_id(correlation_id: str) -> None:
    """Set the correlation ID for the rest of the current context (validated)."""
    accepted, _ = accept_correlation_id(correlation_id, source="set_correlation_id")
    current = CORRELATION_FIELDS.get()
    CORRELATION_FIELDS.set(_compose(accepted, current.get("message_id"), current))


def set_message_id(message_id: str | None) -> None:
    """Set (or clear, with None) the message ID for the rest of the current context."""
    current = CORRELATION_FIELDS.get()
    CORRELATION_FIELDS.set(_compose(current.get("correlation_id"), message_id, current))


@contextmanager
def correlation_scope(
    correlation_id: str | None = None, message_id: str | None = None, **fields: Any
) -> Iterator[CorrelationInfo]:
    """Scope a correlation ID, a message ID and extra log fields to one unit of work.

    Without `correlation_id` the current one is kept (a fresh one when there is none); a
    malformed one is replaced (and reported). The previous values come back on exit, even on
    error, so nothing leaks into the next unit of work.
    """
    was_generated = False
    if correlation_id is None:
        correlation_id = get_correlation_id()
        if correlation_id is None:
            correlation_id, was_generated = new_correlation_id(), True
    else:
        correlation_id, was_generated = accept_correlation_id(correlation_id, source="scope")
    if message_id is None:
        message_id = get_message_id()
    info = CorrelationInfo(
        correlation_id=correlation_id,
        message_id=clean_id(message_id) if message_id is not None else None,
        message_type=fields.get("message_type"),
        source="scope",
        was_generated=was_generated,
    )
    with _scoped(info, fields):
        yield info


def scope_for(info: CorrelationInfo, **fields: Any) -> Any:
    """A scope setting exactly `info`'s IDs (used by `CorrelationInfo.scope`)."""
    if info.message_type is not None:
        fields.setdefault("message_type", info.message_type)
    return _scoped(info, fields)


@contextmanager
def _scoped(info: CorrelationInfo, fields: Mapping[str, Any]) -> Iterator[CorrelationInfo]:
    state = _compose(info.correlation_id, info.message_id, {**CORRELATION_FIELDS.get(), **fields})
    token = CORRELATION_FIELDS.set(state)
    try:
        yield info
    finally:
        CORRELATION_FIELDS.reset(token)
