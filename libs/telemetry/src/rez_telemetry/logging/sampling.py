"""Sampling of high-volume lines, decided once per invocation so its lines stay together.

A line is high-volume when its fields carry `high_volume=True` (`logger.bind(high_volume=True)`
or `log_sampled`). Only lines below WARNING are ever dropped.
"""

from __future__ import annotations

import os

__all__ = [
    "begin_invocation",
    "configure_sampling",
    "debug_sampled",
    "keep_high_volume",
    "reset_sampling",
]

_state: dict[str, float | bool] = {"rate": 1.0, "keep": True, "debug_rate": 0.0, "debug": False}


def _draw(rate: float) -> bool:
    """True with probability `rate` (os.urandom: no `random` import, fork-safe)."""
    if rate >= 1.0:
        return True
    if rate <= 0.0:
        return False
    return int.from_bytes(os.urandom(7)) / (1 << 56) < rate


def configure_sampling(rate: float, debug_rate: float = 0.0) -> None:
    """Set the keep-rate of high-volume lines and the fraction of invocations logged at DEBUG
    (Powertools' `POWERTOOLS_LOGGER_SAMPLE_RATE`); draw both for lines outside any invocation."""
    _state.update(rate=rate, debug_rate=debug_rate)
    _state["keep"] = _draw(rate)
    _state["debug"] = debug_rate > 0 and _draw(debug_rate)


def begin_invocation() -> bool:
    """Draw this invocation's decisions (called by `@lambda_handler`); returns the keep one."""
    keep = _draw(float(_state["rate"]))
    _state["keep"] = keep
    debug_rate = float(_state["debug_rate"])
    _state["debug"] = debug_rate > 0 and _draw(debug_rate)
    return keep


def debug_sampled() -> bool:
    """Whether the current invocation was drawn to log at DEBUG whatever the level."""
    return bool(_state["debug"])


def keep_high_volume() -> bool:
    """Whether high-volume lines are written in the current invocation."""
    return bool(_state["keep"])


def reset_sampling() -> None:
    """Back to keep-everything (tests)."""
    _state.update(rate=1.0, keep=True, debug_rate=0.0, debug=False)
