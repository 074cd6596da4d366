"""Correlation ID generation and acceptance (validate or replace, and say so)."""

from __future__ import annotations

import os

from rez_telemetry.correlation.validation import is_valid_correlation_id, safe_preview

__all__ = ["accept_correlation_id", "new_correlation_id"]


def new_correlation_id() -> str:
    """A fresh correlation ID: a random UUID4 string (no `uuid` import on the hot path)."""
    raw = bytearray(os.urandom(16))
    raw[6] = (raw[6] & 0x0F) | 0x40  # version 4
    raw[8] = (raw[8] & 0x3F) | 0x80  # RFC 4122 variant
    h = raw.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def accept_correlation_id(value: object, *, source: str, warn: bool = True) -> tuple[str, bool]:
    """`(id, was_generated)`: the value if valid; a fresh ID if it is missing or malformed.

    A malformed value is replaced and reported at WARN with its length and a short sanitised
    preview, never the raw value.
    """
    if is_valid_correlation_id(value):
        return value, False
    fresh = new_correlation_id()
    if value is not None and value != "" and warn:
        from rez_telemetry.logging import logger

        logger.warning(
            "Invalid correlation ID replaced",
            correlation_id=fresh,
            correlation_source=source,
            received_length=len(value) if isinstance(value, str) else None,
            received_preview=safe_preview(value),
        )
    return fresh, True
