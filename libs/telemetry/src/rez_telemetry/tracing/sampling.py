"""Sampling as docs/observability.md states: all in dev; in prod 1 trace a second plus 5%.

`ReservoirSampler` mirrors X-Ray's default rule. The decision is taken for each root span — in
Lambda, each invocation's span — not once per cold start; children follow their parent, and an
incoming `Sampled=1/0` is honoured.
"""

from __future__ import annotations

import math
import random
import threading
import time
from collections.abc import Callable
from typing import Final

from rez_telemetry import _env

DEV_RATE: Final = 1.0
PROD_RESERVOIR_PER_SECOND: Final = 1
PROD_RATE: Final = 0.05


class ReservoirSampler:
    """Take the first `reservoir_per_second` decisions of each second, then `rate` of the rest."""

    def __init__(
        self,
        reservoir_per_second: int = PROD_RESERVOIR_PER_SECOND,
        rate: float = PROD_RATE,
        *,
        clock: Callable[[], float] = time.time,
        random_value: Callable[[], float] = random.random,
    ) -> None:
        if reservoir_per_second < 0 or not 0.0 <= rate <= 1.0:
            raise ValueError("reservoir_per_second must be >= 0 and rate within [0, 1]")
        self.reservoir_per_second = reservoir_per_second
        self.rate = rate
        self._clock = clock
        self._random = random_value
        self._lock = threading.Lock()
        self._second = -1
        self._taken = 0

    def should_sample(self) -> bool:
        """One decision; thread-safe."""
        if self.rate >= 1.0:
            return True
        second = math.floor(self._clock())
        with self._lock:
            if second != self._second:
                self._second, self._taken = second, 0
            if self._taken < self.reservoir_per_second:
                self._taken += 1
                return True
        return self._random() < self.rate

    def describe(self) -> str:
        """`reservoir=1/s rate=0.05` (span attribute / logs)."""
        return f"reservoir={self.reservoir_per_second}/s rate={self.rate:g}"


def sampler_for_stage(stage: str | None = None) -> ReservoirSampler:
    """The stage's sampling rule (dev: 100%; others: 1/s + 5%), env overrides first."""
    stage = stage or _env.stage() or "dev"
    rate = _env.read_float(_env.TRACE_SAMPLE_RATE)
    reservoir = _env.read_float(_env.TRACE_SAMPLE_RESERVOIR)
    if stage == "dev":
        default_rate, default_reservoir = DEV_RATE, PROD_RESERVOIR_PER_SECOND
    else:
        default_rate, default_reservoir = PROD_RATE, PROD_RESERVOIR_PER_SECOND
    return ReservoirSampler(
        int(reservoir if reservoir is not None else default_reservoir),
        min(1.0, max(0.0, rate if rate is not None else default_rate)),
    )
