"""What the DynamoDB adapter writes: the layout other tools (console, runbooks) rely on."""

from __future__ import annotations

import pytest

from rez_messages import MessageNotFoundError
from rez_messages.dynamodb import DynamoDBMessageRepository


def test_item_layout_has_ttl_and_flat_payload(dynamodb_client, make_message, clock, table_name):
    # GIVEN a stored message
    repository = DynamoDBMessageRepository(table_name, dynamodb_client, clock=clock)
    message = make_message("hello")
    repository.add(message)
    # WHEN the raw item is read
    item = dynamodb_client.get_item(
        TableName=table_name, Key={"message_id": {"S": message.message_id}}
    )["Item"]
    # THEN it holds the TTL in epoch seconds, the GSI keys and the payload as plain attributes
    assert item["expires_at"] == {"N": str(message.expires_at)}
    assert item["status"] == {"S": "created"}
    assert item["created_at"]["S"].endswith("Z")
    assert item["body"] == {"S": "hello"}
    assert item["priority"] == {"N": "4"}
    assert item["tags"] == {"L": [{"S": "wave"}]}
    assert (item["attempts"], item["redrives"]) == ({"N": "0"}, {"N": "0"})
    assert "error" not in item
    assert "notification_id" not in item


def test_idempotency_record_is_invisible_to_listings_and_get(
    dynamodb_client, make_message, clock, table_name
):
    # GIVEN a message created under a key
    repository = DynamoDBMessageRepository(table_name, dynamodb_client, clock=clock)
    message = make_message()
    repository.create_idempotent(message, "abc")
    # WHEN the key record is looked at directly
    key_item = dynamodb_client.get_item(
        TableName=table_name, Key={"message_id": {"S": "idem#abc"}}
    )["Item"]
    # THEN it points at the message, expires with it, and is no message itself
    assert key_item["target_message_id"] == {"S": message.message_id}
    assert key_item["expires_at"] == {"N": str(message.expires_at)}
    assert "status" not in key_item
    assert [m.message_id for m in repository.list_all().items] == [message.message_id]


def _raw(client, table_name, message_id):
    return client.get_item(TableName=table_name, Key={"message_id": {"S": message_id}})["Item"]


def test_redrive_and_completion_write_counts_and_remove_the_error(
    dynamodb_client, make_message, clock, table_name
):
    # GIVEN a message that failed, was redriven and then completed
    repository = DynamoDBMessageRepository(table_name, dynamodb_client, clock=clock)
    message = make_message()
    repository.add(message)
    repository.mark_processing(message.message_id)
    repository.mark_failed(message.message_id, error="ntfy down")
    repository.redrive(message.message_id)
    redriven_item = _raw(dynamodb_client, table_name, message.message_id)
    repository.mark_completed(message.message_id, notification_id="ntfy-1")
    # WHEN the raw items are read
    done_item = _raw(dynamodb_client, table_name, message.message_id)
    # THEN the redrive wrote the counters and kept the error; completion removed the attribute
    assert redriven_item["status"] == {"S": "processing"}
    assert (redriven_item["attempts"], redriven_item["redrives"]) == ({"N": "1"}, {"N": "1"})
    assert redriven_item["error"] == {"S": "ntfy down"}
    assert "error" not in done_item
    assert done_item["redrives"] == {"N": "1"}


def test_item_written_before_redrives_existed_reads_as_zero_and_redrives(
    dynamodb_client, make_message, clock, table_name
):
    # GIVEN a failed item as an earlier version wrote it: no `redrives` attribute
    repository = DynamoDBMessageRepository(table_name, dynamodb_client, clock=clock)
    message = make_message()
    repository.add(message)
    repository.mark_failed(message.message_id, error="old")
    dynamodb_client.update_item(
        TableName=table_name,
        Key={"message_id": {"S": message.message_id}},
        UpdateExpression="REMOVE redrives",
    )
    # WHEN read and redriven / THEN zero, then one
    assert repository.get(message.message_id).redrives == 0
    assert repository.redrive(message.message_id).redrives == 1


def test_record_notification_id_leaves_idempotency_records_alone(
    dynamodb_client, make_message, clock, table_name
):
    # GIVEN a key record / WHEN an id is recorded on its key / THEN it is not touched
    repository = DynamoDBMessageRepository(table_name, dynamodb_client, clock=clock)
    repository.create_idempotent(make_message(), "abc")
    with pytest.raises(MessageNotFoundError):
        repository.record_notification_id("idem#abc", "ntfy-1")
    assert "notification_id" not in _raw(dynamodb_client, table_name, "idem#abc")
