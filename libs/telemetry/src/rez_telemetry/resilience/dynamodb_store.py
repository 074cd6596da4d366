"""Circuit state in DynamoDB, shared by every concurrent Lambda instance.

One item per circuit in the breaker table (`rez-agent-circuit-breaker-{stage}`, PK `pk`), key
`circuit#<service>`. Each store method is a single conditional `UpdateItem`: `ADD` keeps
failure counts exact under concurrency, and `ConditionExpression`s let exactly one caller win
each transition and the probe election. Reads are strongly consistent so a freshly opened
circuit is seen by the next caller.
"""

from __future__ import annotations

import time
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

from rez_telemetry._lazy import lazy_module
from rez_telemetry.resilience.exceptions import StateStoreError
from rez_telemetry.resilience.states import CircuitRecord, CircuitState

if TYPE_CHECKING:
    import boto3
    from mypy_boto3_dynamodb import DynamoDBClient
else:
    boto3 = lazy_module("boto3")  # only without an injected client

KEY_PREFIX: Final = "circuit#"
ITEM_TTL_SECONDS: Final = 30 * 24 * 3600
"""Items left untouched for 30 days (a circuit nobody uses any more) expire via `expires_at`."""
_WINDOW_RETRIES: Final = 5

_NAMES: Final = {
    "#state": "state",
    "#failures": "failure_count",
    "#window": "window_start",
    "#opened": "opened_at",
    "#until": "open_until",
    "#owner": "probe_owner",
    "#lease": "probe_lease_until",
    "#successes": "half_open_successes",
    "#updated": "updated_at",
    "#ttl": "expires_at",
}


def _n(value: float) -> dict[str, str]:
    return {"N": repr(float(value)) if not float(value).is_integer() else str(int(value))}


def _s(value: str) -> dict[str, str]:
    return {"S": value}


def _number(item: dict[str, Any], name: str) -> float | None:
    cell = item.get(name)
    return None if cell is None else float(Decimal(cell["N"]))


def _record(item: dict[str, Any] | None) -> CircuitRecord:
    if not item:
        return CircuitRecord()
    owner = item.get("probe_owner")
    return CircuitRecord(
        state=CircuitState(item.get("state", {"S": "closed"})["S"]),
        failure_count=int(_number(item, "failure_count") or 0),
        window_start=_number(item, "window_start"),
        opened_at=_number(item, "opened_at"),
        open_until=_number(item, "open_until"),
        probe_owner=None if owner is None else owner["S"],
        probe_lease_until=_number(item, "probe_lease_until"),
        half_open_successes=int(_number(item, "half_open_successes") or 0),
    )


