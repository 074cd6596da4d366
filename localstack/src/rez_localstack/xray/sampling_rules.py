"""Sampling rules per account and region, with X-Ray's built-in ``Default`` rule."""

import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

DEFAULT_RULE_NAME = "Default"
DEFAULT_PRIORITY = 10000
UPDATABLE = (
    "ResourceARN",
    "Priority",
    "FixedRate",
    "ReservoirSize",
    "Host",
    "ServiceName",
    "ServiceType",
    "HTTPMethod",
    "URLPath",
    "Attributes",
    "SamplingRateBoost",
)


class RuleNotFoundError(LookupError):
    """No rule with that name or ARN."""


class RuleExistsError(ValueError):
    """A rule with that name already exists."""


class RuleInvalidError(ValueError):
    """The rule breaks X-Ray's constraints."""


@dataclass(slots=True)
class _Record:
    rule: dict[str, Any]
    created: datetime
    modified: datetime

    def to_api(self) -> dict[str, Any]:
        return {
            "SamplingRule": dict(self.rule),
            "CreatedAt": self.created,
            "ModifiedAt": self.modified,
        }


def rule_arn(region: str, account_id: str, name: str) -> str:
    """``arn:aws:xray:<region>:<account>:sampling-rule/<name>``."""
    return f"arn:aws:xray:{region}:{account_id}:sampling-rule/{name}"


class SamplingRuleStore:
    """Thread-safe rules keyed by (account, region) then name."""

    def __init__(self) -> None:
        self._rules: dict[tuple[str, str], dict[str, _Record]] = {}
        self._lock = threading.Lock()

    def _scope(self, account_id: str, region: str) -> dict[str, _Record]:
        rules = self._rules.setdefault((account_id, region), {})
        if DEFAULT_RULE_NAME not in rules:
            epoch = datetime.fromtimestamp(0, tz=UTC)
            rules[DEFAULT_RULE_NAME] = _Record(_default_rule(account_id, region), epoch, epoch)
        return rules

    def create(self, account_id: str, region: str, rule: dict[str, Any]) -> dict[str, Any]:
        """Add a rule; its name defaults to the last part of ``RuleARN``."""
        name = rule.get("RuleName") or str(rule.get("RuleARN", "")).rsplit("/", 1)[-1]
        if not name:
            raise RuleInvalidError("RuleName is required")
        _validate(rule)
        now = datetime.now(UTC)
        with self._lock:
            rules = self._scope(account_id, region)
            if name in rules:
                raise RuleExistsError(f"A rule with the name {name} already exists")
            stored = {**rule, "RuleName": name, "RuleARN": rule_arn(region, account_id, name)}
            stored.setdefault("Attributes", {})
            rules[name] = _Record(stored, now, now)
            return rules[name].to_api()

    def list(self, account_id: str, region: str) -> list[dict[str, Any]]:
        """Every rule, ``Default`` included, by priority then name."""
        with self._lock:
            records = list(self._scope(account_id, region).values())
        records.sort(key=lambda record: (record.rule.get("Priority", 0), record.rule["RuleName"]))
        return [record.to_api() for record in records]

    def update(self, account_id: str, region: str, update: dict[str, Any]) -> dict[str, Any]:
        """Change the given fields of a rule named by ``RuleName`` or ``RuleARN``."""
        with self._lock:
            record = self._find(self._scope(account_id, region), update)
            changed = {**record.rule, **{k: v for k, v in update.items() if k in UPDATABLE}}
            _validate(changed)
            record.rule = changed
            record.modified = datetime.now(UTC)
            return record.to_api()

    def delete(
        self, account_id: str, region: str, name: str | None, arn: str | None
    ) -> dict[str, Any]:
        """Remove a rule (``Default`` cannot be removed)."""
        with self._lock:
            rules = self._scope(account_id, region)
            record = self._find(rules, {"RuleName": name, "RuleARN": arn})
            if record.rule["RuleName"] == DEFAULT_RULE_NAME:
                raise RuleInvalidError("The Default rule cannot be deleted")
            del rules[record.rule["RuleName"]]
            return record.to_api()

    @staticmethod
    def _find(rules: dict[str, _Record], key: dict[str, Any]) -> _Record:
        name, arn = key.get("RuleName"), key.get("RuleARN")
        for record in rules.values():
            if (name and record.rule["RuleName"] == name) or (
                arn and record.rule["RuleARN"] == arn
            ):
                return record
        raise RuleNotFoundError(f"Sampling rule does not exist: {name or arn}")


_SHARED_STORE = SamplingRuleStore()


def shared_store() -> SamplingRuleStore:
    """The rules of this LocalStack process: the X-Ray API writes them, and services that make
    their own sampling decision (API Gateway stages with tracing) read them."""
    return _SHARED_STORE


def _validate(rule: dict[str, Any]) -> None:
    fixed_rate = rule.get("FixedRate")
    if not isinstance(fixed_rate, int | float) or not 0 <= fixed_rate <= 1:
        raise RuleInvalidError("FixedRate must be between 0 and 1")
    reservoir = rule.get("ReservoirSize")
    if not isinstance(reservoir, int) or reservoir < 0:
        raise RuleInvalidError("ReservoirSize must be a non-negative integer")
    priority = rule.get("Priority")
    if not isinstance(priority, int):
        raise RuleInvalidError("Priority must be an integer")
    if rule.get("RuleName") != DEFAULT_RULE_NAME and not 1 <= priority <= 9999:
        raise RuleInvalidError("Priority must be between 1 and 9999")


def _default_rule(account_id: str, region: str) -> dict[str, Any]:
    return {
        "RuleName": DEFAULT_RULE_NAME,
        "RuleARN": rule_arn(region, account_id, DEFAULT_RULE_NAME),
        "ResourceARN": "*",
        "Priority": DEFAULT_PRIORITY,
        "FixedRate": 0.05,
        "ReservoirSize": 1,
        "ServiceName": "*",
        "ServiceType": "*",
        "Host": "*",
        "HTTPMethod": "*",
        "URLPath": "*",
        "Version": 1,
        "Attributes": {},
    }
