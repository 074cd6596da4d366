"""Errors of the resilience package."""

from __future__ import annotations

from rez_telemetry.resilience.states import format_epoch


class CircuitOpenError(Exception):
    """The circuit is open: the call was not attempted.

    Callers act on the fields, never on the text: `service`, `reason` (`open`, or why the call
    was refused), `retry_at` (epoch seconds of the next probe, None when unknown) and
    `retry_after_seconds` (how long from `now` until then). The notifier turns them into its
    structured `not_sent` answer.
    """

    def __init__(
        self, service: str, retry_at: float | None, now: float, reason: str = "open"
    ) -> None:
        self.service = service
        self.retry_at = retry_at
        self.retry_after_seconds = None if retry_at is None else max(0.0, retry_at - now)
        self.reason = reason
        when = (
            "unknown"
            if retry_at is None
            else f"{format_epoch(retry_at)} (in {self.retry_after_seconds:.1f} s)"
        )
        super().__init__(f"Circuit '{service}' is {reason}; next probe at {when}")


class StateStoreError(Exception):
    """The circuit state store could not be read or written (DynamoDB unreachable, throttled…)."""
