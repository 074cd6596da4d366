"""DynamoDB served by moto through the ``dynamodb:rez_moto`` provider, and CloudFormation on it."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.conftest import short_uid, wait_until


@pytest.fixture
def table(client: Callable[[str], Any]) -> Iterator[str]:
    """A messages-like table: PK message_id, GSI on status + created_at."""
    ddb = client("dynamodb")
    name = f"messages-{short_uid()}"
    ddb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "message_id", "KeyType": "HASH"}],
        AttributeDefinitions=[
            {"AttributeName": "message_id", "AttributeType": "S"},
            {"AttributeName": "status", "AttributeType": "S"},
            {"AttributeName": "created_at", "AttributeType": "S"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "status-index",
                "KeySchema": [
                    {"AttributeName": "status", "KeyType": "HASH"},
                    {"AttributeName": "created_at", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    ddb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 0.2})
    yield name
    ddb.delete_table(TableName=name)


def test_conditional_writes(client: Callable[[str], Any], table: str) -> None:
    ddb = client("dynamodb")
    item = {"message_id": {"S": "m-1"}, "status": {"S": "created"}, "created_at": {"S": "1"}}
    ddb.put_item(TableName=table, Item=item, ConditionExpression="attribute_not_exists(message_id)")

    # a second create of the same id fails
    with pytest.raises(ClientError) as duplicate:
        ddb.put_item(
            TableName=table, Item=item, ConditionExpression="attribute_not_exists(message_id)"
        )
    assert duplicate.value.response["Error"]["Code"] == "ConditionalCheckFailedException"

    # status moves created -> processing once; the duplicate transition fails
    transition: dict[str, Any] = {
        "TableName": table,
        "Key": {"message_id": {"S": "m-1"}},
        "UpdateExpression": "SET #s = :to ADD attempts :one",
        "ConditionExpression": "#s = :from",
        "ExpressionAttributeNames": {"#s": "status"},
        "ExpressionAttributeValues": {
            ":from": {"S": "created"},
            ":to": {"S": "processing"},
            ":one": {"N": "1"},
        },
        "ReturnValues": "ALL_NEW",
    }
    updated = ddb.update_item(**transition)["Attributes"]
    assert updated["status"] == {"S": "processing"} and updated["attempts"] == {"N": "1"}
    with pytest.raises(ddb.exceptions.ConditionalCheckFailedException):
        ddb.update_item(**transition)


def test_concurrent_writes_to_one_item_are_atomic(client: Callable[[str], Any], table: str) -> None:
    # GIVEN many writers at once on one item, as concurrent Lambda instances on a shared counter
    key = {"message_id": {"S": "shared"}}
    writers, increments = 8, 25
    start = threading.Barrier(writers)
    elected: list[int] = []
    half_made: list[dict[str, Any]] = []

    def writer(index: int) -> None:
        ddb = client("dynamodb")  # a client per thread, as each Lambda instance has its own
        start.wait()
        for _ in range(increments):
            ddb.update_item(
                TableName=table,
                Key=key,
                UpdateExpression="SET #s = if_not_exists(#s, :closed) ADD failures :one",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={":closed": {"S": "closed"}, ":one": {"N": "1"}},
            )
            item = ddb.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")
            if item is not None and "status" not in item:
                half_made.append(item)
        try:  # exactly one writer may move closed -> open
            ddb.update_item(
                TableName=table,
                Key=key,
                UpdateExpression="SET #s = :open",
                ConditionExpression="#s = :closed",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={":closed": {"S": "closed"}, ":open": {"S": "open"}},
            )
            elected.append(index)
        except ClientError as error:
            assert error.response["Error"]["Code"] == "ConditionalCheckFailedException"

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # THEN no increment is lost, no reader saw a half-made item, one conditional write won
    item = client("dynamodb").get_item(TableName=table, Key=key, ConsistentRead=True)["Item"]
    assert item["failures"] == {"N": str(writers * increments)}
    assert half_made == []
    assert len(elected) == 1
    assert item["status"] == {"S": "open"}


def test_update_item_add_and_set(client: Callable[[str], Any], table: str) -> None:
    ddb = client("dynamodb")
    key = {"message_id": {"S": "counter"}}
    for _ in range(3):
        ddb.update_item(
            TableName=table,
            Key=key,
            UpdateExpression="ADD attempts :one SET updated_at = :now",
            ExpressionAttributeValues={":one": {"N": "1"}, ":now": {"S": "t"}},
        )
    item = ddb.get_item(TableName=table, Key=key, ConsistentRead=True)["Item"]
    assert item["attempts"] == {"N": "3"} and item["updated_at"] == {"S": "t"}


def test_query_on_gsi(client: Callable[[str], Any], table: str) -> None:
    ddb = client("dynamodb")
    for i, status in enumerate(["failed", "completed", "failed", "created"]):
        ddb.put_item(
            TableName=table,
            Item={
                "message_id": {"S": f"m-{i}"},
                "status": {"S": status},
                "created_at": {"S": f"2026-01-0{i + 1}"},
            },
        )
    result = ddb.query(
        TableName=table,
        IndexName="status-index",
        KeyConditionExpression="#s = :s AND created_at >= :since",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":s": {"S": "failed"}, ":since": {"S": "2026-01-01"}},
        ScanIndexForward=False,
    )
    assert [i["message_id"]["S"] for i in result["Items"]] == ["m-2", "m-0"]


def test_ttl_settings(client: Callable[[str], Any], table: str) -> None:
    ddb = client("dynamodb")
    assert (
        ddb.describe_time_to_live(TableName=table)["TimeToLiveDescription"]["TimeToLiveStatus"]
        == "DISABLED"
    )
    ddb.update_time_to_live(
        TableName=table, TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires_at"}
    )
    described = ddb.describe_time_to_live(TableName=table)["TimeToLiveDescription"]
    assert described == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires_at"}


def test_transact_write_items_is_all_or_nothing(client: Callable[[str], Any], table: str) -> None:
    ddb = client("dynamodb")
    ddb.put_item(TableName=table, Item={"message_id": {"S": "exists"}})
    with pytest.raises(ClientError) as failed:
        ddb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": table, "Item": {"message_id": {"S": "new"}}}},
                {
                    "Put": {
                        "TableName": table,
                        "Item": {"message_id": {"S": "exists"}},
                        "ConditionExpression": "attribute_not_exists(message_id)",
                    }
                },
            ]
        )
    assert failed.value.response["Error"]["Code"] == "TransactionCanceledException"
    assert "Item" not in ddb.get_item(TableName=table, Key={"message_id": {"S": "new"}})


TEMPLATE = {
    "AWSTemplateFormatVersion": "2010-09-09",
    "Parameters": {"Stage": {"Type": "String", "Default": "dev"}},
    "Resources": {
        "Messages": {
            "Type": "AWS::DynamoDB::Table",
            "Properties": {
                "TableName": {"Fn::Sub": "rez-agent-messages-${Stage}-SUFFIX"},
                "BillingMode": "PAY_PER_REQUEST",
                "AttributeDefinitions": [
                    {"AttributeName": "message_id", "AttributeType": "S"},
                    {"AttributeName": "status", "AttributeType": "S"},
                    {"AttributeName": "created_at", "AttributeType": "S"},
                ],
                "KeySchema": [{"AttributeName": "message_id", "KeyType": "HASH"}],
                "GlobalSecondaryIndexes": [
                    {
                        "IndexName": "status-created_at-index",
                        "KeySchema": [
                            {"AttributeName": "status", "KeyType": "HASH"},
                            {"AttributeName": "created_at", "KeyType": "RANGE"},
                        ],
                        "Projection": {"ProjectionType": "ALL"},
                    }
                ],
                "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
                "TimeToLiveSpecification": {"AttributeName": "expires_at", "Enabled": True},
            },
        }
    },
    "Outputs": {
        "TableName": {"Value": {"Ref": "Messages"}},
        "TableArn": {"Value": {"Fn::GetAtt": ["Messages", "Arn"]}},
    },
}


def test_cloudformation_table_with_gsi_pitr_and_ttl(client: Callable[[str], Any]) -> None:
    cfn, ddb = client("cloudformation"), client("dynamodb")
    suffix = short_uid()
    stack = f"stack-{suffix}"
    body = json.dumps(TEMPLATE).replace("SUFFIX", suffix)
    cfn.create_stack(StackName=stack, TemplateBody=body)
    try:
        status = wait_until(
            lambda: (
                (s := cfn.describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"])
                not in ("CREATE_IN_PROGRESS",)
                and s
            ),
            timeout=60,
        )
        assert status == "CREATE_COMPLETE"
        outputs = {
            o["OutputKey"]: o["OutputValue"]
            for o in cfn.describe_stacks(StackName=stack)["Stacks"][0]["Outputs"]
        }
        name = outputs["TableName"]
        assert name == f"rez-agent-messages-dev-{suffix}"
        assert outputs["TableArn"].endswith(f":table/{name}")
        described = ddb.describe_table(TableName=name)["Table"]
        assert described["TableStatus"] == "ACTIVE"
        assert [g["IndexName"] for g in described["GlobalSecondaryIndexes"]] == [
            "status-created_at-index"
        ]
        ttl = ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
        assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires_at"}
    finally:
        cfn.delete_stack(StackName=stack)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        names = ddb.list_tables()["TableNames"]
        if f"rez-agent-messages-dev-{suffix}" not in names:
            break
        time.sleep(0.3)
    assert f"rez-agent-messages-dev-{suffix}" not in ddb.list_tables()["TableNames"]


def test_point_in_time_recovery_through_the_api(client: Callable[[str], Any], table: str) -> None:
    ddb = client("dynamodb")
    ddb.update_continuous_backups(
        TableName=table,
        PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True},
    )
    described = ddb.describe_continuous_backups(TableName=table)["ContinuousBackupsDescription"]
    assert described["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED"
