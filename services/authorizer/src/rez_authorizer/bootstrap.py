"""Wiring: the verifier and its key sources, built from the environment once per cold start.

The services share one idiom (`rez_telemetry.config.Wiring`): `dependencies()` builds on first
use and keeps the result, so keys and the JWKS are cached for the life of the execution
environment (a `ConfigurationError` is not cached: a fixed configuration takes effect at the next
invocation); tests call `override(...)` to inject their own and `reset()` to forget everything.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rez_authorizer.config import AuthorizerConfig
from rez_authorizer.keys import HmacSecretSource, JwksKeyStore
from rez_authorizer.tokens import TokenVerifier
from rez_telemetry.config import Wiring

__all__ = ["Dependencies", "build", "dependencies", "override", "reset"]


@dataclass(frozen=True, slots=True)
class Dependencies:
    """What the handler needs: the configuration and a verifier built from it."""

    config: AuthorizerConfig
    verifier: TokenVerifier


def _secrets_manager_client() -> Any:
    import boto3

    return boto3.client("secretsmanager")


def build(
    config: AuthorizerConfig,
    *,
    secrets_client_factory: Callable[[], Any] = _secrets_manager_client,
    clock: Callable[[], float] = time.monotonic,
) -> Dependencies:
    """Key sources for the algorithms the configuration allows, and the verifier over them."""
    secret = (
        HmacSecretSource(
            config.secret_name,
            secrets_client_factory,
            min_refresh_seconds=config.min_refresh_seconds,
            clock=clock,
        )
        if config.uses_hmac and config.secret_name
        else None
    )
    keys = (
        JwksKeyStore(config.jwks_url, min_refresh_seconds=config.min_refresh_seconds, clock=clock)
        if config.uses_jwks and config.jwks_url
        else None
    )
    return Dependencies(config=config, verifier=TokenVerifier(config, secret=secret, keys=keys))


_wiring: Wiring[Dependencies] = Wiring(lambda: build(AuthorizerConfig.from_env()))
dependencies = _wiring.dependencies
override = _wiring.override
reset = _wiring.reset
