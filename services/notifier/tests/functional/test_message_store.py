"""Recording ntfy's id on the stored message: once, never overwriting another send's id."""

from __future__ import annotations

import pytest

from rez_messages import MessageNotFoundError
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
