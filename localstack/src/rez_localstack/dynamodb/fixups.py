"""DynamoDB's own validations and answer shapes where moto's differ, around each moto call.

Each rule states what DynamoDB does (API reference, https://docs.aws.amazon.com/amazondynamodb/
latest/APIReference/) and is applied to moto's request (``validate``), error (``translate``) or
answer (``shape``). All three run under the provider's lock, so reading moto's tables is safe.
"""

from __future__ import annotations

import uuid
from typing import Any

from localstack.aws.api import CommonServiceException
from localstack.aws.api.dynamodb import ResourceNotFoundException

WRITES = ("PutItem", "UpdateItem", "DeleteItem")
TABLE_ANSWERS = {
    "CreateTable": "TableDescription",
    "UpdateTable": "TableDescription",
    "DeleteTable": "TableDescription",
    "DescribeTable": "Table",
}
#: TableClass per table ARN, as the table was created or last updated with it.
_table_classes: dict[str, str] = {}


def _validation(message: str) -> CommonServiceException:
    return CommonServiceException("ValidationException", message)


def _moto_table(backend: Any, name: str | None) -> Any:
    return backend.tables.get(name) if name else None


# ------------------------------------------------------------------ before moto


def validate(operation: str, request: dict[str, Any], backend: Any) -> None:
    """Refuse what DynamoDB refuses and moto accepts."""
    if operation in ("Query", "Scan") and request.get("Select") == "ALL_ATTRIBUTES":
        # API_Query "Select": ALL_ATTRIBUTES on a global secondary index is allowed only when
        # the index projects ALL (a local index fetches the rest from the table).
        table = _moto_table(backend, request.get("TableName"))
        index_name = request.get("IndexName")
        for index in getattr(table, "global_indexes", None) or []:
            if index.name == index_name and index.projection.get("ProjectionType") != "ALL":
                raise _validation(
                    "One or more parameter values were invalid: Select type ALL_ATTRIBUTES is "
                    f"not supported for global secondary index {index_name} because its "
                    "projection type is not ALL"
                )


# ------------------------------------------------------------------ moto's errors


def translate(operation: str, request: dict[str, Any], error: Exception) -> Exception:
    """moto's ``ResourceNotFound`` (TTL calls) is DynamoDB's ``ResourceNotFoundException``."""
    if isinstance(error, CommonServiceException) and error.code == "ResourceNotFound":
        name = request.get("TableName", "")
        found: Exception = ResourceNotFoundException(
            f"Requested resource not found: Table: {name} not found"
        )
        return found
    return error


# ------------------------------------------------------------------ after moto


def shape(
    operation: str, request: dict[str, Any], response: dict[str, Any], backend: Any
) -> dict[str, Any]:
    """DynamoDB's answer shape from moto's."""
    _only_what_was_asked(operation, request, response)
    if operation in ("Query", "Scan") and request.get("Select") == "ALL_ATTRIBUTES":
        _whole_items_from_local_index(request, response, backend)
    if operation in TABLE_ANSWERS:
        _remember_table_class(operation, request, response)
        description = response.get(TABLE_ANSWERS[operation])
        if description:
            _describe_like_dynamodb(description, backend)
    return response


def _only_what_was_asked(operation: str, request: dict[str, Any], response: dict[str, Any]) -> None:
    # ReturnConsumedCapacity: "NONE - No ConsumedCapacity details are included in the response"
    # (the default); ReturnItemCollectionMetrics: "If set to SIZE, the response includes
    # statistics about item collections ... If set to NONE (the default), no statistics".
    if request.get("ReturnConsumedCapacity") not in ("TOTAL", "INDEXES"):
        response.pop("ConsumedCapacity", None)
    if request.get("ReturnItemCollectionMetrics") != "SIZE" or not response.get(
        "ItemCollectionMetrics"
    ):
        response.pop("ItemCollectionMetrics", None)
    # PutItem/DeleteItem ALL_OLD: "If PutItem overwrote an attribute name-value pair, then
    # the content of the old item is returned" - nothing was overwritten, nothing returned:
    # DynamoDB leaves `Attributes` out rather than answering an empty map.
    if operation in WRITES and (
        request.get("ReturnValues") in (None, "NONE") or not response.get("Attributes")
    ):
        response.pop("Attributes", None)


def _whole_items_from_local_index(
    request: dict[str, Any], response: dict[str, Any], backend: Any
) -> None:
    # API_Query "Select": for a local secondary index, ALL_ATTRIBUTES makes DynamoDB "fetch
    # each matching item from the parent table" (moto answers the index's projection only).
    from moto.dynamodb.models.dynamo_type import DynamoType

    table = _moto_table(backend, request.get("TableName"))
    index_name = request.get("IndexName")
    if table is None or not any(i.name == index_name for i in table.indexes):
        return
    whole = []
    for item in response.get("Items") or []:
        hash_key = DynamoType(item[table.hash_key_attr])
        range_key = DynamoType(item[table.range_key_attr]) if table.range_key_attr else None
        found = table.get_item(hash_key, range_key)
        whole.append(found.to_json()["Attributes"] if found is not None else item)
    response["Items"] = whole


def _remember_table_class(
    operation: str, request: dict[str, Any], response: dict[str, Any]
) -> None:
    description = response.get(TABLE_ANSWERS[operation]) or {}
    arn = description.get("TableArn")
    if not arn:
        return
    if operation == "DeleteTable":
        _table_classes.pop(arn, None)
    elif request.get("TableClass"):
        _table_classes[arn] = request["TableClass"]


def table_id(arn: str, created: Any) -> str:
    """A stable UUID per table incarnation (DynamoDB: "Unique identifier for the table")."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{arn}@{created}"))


def _describe_like_dynamodb(description: dict[str, Any], backend: Any) -> None:
    # API_TableDescription: TableId, TableClassSummary (when a class was chosen), and each
    # index with IndexArn, IndexSizeBytes and ItemCount.
    arn = description.get("TableArn", "")
    description.setdefault("TableId", table_id(arn, description.get("CreationDateTime")))
    if arn in _table_classes:
        description["TableClassSummary"] = {"TableClass": _table_classes[arn]}
    table = _moto_table(backend, description.get("TableName"))
    items = table.all_items() if table is not None else []
    for key in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
        for index in description.get(key) or []:
            name = index.get("IndexName", "")
            keys = [k["AttributeName"] for k in index.get("KeySchema", [])]
            index["IndexArn"] = f"{arn}/index/{name}"
            index.setdefault("IndexSizeBytes", 0)
            # An item is in a sparse index only when it has every key attribute of the index.
            index["ItemCount"] = sum(1 for item in items if all(k in item.attrs for k in keys))
