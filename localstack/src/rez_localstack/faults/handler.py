"""The AWS request-chain handler that applies the fault rules."""

from __future__ import annotations

import io
import json
import logging
import re
import time
from typing import Any

from rez_localstack.faults.rules import FaultStore

LOG = logging.getLogger(__name__)

# Request members naming the resource an operation acts on, across the services we inject into.
RESOURCE_KEYS = (
    "TableName",
    "TopicArn",
    "TargetArn",
    "QueueUrl",
    "QueueName",
    "FunctionName",
    "SecretId",
    "Name",
)


def request_resources(request: Any) -> list[str]:
    """The resource names a parsed request touches (transactions and batches included)."""
    if not isinstance(request, dict):
        return []
    found = [str(request[key]) for key in RESOURCE_KEYS if request.get(key)]
    for key in ("RequestItems",):  # BatchWriteItem / BatchGetItem: {table: [...]}
        items = request.get(key)
        if isinstance(items, dict):
            found.extend(str(table) for table in items)
    for item in request.get("TransactItems") or []:
        if isinstance(item, dict):
            for action in item.values():
                if isinstance(action, dict) and action.get("TableName"):
                    found.append(str(action["TableName"]))
    return found


_APP_ID = re.compile(r"(?:^|\s)app/(\S+)")


def request_caller(user_agent: str) -> str:
    """The calling function: botocore puts ``AWS_SDK_UA_APP_ID`` in its User-Agent as
    ``app/<id>``, and the harness's Lambda executor sets it to the function's name."""
    found = _APP_ID.search(user_agent)
    return found.group(1) if found else ""


def request_text(request: Any) -> str:
    """The parsed request as text, for rules matching a substring (a message id, a tag).

    A blob payload (Lambda Invoke's ``Payload``) is the request's input stream, readable once:
    it is read here and put back as a ``BytesIO`` holding the same bytes for the provider.
    """
    if isinstance(request, dict):
        for key, value in list(request.items()):
            if hasattr(value, "read") and not (hasattr(value, "seekable") and value.seekable()):
                request[key] = io.BytesIO(value.read())
    try:
        return json.dumps(request, default=_text)
    except (TypeError, ValueError):
        return str(request)


def _text(value: Any) -> str:
    if isinstance(value, bytes | bytearray):
        return value.decode("utf-8", "replace")
    if hasattr(value, "read"):  # a blob body (Lambda's Invoke Payload): read, then rewound
        if not (hasattr(value, "seekable") and value.seekable()):
            return ""
        position = value.tell()
        data = value.read()
        value.seek(position)
        return data.decode("utf-8", "replace") if isinstance(data, bytes) else str(data)
    return str(value)


class FaultInjectionHandler:
    """A LocalStack ``Handler``: ``handler(chain, context, response)``.

    With no rule set it returns after one truth test. A matching rule first sleeps its
    latency, then raises its error; LocalStack's ``ServiceExceptionSerializer`` renders the
    ``CommonServiceException`` with the service's protocol, so clients parse AWS's own shape.
    """

    def __init__(self, store: FaultStore) -> None:
        self.store = store

    def __call__(self, chain: Any, context: Any, response: Any) -> None:
        if not self.store or context.service is None or context.operation is None:
            return
        service = context.service.service_name
        if service == "sqs-query":
            service = "sqs"
        operation = context.operation.name
        rule = self.store.take(
            service,
            operation,
            request_resources(context.service_request),
            bool(context.is_internal_call),
            lambda: request_text(context.service_request),
            request_caller(context.request.headers.get("User-Agent", "")),
        )
        if rule is None:
            return
        if rule.latency_ms:
            time.sleep(rule.latency_ms / 1000)
        if rule.error is None:
            return
        from localstack.aws.api import CommonServiceException

        LOG.info("fault %s: %s.%s -> %s", rule.id, service, operation, rule.error.code)
        raise CommonServiceException(
            rule.error.code,
            rule.error.message or f"Injected fault {rule.id}",
            status_code=rule.error.status,
            sender_fault=rule.error.sender_fault,
        )
