"""Says what the demo is doing while it works: numbered steps with their elapsed time."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO


class Progress:
    """Prints `[n/total] what… done in 1.2 s` lines; plain text, so logs and CI read it too."""

    def __init__(self, total: int, stream: TextIO | None = None) -> None:
        self.total = total
        self.stream = stream or sys.stdout
        self.number = 0
        self.started = time.monotonic()

    def say(self, text: str = "") -> None:
        """One line of output, flushed at once."""
        print(text, file=self.stream, flush=True)

    @contextmanager
    def step(self, what: str) -> Iterator[None]:
        """A numbered step; prints how long it took, or that it failed."""
        self.number += 1
        began = time.monotonic()
        self.say(f"[{self.number}/{self.total}] {what}…")
        try:
            yield
        except BaseException:
            self.say(f"      failed after {time.monotonic() - began:.1f} s")
            raise
        self.say(f"      done in {time.monotonic() - began:.1f} s")

    def elapsed(self) -> float:
        """Seconds since the demo began."""
        return time.monotonic() - self.started
