"""Circuit states and the records a state store keeps, shared by every store."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Final


class CircuitState(StrEnum):
    """Closed: calls flow. Open: calls fail fast. Half-open: one probe at a time tests recovery."""

    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"

    @property
    def metric_value(self) -> float:
        """The `CircuitBreakerState` value: 0 closed, 0.5 half-open, 1 open."""
        return STATE_METRIC_VALUES[self]


STATE_METRIC_VALUES: Final = {
    CircuitState.CLOSED: 0.0,
    CircuitState.HALF_OPEN: 0.5,
    CircuitState.OPEN: 1.0,
}


@dataclass(frozen=True, slots=True)
class CircuitRecord:
    """What the store holds for one circuit (times are epoch seconds)."""

    state: CircuitState = CircuitState.CLOSED
    failure_count: int = 0
    window_start: float | None = None
    opened_at: float | None = None
    open_until: float | None = None
    """When the open circuit may be probed."""
    probe_owner: str | None = None
    probe_lease_until: float | None = None
    half_open_successes: int = 0

    def probe_available(self, now: float) -> bool:
        """True when a caller may try to become the probe."""
        if self.state is CircuitState.OPEN:
            return self.open_until is None or self.open_until <= now
        if self.state is CircuitState.HALF_OPEN:
            return self.probe_owner is None or (self.probe_lease_until or 0.0) <= now
        return False

    def next_probe_at(self) -> float | None:
        """When a fail-fast caller may expect the next probe."""
        if self.state is CircuitState.OPEN:
            return self.open_until
        if self.state is CircuitState.HALF_OPEN and self.probe_owner is not None:
            return self.probe_lease_until
        return None


@dataclass(frozen=True, slots=True)
class CircuitStatus:
    """A circuit as `CircuitBreaker.status()` reports it (a CLI prints this)."""

    service: str
    state: CircuitState
    failure_count: int
    failure_threshold: int
    half_open_successes: int
    half_open_successes_required: int
    opened_at: float | None
    next_probe_at: float | None
    probe_in_flight: bool
    store_available: bool = True

    def describe(self) -> str:
        """One human line: `ntfy: open (5/5 failures), next probe 2026-01-01T00:00:30Z`."""
        counts = f"{self.failure_count}/{self.failure_threshold} failures"
        text = f"{self.service}: {self.state.value} ({counts}"
        if self.state is CircuitState.HALF_OPEN:
            text += f", {self.half_open_successes}/{self.half_open_successes_required} probes ok"
        text += ")"
        if self.next_probe_at is not None:
            text += f", next probe {format_epoch(self.next_probe_at)}"
        if not self.store_available:
            text += " [state store unavailable]"
        return text


def format_epoch(seconds: float) -> str:
    """ISO-8601 UTC with a Z, to the second."""
    return dt.datetime.fromtimestamp(seconds, tz=dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
