"""Wiring: the verifier and its key sources, built from the environment once per cold start.

Nothing is created at import. `verifier()` builds on first call and keeps the result, so keys and
the JWKS are cached for the life of the execution environment; tests call `override(...)` to
inject their own and `reset()` to forget everything.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rez_authorizer.config import AuthorizerConfig
from rez_authorizer.keys import HmacSecretSource, JwksKeyStore
from rez_authorizer.tokens import TokenVerifier


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


_lock = threading.Lock()
_current: Dependencies | None = None


def dependencies() -> Dependencies:
    """The cold start's dependencies (built from the environment at first use).

    Raises `ConfigurationError` while the environment is wrong; nothing is cached then, so a
    fixed configuration takes effect without a redeploy of the code.
    """
    global _current
    with _lock:
        if _current is None:
            _current = build(AuthorizerConfig.from_env())
        return _current


def override(deps: Dependencies) -> None:
    """Use `deps` instead of building from the environment (tests)."""
    global _current
    with _lock:
        _current = deps


def reset() -> None:
    """Forget the built dependencies (tests; the next call rebuilds)."""
    global _current
    with _lock:
        _current = None
