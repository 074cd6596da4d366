"""Recording ntfy's id on the stored message: once, never overwriting another send's id."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from rez_messages import (
    InMemoryMessageRepository,
    MessageNotFoundError,
    MessageType,
    Payload,
    new_message,
)
from rez_notifier.message_store import DynamoDBMessageStore


@pytest.fixture
def store(repository, dynamodb, table_names) -> DynamoDBMessageStore:
    return DynamoDBMessageStore(repository, dynamodb, table_names.messages)


def test_the_id_is_recorded_without_touching_the_status(store, store_message, repository) -> None:
    # GIVEN a stored message
    message = store_message()
    # WHEN ntfy's id is recorded
    earlier = store.record_notification(message.message_id, "id-1")
    # THEN it is on the message, the status is the processor's business
    stored = repository.get(message.message_id)
    assert (earlier, stored.notification_id, stored.status) == (None, "id-1", message.status)


def test_recording_the_same_id_again_is_harmless(store, store_message) -> None:
    message = store_message()
    store.record_notification(message.message_id, "id-1")
    assert store.record_notification(message.message_id, "id-1") is None


def test_a_different_id_is_not_overwritten_and_is_reported(
    store, store_message, repository
) -> None:
    # GIVEN a message already carrying an id from a concurrent send
    message = store_message()
    store.record_notification(message.message_id, "id-1")
    # WHEN a second send tries to record its own id
    earlier = store.record_notification(message.message_id, "id-2")
    # THEN the first id stays and is returned, so the duplicate can be logged
    assert earlier == "id-1"
    assert repository.get(message.message_id).notification_id == "id-1"


def test_an_unknown_message_is_not_created_by_recording(store, repository) -> None:
    missing = "99999999-9999-4999-8999-999999999999"
    with pytest.raises(MessageNotFoundError, match=missing):
        store.record_notification(missing, "id-1")
    with pytest.raises(MessageNotFoundError):
        repository.get(missing)


def test_the_store_needs_only_the_repository() -> None:
    # GIVEN the store over the in-memory repository (no DynamoDB client, no table name)
    repository = InMemoryMessageRepository()
    message = new_message(
        message_type=MessageType.MANUAL,
        payload=Payload.create("hello"),
        created_by="tester",
        stage="test",
        correlation_id="corr-1",
        now=datetime.now(UTC),
        retention=timedelta(days=1),
    )
    repository.add(message)
    store = DynamoDBMessageStore(repository)
    # WHEN two sends record their ids / THEN the first is kept and reported to the second
    assert store.record_notification(message.message_id, "id-1") is None
    assert store.record_notification(message.message_id, "id-2") == "id-1"
    assert store.get(message.message_id).notification_id == "id-1"


def test_an_idempotency_key_item_is_not_a_message(store, repository, store_message) -> None:
    # GIVEN a message created with an idempotency key (its key item shares the table)
    message = store_message()
    key_item_id = "idem#some-key"
    repository.create_idempotent(
        dataclasses.replace(message, message_id="77777777-7777-4777-8777-777777777777"), "some-key"
    )
    # WHEN an id is recorded on the key item's id / THEN it is not a message, and stays untouched
    with pytest.raises(MessageNotFoundError):
        store.record_notification(key_item_id, "id-1")
