"""Cold start: True for the first invocation of this execution environment only."""

from __future__ import annotations

import os

__all__ = ["consume_cold_start", "reset_cold_start"]

_PROVISIONED = "provisioned-concurrency"
_state = {"cold": True}


def consume_cold_start() -> bool:
    """True the first time it is called in this process (never under provisioned concurrency)."""
    cold = _state["cold"]
    _state["cold"] = False
    return cold and os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE") != _PROVISIONED


def reset_cold_start() -> None:
    """Make the next invocation cold again (tests)."""
    _state["cold"] = True
