"""The earlier-post lookup: only on a retry, by ntfy's sequence id, never blocking delivery."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from rez_messages.model import MessageType, Payload, new_message
from rez_notifier.intent import earlier_post, parse_poll

CREATED = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def message(attempts: int, redrives: int = 0):
    made = new_message(
        message_type=MessageType.MANUAL,
        payload=Payload.create("hi"),
        created_by="t@example.com",
        stage="dev",
        correlation_id="c-1",
        now=CREATED,
        retention=timedelta(days=1),
    )
    return replace(made, attempts=attempts, redrives=redrives)


class Finder:
    def __init__(self, answer: str | None = None, error: Exception | None = None) -> None:
        self.calls: list[tuple[str, float]] = []
        self.answer, self.error = answer, error

    def find(self, sequence_id: str, since: float) -> str | None:
        self.calls.append((sequence_id, since))
        if self.error:
            raise self.error
        return self.answer


def test_a_first_attempt_asks_nothing() -> None:
    finder = Finder("n-1")
    assert earlier_post(finder, message(attempts=1)) is None
    assert finder.calls == []


def test_a_retry_finds_the_earlier_post_by_sequence_id_since_creation() -> None:
    finder = Finder("n-1")
    first = message(attempts=2)
    assert earlier_post(finder, first) == "n-1"
    ((sequence_id, since),) = finder.calls
    assert sequence_id == first.message_id
    assert since <= CREATED.timestamp()
    assert earlier_post(Finder("n-2"), message(attempts=1, redrives=1)) == "n-2"


def test_a_failed_lookup_or_a_publisher_without_one_lets_it_post() -> None:
    assert earlier_post(Finder(error=ValueError("bad answer")), message(attempts=3)) is None
    assert earlier_post(object(), message(attempts=3)) is None


def test_parse_poll_takes_the_message_with_the_sequence_id() -> None:
    lines = [
        {"event": "open", "id": "o"},
        {"event": "message", "id": "other", "sequence_id": "m-2"},
        {"event": "message", "id": "mine", "sequence_id": "m-1"},
    ]
    text = "\n".join(json.dumps(line) for line in lines) + "\nnot json\n"
    assert parse_poll(text, "m-1") == "mine"
    assert parse_poll(text, "m-3") is None


def test_ntfy_down_during_the_lookup_fails_like_a_post_would() -> None:
    # an outage must reach the circuit breaker, not be followed by a POST into it
    import pytest

    from rez_notifier.errors import NtfyUnavailableError

    with pytest.raises(NtfyUnavailableError):
        earlier_post(Finder(error=NtfyUnavailableError("ntfy answered 503")), message(attempts=2))
