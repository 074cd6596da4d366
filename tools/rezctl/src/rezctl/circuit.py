"""The notifier's shared circuit breaker (`ntfy-sh` in the breaker table): read and reset.

Uses rez_telemetry's own `CircuitBreaker` over a `DynamoDBStateStore`, so `rezctl` reads the
item exactly as the notifier does. The thresholds shown are the notifier's (its bootstrap uses
the breaker's defaults: 5 failures, 30 s open).
"""

from __future__ import annotations

from typing import Any

from rez_telemetry import CircuitBreaker, CircuitState, CircuitStatus, DynamoDBStateStore
from rez_telemetry.resilience.states import format_epoch
from rezctl.names import BREAKER_SERVICE
from rezctl.target import Target


def breaker(target: Target, service: str = BREAKER_SERVICE) -> CircuitBreaker:
    """The circuit as the notifier builds it (same table, same service name)."""
    store = DynamoDBStateStore(target.names.breaker_table, target.client("dynamodb"))
    return CircuitBreaker(service, store)


def status(target: Target | None = None, service: str = BREAKER_SERVICE) -> CircuitStatus:
    """State, failure count, next probe time (`store_available` False when unreadable)."""
    return breaker(target or Target.resolve(), service).status()


def reset(target: Target | None = None, service: str = BREAKER_SERVICE) -> CircuitStatus:
    """Close the circuit and forget its failures (operator action); the status after it."""
    circuit = breaker(target or Target.resolve(), service)
    circuit.reset()
    return circuit.status()


def is_open(current: CircuitStatus) -> bool:
    """Open or half-open: ntfy's recovery is not confirmed yet."""
    return current.state is not CircuitState.CLOSED


def status_dict(current: CircuitStatus) -> dict[str, Any]:
    """The `--json` form."""
    return {
        "service": current.service,
        "state": current.state.value,
        "failure_count": current.failure_count,
        "failure_threshold": current.failure_threshold,
        "half_open_successes": current.half_open_successes,
        "opened_at": format_epoch(current.opened_at) if current.opened_at else None,
        "next_probe_at": format_epoch(current.next_probe_at) if current.next_probe_at else None,
        "probe_in_flight": current.probe_in_flight,
        "store_available": current.store_available,
    }
