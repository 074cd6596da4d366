"""In-memory aggregation of recorded values until the next flush.

One series per (name, unit, dimensions, correlation id): repeated values are counted, not stored
one by one, so a batch of 1,000 records costs one series with `{1.0: 1000}`, not 1,000 datums.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

Dimensions = tuple[tuple[str, str], ...]
"""Dimension pairs sorted by name: a hashable, order-independent identity."""


@dataclass(slots=True)
class Series:
    """All values recorded for one metric identity in one flush period."""

    name: str
    unit: str
    dimensions: Dimensions
    correlation_id: str | None
    timestamp: float
    """Epoch seconds of the first value (CloudWatch buckets by minute, so the first will do)."""
    counts: dict[float, int] = field(default_factory=dict)

    def add(self, value: float) -> None:
        """Count one more occurrence of `value`."""
        self.counts[value] = self.counts.get(value, 0) + 1

    @property
    def sample_count(self) -> int:
        """How many values were recorded."""
        return sum(self.counts.values())


SeriesKey = tuple[str, str, Dimensions, str | None]


class MetricBuffer:
    """Thread-safe store of the series recorded since the last `drain()`."""

    def __init__(self) -> None:
        self._series: dict[SeriesKey, Series] = {}
        self._lock = threading.Lock()

    def add(
        self,
        name: str,
        value: float,
        unit: str,
        dimensions: Dimensions,
        correlation_id: str | None,
        timestamp: float,
    ) -> None:
        """Aggregate one value into its series."""
        key = (name, unit, dimensions, correlation_id)
        with self._lock:
            series = self._series.get(key)
            if series is None:
                series = Series(name, unit, dimensions, correlation_id, timestamp)
                self._series[key] = series
            series.counts[value] = series.counts.get(value, 0) + 1

    def drain(self) -> list[Series]:
        """Take every series out of the buffer (the buffer is empty afterwards)."""
        with self._lock:
            drained = list(self._series.values())
            self._series = {}
        return drained

    def snapshot(self) -> list[Series]:
        """The series currently buffered, left in place (inspection, tests)."""
        with self._lock:
            return list(self._series.values())

    def __len__(self) -> int:
        with self._lock:
            return len(self._series)
