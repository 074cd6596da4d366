"""The notifier's retries against a circuit other instances share: each retry re-reads it.

Several invocations may be retrying when one of them (or another instance) opens the circuit;
without a fresh look before each retry they would go on hitting ntfy for their whole budget.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest

from rez_messages import InMemoryMessageRepository, Message, MessageType, Payload, new_message
from rez_messages.notification import NotSentReason
from rez_notifier.errors import NtfyUnavailableError
from rez_notifier.message_store import DynamoDBMessageStore
from rez_notifier.publication import NtfyPublication
from rez_notifier.rate_limit import Unlimited
from rez_notifier.service import Notifier, send_notification
from rez_telemetry.resilience import (
    CircuitBreaker,
    CircuitState,
    InMemoryStateStore,
    RetryPolicy,
    StateStoreError,
    retry_policy,
)
from rez_telemetry.testing import reset_telemetry

SERVICE = "ntfy-sh"
OPEN_SECONDS = 30.0


@pytest.fixture(autouse=True)
def _quiet_telemetry(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TRACING_BACKEND", "off")
    monkeypatch.setenv("METRICS_BACKEND", "off")
    reset_telemetry()
    yield
    reset_telemetry()


class Ntfy:
    """A `Publisher` answering from a script; `before[n]` runs before answering call n (1-based),
    standing in for what other instances do meanwhile."""

    def __init__(self, answers: list[str | Exception]) -> None:
        self.answers = answers
        self.before: dict[int, Callable[[], None]] = {}
        self.calls = 0

    def publish(self, publication: NtfyPublication) -> str:
        self.calls += 1
        if self.calls in self.before:
            self.before[self.calls]()
        answer = self.answers[min(self.calls, len(self.answers)) - 1]
        if isinstance(answer, Exception):
            raise answer
        return answer


def down() -> NtfyUnavailableError:
    return NtfyUnavailableError("ntfy answered 503: service unavailable")


class FlakyStore(InMemoryStateStore):
    """A shared store whose reads fail once `broken` is set (DynamoDB throttling, say)."""

    broken = False

    def load(self, service: str):
        if self.broken:
            raise StateStoreError("circuit state read failed: throttled")
        return super().load(service)


@pytest.fixture
def store() -> FlakyStore:
    return FlakyStore()


@pytest.fixture
def message() -> Message:
    return new_message(
        message_type=MessageType.SCHEDULED_HELLO,
        payload=Payload.create("Hello", title="Hi"),
        created_by="scheduler",
        stage="test",
        correlation_id="660e9500-f39c-52e5-b827-557766551111",
        now=datetime(2026, 1, 1, tzinfo=UTC),
        retention=timedelta(days=1),
    )


@pytest.fixture
def notify(store, clock, message):
    """Run `send_notification` for the stored message with ntfy answering `ntfy`."""
    repository = InMemoryMessageRepository()
    repository.add(message)

    def policy(budget: float) -> RetryPolicy:
        return retry_policy(max_attempts=4, max_delay=budget, sleep=clock.sleep, now=clock)

    def run(ntfy: Ntfy):
        notifier = Notifier(
            messages=DynamoDBMessageStore(repository),
            ntfy=ntfy,
            breaker=CircuitBreaker(
                SERVICE,
                store,
                handled=(NtfyUnavailableError,),
                open_seconds=OPEN_SECONDS,
                clock=clock,
            ),
            rate_limiter=Unlimited(),
            retry_policy=policy,
            clock=clock,
        )
        return send_notification(
            notifier,
            message_id=message.message_id,
            correlation_id=message.correlation_id,
            deadline=clock.now + 60,
        )

    return run


def test_a_circuit_opened_by_another_instance_stops_the_retries(notify, store, clock, message):
    # GIVEN a closed circuit, ntfy down, and another instance opening the circuit while this
    # invocation's first attempt fails (its own failures reached the threshold)
    ntfy = Ntfy([down()])

    def another_instance_opens() -> None:
        store.add_failure(SERVICE, clock.now, None)
        assert store.open(SERVICE, clock.now, clock.now + OPEN_SECONDS)

    ntfy.before[1] = another_instance_opens
    # WHEN notified
    answer = notify(ntfy)
    # THEN no retry reached ntfy: the one attempt made before the circuit opened is all
    assert ntfy.calls == 1
    # AND the answer is the open circuit's (the processor defers the delivery until the probe)
    assert answer.reason is NotSentReason.CIRCUIT_OPEN
    assert answer.retry_after_seconds == pytest.approx(OPEN_SECONDS - sum(clock.sleeps))
    # AND this invocation's failure was not counted on top (the circuit is open already)
    assert store.load(SERVICE).failure_count == 1


def test_someone_elses_probe_stops_the_retries(notify, store, clock):
    # GIVEN the circuit opens and another instance becomes the probe during the first attempt
    ntfy = Ntfy([down(), "never-sent"])

    def another_instance_probes() -> None:
        store.add_failure(SERVICE, clock.now, None)
        assert store.open(SERVICE, clock.now, clock.now)
        assert store.acquire_probe(SERVICE, "other", clock.now, clock.now + 30) is not None

    ntfy.before[1] = another_instance_probes
    # WHEN notified / THEN the retry is not made while their probe tests ntfy
    assert notify(ntfy).reason is NotSentReason.CIRCUIT_OPEN
    assert ntfy.calls == 1
    assert store.load(SERVICE).probe_owner == "other"


def test_while_the_circuit_stays_closed_the_retries_go_on(notify, store):
    # GIVEN ntfy failing twice, then accepting, and nobody opening the circuit
    ntfy = Ntfy([down(), down(), "id-3"])
    # WHEN notified / THEN the third attempt delivers it
    assert notify(ntfy).notification_id == "id-3"
    assert ntfy.calls == 3
    assert store.load(SERVICE).state is CircuitState.CLOSED


def test_the_probe_keeps_its_own_retries(notify, store, clock):
    # GIVEN a circuit opened a while ago, whose probe time has come
    store.add_failure(SERVICE, clock.now - 60, None)
    assert store.open(SERVICE, clock.now - 60, clock.now - 30)
    ntfy = Ntfy([down(), "id-2"])
    # WHEN this invocation probes and its first attempt fails
    result = notify(ntfy)
    # THEN it retried (the half-open circuit is its own) and the success closed the circuit
    assert result.notification_id == "id-2"
    assert ntfy.calls == 2
    assert store.load(SERVICE).state is CircuitState.CLOSED


def test_an_unreadable_circuit_does_not_stop_the_retries(notify, store):
    # GIVEN the circuit's store failing after the invocation began (the breaker fails open)
    ntfy = Ntfy([down(), "id-2"])

    def store_breaks() -> None:
        store.broken = True

    ntfy.before[1] = store_breaks
    # WHEN notified / THEN the retry was made and delivered the message
    assert notify(ntfy).notification_id == "id-2"
    assert ntfy.calls == 2
