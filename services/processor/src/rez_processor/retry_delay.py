"""How long a failed delivery waits before SQS hands it out again. Pure: no AWS, clock injected.

On AWS the queue's visibility timeout is at least six times the processor's timeout (minutes), so a
record merely returned in `batchItemFailures` comes back only after that, and a message that can
never succeed takes hours to reach the DLQ. Every failure gets a deliberate, shorter delay instead:

- open circuit: the breaker's remaining open time, read from the notifier's error message
  (`... next probe at 2026-01-01T12:00:30Z (in 12.3 s)`; the timestamp when the `(in …)` part is
  missing), at most `MAX_HINT_SECONDS`, plus up to `base_seconds` of jitter so that the messages
  parked behind one open circuit do not all come back in the second its single probe runs;
- rate-limit wait: the exponential delay, but never before the notifier's next token
  (`next token in 12.3s`);
- anything else (ntfy unavailable / 429, a refused message, a bug, a poison record), or a hint
  that cannot be read: exponential by attempt, `base * 2^(attempt - 1)` capped at `max_seconds`,
  with "equal jitter" (half fixed, half random).

Every delay is whole seconds (what `ChangeMessageVisibility` and `DelaySeconds` take), at least 1.
"""

from __future__ import annotations

import math
import random as _random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from rez_messages.config import DEFAULT_RETRY_BASE_SECONDS, DEFAULT_RETRY_MAX_SECONDS
from rez_processor.notifier import (
    CIRCUIT_OPEN_ERROR_TYPE,
    RATE_LIMIT_WAIT_ERROR_TYPE,
    NotifierError,
)

__all__ = ["MAX_HINT_SECONDS", "RetryDelays", "hinted_wait"]

#: The longest wait taken from a notifier's hint (a breaker's open time): 15 minutes.
MAX_HINT_SECONDS = 900.0
#: 2^32 * any base is far past every cap: bounds the arithmetic for absurd receive counts.
_MAX_EXPONENT = 32

_CIRCUIT_IN = re.compile(r"\(in (\d+(?:\.\d+)?) s\)")
_CIRCUIT_AT = re.compile(r"next probe at (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")
_TOKEN_IN = re.compile(r"next token in (\d+(?:\.\d+)?)\s?s\b")


def hinted_wait(error: NotifierError, now: float) -> float | None:
    """Seconds the notifier said to wait (open circuit, rate-limit token), or None if unreadable.

    `now` (epoch seconds) turns a "next probe at <time>" into a wait when no "(in N s)" is given.
    """
    text = error.error_message
    if error.error_type == CIRCUIT_OPEN_ERROR_TYPE:
        if match := _CIRCUIT_IN.search(text):
            return float(match.group(1))
        if match := _CIRCUIT_AT.search(text):
            probe_at = datetime.fromisoformat(match.group(1)).timestamp()
            return max(0.0, probe_at - now)
        return None
    if error.error_type == RATE_LIMIT_WAIT_ERROR_TYPE and (match := _TOKEN_IN.search(text)):
        return float(match.group(1))
    return None


@dataclass(frozen=True, slots=True)
class RetryDelays:
    """The processor's retry pacing (`RETRY_BASE_SECONDS`, `RETRY_MAX_SECONDS`; see module doc).

    `random` (a float in [0, 1)) and `clock` (epoch seconds) are injected so tests can pin them.
    """

    base_seconds: float = DEFAULT_RETRY_BASE_SECONDS
    max_seconds: float = DEFAULT_RETRY_MAX_SECONDS
    random: Callable[[], float] = field(default=_random.random, compare=False)
    clock: Callable[[], float] = field(default=time.time, compare=False)

    def __post_init__(self) -> None:
        if not 0 < self.base_seconds <= self.max_seconds:
            raise ValueError(
                f"retry delays need 0 < base ({self.base_seconds}) <= max ({self.max_seconds})"
            )

    def exponential(self, receive_count: int) -> float:
        """`base * 2^(receive - 1)`, capped, with equal jitter: in [d/2, d]."""
        exponent = min(max(receive_count, 1) - 1, _MAX_EXPONENT)
        ceiling = min(self.max_seconds, self.base_seconds * 2**exponent)
        return ceiling / 2 + self.random() * ceiling / 2

    def backoff(self, receive_count: int) -> int:
        """The exponential delay in whole seconds (at least 1): any failure without a hint."""
        return _whole_seconds(self.exponential(receive_count))

    def for_failure(self, error: BaseException, receive_count: int) -> int:
        """Whole seconds before the next delivery after `error` on attempt `receive_count`."""
        backoff = self.exponential(receive_count)
        if not isinstance(error, NotifierError) or not error.retry_later:
            return _whole_seconds(backoff)
        hint = hinted_wait(error, self.clock())
        if hint is None:
            seconds = backoff
        elif error.error_type == CIRCUIT_OPEN_ERROR_TYPE:
            seconds = min(hint, MAX_HINT_SECONDS) + self.random() * self.base_seconds
        else:
            seconds = max(backoff, min(hint, MAX_HINT_SECONDS))
        return _whole_seconds(seconds)


def _whole_seconds(seconds: float) -> int:
    return max(1, math.ceil(seconds))
