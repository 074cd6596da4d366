"""`retry_policy()`: tenacity retries with capped exponential backoff and full jitter.

Retries only what `classify` calls retryable, honours a server's `Retry-After`, never sleeps
past the total-time budget, and logs every retry (WARN "Retrying").
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any

import tenacity

from rez_telemetry.logging import logger
from rez_telemetry.resilience.classify import (
    NOT_RETRYABLE,
    RetryDecision,
    classify_exception,
    classify_response,
)

DEFAULT_MAX_ATTEMPTS = 4
DEFAULT_MAX_DELAY = 20.0
DEFAULT_BASE = 0.2
DEFAULT_CAP = 5.0
DEFAULT_THROTTLE_DELAY = 5.0
"""Wait after a 429 that carries no `Retry-After` (ntfy refills a visitor's bucket every 5 s)."""


class RetryPolicy(tenacity.Retrying):
    """A tenacity `Retrying`: call it (`policy(fn, *args)`), iterate it, or decorate with `.wraps`.

    `policy.decision(retry_state)` tells why an attempt was (not) retried.
    """

    def __init__(self, *, now: Callable[[], float] = time.time, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._now = now

    def decision(self, retry_state: tenacity.RetryCallState) -> RetryDecision:
        """Classify the last attempt's outcome."""
        outcome = retry_state.outcome
        if outcome is None:
            return NOT_RETRYABLE
        if outcome.failed:
            error = outcome.exception()
            return classify_exception(error, self._now) if error else NOT_RETRYABLE
        return classify_response(outcome.result(), self._now)

    def copy(self, **kwargs: Any) -> RetryPolicy:  # type: ignore[override]
        """tenacity copies the policy for every decorated call; keep our clock in the copy."""
        clone = super().copy(**kwargs)
        clone._now = self._now
        return clone


def retry_policy(
    *,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    max_delay: float = DEFAULT_MAX_DELAY,
    base: float = DEFAULT_BASE,
    cap: float = DEFAULT_CAP,
    throttle_delay: float = DEFAULT_THROTTLE_DELAY,
    operation: str | None = None,
    sleep: Callable[[float], None] = time.sleep,
    now: Callable[[], float] = time.time,
    rng: random.Random | None = None,
) -> RetryPolicy:
    """Build a retry policy.

    - `max_attempts`: attempts in all (first one included).
    - `max_delay`: budget in seconds from the first attempt; a retry whose sleep would end past
      it is not made (the last error is raised, or the last response returned).
    - `base`, `cap`: backoff `uniform(0, min(cap, base * 2 ** (n - 1)))` before retry n.
    - `throttle_delay`: the wait after a 429 without `Retry-After`.
    - `sleep`, `now`, `rng`: injectable for tests (`now` reads HTTP-date `Retry-After`).
    """
    if max_attempts < 1:
        raise ValueError("max_attempts must be at least 1")
    jitter = rng or random.Random()  # jitter, not cryptography

    def should_retry(retry_state: tenacity.RetryCallState) -> bool:
        return policy_of(retry_state).decision(retry_state).retryable

    def wait(retry_state: tenacity.RetryCallState) -> float:
        decision = policy_of(retry_state).decision(retry_state)
        if decision.retry_after is not None:
            return decision.retry_after
        backoff = jitter.uniform(0.0, min(cap, base * 2 ** (retry_state.attempt_number - 1)))
        if decision.throttled:
            return max(throttle_delay, backoff)
        return backoff

    def stop(retry_state: tenacity.RetryCallState) -> bool:
        if retry_state.attempt_number >= max_attempts:
            return True
        # idle_for counts planned sleeps even when `sleep` is a test double.
        elapsed = max(retry_state.seconds_since_start or 0.0, retry_state.idle_for)
        return elapsed + retry_state.upcoming_sleep > max_delay

    def log_retry(retry_state: tenacity.RetryCallState) -> None:
        decision = policy_of(retry_state).decision(retry_state)
        logger.warning(
            "Retrying",
            attempt=retry_state.attempt_number,
            next_attempt=retry_state.attempt_number + 1,
            max_attempts=max_attempts,
            reason=decision.reason,
            sleep_seconds=round(retry_state.upcoming_sleep, 3),
            operation=operation or _callable_name(retry_state.fn),
        )

    def give_up(retry_state: tenacity.RetryCallState) -> Any:
        # Raise the last error unchanged, or hand back the last (e.g. 503) response.
        assert retry_state.outcome is not None
        return retry_state.outcome.result()

    return RetryPolicy(
        now=now,
        retry=should_retry,
        wait=wait,
        stop=stop,
        before_sleep=log_retry,
        retry_error_callback=give_up,
        sleep=sleep,
        reraise=True,
    )


def policy_of(retry_state: tenacity.RetryCallState) -> RetryPolicy:
    """The policy driving `retry_state` (tenacity hands callbacks the state, not the policy)."""
    return retry_state.retry_object  # type: ignore[return-value]


def _callable_name(fn: Callable[..., Any] | None) -> str | None:
    return None if fn is None else getattr(fn, "__qualname__", repr(fn))
