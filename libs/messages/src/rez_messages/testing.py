"""Helpers for tests of every package that stores messages (moto or the local harness)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rez_messages.dynamodb import STATUS_INDEX

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
else:
    DynamoDBClient = Any

__all__ = ["create_messages_table"]


def create_messages_table(client: DynamoDBClient, table_name: str) -> None:
    """Create the messages table as the stack does: PK `message_id`, the status GSI (projecting
    ALL), on-demand billing, TTL on `expires_at`."""
    client.create_table(
        TableName=table_name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": "message_id", "AttributeType": "S"},
            {"AttributeName": "status", "AttributeType": "S"},
            {"AttributeName": "created_at", "AttributeType": "S"},
        ],
        KeySchema=[{"AttributeName": "message_id", "KeyType": "HASH"}],
        GlobalSecondaryIndexes=[
            {
                "IndexName": STATUS_INDEX,
                "KeySchema": [
                    {"AttributeName": "status", "KeyType": "HASH"},
                    {"AttributeName": "created_at", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )
    client.update_time_to_live(
        TableName=table_name,
        TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires_at"},
    )
