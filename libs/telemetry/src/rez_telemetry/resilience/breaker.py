"""`CircuitBreaker`: fail fast while a dependency is down, with state shared through a store.

Unlike Powertools' breaker, whose failure counter lives in each instance's memory, the count,
the transitions and the half-open probe live in the store: with `DynamoDBStateStore` every
concurrent Lambda instance sees the same circuit, and exactly one of them probes.
"""

from __future__ import annotations

import functools
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, ParamSpec, TypeVar

from rez_telemetry import metrics as shared_metrics
from rez_telemetry.logging import logger
from rez_telemetry.resilience.exceptions import CircuitOpenError, StateStoreError
from rez_telemetry.resilience.states import CircuitRecord, CircuitState, CircuitStatus

if TYPE_CHECKING:
    from rez_telemetry.metrics.recorder import MetricsRecorder
    from rez_telemetry.resilience.store import StateStore

P = ParamSpec("P")
R = TypeVar("R")
StoreErrorPolicy = Literal["fail_open", "fail_closed"]
ExceptionTypes = tuple[type[BaseException], ...]


class CircuitBreaker:
    """A circuit around one dependency (`service`), e.g. `CircuitBreaker("ntfy", store)`.

    - `failure_threshold`: failures that open the circuit — consecutive ones, or, with
      `window_seconds`, ones within a window that starts at the first failure.
    - `open_seconds`: how long an open circuit fails fast before a probe is allowed.
    - `half_open_successes`: successful probes (one at a time) that close it again.
    - `probe_timeout_seconds`: lease of the elected probe; if its caller dies, another caller
      may probe once it lapses.
    - `handled` / `ignored`: which exceptions count as failures (default: every `Exception`
      except those in `ignored`). An ignored exception propagates without touching the counts.
    - `on_store_error`: `fail_open` (call the dependency unprotected) or `fail_closed` (fail
      fast with `CircuitOpenError`) when the store cannot be read.
    - `clock`: epoch seconds, injectable for tests. `metrics`: recorder for
      `CircuitBreakerState` (the shared one by default).
    """

    def __init__(
        self,
        service: str,
        store: StateStore,
        *,
        failure_threshold: int = 5,
        window_seconds: float | None = None,
        open_seconds: float = 30.0,
        half_open_successes: int = 1,
        probe_timeout_seconds: float = 30.0,
        handled: ExceptionTypes = (Exception,),
        ignored: ExceptionTypes = (),
        on_store_error: StoreErrorPolicy = "fail_open",
        clock: Callable[[], float] = time.time,
        metrics: MetricsRecorder | None = None,
    ) -> None:
        if failure_threshold < 1 or half_open_successes < 1:
            raise ValueError("failure_threshold and half_open_successes must be at least 1")
        if open_seconds <= 0 or probe_timeout_seconds <= 0:
            raise ValueError("open_seconds and probe_timeout_seconds must be positive")
        if window_seconds is not None and window_seconds <= 0:
            raise ValueError("window_seconds must be positive (or None for consecutive failures)")
        if on_store_error not in ("fail_open", "fail_closed"):
            raise ValueError("on_store_error must be 'fail_open' or 'fail_closed'")
        self.service = service
        self.store = store
        self.failure_threshold = failure_threshold
        self.window_seconds = window_seconds
        self.open_seconds = open_seconds
        self.half_open_successes = half_open_successes
        self.probe_timeout_seconds = probe_timeout_seconds
        self.handled = handled
        self.ignored = (*ignored, CircuitOpenError)
        self.on_store_error = on_store_error
        self._clock = clock
        self._metrics = metrics
        self._active: ContextVar[tuple[AbstractContextManager[None], ...]] = ContextVar(
            f"circuit_breaker_{service}_{id(self)}", default=()
        )

    # -- public API ----------------------------------------------------------------------

    def call(self, fn: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
        """Run `fn(*args, **kwargs)` through the circuit."""
        with self.guard():
            return fn(*args, **kwargs)

    def __call__(self, fn: Callable[P, R]) -> Callable[P, R]:
        """Decorator form: `@breaker`."""

        @functools.wraps(fn)
        def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
            with self.guard():
                return fn(*args, **kwargs)

        return guarded

    def __enter__(self) -> CircuitBreaker:
        """`with breaker:` — per-call state is kept per context, so a shared breaker is safe."""
        guard = self.guard()
        guard.__enter__()
        self._active.set((*self._active.get(), guard))
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> bool | None:
        stack = self._active.get()
        self._active.set(stack[:-1])
        return stack[-1].__exit__(exc_type, exc, traceback)

    @contextmanager
    def guard(self) -> Iterator[None]:
        """Context-manager form: `with breaker.guard(): send()`."""
        now = self._clock()
        try:
            record: CircuitRecord | None = self.store.load(self.service)
        except StateStoreError as exc:
            self._store_unavailable(exc, now)  # raises CircuitOpenError when failing closed
            record = None
        if record is None:
            yield  # fail open: unprotected call, nothing recorded
            return

        if record.state is CircuitState.CLOSED:
            self._emit_state(CircuitState.CLOSED)
            with self._closed_call(record):
                yield
            return

        owner = uuid.uuid4().hex
        previous = self._try_acquire_probe(owner, now) if record.probe_available(now) else None
        if previous is None:
            self._emit_state(record.state)
            raise self._open_error(record, now)
        if previous is CircuitState.OPEN:
            self._transition_log("Circuit breaker half-open", CircuitState.HALF_OPEN, record)
        with self._probe_call(owner):
            yield

    def status(self) -> CircuitStatus:
        """State, counts and next probe time, read from the store."""
        try:
            record = self.store.load(self.service)
            available = True
        except StateStoreError:
            record, available = CircuitRecord(), False
        return CircuitStatus(
            service=self.service,
            state=record.state,
            failure_count=record.failure_count,
            failure_threshold=self.failure_threshold,
            half_open_successes=record.half_open_successes,
            half_open_successes_required=self.half_open_successes,
            opened_at=record.opened_at,
            next_probe_at=record.next_probe_at(),
            probe_in_flight=record.probe_owner is not None
            and (record.probe_lease_until or 0.0) > self._clock(),
            store_available=available,
        )

    def reset(self) -> None:
        """Close the circuit and forget failures (operator action)."""
        self.store.reset(self.service)
        self._transition_log("Circuit breaker closed", CircuitState.CLOSED, None, reason="reset")

    # -- the three paths -----------------------------------------------------------------

    @contextmanager
    def _closed_call(self, record: CircuitRecord) -> Iterator[None]:
        try:
            yield
        except BaseException as exc:
            if self._counts(exc):
                self._safely(self._after_closed_failure)
            raise
        else:
            if self.window_seconds is None and record.failure_count > 0:
                self._safely(self.store.clear_failures, self.service)

    def _after_closed_failure(self) -> None:
        now = self._clock()
        updated = self.store.add_failure(self.service, now, self.window_seconds)
        if updated.state is not CircuitState.CLOSED:
            return
        if updated.failure_count >= self.failure_threshold and self.store.open(
            self.service, now, now + self.open_seconds
        ):
            self._opened(updated.failure_count, now, reopened=False)

    @contextmanager
    def _probe_call(self, owner: str) -> Iterator[None]:
        try:
            yield
        except BaseException as exc:
            if self._counts(exc):
                self._safely(self._after_probe_failure, owner)
            else:
                self._safely(self.store.release_probe, self.service, owner)
            raise
        else:
            self._safely(self._after_probe_success, owner)

    def _after_probe_failure(self, owner: str) -> None:
        now = self._clock()
        if self.store.reopen(self.service, owner, now, now + self.open_seconds):
            self._opened(None, now, reopened=True)

    def _after_probe_success(self, owner: str) -> None:
        updated = self.store.probe_succeeded(self.service, owner)
        if updated is None or updated.half_open_successes < self.half_open_successes:
            return
        if self.store.close(self.service, self.half_open_successes):
            self._transition_log(
                "Circuit breaker closed",
                CircuitState.CLOSED,
                updated,
                successes=updated.half_open_successes,
            )

    # -- helpers -------------------------------------------------------------------------

    def _try_acquire_probe(self, owner: str, now: float) -> CircuitState | None:
        try:
            return self.store.acquire_probe(
                self.service, owner, now, now + self.probe_timeout_seconds
            )
        except StateStoreError as exc:
            self._store_write_failed(exc, "acquire_probe")
            return None

    def _counts(self, exc: BaseException) -> bool:
        return isinstance(exc, self.handled) and not isinstance(exc, self.ignored)

    def _open_error(self, record: CircuitRecord, now: float) -> CircuitOpenError:
        retry_at = record.next_probe_at()
        if retry_at is None or retry_at < now:
            retry_at = now + min(self.open_seconds, self.probe_timeout_seconds)
        return CircuitOpenError(self.service, retry_at, now)

    def _store_unavailable(self, exc: StateStoreError, now: float) -> None:
        logger.warning(
            "Circuit breaker state store unavailable",
            service=self.service,
            policy=self.on_store_error,
            error=str(exc),
        )
        if self.on_store_error == "fail_closed":
            raise CircuitOpenError(
                self.service, now + self.open_seconds, now, reason="unavailable (state store down)"
            ) from exc

    def _store_write_failed(self, exc: BaseException, step: str) -> None:
        logger.warning(
            "Circuit breaker state write failed", service=self.service, step=step, error=str(exc)
        )

    def _safely(self, step: Callable[..., object], *args: Any) -> None:
        # Bookkeeping must never replace the dependency's own result or exception.
        try:
            step(*args)
        except Exception as exc:
            self._store_write_failed(exc, getattr(step, "__name__", repr(step)))

    def _opened(self, failure_count: int | None, now: float, *, reopened: bool) -> None:
        logger.warning(
            "Circuit breaker opened",
            service=self.service,
            failure_count=failure_count,
            reopened=reopened,
            open_seconds=self.open_seconds,
            next_probe_at=now + self.open_seconds,
        )
        self._emit_state(CircuitState.OPEN)

    def _transition_log(
        self,
        message: str,
        state: CircuitState,
        record: CircuitRecord | None,
        **fields: object,
    ) -> None:
        logger.info(
            message,
            service=self.service,
            state=state.value,
            failure_count=None if record is None else record.failure_count,
            **fields,
        )
        self._emit_state(state)

    def _emit_state(self, state: CircuitState) -> None:
        try:
            recorder = self._metrics or shared_metrics.shared
            recorder.record(
                shared_metrics.CIRCUIT_BREAKER_STATE,
                state.metric_value,
                shared_metrics.Unit.NONE,
                {"Service": self.service, "State": state.value},
            )
        except Exception as exc:  # metrics must never break the protected call
            self._store_write_failed(exc, "emit_state")
