"""Sampling of high-volume lines, decided once per invocation so its lines stay together.

A line is high-volume when its fields carry `high_volume=True` (`logger.bind(high_volume=True)`
or `log_sampled`). Only lines below WARNING are ever dropped.
"""

from __future__ import annotations

import os

__all__ = ["begin_invocation", "configure_sampling", "keep_high_volume", "reset_sampling"]

_state: dict[str, float | bool] = {"rate": 1.0, "keep": True}


def _draw(rate: float) -> bool:
    """True with probability `rate` (os.urandom: no `random` import, fork-safe)."""
    if rate >= 1.0:
        return True
    if rate <= 0.0:
        return False
    return int.from_bytes(os.urandom(7)) / (1 << 56) < rate


def configure_sampling(rate: float) -> None:
    """Set the keep-rate and draw the decision for lines logged outside any invocation."""
    _state["rate"] = rate
    _state["keep"] = _draw(rate)


def begin_invocation() -> bool:
    """Draw this invocation's decision (called by `@lambda_handler`); returns it."""
    keep = _draw(float(_state["rate"]))
    _state["keep"] = keep
    return keep


def keep_high_volume() -> bool:
    """Whether high-volume lines are written in the current invocation."""
    return bool(_state["keep"])


def reset_sampling() -> None:
    """Back to keep-everything (tests)."""
    _state.update(rate=1.0, keep=True)
