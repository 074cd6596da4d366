"""Retry pacing: which failures get a delay, and how long, with the jitter pinned."""

from __future__ import annotations

import pytest

from rez_messages.notification import NotificationAnswer, NotSentReason
from rez_processor.notifier import NotificationNotSentError, NotifierError
from rez_processor.retry_delay import MAX_HINT_SECONDS, RetryDelays


def _delays(random_value: float, **settings) -> RetryDelays:
    """Delays with the jitter pinned (0: bottom of its range, 1: top)."""
    return RetryDelays(random=lambda: random_value, **settings)


def _not_sent(reason: NotSentReason, seconds: float | None) -> NotificationNotSentError:
    """The notifier's structured `not_sent` answer, as the processor raises it."""
    answer = NotificationAnswer.not_sent(reason, retry_after_seconds=seconds, detail="not sent")
    return NotificationNotSentError(answer)


def _circuit_open(seconds_left: float | None) -> NotificationNotSentError:
    return _not_sent(NotSentReason.CIRCUIT_OPEN, seconds_left)


def _rate_limited(wait_seconds: float) -> NotificationNotSentError:
    return _not_sent(NotSentReason.RATE_LIMITED, wait_seconds)


UNAVAILABLE = NotifierError("NtfyUnavailableError", "ntfy answered 503")


def test_exponential_by_receive_count_at_the_top_of_the_jitter():
    # GIVEN the default 2 s base and 60 s cap, jitter at its top
    delays = _delays(1.0)
    # WHEN ntfy is unavailable on receives 1..8 / THEN 2, 4, 8 ... s, capped at 60
    assert [delays.for_failure(UNAVAILABLE, n) for n in range(1, 9)] == [
        2,
        4,
        8,
        16,
        32,
        60,
        60,
        60,
    ]


def test_jitter_keeps_at_least_half_the_delay():
    # GIVEN jitter at its bottom / WHEN delayed / THEN half of 2, 4, 8 ... 60
    delays = _delays(0.0)
    assert [delays.for_failure(UNAVAILABLE, n) for n in (1, 2, 3, 7)] == [1, 2, 4, 30]


def test_configured_base_and_cap_with_whole_seconds_of_at_least_one():
    # GIVEN RETRY_BASE_SECONDS=0.5 and RETRY_MAX_SECONDS=5 / WHEN delayed
    delays = _delays(1.0, base_seconds=0.5, max_seconds=5)
    # THEN whole seconds (what SQS takes), never 0, capped at 5
    assert [delays.for_failure(UNAVAILABLE, n) for n in range(1, 6)] == [1, 1, 2, 4, 5]


def test_absurd_receive_counts_stay_at_the_cap():
    # GIVEN a message received ten thousand times / WHEN delayed / THEN the cap, no overflow
    assert _delays(1.0).for_failure(UNAVAILABLE, 10_000) == 60


@pytest.mark.parametrize("error_type", ["NtfyUnavailableError", "NtfyRateLimitedError"])
def test_ntfy_unavailable_and_429_back_off_exponentially(error_type):
    # GIVEN ntfy down or limiting after the notifier's own retries / THEN exponential
    error = NotifierError(error_type, "after 4 attempts")
    assert _delays(1.0).for_failure(error, 3) == 8


def test_open_circuit_waits_for_the_breaker_plus_jitter():
    # GIVEN a circuit whose next probe is 12.3 s away, as the notifier answers it
    error = _circuit_open(12.3)
    # WHEN delayed with no jitter, then with the most jitter (up to the 2 s base)
    # THEN the breaker's remaining open time, rounded up; at most 2 s more
    assert _delays(0.0).for_failure(error, 1) == 13
    assert _delays(1.0).for_failure(error, 1) == 15


def test_open_circuit_wait_is_bounded():
    # GIVEN a breaker announcing a probe in more than an hour / THEN 15 minutes at most (+jitter)
    assert _delays(0.0).for_failure(_circuit_open(5000.0), 1) == MAX_HINT_SECONDS


def test_open_circuit_past_its_probe_time_still_waits_a_second():
    # GIVEN a probe time already reached / THEN the least delay SQS can take
    assert _delays(0.0).for_failure(_circuit_open(0.0), 1) == 1


def test_open_circuit_without_a_probe_time_falls_back_to_exponential():
    # GIVEN an open circuit whose answer carries no retry_after_seconds
    error = _circuit_open(None)
    # WHEN delayed / THEN the exponential delay
    assert _delays(1.0).for_failure(error, 2) == 4


def test_rate_limit_waits_for_the_next_token_at_least():
    # GIVEN the shared rate limit's next token 12.3 s away
    error = _rate_limited(12.3)
    # WHEN delayed on an early receive / THEN until the token (more than the exponential 2 s)
    assert _delays(1.0).for_failure(error, 1) == 13
    # AND on a later receive the exponential delay wins when it is longer
    assert _delays(1.0).for_failure(error, 5) == 32


@pytest.mark.parametrize(
    "error",
    [
        _not_sent(NotSentReason.REJECTED, None),
        _not_sent(NotSentReason.REJECTED, 30.0),
        NotifierError("InvalidMessageError", "unknown priority"),
        NotifierError("MessageNotFoundError", "message x not found"),
        NotifierError("InvalidResponse", "unexpected notifier answer"),
        NotifierError("ConfigurationError", "environment variable NTFY_URL: is empty"),
        RuntimeError("disk on fire"),
    ],
)
def test_other_failures_back_off_exponentially_too(error):
    # GIVEN a failure that waiting does not fix (a refused message, a bug)
    # WHEN asked for a delay on receives 1 and 3
    # THEN the exponential one all the same: a message that cannot succeed reaches the DLQ soon
    delays = _delays(1.0)
    assert (delays.for_failure(error, 1), delays.for_failure(error, 3)) == (2, 8)


def test_backoff_is_the_exponential_delay_in_whole_seconds():
    # GIVEN jitter at its bottom / WHEN a poison record's backoff is asked / THEN 1, 2, 4 s
    assert [_delays(0.0).backoff(n) for n in (1, 2, 3)] == [1, 2, 4]


@pytest.mark.parametrize(("base", "cap"), [(0, 60), (-1, 60), (10, 5)])
def test_inconsistent_settings_are_refused(base, cap):
    # GIVEN a zero/negative base or a base above the cap / WHEN built / THEN refused
    with pytest.raises(ValueError, match="retry delays need"):
        RetryDelays(base_seconds=base, max_seconds=cap)
