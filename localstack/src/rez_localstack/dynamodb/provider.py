"""A DynamoDB provider whose every operation falls through to moto, one request at a time.

LocalStack's own DynamoDB providers forward to DynamoDB Local, a Java jar downloaded at first
use - impossible without internet. The generated ``DynamodbApi`` raises ``NotImplementedError``
for each operation, and the dispatcher below answers those from moto in-process: tables, items,
conditional writes, UpdateItem, GSI queries, TTL settings, transactions. Where DynamoDB validates or
answers differently from moto, ``fixups.py`` checks the request, translates moto's error or
reshapes its answer around the call; ``ttl.py`` deletes expired items.

Why one at a time: LocalStack serves requests on many threads and moto's DynamoDB is not
thread-safe. Its UpdateItem stores a new item with only its key, then applies the update, and
nothing serialises two requests on one item: a concurrent reader sees the half-made item, two
``ADD`` increments can lose one, and two conditional writes can both succeed. DynamoDB makes
every single-item write atomic and conditions exact; the shared circuit breaker and rate limiter
rely on both. moto answers in well under a millisecond, so serialising costs nothing measurable.
"""

import threading
from typing import Any

from localstack.aws.api import (
    CommonServiceException,
    RequestContext,
    ServiceException,
    ServiceRequest,
)
from localstack.aws.api.dynamodb import DynamodbApi
from localstack.aws.forwarder import ForwardingFallbackDispatcher
from localstack.services.moto import call_moto
from localstack.services.plugins import ServiceLifecycleHook

from rez_localstack.dynamodb import fixups, partiql

#: Held for every moto DynamoDB call and every TTL sweep.
MOTO_LOCK = threading.Lock()


class MotoDynamoDBProvider(DynamodbApi, ServiceLifecycleHook):
    """Every DynamoDB call answered by moto; no state of its own."""


def call_moto_atomically(context: RequestContext, request: ServiceRequest) -> Any:
    """moto's answer to one request, with no other DynamoDB request running meanwhile."""
    from moto.dynamodb.models import dynamodb_backends

    operation = context.operation.name
    with MOTO_LOCK:
        backend = dynamodb_backends[context.account_id][context.region]
        fixups.validate(operation, request, backend)
        if operation == "BatchExecuteStatement":
            return partiql.batch_execute_statement(request, backend)
        try:
            response = call_moto(context)
        except CommonServiceException as error:
            raise fixups.translate(operation, request, error) from None
        except ServiceException:
            raise
        except Exception as error:
            if operation == "ExecuteStatement":
                raise partiql.not_processed(error) from None
            raise
        return fixups.shape(operation, request, response, backend)


def atomic_moto_dispatcher(provider: object) -> Any:
    """LocalStack's moto fall-through dispatch table, each call under the lock."""
    return ForwardingFallbackDispatcher(provider, call_moto_atomically)
