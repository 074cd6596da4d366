"""The shared ntfy token bucket in DynamoDB: bursts become delays, shared by every instance."""

from __future__ import annotations

import pytest

from rez_notifier.errors import RateLimitWaitTooLongError
from rez_notifier.rate_limit import (
    DynamoDBTokenBucket,
    TokenBucketSettings,
    Unlimited,
    rate_limit_key,
)

TABLE = "rez-agent-circuit-breaker-test"
FAR = float("inf")


def _bucket(dynamodb, clock, *, rate: float = 0.2, burst: int = 3) -> DynamoDBTokenBucket:
    return DynamoDBTokenBucket(
        dynamodb,
        table_name=TABLE,
        service="ntfy-sh",
        settings=TokenBucketSettings(rate_per_second=rate, burst=burst),
        clock=clock,
        sleep=clock.sleep,
    )


def _stored(dynamodb) -> dict:
    return dynamodb.get_item(TableName=TABLE, Key={"pk": {"S": rate_limit_key("ntfy-sh")}})["Item"]


def test_a_burst_within_capacity_goes_out_at_once(dynamodb, clock) -> None:
    # GIVEN a fresh bucket of 3
    bucket = _bucket(dynamodb, clock)
    # WHEN three requests arrive together
    waits = [bucket.acquire(deadline=FAR) for _ in range(3)]
    # THEN none waits, and the bucket is empty
    assert waits == [0.0, 0.0, 0.0]
    assert clock.sleeps == []
    assert float(_stored(dynamodb)["tokens"]["N"]) == 0.0


def test_two_instances_share_one_bucket_and_a_burst_becomes_delay(dynamodb, clock) -> None:
    # GIVEN two notifier instances over the same table, burst 3, one token per 5 s
    first, second = _bucket(dynamodb, clock), _bucket(dynamodb, clock)
    # WHEN six requests arrive at the same moment, alternating between instances
    start = clock.now
    send_times = []
    for index in range(6):
        (first if index % 2 == 0 else second).acquire(deadline=FAR)
        send_times.append(clock.now - start)
        clock.now = start  # every request arrived at the same moment
    # THEN three go at once and the next three are spaced by the refill interval (5 s, 10 s, 15 s)
    assert send_times == pytest.approx([0, 0, 0, 5, 10, 15])
    assert clock.sleeps == pytest.approx([5, 10, 15])


def test_tokens_refill_with_time_up_to_the_burst(dynamodb, clock) -> None:
    # GIVEN an emptied bucket
    bucket = _bucket(dynamodb, clock)
    for _ in range(3):
        bucket.acquire(deadline=FAR)
    # WHEN a long time passes
    clock.advance(3600)
    # THEN only `burst` requests go without waiting, the next one waits one interval
    waits = [bucket.acquire(deadline=FAR) for _ in range(4)]
    assert waits == pytest.approx([0, 0, 0, 5])


def test_a_wait_past_the_deadline_fails_retryably_and_reserves_nothing(dynamodb, clock) -> None:
    # GIVEN an empty bucket (next token in 5 s)
    bucket = _bucket(dynamodb, clock)
    for _ in range(3):
        bucket.acquire(deadline=FAR)
    version_before = _stored(dynamodb)["version"]["N"]
    # WHEN a request may wait only 4 s
    with pytest.raises(RateLimitWaitTooLongError, match=r"next token in 5\.0s, but only 4\.0s"):
        bucket.acquire(deadline=clock.now + 4)
    # THEN it did not sleep and did not take a token from the others
    assert clock.sleeps == []
    assert _stored(dynamodb)["version"]["N"] == version_before


def test_a_lost_write_race_is_retried_with_fresh_state(dynamodb, clock) -> None:
    # GIVEN an instance that reads the bucket, and another that writes in between
    rival = _bucket(dynamodb, clock)
    bucket = _bucket(dynamodb, clock)
    original_read = bucket._read
    raced = []

    def read_then_rival_writes():
        state = original_read()
        if not raced:
            raced.append(True)
            rival.acquire(deadline=FAR)
        return state

    bucket._read = read_then_rival_writes  # type: ignore[method-assign]
    # WHEN the first instance takes a token
    bucket.acquire(deadline=FAR)
    # THEN both tokens are accounted for (no lost update)
    assert float(_stored(dynamodb)["tokens"]["N"]) == 1.0
    assert _stored(dynamodb)["version"]["N"] == "2"


def test_the_bucket_item_expires_once_it_would_be_full_again(dynamodb, clock) -> None:
    bucket = _bucket(dynamodb, clock)
    bucket.acquire(deadline=FAR)
    # one token missing refills in 5 s; the TTL adds an hour of slack
    assert int(_stored(dynamodb)["expires_at"]["N"]) == int(clock.now + 5) + 3600


@pytest.mark.parametrize(("rate", "burst"), [(0, 5), (0.2, 0), (-1, 5)])
def test_settings_refuse_values_that_would_block_forever(rate: float, burst: int) -> None:
    with pytest.raises(ValueError, match="must be"):
        TokenBucketSettings(rate_per_second=rate, burst=burst)


def test_unlimited_never_waits() -> None:
    assert Unlimited().acquire(deadline=0) == 0.0