class DynamoDBStateStore:
    """A `StateStore` on a DynamoDB table with a string partition key `pk`."""

    def __init__(
        self,
        table_name: str,
        client: DynamoDBClient | Any | None = None,
        *,
        key_attribute: str = "pk",
    ) -> None:
        self.table_name = table_name
        self.key_attribute = key_attribute
        self._client = client

    @property
    def client(self) -> DynamoDBClient | Any:
        """The injected client, or one created at first use (never at import)."""
        if self._client is None:
            self._client = boto3.client("dynamodb")
        return self._client

    def _key(self, service: str) -> dict[str, Any]:
        return {self.key_attribute: _s(KEY_PREFIX + service)}

    def _update(
        self,
        service: str,
        expression: str,
        condition: str | None,
        values: dict[str, Any],
        return_values: str = "NONE",
    ) -> dict[str, Any] | None:
        """Run one UpdateItem; None when its condition failed."""
        values = {**values, ":updated": _n(time.time()), ":ttl": _n(time.time() + ITEM_TTL_SECONDS)}
        expression = _with_set(expression, "#updated = :updated, #ttl = :ttl")
        used_names = {k: v for k, v in _NAMES.items() if k in expression or k in (condition or "")}
        request: dict[str, Any] = {
            "TableName": self.table_name,
            "Key": self._key(service),
            "UpdateExpression": expression,
            "ExpressionAttributeNames": used_names,
            "ExpressionAttributeValues": values,
            "ReturnValues": return_values,
        }
        if condition:
            request["ConditionExpression"] = condition
        try:
            response = self.client.update_item(**request)
        except Exception as exc:
            if _is_condition_failure(exc):
                return None
            raise StateStoreError(f"circuit state update failed: {exc}") from exc
        return dict(response.get("Attributes") or {})

    # -- StateStore ----------------------------------------------------------------------

    def load(self, service: str) -> CircuitRecord:
        try:
            response = self.client.get_item(
                TableName=self.table_name, Key=self._key(service), ConsistentRead=True
            )
        except Exception as exc:
            raise StateStoreError(f"circuit state read failed: {exc}") from exc
        return _record(response.get("Item"))

    def add_failure(self, service: str, now: float, window_seconds: float | None) -> CircuitRecord:
        closed = "(attribute_not_exists(#state) OR #state = :closed)"
        values = {":closed": _s("closed"), ":one": _n(1)}
        if window_seconds is None:
            attributes = self._update(
                service,
                "SET #state = :closed ADD #failures :one",
                closed,
                values,
                "ALL_NEW",
            )
            return self.load(service) if attributes is None else _record(attributes)
        cutoff = {":cutoff": _n(now - window_seconds)}
        for _ in range(_WINDOW_RETRIES):
            attributes = self._update(
                service,
                "SET #state = :closed ADD #failures :one",
                f"{closed} AND #window > :cutoff",
                {**values, **cutoff},
                "ALL_NEW",
            )
            if attributes is not None:
                return _record(attributes)
            attributes = self._update(
                service,
                "SET #state = :closed, #failures = :one, #window = :now",
                f"{closed} AND (attribute_not_exists(#window) OR #window <= :cutoff)",
                {**values, **cutoff, ":now": _n(now)},
                "ALL_NEW",
            )
            if attributes is not None:
                return _record(attributes)
            record = self.load(service)
            if record.state is not CircuitState.CLOSED:
                return record
        return self.load(service)  # contended beyond reason: report what is there

    def clear_failures(self, service: str) -> None:
        self._update(
            service,
            "SET #failures = :zero",
            "#state = :closed AND #failures > :zero",
            {":closed": _s("closed"), ":zero": _n(0)},
        )

    def open(self, service: str, now: float, open_until: float) -> bool:
        return (
            self._update(
                service,
                "SET #state = :open, #opened = :now, #until = :until, #successes = :zero "
                "REMOVE #owner, #lease",
                "#state = :closed",
                {
                    ":open": _s("open"),
                    ":closed": _s("closed"),
                    ":now": _n(now),
                    ":until": _n(open_until),
                    ":zero": _n(0),
                },
            )
            is not None
        )

    def acquire_probe(
        self, service: str, owner: str, now: float, lease_until: float
    ) -> CircuitState | None:
        attributes = self._update(
            service,
            "SET #state = :half_open, #owner = :owner, #lease = :lease",
            "(#state = :open AND (attribute_not_exists(#until) OR #until <= :now)) OR "
            "(#state = :half_open AND (attribute_not_exists(#owner) OR #lease <= :now))",
            {
                ":open": _s("open"),
                ":half_open": _s("half_open"),
                ":owner": _s(owner),
                ":lease": _n(lease_until),
                ":now": _n(now),
            },
            "ALL_OLD",
        )
        if attributes is None:
            return None
        return _record(attributes).state

    def probe_succeeded(self, service: str, owner: str) -> CircuitRecord | None:
        attributes = self._update(
            service,
            "SET #lease = :zero ADD #successes :one REMOVE #owner",
            "#state = :half_open AND #owner = :owner",
            {":half_open": _s("half_open"), ":owner": _s(owner), ":one": _n(1), ":zero": _n(0)},
            "ALL_NEW",
        )
        return None if attributes is None else _record(attributes)

    def close(self, service: str, successes_required: int) -> bool:
        return (
            self._update(
                service,
                "SET #state = :closed, #failures = :zero, #successes = :zero "
                "REMOVE #opened, #until, #owner, #lease, #window",
                "#state = :half_open AND #successes >= :required",
                {
                    ":closed": _s("closed"),
                    ":half_open": _s("half_open"),
                    ":zero": _n(0),
                    ":required": _n(successes_required),
                },
            )
            is not None
        )

    def reopen(self, service: str, owner: str, now: float, open_until: float) -> bool:
        return (
            self._update(
                service,
                "SET #state = :open, #opened = :now, #until = :until, #successes = :zero "
                "REMOVE #owner, #lease",
                "#state = :half_open AND #owner = :owner",
                {
                    ":open": _s("open"),
                    ":half_open": _s("half_open"),
                    ":owner": _s(owner),
                    ":now": _n(now),
                    ":until": _n(open_until),
                    ":zero": _n(0),
                },
            )
            is not None
        )

    def release_probe(self, service: str, owner: str) -> None:
        self._update(
            service,
            "SET #lease = :zero REMOVE #owner",
            "#state = :half_open AND #owner = :owner",
            {":half_open": _s("half_open"), ":owner": _s(owner), ":zero": _n(0)},
        )

    def reset(self, service: str) -> None:
        self._update(
            service,
            "SET #state = :closed, #failures = :zero, #successes = :zero "
            "REMOVE #opened, #until, #owner, #lease, #window",
            None,
            {":closed": _s("closed"), ":zero": _n(0)},
        )


def _with_set(expression: str, assignments: str) -> str:
    """Add assignments to the SET clause of an update expression (creating one if needed)."""
    if expression.startswith("SET "):
        head, sep, rest = expression.partition(" ADD ")
        if not sep:
            head, sep, rest = expression.partition(" REMOVE ")
        return f"{head}, {assignments}{sep}{rest}" if sep else f"{head}, {assignments}"
    return f"SET {assignments} {expression}"


def _is_condition_failure(error: Exception) -> bool:
    response = getattr(error, "response", None)
    if not isinstance(response, dict):
        return False
    return response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"
