"""The reconciler's windows: from the invocation's event, else the environment, else defaults.

- `CREATED_GRACE_SECONDS` (default 120): a `created` message older than this was not published.
  It must exceed the producers' own publish retries and the SNS→SQS→processor latency.
- `PROCESSING_GRACE_SECONDS`: when unset, the queue's `VisibilityTimeout` (read from SQS at run
  time, `MESSAGE_QUEUE_URL`) plus `PROCESSING_EXTRA_SECONDS` (default 960: SQS's longest
  message delay, 900 s, used by deferrals and paced retries, plus a minute); a message the
  processor holds is re-taken by SQS within that window, so older means SQS stopped.
- `MAX_RECEIVE_COUNT`: the queue's maxReceiveCount (a stuck message with that many attempts had
  its last receive: it is failed, not handed back).
An event `{"created_grace_seconds": n, "processing_grace_seconds": m}` overrides both (an on-call
"reconcile now with these windows", and the tests).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

DEFAULT_CREATED_GRACE_SECONDS = 120
DEFAULT_PROCESSING_EXTRA_SECONDS = 960
MAX_GRACE_SECONDS = 14 * 24 * 3600


class SettingsError(ValueError):
    """A window that is not a number of seconds within 1 s - 14 days."""


def _seconds(value: object, name: str) -> float:
    try:
        seconds = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise SettingsError(f"{name} must be a number of seconds, got {value!r}") from None
    if not 1 <= seconds <= MAX_GRACE_SECONDS:
        raise SettingsError(f"{name} must be within 1-{MAX_GRACE_SECONDS} s, got {value!r}")
    return seconds


def created_grace(event: Mapping[str, Any]) -> timedelta:
    if "created_grace_seconds" in event:
        return timedelta(seconds=_seconds(event["created_grace_seconds"], "created_grace_seconds"))
    raw = os.environ.get("CREATED_GRACE_SECONDS") or DEFAULT_CREATED_GRACE_SECONDS
    return timedelta(seconds=_seconds(raw, "CREATED_GRACE_SECONDS"))


def processing_grace(event: Mapping[str, Any], visibility_timeout: int | None) -> timedelta:
    """The explicit window, else the queue's visibility timeout plus the extra seconds."""
    if "processing_grace_seconds" in event:
        value = event["processing_grace_seconds"]
        return timedelta(seconds=_seconds(value, "processing_grace_seconds"))
    if raw := os.environ.get("PROCESSING_GRACE_SECONDS"):
        return timedelta(seconds=_seconds(raw, "PROCESSING_GRACE_SECONDS"))
    if visibility_timeout is None:
        raise SettingsError("set PROCESSING_GRACE_SECONDS or MESSAGE_QUEUE_URL")
    extra = _seconds(
        os.environ.get("PROCESSING_EXTRA_SECONDS") or DEFAULT_PROCESSING_EXTRA_SECONDS,
        "PROCESSING_EXTRA_SECONDS",
    )
    return timedelta(seconds=visibility_timeout + extra)
