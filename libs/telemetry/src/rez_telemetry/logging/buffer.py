"""DEBUG lines held back during an invocation and written only if it fails.

With buffering on and a level above DEBUG, the sink parks DEBUG events here (unrendered, with
the correlation they were logged under); the first ERROR line of the invocation writes them
first, in order; the end of the invocation discards them.
"""

from __future__ import annotations

from collections import deque
from typing import Any

__all__ = ["DebugBuffer"]

DEFAULT_CAPACITY = 200


class DebugBuffer:
    """A bounded, per-invocation queue of pending DEBUG events (oldest dropped when full)."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        self._events: deque[tuple[Any, ...]] = deque(maxlen=capacity)
        self._capacity = capacity
        self.active = False
        self.dropped = 0

    def begin(self) -> None:
        """Start an invocation: empty and accepting."""
        self._events.clear()
        self.dropped = 0
        self.active = True

    def end(self) -> None:
        """End an invocation: what is still here is discarded."""
        self._events.clear()
        self.dropped = 0
        self.active = False

    def add(self, event: tuple[Any, ...]) -> None:
        """Park one event (dropping the oldest when full)."""
        if len(self._events) == self._capacity:
            self.dropped += 1
        self._events.append(event)

    def drain(self) -> list[tuple[Any, ...]]:
        """Take every parked event, oldest first."""
        events = list(self._events)
        self._events.clear()
        return events

    def __len__(self) -> int:
        return len(self._events)
