"""The authorizer result cache: keyed by identity, kept for ``authorizerResultTtlInSeconds``."""

import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

DEFAULT_TTL_SECONDS = 300
"""API Gateway's default when an authorizer does not set a TTL."""


@dataclass(frozen=True, slots=True)
class AuthorizerResult:
    """What an authorizer Lambda answered (the policy is evaluated per request, as on AWS)."""

    principal_id: str
    policy: dict[str, Any]
    context: dict[str, str]


class ResultCache:
    """Thread-safe TTL cache; a TTL of 0 stores nothing."""

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._now = monotonic
        self._entries: dict[Hashable, tuple[float, AuthorizerResult]] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> AuthorizerResult | None:
        """The cached result, unless absent or expired."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            expires, result = entry
            if self._now() >= expires:
                del self._entries[key]
                return None
            return result

    def put(self, key: Hashable, result: AuthorizerResult, ttl_seconds: int) -> None:
        """Keep ``result`` for ``ttl_seconds`` (nothing when 0 or less)."""
        if ttl_seconds <= 0:
            return
        with self._lock:
            self._entries[key] = (self._now() + ttl_seconds, result)

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self._entries.clear()
