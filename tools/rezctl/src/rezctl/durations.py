"""`--since 1h`, `--window 30d`: short durations as operators type them."""

from __future__ import annotations

import datetime as dt
import re
from typing import Final

from rezctl.errors import UsageError

_UNITS: Final = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_PATTERN: Final = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")


def parse_duration(text: str) -> dt.timedelta:
    """`90s`, `15m`, `1h`, `30d`, `2w` -> timedelta (UsageError otherwise)."""
    match = _PATTERN.match(text.lower())
    if not match:
        raise UsageError(f"not a duration: {text!r} (use e.g. 15m, 1h, 24h, 30d)")
    seconds = float(match.group(1)) * _UNITS[match.group(2)]
    if seconds <= 0:
        raise UsageError(f"duration must be positive: {text!r}")
    return dt.timedelta(seconds=seconds)


def describe(delta: dt.timedelta) -> str:
    """The shortest exact form: 30d, 24h, 90m, 45s."""
    seconds = int(delta.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
