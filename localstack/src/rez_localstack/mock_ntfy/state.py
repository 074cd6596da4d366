"""The mock's mutable state, each piece behind its own lock: records, faults, auth, rate limit."""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from rez_localstack.mock_ntfy.protocol import fingerprint


class Recorder:
    """Every request received (with headers), and the messages accepted, in arrival order."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._messages: list[dict[str, Any]] = []
        self._requests: list[dict[str, Any]] = []

    def request(self, entry: dict[str, Any]) -> None:
        with self._lock:
            self._requests.append(entry)

    def message(self, entry: dict[str, Any]) -> None:
        with self._lock:
            self._messages.append(entry)

    def messages(self, topic: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return [m for m in self._messages if topic is None or m["topic"] == topic]

    def requests(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._requests)

    def clear(self) -> None:
        with self._lock:
            self._messages.clear()
            self._requests.clear()


@dataclass
class FaultPlan:
    """What ``POST /_mock/faults`` asked for."""

    fail_next: int = 0
    status: int = 500
    latency_ms: int = 0
    drop_next: int = 0
    down_until: float = 0.0


class Faults:
    """Injected failures, consumed request by request."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._plan = FaultPlan()

    def set(self, spec: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            plan = self._plan
            if "fail_next" in spec:
                plan.fail_next = int(spec["fail_next"])
                plan.status = int(spec.get("status", 500))
            if "latency_ms" in spec:
                plan.latency_ms = int(spec["latency_ms"])
            if "drop_next" in spec:
                plan.drop_next = int(spec["drop_next"])
            if "down_for_s" in spec:
                plan.down_until = time.monotonic() + float(spec["down_for_s"])
            return self._describe()

    def heal(self) -> None:
        with self._lock:
            self._plan = FaultPlan()

    def describe(self) -> dict[str, Any]:
        with self._lock:
            return self._describe()

    def _describe(self) -> dict[str, Any]:
        plan = self._plan
        return {
            "fail_next": plan.fail_next,
            "status": plan.status,
            "latency_ms": plan.latency_ms,
            "drop_next": plan.drop_next,
            "down_for_s": max(0.0, round(plan.down_until - time.monotonic(), 3)),
        }

    def take(self) -> tuple[str | None, int, int]:
        """For one publish: (fault kind ``down``/``drop``/``fail`` or None, status, latency ms)."""
        with self._lock:
            plan = self._plan
            if plan.down_until > time.monotonic():
                return "down", 0, plan.latency_ms
            if plan.drop_next > 0:
                plan.drop_next -= 1
                return "drop", 0, plan.latency_ms
            if plan.fail_next > 0:
                plan.fail_next -= 1
                return "fail", plan.status, plan.latency_ms
            return None, 0, plan.latency_ms


@dataclass
class AccessConfig:
    """Auth and rate limit, settable at start (CLI) or at run time (``POST /_mock/config``)."""

    tokens: set[str] = field(default_factory=set)
    users: dict[str, str] = field(default_factory=dict)
    rate_limit: int = 0  # requests per window; 0 = unlimited
    rate_window_s: float = 1.0

    @property
    def auth_required(self) -> bool:
        return bool(self.tokens or self.users)

    def describe(self) -> dict[str, Any]:
        return {
            # fingerprints only: the control API never hands out a credential
            "tokens": sorted(fingerprint(token) for token in self.tokens),
            "users": sorted(self.users),
            "rate_limit": self.rate_limit,
            "rate_window_s": self.rate_window_s,
        }


class RateLimiter:
    """A sliding window over publish times; over the limit -> ntfy's 429 (no Retry-After)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._times: deque[float] = deque()

    def allow(self, limit: int, window_s: float) -> bool:
        if limit <= 0:
            return True
        now = time.monotonic()
        with self._lock:
            while self._times and now - self._times[0] >= window_s:
                self._times.popleft()
            if len(self._times) >= limit:
                return False
            self._times.append(now)
            return True

    def reset(self) -> None:
        with self._lock:
            self._times.clear()
