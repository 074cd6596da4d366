"""Fault rules and the thread-safe store the chain handler consults on every request."""

from __future__ import annotations

import fnmatch
import itertools
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

SOURCES = ("any", "external", "internal")


class RuleError(ValueError):
    """A rule the control API refuses, with the reason."""


@dataclass
class FaultError:
    """The AWS error to answer: its code, HTTP status and message."""

    code: str
    status: int = 400
    message: str = ""
    sender_fault: bool = False


@dataclass
class FaultRule:
    """Which requests fail (service, operation, resource, source) and how often.

    ``count`` limits the rule to its next N matching calls, ``probability`` to a fraction of
    them, ``until`` (monotonic seconds) to a time window; all that are set apply together.
    """

    id: str
    service: str
    operation: str = "*"
    resource: str = "*"
    source: str = "any"
    contains: str | None = None
    caller: str = "*"
    error: FaultError | None = None
    latency_ms: int = 0
    count: int | None = None
    probability: float = 1.0
    until: float | None = None
    hits: int = 0
    created: float = field(default_factory=time.time)

    def expired(self, now: float) -> bool:
        return (self.count is not None and self.count <= 0) or (
            self.until is not None and now >= self.until
        )

    def matches(
        self,
        service: str,
        operation: str,
        resources: list[str],
        internal: bool,
        text: Callable[[], str] = str,
        caller: str = "",
    ) -> bool:
        """``text`` renders the request (only called for a rule with ``contains``); ``caller``
        is the calling function's name (see ``handler.request_caller``)."""
        if not self._matches_target(service, operation, resources, internal):
            return False
        if self.caller != "*" and not fnmatch.fnmatchcase(caller, self.caller):
            return False
        return self.contains is None or self.contains in text()

    def _matches_target(
        self, service: str, operation: str, resources: list[str], internal: bool
    ) -> bool:
        if not fnmatch.fnmatchcase(service, self.service):
            return False
        if not fnmatch.fnmatchcase(operation, self.operation):
            return False
        if self.source == "internal" and not internal:
            return False
        if self.source == "external" and internal:
            return False
        if self.resource == "*":
            return True
        return any(
            fnmatch.fnmatchcase(candidate, self.resource)
            for value in resources
            for candidate in (value, short_name(value))
        )

    def to_json(self, now: float) -> dict[str, Any]:
        return {
            "id": self.id,
            "service": self.service,
            "operation": self.operation,
            "resource": self.resource,
            "source": self.source,
            "contains": self.contains,
            "caller": self.caller,
            "error": None
            if self.error is None
            else {
                "code": self.error.code,
                "status": self.error.status,
                "message": self.error.message,
            },
            "latency_ms": self.latency_ms,
            "count": self.count,
            "probability": self.probability,
            "remaining_s": None if self.until is None else max(0.0, self.until - now),
            "hits": self.hits,
            "expired": self.expired(now),
        }


def short_name(value: str) -> str:
    """A table/topic/queue/function/secret name out of an ARN or a queue URL."""
    return value.rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1]


def parse_rule(body: dict[str, Any], rule_id: str) -> FaultRule:
    """A rule from the control API's JSON, validated (precise reasons on bad input)."""
    if not isinstance(body, dict):
        raise RuleError("a rule is a JSON object")
    service = body.get("service")
    if not isinstance(service, str) or not service:
        raise RuleError("'service' (e.g. 'dynamodb', 'sns', 'sqs', 'lambda') is required")
    error: FaultError | None = None
    raw_error = body.get("error")
    if raw_error is not None:
        if not isinstance(raw_error, dict) or not isinstance(raw_error.get("code"), str):
            raise RuleError("'error' must be an object with a 'code' string")
        status = int(raw_error.get("status", 400))
        if not 400 <= status <= 599:
            raise RuleError("'error.status' must be an HTTP error status (400-599)")
        error = FaultError(
            code=raw_error["code"],
            status=status,
            message=str(raw_error.get("message", "")),
            sender_fault=status < 500,
        )
    latency_ms = int(body.get("latency_ms", 0))
    if latency_ms < 0 or latency_ms > 60_000:
        raise RuleError("'latency_ms' must be within 0-60000")
    if error is None and latency_ms == 0:
        raise RuleError("a rule needs an 'error', a 'latency_ms', or both")
    count = body.get("count")
    if count is not None and (not isinstance(count, int) or count < 1):
        raise RuleError("'count' must be a positive integer")
    probability = float(body.get("probability", 1.0))
    if not 0.0 < probability <= 1.0:
        raise RuleError("'probability' must be within (0, 1]")
    duration = body.get("duration_s")
    until = None
    if duration is not None:
        if float(duration) <= 0:
            raise RuleError("'duration_s' must be positive")
        until = time.monotonic() + float(duration)
    source = body.get("source", "any")
    if source not in SOURCES:
        raise RuleError(f"'source' must be one of {', '.join(SOURCES)}")
    contains = body.get("contains")
    if contains is not None and (not isinstance(contains, str) or not contains):
        raise RuleError("'contains' must be a non-empty string")
    return FaultRule(
        id=rule_id,
        contains=contains,
        caller=str(body.get("caller", "*")),
        service=service.lower(),
        operation=str(body.get("operation", "*")),
        resource=str(body.get("resource", "*")),
        source=source,
        error=error,
        latency_ms=latency_ms,
        count=count,
        probability=probability,
        until=until,
    )


class FaultStore:
    """Rules in insertion order; the first live one matching a request applies to it."""

    def __init__(self, rng: random.Random | None = None) -> None:
        self._rules: list[FaultRule] = []
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._random = rng or random.Random()

    def add(self, body: dict[str, Any]) -> FaultRule:
        with self._lock:
            rule = parse_rule(body, f"fault-{next(self._ids)}")
            self._rules.append(rule)
            return rule

    def snapshot(self) -> list[dict[str, Any]]:
        now = time.monotonic()
        with self._lock:
            return [rule.to_json(now) for rule in self._rules]

    def remove(self, rule_id: str) -> bool:
        with self._lock:
            before = len(self._rules)
            self._rules = [rule for rule in self._rules if rule.id != rule_id]
            return len(self._rules) != before

    def clear(self) -> int:
        with self._lock:
            removed = len(self._rules)
            self._rules.clear()
            return removed

    def __bool__(self) -> bool:
        return bool(self._rules)

    def take(
        self,
        service: str,
        operation: str,
        resources: list[str],
        internal: bool,
        text: Callable[[], str] = str,
        caller: str = "",
    ) -> FaultRule | None:
        """The rule to apply to this request (its count consumed), or None."""
        now = time.monotonic()
        with self._lock:
            for rule in self._rules:
                if rule.expired(now) or not rule.matches(
                    service, operation, resources, internal, text, caller
                ):
                    continue
                if rule.probability < 1.0 and self._random.random() >= rule.probability:
                    continue
                if rule.count is not None:
                    rule.count -= 1
                rule.hits += 1
                return rule
        return None
