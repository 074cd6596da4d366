"""Helpers the end-to-end tests share (conftest.py puts this folder on sys.path)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
STAGE = "dev"
REGION = "us-east-1"
#: The ntfy circuit's item in the breaker table (`rez_telemetry.resilience.DynamoDBStateStore`).
CIRCUIT_KEY = "circuit#ntfy-sh"


def wait_for(predicate: Callable[[], Any], *, timeout: float = 60, every: float = 0.5) -> Any:
    """Poll until `predicate` returns something truthy; fail with the last value otherwise."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(every)
    raise AssertionError(f"condition not met within {timeout:.0f}s (last value: {last!r})")


def log_events(aws: Callable[[str], Any], group: str, since_ms: int = 0) -> list[dict[str, Any]]:
    """Every event of a log group since `since_ms`, following pagination (filtered by the caller:
    the harness's FilterLogEvents ignores filter patterns)."""
    events: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"logGroupName": group, "startTime": since_ms}
    while True:
        page = aws("logs").filter_log_events(**kwargs)
        events.extend(page["events"])
        token = page.get("nextToken")
        if not token or not page["events"]:
            return events
        kwargs["nextToken"] = token


def dead_letters(endpoint: str) -> list[Any]:
    """What the DLQ holds now, as the runbook's `rezctl dlq list` reads it (nothing consumed).

    Other tests' messages may be there too: a test looks for its own by message id."""
    from rezctl.dlq import list_dead_letters
    from rezctl.target import Target

    return list_dead_letters(Target(stage=STAGE, endpoint=endpoint, region=REGION))
