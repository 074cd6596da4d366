"""DynamoDB's validations, answer shapes and TTL deletion, where moto alone differs.

Each test states DynamoDB's behaviour and where it is documented.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from rez_localstack import launcher
from rez_localstack.dynamodb import ttl
from tests.conftest import short_uid

KEYS_ONLY_GSI = "by-group-keys"
INCLUDE_GSI = "by-group-include"
LSI = "by-group-local"


@pytest.fixture
def table(client: Callable[[str], Any]) -> Iterator[str]:
    """pk+sk table with a KEYS_ONLY and an INCLUDE global index and a KEYS_ONLY local index."""
    ddb = client("dynamodb")
    name = f"parity-{short_uid()}"
    ddb.create_table(
        TableName=name,
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
            {"AttributeName": "grp", "AttributeType": "S"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": KEYS_ONLY_GSI,
                "KeySchema": [{"AttributeName": "grp", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            },
            {
                "IndexName": INCLUDE_GSI,
                "KeySchema": [{"AttributeName": "grp", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["x"]},
            },
        ],
        LocalSecondaryIndexes=[
            {
                "IndexName": LSI,
                "KeySchema": [
                    {"AttributeName": "pk", "KeyType": "HASH"},
                    {"AttributeName": "grp", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            }
        ],
        BillingMode="PAY_PER_REQUEST",
        TableClass="STANDARD_INFREQUENT_ACCESS",
    )
    yield name
    ddb.delete_table(TableName=name)


def _item(pk: str, **attrs: str) -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"S": "1"}, **{k: {"S": v} for k, v in attrs.items()}}


@pytest.mark.parametrize("operation", ["query", "scan"])
@pytest.mark.parametrize("index", [KEYS_ONLY_GSI, INCLUDE_GSI])
def test_all_attributes_from_a_partial_global_index_is_refused(
    client: Callable[[str], Any], table: str, operation: str, index: str
) -> None:
    # DynamoDB: "If you query or scan a global secondary index, you can only request
    # attributes that are projected into the index" - Select=ALL_ATTRIBUTES on a GSI whose
    # projection is not ALL is a ValidationException.
    # https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_Query.html#DDB-Query-request-Select
    ddb = client("dynamodb")
    ddb.put_item(TableName=table, Item=_item("a", grp="g", x="1", y="2"))
    request: dict[str, Any] = {"TableName": table, "IndexName": index, "Select": "ALL_ATTRIBUTES"}
    if operation == "query":
        request |= {
            "KeyConditionExpression": "grp = :g",
            "ExpressionAttributeValues": {":g": {"S": "g"}},
        }
    with pytest.raises(ClientError) as refused:
        getattr(ddb, operation)(**request)
    assert refused.value.response["Error"] == {
        "Code": "ValidationException",
        "Message": "One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not "
        f"supported for global secondary index {index} because its projection type is not ALL",
    }


def test_all_attributes_from_a_local_index_and_projected_from_a_global_one(
    client: Callable[[str], Any], table: str
) -> None:
    # DynamoDB: a local secondary index fetches unprojected attributes from the table, so
    # ALL_ATTRIBUTES is allowed there; a GSI answers its projection (keys + INCLUDE's x).
    # https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/LSI.html#LSI.Projections
    ddb = client("dynamodb")
    ddb.put_item(TableName=table, Item=_item("a", grp="g", x="1", y="2"))
    local = ddb.query(
        TableName=table,
        IndexName=LSI,
        Select="ALL_ATTRIBUTES",
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": "a"}},
    )
    assert local["Items"] == [_item("a", grp="g", x="1", y="2")]
    included = ddb.query(
        TableName=table,
        IndexName=INCLUDE_GSI,
        KeyConditionExpression="grp = :g",
        ExpressionAttributeValues={":g": {"S": "g"}},
    )
    assert included["Items"] == [_item("a", grp="g", x="1")]


def test_writes_answer_only_what_was_asked(client: Callable[[str], Any], table: str) -> None:
    # DynamoDB: ALL_OLD returns the old item only "if PutItem overwrote" one (no `Attributes`
    # key for a new item); ConsumedCapacity only with ReturnConsumedCapacity TOTAL|INDEXES;
    # ItemCollectionMetrics only with ReturnItemCollectionMetrics=SIZE.
    # https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_PutItem.html#API_PutItem_ResponseSyntax
    ddb = client("dynamodb")

    def answer(method: str, **request: Any) -> dict[str, Any]:
        response: dict[str, Any] = getattr(ddb, method)(TableName=table, **request)
        response.pop("ResponseMetadata")
        return response

    assert answer("put_item", Item=_item("new"), ReturnValues="ALL_OLD") == {}
    assert answer("put_item", Item=_item("new", x="2"), ReturnValues="ALL_OLD") == {
        "Attributes": _item("new")
    }
    key = {"pk": {"S": "u"}, "sk": {"S": "1"}}
    update = {"UpdateExpression": "SET x = :v", "ExpressionAttributeValues": {":v": {"S": "1"}}}
    assert answer("update_item", Key=key, **update) == {}
    update["ExpressionAttributeValues"] = {":v": {"S": "2"}}
    assert answer("update_item", Key=key, ReturnValues="UPDATED_NEW", **update) == {
        "Attributes": {"x": {"S": "2"}}
    }
    assert answer("delete_item", Key={"pk": {"S": "none"}, "sk": {"S": "1"}}) == {}
    assert answer("delete_item", Key=key, ReturnValues="ALL_OLD") == {
        "Attributes": {**key, "x": {"S": "2"}}
    }
    assert "ConsumedCapacity" in answer("put_item", Item=_item("c"), ReturnConsumedCapacity="TOTAL")
    batch = ddb.batch_write_item(RequestItems={table: [{"PutRequest": {"Item": _item("b")}}]})
    assert set(batch) - {"ResponseMetadata"} == {"UnprocessedItems"}
    transact = ddb.transact_write_items(
        TransactItems=[{"Put": {"TableName": table, "Item": _item("t")}}]
    )
    assert set(transact) == {"ResponseMetadata"}


def test_describe_table_has_id_class_and_index_arns_and_counts(
    client: Callable[[str], Any], table: str
) -> None:
    # DynamoDB's TableDescription: TableId (a UUID, stable for the table), TableClassSummary
    # (the class the table was created with), each index's IndexArn, IndexSizeBytes and
    # ItemCount (a sparse index counts the items that have its key).
    # https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TableDescription.html
    ddb = client("dynamodb")
    ddb.put_item(TableName=table, Item=_item("a", grp="g"))
    ddb.put_item(TableName=table, Item=_item("b"))
    first = ddb.describe_table(TableName=table)["Table"]
    again = ddb.describe_table(TableName=table)["Table"]
    assert len(first["TableId"]) == 36 and first["TableId"] == again["TableId"]
    assert first["TableClassSummary"] == {"TableClass": "STANDARD_INFREQUENT_ACCESS"}
    assert first["ItemCount"] == 2
    indexes = {i["IndexName"]: i for i in first["GlobalSecondaryIndexes"]}
    indexes |= {i["IndexName"]: i for i in first["LocalSecondaryIndexes"]}
    for name in (KEYS_ONLY_GSI, INCLUDE_GSI, LSI):
        assert indexes[name]["IndexArn"] == f"{first['TableArn']}/index/{name}"
        assert indexes[name]["ItemCount"] == 1
        assert "IndexSizeBytes" in indexes[name]


def test_ttl_calls_on_a_missing_table_raise_resource_not_found_exception(
    client: Callable[[str], Any],
) -> None:
    # DynamoDB: DescribeTimeToLive / UpdateTimeToLive on a table that does not exist answer
    # ResourceNotFoundException (moto's own code is "ResourceNotFound").
    # https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_DescribeTimeToLive.html#API_DescribeTimeToLive_Errors
    ddb = client("dynamodb")
    missing = f"missing-{short_uid()}"
    with pytest.raises(ddb.exceptions.ResourceNotFoundException):
        ddb.describe_time_to_live(TableName=missing)
    with pytest.raises(ddb.exceptions.ResourceNotFoundException):
        ddb.update_time_to_live(
            TableName=missing,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires_at"},
        )


def test_batch_execute_statement_answers_each_statement_never_a_500(
    client: Callable[[str], Any], table: str
) -> None:
    # DynamoDB: BatchExecuteStatement answers one response per statement; a statement that
    # fails carries its own Error (BatchStatementError) and the batch still succeeds.
    # https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchExecuteStatement.html
    ddb = client("dynamodb")
    answer = ddb.batch_execute_statement(
        Statements=[
            {"Statement": f"INSERT INTO {table} VALUE {{'pk': 'p1', 'sk': '1'}}"},
            {"Statement": "SELEC nonsense"},
            {"Statement": f"DELETE FROM {table} WHERE pk = 'p1' AND sk = '1'"},
            {"Statement": f"UPDATE missing_{short_uid()} SET x = 1 WHERE pk = 'p1'"},
        ]
    )
    responses = answer["Responses"]
    assert len(responses) == 4
    assert "Error" not in responses[0] and "Error" not in responses[2]
    assert responses[1]["Error"]["Code"] == "ValidationError"
    assert "Error" in responses[3]
    assert "Item" not in ddb.get_item(TableName=table, Key={"pk": {"S": "p1"}, "sk": {"S": "1"}})


def _sweep(harness: launcher.Handle, now: float | None = None) -> int:
    body = json.dumps({} if now is None else {"now": now}).encode()
    request = urllib.request.Request(f"{harness.endpoint}{ttl.SWEEP_PATH}", body, method="POST")
    with urllib.request.urlopen(request, timeout=30) as response:
        return int(json.loads(response.read())["deleted"])


def test_items_past_their_ttl_are_deleted(
    client: Callable[[str], Any], harness: launcher.Handle, table: str
) -> None:
    # DynamoDB TTL: an item whose TTL attribute (a Number, epoch seconds) is in the past is
    # deleted; a value more than five years in the past, or not a Number, is never deleted;
    # a table without TTL enabled keeps everything.
    # https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/TTL.html
    # https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/time-to-live-ttl-before-you-start.html
    ddb = client("dynamodb")
    now = time.time()
    items = {
        "past": {"N": str(int(now) - 60)},
        "future": {"N": str(int(now) + 3600)},
        "ancient": {"N": str(int(now) - 6 * 365 * 24 * 3600)},
        "text": {"S": str(int(now) - 60)},
    }
    for pk, expires in items.items():
        ddb.put_item(TableName=table, Item={**_item(pk), "expires_at": expires})
    ddb.put_item(TableName=table, Item=_item("none"))

    def left() -> set[str]:
        return {i["pk"]["S"] for i in ddb.scan(TableName=table, ConsistentRead=True)["Items"]}

    _sweep(harness)  # TTL not enabled yet: nothing of this table goes
    assert left() == {"past", "future", "ancient", "text", "none"}
    ddb.update_time_to_live(
        TableName=table, TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires_at"}
    )
    _sweep(harness)
    assert left() == {"future", "ancient", "text", "none"}
    # Retention of days is exercised by sweeping "as of" a later time.
    _sweep(harness, now=now + 7200)
    assert left() == {"ancient", "text", "none"}


def test_the_sweeper_thread_sweeps_on_its_interval(monkeypatch: pytest.MonkeyPatch) -> None:
    # The harness's own schedule (REZ_DYNAMODB_TTL_SWEEP_SECONDS): AWS only promises
    # deletion "within a few days"; the harness sweeps on an interval.
    swept = threading.Event()
    monkeypatch.setattr(ttl, "sweep", lambda now=None: swept.set() or 0)
    sweeper = ttl.TtlSweeper(interval=0.01)
    sweeper.start()
    try:
        assert swept.wait(timeout=30)
    finally:
        sweeper.stop()
    assert ttl.TtlSweeper(interval=0).interval == 0  # 0: no thread is started


def test_expiry_rules() -> None:
    from moto.dynamodb.models.dynamo_type import DynamoType

    now = 1_800_000_000.0
    assert ttl.is_expired(DynamoType({"N": str(now - 1)}), now)
    assert not ttl.is_expired(DynamoType({"N": str(now + 1)}), now)
    assert not ttl.is_expired(DynamoType({"N": str(now - ttl.FIVE_YEARS_SECONDS - 1)}), now)
    assert not ttl.is_expired(DynamoType({"S": str(now - 1)}), now)
    assert not ttl.is_expired(None, now)
