"""Turning one log event into one JSON line: timestamp, structured exception, encoding."""

from __future__ import annotations

import json
import time
import traceback
from typing import Any

from rez_telemetry.logging.redaction import redact_text

__all__ = ["encode", "format_timestamp", "structure_exception"]

ExcInfo = tuple[type[BaseException] | None, BaseException | None, Any]

_second_cache: list[Any] = [-1, ""]


def format_timestamp(created: float) -> str:
    """RFC 3339, UTC, milliseconds: `2026-01-31T12:00:00.123Z` (the second part is cached)."""
    second, millis = divmod(round(created * 1000), 1000)
    cached_second, prefix = _second_cache
    if second != cached_second:
        prefix = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
        _second_cache[:] = [second, prefix]
    return f"{prefix}.{millis:03d}Z"


def structure_exception(exc_info: ExcInfo) -> dict[str, str]:
    """`{type, message, traceback}`, secrets masked in message and traceback."""
    exc_type, exc_value, exc_tb = exc_info
    type_name = exc_type.__name__ if exc_type is not None else "Exception"
    lines = traceback.format_exception(exc_type, exc_value, exc_tb)
    return {
        "type": type_name,
        "message": redact_text(str(exc_value)),
        "traceback": redact_text("".join(lines)),
    }


def _default(value: Any) -> Any:
    """Objects JSON does not know (datetimes, UUIDs, Decimals, models) become masked strings."""
    if isinstance(value, set | frozenset):
        return list(value)
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return redact_text(str(value))


_encoder = json.JSONEncoder(
    ensure_ascii=False, separators=(",", ":"), default=_default, allow_nan=False
)


def encode(line: dict[str, Any]) -> str:
    """One compact JSON object (no newline)."""
    return _encoder.encode(line)


def encode_safely(line: dict[str, Any]) -> str:
    """Like `encode`, for a line `encode` refused (NaN, circular data): values become strings."""
    safe = {
        key: value if value is None or type(value) in (str, int, bool) else redact_text(str(value))
        for key, value in line.items()
    }
    return _encoder.encode(safe)
