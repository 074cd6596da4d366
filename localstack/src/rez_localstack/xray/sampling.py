"""Sampling decisions from the stored rules, as an AWS service that samples for itself makes them.

X-Ray's model (developer guide, "Configuring sampling rules"; API Gateway's guide, "Configure
AWS X-Ray sampling rules for API Gateway APIs"): rules are evaluated in ascending ``Priority`` and
the first one whose every matcher accepts the request decides; ``Default`` (1/s + 5 %) decides when
none does. The decision takes one of the rule's ``ReservoirSize`` requests of the current second
if any is left, otherwise samples with probability ``FixedRate``. Matchers are strings with ``*``
(any run of characters) and ``?`` (exactly one), compared case-insensitively as X-Ray's SDKs do;
``Attributes`` must each be present on the request and match.

On AWS a rule's reservoir is shared by every service using the rule; here the harness is the only
one that samples from these rules, so the whole reservoir is ours.
"""

import random
import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from rez_localstack.xray.sampling_rules import (
    DEFAULT_RULE_NAME,
    SamplingRuleStore,
    shared_store,
)


@dataclass(frozen=True, slots=True)
class SamplingRequest:
    """What a sampling rule is matched against."""

    service_name: str
    service_type: str
    host: str
    http_method: str
    url_path: str
    resource_arn: str
    attributes: Mapping[str, str] = field(default_factory=dict)
    """Request attributes (for API Gateway: the request's headers), names in any case."""


@dataclass(frozen=True, slots=True)
class SamplingDecision:
    """The outcome for one request, and why."""

    sampled: bool
    rule_name: str
    from_reservoir: bool


def wildcard_match(pattern: str, value: str) -> bool:
    """X-Ray's wildcards: ``*`` any run of characters, ``?`` exactly one; case-insensitive."""
    return _compiled(pattern).fullmatch(value) is not None


@lru_cache(maxsize=512)
def _compiled(pattern: str) -> re.Pattern[str]:
    regex = "".join(
        ".*" if char == "*" else "." if char == "?" else re.escape(char) for char in pattern
    )
    return re.compile(regex, re.DOTALL | re.IGNORECASE)


_MATCHERS = (
    ("ServiceName", "service_name"),
    ("ServiceType", "service_type"),
    ("Host", "host"),
    ("HTTPMethod", "http_method"),
    ("URLPath", "url_path"),
    ("ResourceARN", "resource_arn"),
)


def rule_matches(rule: Mapping[str, Any], request: SamplingRequest) -> bool:
    """Whether every matcher of ``rule`` (a missing one counts as ``*``) accepts ``request``."""
    for key, attribute in _MATCHERS:
        pattern = rule.get(key)
        if pattern is None or pattern == "*":
            continue
        if not wildcard_match(str(pattern), getattr(request, attribute)):
            return False
    wanted = rule.get("Attributes") or {}
    if not wanted:
        return True
    present = {name.lower(): value for name, value in request.attributes.items()}
    return all(
        (value := present.get(str(name).lower())) is not None
        and wildcard_match(str(pattern), value)
        for name, pattern in wanted.items()
    )


def select_rule(rules: Sequence[Mapping[str, Any]], request: SamplingRequest) -> Mapping[str, Any]:
    """The first matching rule by ``Priority`` (then name); ``Default`` when none matches.

    ``Default`` is the catch-all whatever its matchers say (X-Ray lets only its rate and
    reservoir change); without one in ``rules``, X-Ray's own (1/s + 5 %) is used.
    """
    default: Mapping[str, Any] | None = None
    ordered = sorted(rules, key=lambda rule: (rule.get("Priority", 0), rule.get("RuleName", "")))
    for rule in ordered:
        if rule.get("RuleName") == DEFAULT_RULE_NAME:
            default = rule
        elif rule_matches(rule, request):
            return rule
    return default if default is not None else BUILTIN_DEFAULT


BUILTIN_DEFAULT: Mapping[str, Any] = {
    "RuleName": DEFAULT_RULE_NAME,
    "FixedRate": 0.05,
    "ReservoirSize": 1,
}
"""X-Ray's ``Default`` rule's rate and reservoir."""


class Reservoirs:
    """Per-rule, per-second quotas: ``take`` succeeds ``ReservoirSize`` times each second."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._used: dict[str, tuple[int, int]] = {}
        self._lock = threading.Lock()

    def take(self, key: str, quota: int) -> bool:
        """Use one request of this second's quota for ``key``, if one is left."""
        if quota <= 0:
            return False
        second = int(self._clock())
        with self._lock:
            when, used = self._used.get(key, (second, 0))
            if when != second:
                used = 0
            if used >= quota:
                self._used[key] = (second, used)
                return False
            self._used[key] = (second, used + 1)
            return True


class Sampler:
    """Decides ``Sampled`` for one request from the rules of its account and region."""

    def __init__(
        self,
        store: SamplingRuleStore | None = None,
        *,
        clock: Callable[[], float] = time.time,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self._store = store
        self._reservoirs = Reservoirs(clock)
        self._random = rand

    @property
    def store(self) -> SamplingRuleStore:
        """The rules: the X-Ray provider's store unless one was given."""
        return self._store if self._store is not None else shared_store()

    def decide(self, account_id: str, region: str, request: SamplingRequest) -> SamplingDecision:
        """Match the rules, then the reservoir, then the fixed rate."""
        rules = [record["SamplingRule"] for record in self.store.list(account_id, region)]
        rule = select_rule(rules, request)
        name = str(rule.get("RuleName", DEFAULT_RULE_NAME))
        key = str(rule.get("RuleARN") or f"{account_id}/{region}/{name}")
        if self._reservoirs.take(key, int(rule.get("ReservoirSize") or 0)):
            return SamplingDecision(True, name, from_reservoir=True)
        sampled = self._random() < float(rule.get("FixedRate") or 0.0)
        return SamplingDecision(sampled, name, from_reservoir=False)
