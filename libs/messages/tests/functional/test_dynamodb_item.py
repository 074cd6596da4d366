"""What the DynamoDB adapter writes: the layout other tools (console, runbooks) rely on."""

from __future__ import annotations

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
