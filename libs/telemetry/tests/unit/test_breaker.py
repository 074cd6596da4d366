"""CircuitBreaker state machine and shared state, against the in-memory and DynamoDB stores."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from rez_telemetry.metrics import CIRCUIT_BREAKER_STATE, MetricsRecorder
from rez_telemetry.resilience import (
    CircuitBreaker,
    CircuitOpenError,
    CircuitState,
    DynamoDBStateStore,
    InMemoryStateStore,
    StateStore,
)

TABLE = "rez-agent-circuit-breaker-test"
T0 = 1_700_000_000.0


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class SerializedClient:
    """A boto3 client whose calls run one at a time.

    moto is not thread-safe; DynamoDB applies each conditional write atomically. Serializing the
    calls gives moto that per-request atomicity while the interleaving between requests stays
    as concurrent as the threads make it.
    """

    def __init__(self, client: Any) -> None:
        self._client = client
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._client, name)
        if not callable(attribute):
            return attribute

        def call(*args: Any, **kwargs: Any) -> Any:
            with self._lock:
                return attribute(*args, **kwargs)

        return call


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        boto3.client("dynamodb").create_table(
            TableName=TABLE,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        yield


@pytest.fixture(params=["memory", "dynamodb"])
def make_store(request: pytest.FixtureRequest) -> Callable[[], StateStore]:
    """A factory of stores sharing one backing state (two 'Lambda instances' = two stores)."""
    if request.param == "memory":
        shared = InMemoryStateStore()
        return lambda: shared
    request.getfixturevalue("aws")
    client = SerializedClient(boto3.client("dynamodb"))
    return lambda: DynamoDBStateStore(TABLE, client)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def recorder() -> MetricsRecorder:
    return MetricsRecorder(backend="emf", stage="dev", write=lambda _: None)


def breaker_for(
    store: StateStore, clock: Clock, recorder: MetricsRecorder, **settings: Any
) -> CircuitBreaker:
    settings.setdefault("failure_threshold", 3)
    settings.setdefault("open_seconds", 30.0)
    return CircuitBreaker("ntfy", store, clock=clock, metrics=recorder, **settings)


def fail() -> None:
    raise ConnectionError("ntfy down")


def ok() -> str:
    return "sent"


def trip(breaker: CircuitBreaker, times: int) -> None:
    for _ in range(times):
        with pytest.raises(ConnectionError):
            breaker.call(fail)


def state_metrics(recorder: MetricsRecorder) -> list[tuple[float, dict[str, str]]]:
    return [
        (value, dict(series.dimensions))
        for series in recorder.pending()
        if series.name == CIRCUIT_BREAKER_STATE
        for value in series.counts
    ]


def test_opens_after_consecutive_failures(
    make_store: Callable[[], StateStore], clock: Clock, recorder: MetricsRecorder, logs: Any
) -> None:
    # GIVEN a closed circuit with a threshold of 3
    breaker = breaker_for(make_store(), clock, recorder)
    # WHEN three calls fail
    trip(breaker, 3)
    # THEN it is open, and the transition was logged once at WARN with service and failure count
    assert breaker.status().state is CircuitState.OPEN
    opened = logs.find("Circuit breaker opened")
    assert opened["level"] == "WARNING"
    assert opened["service"] == "ntfy"
    assert opened["failure_count"] == 3
    # AND CircuitBreakerState=1 was emitted with Service and State dimensions
    assert (1.0, {"Service": "ntfy", "State": "open", "Stage": "dev"}) in state_metrics(recorder)


def test_open_circuit_fails_fast_saying_when_it_will_probe(
    make_store: Callable[[], StateStore], clock: Clock, recorder: MetricsRecorder
) -> None:
    # GIVEN an open circuit
    breaker = breaker_for(make_store(), clock, recorder)
    trip(breaker, 3)
    clock.advance(10)
    calls: list[int] = []
    # WHEN called again before the open period ends
    with pytest.raises(CircuitOpenError) as raised:
        breaker.call(lambda: calls.append(1))
    # THEN the dependency is not called and the error tells when it will be probed
    assert calls == []
    assert raised.value.retry_at == T0 + 30
    assert raised.value.retry_after_seconds == pytest.approx(20)
    assert type(raised.value).__name__ == "CircuitOpenError"
    assert breaker.status().next_probe_at == T0 + 30


def test_a_success_resets_consecutive_failures(
    make_store: Callable[[], StateStore], clock: Clock, recorder: MetricsRecorder
) -> None:
    # GIVEN two failures
    breaker = breaker_for(make_store(), clock, recorder)
    trip(breaker, 2)
    # WHEN a call succeeds, then two more fail
    assert breaker.call(ok) == "sent"
    trip(breaker, 2)
    # THEN the circuit is still closed with 2 consecutive failures
    status = breaker.status()
    assert status.state is CircuitState.CLOSED
    assert status.failure_count == 2


def test_window_threshold_counts_failures_within_the_window(
    make_store: Callable[[], StateStore], clock: Clock, recorder: MetricsRecorder
) -> None:
    # GIVEN a 3-failures-in-60-s breaker
    breaker = breaker_for(make_store(), clock, recorder, window_seconds=60)
    # WHEN 2 failures, a success (does not reset in window mode), then 61 s later 2 more
    trip(breaker, 2)
    breaker.call(ok)
    clock.advance(61)
    trip(breaker, 2)
    # THEN the first window expired: still closed with a fresh count of 2
    assert breaker.status().state is CircuitState.CLOSED
    assert breaker.status().failure_count == 2
    # AND one more failure within this window opens it
    trip(breaker, 1)
    assert breaker.status().state is CircuitState.OPEN


def test_probe_success_closes_the_circuit(
    make_store: Callable[[], StateStore], clock: Clock, recorder: MetricsRecorder, logs: Any
) -> None:
    # GIVEN an open circuit whose open period has passed
    breaker = breaker_for(make_store(), clock, recorder)
    trip(breaker, 3)
    clock.advance(31)
    # WHEN the next call (the probe) succeeds
    assert breaker.call(ok) == "sent"
    # THEN it is closed, and half-open then closed were logged at INFO and emitted
    assert breaker.status().state is CircuitState.CLOSED
    assert logs.find("Circuit breaker half-open")["level"] == "INFO"
    assert logs.find("Circuit breaker closed")["level"] == "INFO"
    emitted = state_metrics(recorder)
    assert (0.5, {"Service": "ntfy", "State": "half_open", "Stage": "dev"}) in emitted
    assert (0.0, {"Service": "ntfy", "State": "closed", "Stage": "dev"}) in emitted


def test_several_probe_successes_may_be_required(
    make_store: Callable[[], StateStore], clock: Clock, recorder: MetricsRecorder
) -> None:
    # GIVEN a breaker needing 2 successful probes
    breaker = breaker_for(make_store(), clock, recorder, half_open_successes=2)
    trip(breaker, 3)
    clock.advance(31)
    # WHEN one probe succeeds
    breaker.call(ok)
    # THEN it is still half-open with one success counted
    status = breaker.status()
    assert status.state is CircuitState.HALF_OPEN
    assert status.half_open_successes == 1
    # AND a second success closes it
    breaker.call(ok)
    assert breaker.status().state is CircuitState.CLOSED


def test_probe_failure_reopens_for_a_new_period(
    make_store: Callable[[], StateStore], clock: Clock, recorder: MetricsRecorder, logs: Any
) -> None:
    # GIVEN a circuit ready to be probed
    breaker = breaker_for(make_store(), clock, recorder)
    trip(breaker, 3)
    clock.advance(31)
    # WHEN the probe fails
    trip(breaker, 1)
    # THEN it is open again until now + open_seconds
    status = breaker.status()
    assert status.state is CircuitState.OPEN
    assert status.next_probe_at == clock.now + 30
    assert len([line for line in logs.lines if line["message"] == "Circuit breaker opened"]) == 2


def test_callers_fail_fast_while_a_probe_is_in_flight_until_its_lease_expires(
    make_store: Callable[[], StateStore], clock: Clock, recorder: MetricsRecorder
) -> None:
    # GIVEN a probe that started and never finished (its Lambda died)
    store = make_store()
    breaker = breaker_for(store, clock, recorder, probe_timeout_seconds=10)
    trip(breaker, 3)
    clock.advance(31)
    assert (
        store.acquire_probe("ntfy", "dead-instance", clock.now, clock.now + 10) is CircuitState.OPEN
    )
    # WHEN another caller comes within the lease
    with pytest.raises(CircuitOpenError) as raised:
        breaker.call(ok)
    # THEN it fails fast until the lease ends
    assert raised.value.retry_at == clock.now + 10
    assert breaker.status().probe_in_flight
    # AND after the lease, a caller may probe (and its success closes the circuit)
    clock.advance(11)
    assert breaker.call(ok) == "sent"
    assert breaker.status().state is CircuitState.CLOSED


def test_a_late_result_from_a_probe_that_lost_its_lease_is_ignored(
    make_store: Callable[[], StateStore], clock: Clock, recorder: MetricsRecorder
) -> None:
    # GIVEN probe A elected, its lease expired, probe B elected
    store = make_store()
    breaker_for(store, clock, recorder)
    store.add_failure("ntfy", clock.now, None)
    assert store.open("ntfy", clock.now, clock.now + 30)
    clock.advance(31)
    assert store.acquire_probe("ntfy", "A", clock.now, clock.now + 5) is CircuitState.OPEN
    clock.advance(6)
    assert store.acquire_probe("ntfy", "B", clock.now, clock.now + 5) is CircuitState.HALF_OPEN
    # WHEN A reports a failure late
    reopened = store.reopen("ntfy", "A", clock.now, clock.now + 30)
    # THEN it changes nothing; B's verdict still counts
    assert reopened is False
    assert store.probe_succeeded("ntfy", "B") is not None
    assert store.close("ntfy", 1) is True


def test_ignored_and_unhandled_exceptions_do_not_count(
    make_store: Callable[[], StateStore], clock: Clock, recorder: MetricsRecorder
) -> None:
    # GIVEN a breaker counting only ConnectionError, ignoring ConnectionResetError
    breaker = breaker_for(
        make_store(), clock, recorder, handled=(ConnectionError,), ignored=(ConnectionResetError,)
    )

    def bad_request() -> None:
        raise ValueError("400 from ntfy")

    def reset_by_peer() -> None:
        raise ConnectionResetError

    # WHEN those exceptions are raised many times
    for _ in range(5):
        with pytest.raises(ValueError, match="400"):
            breaker.call(bad_request)
        with pytest.raises(ConnectionResetError):
            breaker.call(reset_by_peer)
    # THEN they propagate untouched and nothing was counted
    assert breaker.status().failure_count == 0
    assert breaker.status().state is CircuitState.CLOSED


def test_failures_are_shared_by_every_instance(
    make_store: Callable[[], StateStore], clock: Clock, recorder: MetricsRecorder
) -> None:
    # GIVEN two instances (two Lambda environments) on the same shared state
    first = breaker_for(make_store(), clock, recorder)
    second = breaker_for(make_store(), clock, recorder)
    # WHEN failures are split between them (2 + 1)
    trip(first, 2)
    trip(second, 1)
    # THEN the shared count reached the threshold: open for both
    assert first.status().state is CircuitState.OPEN
    with pytest.raises(CircuitOpenError):
        second.call(ok)


def test_context_manager_and_decorator_forms(
    make_store: Callable[[], StateStore], clock: Clock, recorder: MetricsRecorder
) -> None:
    # GIVEN a breaker used as decorator and as context manager
    breaker = breaker_for(make_store(), clock, recorder, failure_threshold=2)

    @breaker
    def send() -> None:
        raise ConnectionError("down")

    # WHEN one failure comes from each form
    with pytest.raises(ConnectionError):
        send()
    with pytest.raises(ConnectionError), breaker:
        raise ConnectionError("down")
    # THEN both counted: the circuit opened, and both forms now fail fast
    with pytest.raises(CircuitOpenError):
        send()
    with pytest.raises(CircuitOpenError), breaker:
        pytest.fail("the body must not run")


def test_status_describes_and_reset_closes(
    make_store: Callable[[], StateStore], clock: Clock, recorder: MetricsRecorder
) -> None:
    # GIVEN an open circuit
    breaker = breaker_for(make_store(), clock, recorder)
    trip(breaker, 3)
    # WHEN described THEN the line says state, counts and next probe time
    assert (
        breaker.status().describe() == "ntfy: open (3/3 failures), next probe 2023-11-14T22:13:50Z"
    )
    # WHEN reset THEN closed with no failures
    breaker.reset()
    status = breaker.status()
    assert status.state is CircuitState.CLOSED
    assert status.failure_count == 0
    assert breaker.call(ok) == "sent"


def test_exactly_one_probe_while_the_probe_is_still_running(
    make_store: Callable[[], StateStore], clock: Clock, recorder: MetricsRecorder
) -> None:
    # GIVEN an open circuit past its open period and a probe that blocks until released
    trip(breaker_for(make_store(), clock, recorder), 3)
    clock.advance(31)
    callers = 24
    barrier = threading.Barrier(callers)
    release = threading.Event()
    entered: list[int] = []
    fast_failures: list[int] = []
    lock = threading.Lock()

    def probe() -> str:
        with lock:
            entered.append(1)
        release.wait(timeout=30)
        return "sent"

    def caller() -> None:
        breaker = breaker_for(make_store(), clock, recorder)
        barrier.wait()
        try:
            breaker.call(probe)
        except CircuitOpenError:
            with lock:
                fast_failures.append(1)
        if len(fast_failures) == callers - 1:
            release.set()

    # WHEN all call at once (nobody finishes before every other has tried)
    threads = [threading.Thread(target=caller) for _ in range(callers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # THEN exactly one call became the probe; every other failed fast
    assert len(entered) == 1
    assert len(fast_failures) == callers - 1
    assert breaker_for(make_store(), clock, recorder).status().state is CircuitState.CLOSED


def test_concurrent_failures_are_all_counted_and_open_once(
    make_store: Callable[[], StateStore], clock: Clock, recorder: MetricsRecorder, logs: Any
) -> None:
    # GIVEN 16 instances failing at the same moment, threshold 100 (nobody opens it)
    callers = 16
    barrier = threading.Barrier(callers)

    def caller() -> None:
        breaker = breaker_for(make_store(), clock, recorder, failure_threshold=100)
        barrier.wait()
        with pytest.raises(ConnectionError):
            breaker.call(fail)

    threads = [threading.Thread(target=caller) for _ in range(callers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # THEN no increment was lost
    assert breaker_for(make_store(), clock, recorder).status().failure_count == callers

    # AND WHEN 16 more fail concurrently with the threshold reached along the way
    barrier2 = threading.Barrier(callers)

    def tripping_caller() -> None:
        breaker = breaker_for(make_store(), clock, recorder, failure_threshold=20)
        barrier2.wait()
        with contextlib.suppress(ConnectionError, CircuitOpenError):
            breaker.call(fail)

    threads = [threading.Thread(target=tripping_caller) for _ in range(callers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # THEN the circuit opened and exactly one caller logged the transition
    assert breaker_for(make_store(), clock, recorder).status().state is CircuitState.OPEN
    assert len([line for line in logs.lines if line["message"] == "Circuit breaker opened"]) == 1
