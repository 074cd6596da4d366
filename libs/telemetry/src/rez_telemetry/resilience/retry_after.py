"""Parsing of the HTTP `Retry-After` header (RFC 9110 §10.2.3): delay-seconds or an HTTP-date."""

from __future__ import annotations

import datetime as dt
import email.utils
import time
from collections.abc import Callable


def parse_retry_after(value: str | None, now: Callable[[], float] = time.time) -> float | None:
    """Seconds to wait, or None when the header is absent or unreadable.

    A date in the past means "now" (0 seconds); negative numbers are treated as unreadable.
    """
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        return _seconds_until_http_date(text, now)
    if seconds != seconds or seconds < 0 or seconds == float("inf"):  # NaN, negative, infinite
        return None
    return seconds


def _seconds_until_http_date(text: str, now: Callable[[], float]) -> float | None:
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # RFC 850/asctime forms carry no zone: they are GMT by definition
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, when.timestamp() - now())
