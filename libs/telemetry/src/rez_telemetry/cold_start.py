"""Cold start: True for the first invocation of this execution environment only.

One flag for the whole package. `@lambda_handler` consumes it once per invocation and keeps the
answer for that invocation, so the log field `cold_start` and the `ColdStart` metric (read with
`is_cold_start()`) can never disagree.
"""

from __future__ import annotations

from contextvars import ContextVar

from rez_telemetry import _env

__all__ = ["consume_cold_start", "is_cold_start", "reset_cold_start"]

_PROVISIONED = "provisioned-concurrency"
_state = {"cold": True}
_this_invocation: ContextVar[bool] = ContextVar("rez_telemetry_cold_start", default=False)


def consume_cold_start() -> bool:
    """True the first time it is called in this process (never under provisioned concurrency).

    The answer is also kept for the current context (the invocation `@lambda_handler` runs in),
    where `is_cold_start()` reads it again.
    """
    cold = _state["cold"]
    _state["cold"] = False
    cold = cold and _env.read(_env.AWS_LAMBDA_INITIALIZATION_TYPE) != _PROVISIONED
    _this_invocation.set(cold)
    return cold


def is_cold_start() -> bool:
    """Whether the current invocation is the environment's cold start (does not consume)."""
    return _this_invocation.get()


def reset_cold_start() -> None:
    """Make the next invocation cold again (tests)."""
    _state["cold"] = True
