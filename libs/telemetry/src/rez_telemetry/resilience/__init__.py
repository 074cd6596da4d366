"""Resilience: tenacity retry policies and a circuit breaker whose state all instances share."""

from __future__ import annotations

from rez_telemetry.resilience.breaker import CircuitBreaker, StoreErrorPolicy
from rez_telemetry.resilience.classify import (
    RetryDecision,
    classify_exception,
    classify_response,
    is_retryable,
)
from rez_telemetry.resilience.dynamodb_store import DynamoDBStateStore
from rez_telemetry.resilience.exceptions import CircuitOpenError, StateStoreError
from rez_telemetry.resilience.retry import RetryPolicy, retry_policy
from rez_telemetry.resilience.retry_after import parse_retry_after
from rez_telemetry.resilience.states import CircuitRecord, CircuitState, CircuitStatus
from rez_telemetry.resilience.store import InMemoryStateStore, StateStore

__all__ = [
    "CircuitBreaker",
    "CircuitOpenError",
    "CircuitRecord",
    "CircuitState",
    "CircuitStatus",
    "DynamoDBStateStore",
    "InMemoryStateStore",
    "RetryDecision",
    "RetryPolicy",
    "StateStore",
    "StateStoreError",
    "StoreErrorPolicy",
    "classify_exception",
    "classify_response",
    "is_retryable",
    "parse_retry_after",
    "retry_policy",
]
