"""Wiring: the notifier's dependencies built from the environment once per cold start.

The services share one idiom (`rez_telemetry.config.Wiring`): `dependencies()` builds on first
use (never at import) and caches; tests call `override(...)` with their own `Notifier` (or
`build(...)` with injected clients) and `reset()`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx

from rez_messages.dynamodb import DynamoDBMessageRepository
from rez_notifier.config import NTFY_SERVICE, NotifierSettings
from rez_notifier.errors import NtfyUnavailableError
from rez_notifier.message_store import DynamoDBMessageStore
from rez_notifier.ntfy_client import NTFY_TIMEOUT_SECONDS, NtfyClient
from rez_notifier.ntfy_token import NoToken, SecretsManagerToken
from rez_notifier.rate_limit import DynamoDBTokenBucket, RateLimiter, TokenBucketSettings, Unlimited
from rez_notifier.service import Notifier
from rez_telemetry import CircuitBreaker, DynamoDBStateStore, RetryPolicy, retry_policy, tracer
from rez_telemetry.config import Wiring

__all__ = ["build", "dependencies", "override", "reset"]

RETRY_MAX_ATTEMPTS = 4
RETRY_MAX_SECONDS = 20.0


def _boto3_client(name: str) -> Any:
    import boto3

    return boto3.client(name)


def _http_client() -> httpx.Client:
    """The client toward ntfy: 10 s timeout, POSTs traced as `HTTP POST` with trace headers."""
    return tracer.instrument_httpx(httpx.Client(timeout=NTFY_TIMEOUT_SECONDS))


def _traced(client: Any) -> Any:
    """AWS calls as spans (`DynamoDB.GetItem`, ...) even for a client made before tracing was."""
    return tracer.instrument_boto_client(client)


def _retry_factory(
    sleep: Callable[[float], None], clock: Callable[[], float]
) -> Callable[[float], RetryPolicy]:
    def policy_for(budget_seconds: float) -> RetryPolicy:
        return retry_policy(
            max_attempts=RETRY_MAX_ATTEMPTS,
            max_delay=min(RETRY_MAX_SECONDS, budget_seconds),
            operation="ntfy publish",
            sleep=sleep,
            now=clock,
        )

    return policy_for


def build(
    settings: NotifierSettings,
    *,
    dynamodb: Any = None,
    secretsmanager: Any = None,
    http: httpx.Client | None = None,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
) -> Notifier:
    """A `Notifier` for `settings`; clients not given are created here (never at import).

    A given `http` client is used as is (not traced); the default one is traced.
    """
    dynamodb = _traced(dynamodb if dynamodb is not None else _boto3_client("dynamodb"))
    token: Callable[[], str | None] = NoToken()
    if settings.ntfy_token_secret:
        secrets = _traced(
            secretsmanager if secretsmanager is not None else _boto3_client("secretsmanager")
        )
        token = SecretsManagerToken(secrets, settings.ntfy_token_secret)
    limiter: RateLimiter = Unlimited()
    if settings.rate_limited:
        limiter = DynamoDBTokenBucket(
            dynamodb,
            table_name=settings.circuit_breaker_table,
            service=NTFY_SERVICE,
            settings=TokenBucketSettings(settings.ntfy_rate_per_second, settings.ntfy_burst),
            clock=clock,
            sleep=sleep,
        )
    breaker = CircuitBreaker(
        NTFY_SERVICE,
        DynamoDBStateStore(settings.circuit_breaker_table, dynamodb),
        handled=(NtfyUnavailableError,),
        clock=clock,
    )
    return Notifier(
        messages=DynamoDBMessageStore(
            DynamoDBMessageRepository(settings.messages_table, dynamodb),
            dynamodb,
            settings.messages_table,
        ),
        ntfy=NtfyClient(
            http or _http_client(),
            base_url=settings.ntfy_url,
            topic=settings.ntfy_topic,
            token_provider=token,
        ),
        breaker=breaker,
        rate_limiter=limiter,
        retry_policy=_retry_factory(sleep, clock),
        clock=clock,
    )


_wiring: Wiring[Notifier] = Wiring(lambda: build(NotifierSettings.from_env()))
dependencies = _wiring.dependencies
override = _wiring.override
reset = _wiring.reset
