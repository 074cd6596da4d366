"""How long a failed delivery waits before SQS hands it out again. Pure: no AWS, no clock.

On AWS the queue's visibility timeout is at least six times the processor's timeout (minutes), so a
record merely returned in `batchItemFailures` comes back only after that, and a message that can
never succeed takes hours to reach the DLQ. Every failure gets a deliberate, shorter delay instead:

- open circuit: the breaker's remaining open time, the `retry_after_seconds` of the notifier's
  `not_sent` answer, at most `MAX_HINT_SECONDS`, plus up to `base_seconds` of jitter so that the
  messages parked behind one open circuit do not all come back in the second its single probe
  runs;
- rate-limit wait: the exponential delay, but never before the notifier's next token (its
  `retry_after_seconds`);
- anything else (ntfy unavailable / 429, a refused message, a bug, a poison record), or an answer
  without `retry_after_seconds`: exponential by attempt, `base * 2^(attempt - 1)` capped at
  `max_seconds`, with "equal jitter" (half fixed, half random).

Every delay is whole seconds (what `ChangeMessageVisibility` and `DelaySeconds` take), at least 1.
"""

from __future__ import annotations

import math
import random as _random
from collections.abc import Callable
from dataclasses import dataclass, field

from rez_messages.notification import NotSentReason
from rez_processor.notifier import NotificationNotSentError
from rez_processor.settings import DEFAULT_RETRY_BASE_SECONDS, DEFAULT_RETRY_MAX_SECONDS

__all__ = ["MAX_HINT_SECONDS", "RetryDelays"]

#: The longest wait taken from a notifier's hint (a breaker's open time): 15 minutes.
MAX_HINT_SECONDS = 900.0
#: 2^32 * any base is far past every cap: bounds the arithmetic for absurd receive counts.
_MAX_EXPONENT = 32


@dataclass(frozen=True, slots=True)
class RetryDelays:
    """The processor's retry pacing (`RETRY_BASE_SECONDS`, `RETRY_MAX_SECONDS`; see module doc).

    `random` (a float in [0, 1)) is injected so tests can pin it.
    """

    base_seconds: float = DEFAULT_RETRY_BASE_SECONDS
    max_seconds: float = DEFAULT_RETRY_MAX_SECONDS
    random: Callable[[], float] = field(default=_random.random, compare=False)

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
        if not isinstance(error, NotificationNotSentError):
            return _whole_seconds(backoff)
        hint = error.answer.retry_after_seconds
        reason = error.answer.reason
        if hint is None or reason is NotSentReason.REJECTED:
            seconds = backoff
        elif reason is NotSentReason.CIRCUIT_OPEN:
            seconds = min(hint, MAX_HINT_SECONDS) + self.random() * self.base_seconds
        else:
            seconds = max(backoff, min(hint, MAX_HINT_SECONDS))
        return _whole_seconds(seconds)


def _whole_seconds(seconds: float) -> int:
    return max(1, math.ceil(seconds))
