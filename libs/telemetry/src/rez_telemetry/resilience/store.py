"""The state-store contract of the circuit breaker, and the in-memory store.

Every method is one atomic step (one conditional `UpdateItem` in DynamoDB, one locked section
here), so many processes sharing a store agree on counts, transitions and the single probe.
"""

from __future__ import annotations

import dataclasses
import threading
from typing import Protocol, runtime_checkable

from rez_telemetry.resilience.states import CircuitRecord, CircuitState


@runtime_checkable
class StateStore(Protocol):
    """Shared circuit state. Methods raise `StateStoreError` when the store is unreachable."""

    def load(self, service: str) -> CircuitRecord:
        """The current record (a closed one when none exists)."""
        ...

    def add_failure(self, service: str, now: float, window_seconds: float | None) -> CircuitRecord:
        """Count one failure while closed; returns the record after the update.

        With `window_seconds`, a failure after the window restarts the count at 1. When the
        circuit is not closed, nothing is counted and the current record is returned.
        """
        ...

    def clear_failures(self, service: str) -> None:
        """A success while closed: consecutive failures start again from 0."""
        ...

    def open(self, service: str, now: float, open_until: float) -> bool:
        """closed → open; True for the one caller that made the transition."""
        ...

    def acquire_probe(
        self, service: str, owner: str, now: float, lease_until: float
    ) -> CircuitState | None:
        """Elect `owner` as the probe; the previous state when elected, else None."""
        ...

    def probe_succeeded(self, service: str, owner: str) -> CircuitRecord | None:
        """Count a probe success and free the probe slot; None when `owner` lost the lease."""
        ...

    def close(self, service: str, successes_required: int) -> bool:
        """half-open → closed once enough probes succeeded; True for the one caller that did it."""
        ...

    def reopen(self, service: str, owner: str, now: float, open_until: float) -> bool:
        """half-open → open after `owner`'s probe failed; False when `owner` lost the lease."""
        ...

    def release_probe(self, service: str, owner: str) -> None:
        """Free the probe slot without a verdict (the probe ended in an ignored exception)."""
        ...

    def reset(self, service: str) -> None:
        """Force closed with no failures."""
        ...


class InMemoryStateStore:
    """A `StateStore` for one process: tests, local runs, or a deliberately unshared breaker."""

    def __init__(self) -> None:
        self._records: dict[str, CircuitRecord] = {}
        self._lock = threading.Lock()

    def load(self, service: str) -> CircuitRecord:
        with self._lock:
            return self._records.get(service, CircuitRecord())

    def _put(self, service: str, record: CircuitRecord) -> CircuitRecord:
        self._records[service] = record
        return record

    def add_failure(self, service: str, now: float, window_seconds: float | None) -> CircuitRecord:
        with self._lock:
            record = self._records.get(service, CircuitRecord())
            if record.state is not CircuitState.CLOSED:
                return record
            window_expired = window_seconds is not None and (
                record.window_start is None or record.window_start <= now - window_seconds
            )
            if window_expired:
                return self._put(
                    service, dataclasses.replace(record, failure_count=1, window_start=now)
                )
            return self._put(
                service, dataclasses.replace(record, failure_count=record.failure_count + 1)
            )

    def clear_failures(self, service: str) -> None:
        with self._lock:
            record = self._records.get(service, CircuitRecord())
            if record.state is CircuitState.CLOSED and record.failure_count > 0:
                self._put(service, dataclasses.replace(record, failure_count=0))

    def open(self, service: str, now: float, open_until: float) -> bool:
        with self._lock:
            record = self._records.get(service, CircuitRecord())
            if record.state is not CircuitState.CLOSED:
                return False
            self._put(service, _opened(record, now, open_until))
            return True

    def acquire_probe(
        self, service: str, owner: str, now: float, lease_until: float
    ) -> CircuitState | None:
        with self._lock:
            record = self._records.get(service, CircuitRecord())
            if not record.probe_available(now):
                return None
            self._put(
                service,
                dataclasses.replace(
                    record,
                    state=CircuitState.HALF_OPEN,
                    probe_owner=owner,
                    probe_lease_until=lease_until,
                ),
            )
            return record.state

    def probe_succeeded(self, service: str, owner: str) -> CircuitRecord | None:
        with self._lock:
            record = self._records.get(service, CircuitRecord())
            if record.state is not CircuitState.HALF_OPEN or record.probe_owner != owner:
                return None
            return self._put(
                service,
                dataclasses.replace(
                    record,
                    half_open_successes=record.half_open_successes + 1,
                    probe_owner=None,
                    probe_lease_until=0.0,
                ),
            )

    def close(self, service: str, successes_required: int) -> bool:
        with self._lock:
            record = self._records.get(service, CircuitRecord())
            if (
                record.state is not CircuitState.HALF_OPEN
                or record.half_open_successes < successes_required
            ):
                return False
            self._put(service, CircuitRecord())
            return True

    def reopen(self, service: str, owner: str, now: float, open_until: float) -> bool:
        with self._lock:
            record = self._records.get(service, CircuitRecord())
            if record.state is not CircuitState.HALF_OPEN or record.probe_owner != owner:
                return False
            self._put(service, _opened(record, now, open_until))
            return True

    def release_probe(self, service: str, owner: str) -> None:
        with self._lock:
            record = self._records.get(service, CircuitRecord())
            if record.state is CircuitState.HALF_OPEN and record.probe_owner == owner:
                self._put(
                    service, dataclasses.replace(record, probe_owner=None, probe_lease_until=0.0)
                )

    def reset(self, service: str) -> None:
        with self._lock:
            self._records[service] = CircuitRecord()


def _opened(record: CircuitRecord, now: float, open_until: float) -> CircuitRecord:
    return dataclasses.replace(
        record,
        state=CircuitState.OPEN,
        opened_at=now,
        open_until=open_until,
        probe_owner=None,
        probe_lease_until=None,
        half_open_successes=0,
    )
