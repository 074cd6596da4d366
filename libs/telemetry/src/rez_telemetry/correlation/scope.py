"""Scoping a correlation by hand: `correlation_scope(...)` and `set_correlation_id(...)`.

Both validate what they are given (a malformed ID is replaced and reported), which is why they
live here and not in the context module beneath logging.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rez_telemetry.context import (
    CORRELATION_FIELDS,
    CorrelationInfo,
    clean_id,
    compose,
    get_correlation_id,
    get_message_id,
    scope_for,
)
from rez_telemetry.correlation.ids import accept_correlation_id, new_correlation_id

__all__ = ["correlation_scope", "set_correlation_id"]


def set_correlation_id(correlation_id: str) -> None:
    """Set the correlation ID for the rest of the current context (validated)."""
    accepted, _ = accept_correlation_id(correlation_id, source="set_correlation_id")
    current = CORRELATION_FIELDS.get()
    CORRELATION_FIELDS.set(compose(accepted, current.get("message_id"), current))


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
    with scope_for(info, **fields):
        yield info
