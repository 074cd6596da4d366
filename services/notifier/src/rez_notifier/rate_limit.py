"""A token bucket toward ntfy shared by every concurrent notifier, kept in DynamoDB.

ntfy.sh allows a burst of 60 requests, then one per 5 s per client, and bans clients that ignore
its 429s. Each notifier takes a token before each POST; when none is left it *reserves* the next
one (the bucket goes below zero) and sleeps until its reservation is due, so a burst of messages
turns into delay instead of 429s. One conditional write per token keeps reservations atomic
across instances; a lost race simply re-reads and tries again.

Item (`pk = ratelimit#<service>` in the circuit-breaker table): `tokens` (may be negative: the
reservations waiting), `updated_at` (epoch seconds), `version` (the write guard), `expires_at`
(TTL, once the bucket would be full again anyway).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from rez_notifier.errors import RateLimitWaitTooLongError

__all__ = [
    "DynamoDBTokenBucket",
    "RateLimiter",
    "TokenBucketSettings",
    "Unlimited",
    "rate_limit_key",
]

_MAX_WRITE_RACES = 20


def rate_limit_key(service: str) -> str:
    """The bucket's partition key for one downstream service."""
    return f"ratelimit#{service}"


class RateLimiter(Protocol):
    """Blocks until one request may go out; returns the seconds it waited."""

    def acquire(self, *, deadline: float) -> float:
        """Take one token, waiting at most until `deadline` (epoch seconds)."""
        ...


class Unlimited:
    """No rate limit (a self-hosted ntfy without one: `NTFY_RATE_PER_SECOND=0`)."""

    def acquire(self, *, deadline: float) -> float:
        """Never waits."""
        return 0.0


@dataclass(frozen=True, slots=True)
class TokenBucketSettings:
    """Refill rate (tokens per second) and capacity (burst)."""

    rate_per_second: float
    burst: int

    def __post_init__(self) -> None:
        if self.rate_per_second <= 0:
            raise ValueError(f"rate_per_second must be > 0, got {self.rate_per_second}")
        if self.burst < 1:
            raise ValueError(f"burst must be >= 1, got {self.burst}")


@dataclass(frozen=True, slots=True)
class _BucketState:
    tokens: float
    updated_at: float
    version: int | None  # None: no item yet


def _number(value: float) -> str:
    """A DynamoDB number string with a stable, bounded precision."""
    return str(Decimal(repr(round(value, 6))).normalize())


class DynamoDBTokenBucket:
    """The shared bucket over a boto3 DynamoDB client; `clock` and `sleep` are injectable."""

    def __init__(
        self,
        client: Any,
        *,
        table_name: str,
        service: str,
        settings: TokenBucketSettings,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._client = client
        self._table_name = table_name
        self._key = {"pk": {"S": rate_limit_key(service)}}
        self._settings = settings
        self._clock = clock
        self._sleep = sleep

    def acquire(self, *, deadline: float) -> float:
        """Reserve one token and sleep until it is due; raise if that is after `deadline`."""
        for _ in range(_MAX_WRITE_RACES):
            now = self._clock()
            state = self._read()
            tokens = self._refilled(state, now) - 1.0
            wait = 0.0 if tokens >= 0 else -tokens / self._settings.rate_per_second
            if now + wait > deadline:
                raise RateLimitWaitTooLongError(wait, deadline - now)
            if self._write(state, tokens=tokens, now=now):
                if wait > 0:
                    self._sleep(wait)
                return wait
        raise RuntimeError(
            f"rate limit bucket {self._key['pk']['S']}: "
            f"lost {_MAX_WRITE_RACES} write races in a row"
        )

    def _refilled(self, state: _BucketState, now: float) -> float:
        elapsed = max(now - state.updated_at, 0.0)
        return min(
            float(self._settings.burst),
            state.tokens + elapsed * self._settings.rate_per_second,
        )

    def _read(self) -> _BucketState:
        item = self._client.get_item(
            TableName=self._table_name, Key=self._key, ConsistentRead=True
        ).get("Item")
        if not item or "version" not in item:
            return _BucketState(tokens=float(self._settings.burst), updated_at=0.0, version=None)
        return _BucketState(
            tokens=float(item["tokens"]["N"]),
            updated_at=float(item["updated_at"]["N"]),
            version=int(item["version"]["N"]),
        )

    def _write(self, seen: _BucketState, *, tokens: float, now: float) -> bool:
        """Store the new state if nobody else wrote since `seen`; False when the race was lost."""
        refill_seconds = (self._settings.burst - tokens) / self._settings.rate_per_second
        values: dict[str, Any] = {
            ":tokens": {"N": _number(tokens)},
            ":now": {"N": _number(now)},
            ":next": {"N": str((seen.version or 0) + 1)},
            ":expires": {"N": str(int(now + refill_seconds) + 3600)},
        }
        if seen.version is None:
            condition = "attribute_not_exists(version)"
        else:
            condition = "version = :seen"
            values[":seen"] = {"N": str(seen.version)}
        try:
            self._client.update_item(
                TableName=self._table_name,
                Key=self._key,
                UpdateExpression=(
                    "SET tokens = :tokens, updated_at = :now, version = :next, "
                    "expires_at = :expires"
                ),
                ConditionExpression=condition,
                ExpressionAttributeValues=values,
            )
        except self._client.exceptions.ConditionalCheckFailedException:
            return False
        return True
