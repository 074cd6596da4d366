"""The producers' use case: store, publish, and never leave a message silently unsent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from rez_messages import (
    InMemoryMessageRepository,
    InMemoryPublisher,
    MessageStatus,
    MessageType,
    Payload,
    new_message,
)
from rez_messages.creation import PublishFailedError, create_and_publish

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def _message(body: str = "hello"):
    return new_message(
        message_type=MessageType.MANUAL,
        payload=Payload.create(body),
        created_by="ada@example.com",
        stage="dev",
        correlation_id="corr-1",
        now=NOW,
        retention=timedelta(days=1),
    )


def test_stores_then_publishes():
    # GIVEN a new message / WHEN created / THEN stored `created` and published once
    repository, publisher = InMemoryMessageRepository(), InMemoryPublisher()
    outcome = create_and_publish(
        _message(), repository=repository, publisher=publisher, created_by_dimension="web-api"
    )
    assert outcome.created
    assert repository.get(outcome.message.message_id).status is MessageStatus.CREATED
    assert publisher.published == [outcome.message]


def test_a_failed_publication_marks_the_message_failed_and_raises():
    # GIVEN SNS refusing / WHEN created / THEN PublishFailedError, the record failed with why
    repository = InMemoryMessageRepository()
    publisher = InMemoryPublisher(failures=[ConnectionError("down")])
    message = _message()
    with pytest.raises(PublishFailedError) as caught:
        create_and_publish(
            message, repository=repository, publisher=publisher, created_by_dimension="web-api"
        )
    assert caught.value.message_id == message.message_id
    stored = repository.get(message.message_id)
    assert (stored.status, stored.error) == (
        MessageStatus.FAILED,
        "publish to SNS failed: ConnectionError: down",
    )


def test_retry_is_used_for_the_publication():
    # GIVEN a retry wrapper / WHEN created / THEN the publication goes through it
    calls = []

    def retry(fn, *args):
        calls.append(fn.__name__)
        return fn(*args)

    create_and_publish(
        _message(),
        repository=InMemoryMessageRepository(),
        publisher=InMemoryPublisher(),
        created_by_dimension="scheduler",
        retry=retry,
    )
    assert calls == ["publish"]


def test_an_idempotent_replay_publishes_only_a_message_still_created():
    # GIVEN a key used once, whose publication failed (the message is `failed`)
    repository = InMemoryMessageRepository()
    first = _message()
    with pytest.raises(PublishFailedError):
        create_and_publish(
            first,
            repository=repository,
            publisher=InMemoryPublisher(failures=[ConnectionError("down")]),
            created_by_dimension="web-api",
            idempotency_key="key-1",
        )
    # WHEN the client retries with the same key and body
    publisher = InMemoryPublisher()
    replay = create_and_publish(
        _message(),
        repository=repository,
        publisher=publisher,
        created_by_dimension="web-api",
        idempotency_key="key-1",
    )
    # THEN the first message comes back as it is, not published again
    assert (replay.created, replay.message.message_id) == (False, first.message_id)
    assert replay.message.status is MessageStatus.FAILED
    assert publisher.published == []
