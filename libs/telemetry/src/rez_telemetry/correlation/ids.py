"""Correlation ID generation and acceptance (validate or replace, and say so)."""

from __future__ import annotations

import os

from rez_telemetry.context import is_valid_correlation_id, safe_preview
from rez_telemetry.logging import logger

__all__ = ["accept_correlation_id", "new_correlation_id", "report_replaced"]


def new_correlation_id() -> str:
    """A fresh correlation ID: a random UUID4 string (no `uuid` import on the hot path)."""
    raw = bytearray(os.urandom(16))
    raw[6] = (raw[6] & 0x0F) | 0x40  # version 4
    raw[8] = (raw[8] & 0x3F) | 0x80  # RFC 4122 variant
    h = raw.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def accept_correlation_id(value: object, *, source: str, warn: bool = True) -> tuple[str, bool]:
    """`(id, was_generated)`: the value if valid; a fresh ID if it is missing or malformed.

    A malformed value is replaced and reported (`report_replaced`) unless `warn` is False.
    """
    if is_valid_correlation_id(value):
        return value, False
    fresh = new_correlation_id()
    if warn:
        report_replaced(value, fresh, source)
    return fresh, True


def report_replaced(value: object, replacement: str, source: str) -> None:
    """WARN that a malformed value was replaced: its length and a short sanitised preview, never
    the raw value. A missing value (None, empty) is no news and is not reported."""
    if value is None or value == "":
        return
    logger.warning(
        "Invalid correlation ID replaced",
        correlation_id=replacement,
        correlation_source=source,
        received_length=len(value) if isinstance(value, str) else None,
        received_preview=safe_preview(value),
    )
