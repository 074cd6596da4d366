"""Cold-start state of this execution environment, in its own module so tests can reset it."""

from __future__ import annotations

import os

from rez_telemetry.metrics.config import LAMBDA_INITIALIZATION_TYPE_ENV

_is_cold_start = os.environ.get(LAMBDA_INITIALIZATION_TYPE_ENV) != "provisioned-concurrency"


def take_cold_start() -> bool:
    """True once per environment, at its first invocation (never with provisioned concurrency)."""
    global _is_cold_start
    was_cold, _is_cold_start = _is_cold_start, False
    return was_cold


def reset_cold_start() -> None:
    """Make the next invocation a cold start again (tests)."""
    global _is_cold_start
    _is_cold_start = True
