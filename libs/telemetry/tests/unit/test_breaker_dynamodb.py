"""DynamoDBStateStore against moto, and what the breaker does when the store itself is down."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from moto import mock_aws

from rez_telemetry.metrics import MetricsRecorder
from rez_telemetry.resilience import (
    CircuitBreaker,
    CircuitOpenError,
    CircuitState,
    DynamoDBStateStore,
    InMemoryStateStore,
    StateStoreError,
)

TABLE = "rez-agent-circuit-breaker-test"
T0 = 1_700_000_000.0


@pytest.fixture
def dynamodb(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        client = boto3.client("dynamodb")
        client.create_table(
            TableName=TABLE,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        yield client


@pytest.fixture
def unreachable_client(monkeypatch: pytest.MonkeyPatch) -> Any:
    """A real DynamoDB client aimed at a closed loopback port: every call fails to connect."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    return boto3.client(
        "dynamodb",
        region_name="us-east-1",
        endpoint_url="http://127.0.0.1:9",
        config=Config(connect_timeout=0.5, read_timeout=0.5, retries={"max_attempts": 1}),
    )


def quiet_metrics() -> MetricsRecorder:
    return MetricsRecorder(backend="emf", stage="dev", write=lambda _: None)


def test_item_layout_in_the_breaker_table(dynamodb: Any) -> None:
    # GIVEN a store on the breaker table
    store = DynamoDBStateStore(TABLE, dynamodb)
    # WHEN a circuit counts two failures and opens
    store.add_failure("ntfy", T0, None)
    store.add_failure("ntfy", T0, None)
    assert store.open("ntfy", T0, T0 + 30)
    # THEN one item per circuit, keyed `circuit#<service>` under PK `pk`, holds the state
    item = dynamodb.get_item(TableName=TABLE, Key={"pk": {"S": "circuit#ntfy"}})["Item"]
    assert item["state"] == {"S": "open"}
    assert item["failure_count"] == {"N": "2"}
    assert float(item["open_until"]["N"]) == T0 + 30
    assert "expires_at" in item
    # AND it reads back the same way
    record = store.load("ntfy")
    assert record.state is CircuitState.OPEN
    assert record.failure_count == 2
    assert record.open_until == T0 + 30


def test_a_second_open_loses_the_condition(dynamodb: Any) -> None:
    # GIVEN an open circuit
    store = DynamoDBStateStore(TABLE, dynamodb)
    store.add_failure("ntfy", T0, None)
    assert store.open("ntfy", T0, T0 + 30) is True
    # WHEN another instance tries the same transition
    # THEN its conditional write fails: only one caller reports the transition
    assert store.open("ntfy", T0, T0 + 30) is False


def test_probe_election_is_conditional(dynamodb: Any) -> None:
    # GIVEN an open circuit past its open period
    store = DynamoDBStateStore(TABLE, dynamodb)
    store.add_failure("ntfy", T0, None)
    store.open("ntfy", T0, T0 + 30)
    # WHEN two instances try to become the probe
    first = store.acquire_probe("ntfy", "a", T0 + 31, T0 + 61)
    second = store.acquire_probe("ntfy", "b", T0 + 31, T0 + 61)
    # THEN only the first is elected, and it saw the circuit open
    assert first is CircuitState.OPEN
    assert second is None
    assert store.load("ntfy").probe_owner == "a"
    # AND before the open period ends nobody could have been elected
    store.reset("ntfy")
    store.add_failure("ntfy", T0, None)
    store.open("ntfy", T0, T0 + 30)
    assert store.acquire_probe("ntfy", "c", T0 + 5, T0 + 35) is None


def test_counting_stops_while_open(dynamodb: Any) -> None:
    # GIVEN an open circuit
    store = DynamoDBStateStore(TABLE, dynamodb)
    store.add_failure("ntfy", T0, None)
    store.open("ntfy", T0, T0 + 30)
    # WHEN a late failure from a call started while closed is reported
    record = store.add_failure("ntfy", T0 + 1, None)
    # THEN the open record is returned unchanged
    assert record.state is CircuitState.OPEN
    assert record.failure_count == 1


def test_unreachable_store_fails_open_by_default(unreachable_client: Any, logs: Any) -> None:
    # GIVEN a breaker whose DynamoDB cannot be reached (default policy: fail open)
    breaker = CircuitBreaker(
        "ntfy", DynamoDBStateStore(TABLE, unreachable_client), metrics=quiet_metrics()
    )
    # WHEN called
    result = breaker.call(lambda: "sent")
    # THEN the dependency was called unprotected and the outage was logged
    assert result == "sent"
    line = logs.find("Circuit breaker state store unavailable")
    assert line["level"] == "WARNING"
    assert line["policy"] == "fail_open"
    # AND status() says so instead of raising
    assert breaker.status().store_available is False


def test_unreachable_store_fails_closed_when_configured(unreachable_client: Any, logs: Any) -> None:
    # GIVEN a fail-closed breaker whose DynamoDB cannot be reached
    breaker = CircuitBreaker(
        "ntfy",
        DynamoDBStateStore(TABLE, unreachable_client),
        on_store_error="fail_closed",
        open_seconds=15,
        metrics=quiet_metrics(),
    )
    calls: list[int] = []
    # WHEN called
    with pytest.raises(CircuitOpenError) as raised:
        breaker.call(lambda: calls.append(1))
    # THEN the dependency was not called and the error says when to come back
    assert calls == []
    assert raised.value.retry_after_seconds == pytest.approx(15, abs=1)
    assert "state store" in str(raised.value)
    assert isinstance(raised.value.__cause__, StateStoreError)


class FailingWrites(InMemoryStateStore):
    """Reads work, writes fail: DynamoDB throttling writes, say."""

    def add_failure(self, service: str, now: float, window_seconds: float | None) -> Any:
        raise StateStoreError("throttled")

    def clear_failures(self, service: str) -> None:
        raise StateStoreError("throttled")


def test_bookkeeping_failures_never_mask_the_call(logs: Any) -> None:
    # GIVEN a store whose writes fail
    store = FailingWrites()
    breaker = CircuitBreaker("ntfy", store, metrics=quiet_metrics())

    def fail() -> None:
        raise ConnectionError("ntfy down")

    # WHEN the call fails
    # THEN the caller sees the dependency's error, not the store's
    with pytest.raises(ConnectionError, match="ntfy down"):
        breaker.call(fail)
    assert logs.find("Circuit breaker state write failed")["step"] == "_after_closed_failure"


def test_client_is_not_created_until_first_use(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a store built without a client
    created: list[str] = []
    monkeypatch.setattr(boto3, "client", lambda name, **_: created.append(name))
    store = DynamoDBStateStore(TABLE)
    # THEN no client exists yet (nothing at construction, nothing at import)
    assert created == []
    # WHEN first used THEN a DynamoDB client is created
    _ = store.client
    assert created == ["dynamodb"]
