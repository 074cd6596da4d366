"""The firing clock: real time plus an offset tests can advance (no test waits a minute)."""

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta


class AdjustableClock:
    """``now()`` is the wall clock moved forward by every ``advance()`` so far."""

    def __init__(self, wall: Callable[[], datetime] | None = None) -> None:
        self._wall = wall or (lambda: datetime.now(UTC))
        self._offset = timedelta()
        self._lock = threading.Lock()

    def now(self) -> datetime:
        """The firing clock's current time (UTC, aware)."""
        with self._lock:
            return self._wall() + self._offset

    def advance(self, seconds: float) -> datetime:
        """Move the clock forward (never back: a schedule must not fire twice for one time)."""
        if seconds < 0:
            raise ValueError("the firing clock only moves forward")
        with self._lock:
            self._offset += timedelta(seconds=seconds)
            return self._wall() + self._offset

    @property
    def offset_seconds(self) -> float:
        """How far ahead of the wall clock the firing clock runs."""
        with self._lock:
            return self._offset.total_seconds()
