"""A DynamoDB provider whose every operation falls through to moto, one request at a time.

LocalStack's own DynamoDB providers forward to DynamoDB Local, a Java jar downloaded at first
use - impossible without internet. The generated ``DynamodbApi`` raises ``NotImplementedError``
for each operation, and the dispatcher below answers those from moto in-process: tables, items,
conditional writes, UpdateItem, GSI queries, TTL settings, transactions. Operations that need a
fix-up can be overridden here one by one.

Why one at a time: LocalStack serves requests on many threads and moto's DynamoDB is not
thread-safe. Its UpdateItem stores a new item with only its key, then applies the update, and
nothing serialises two requests on one item: a concurrent reader sees the half-made item, two
``ADD`` increments can lose one, and two conditional writes can both succeed. DynamoDB makes
every single-item write atomic and conditions exact; the shared circuit breaker and rate limiter
rely on both. moto answers in well under a millisecond, so serialising costs nothing measurable.
"""

import threading
from typing import Any

from localstack.aws.api import RequestContext, ServiceRequest
from localstack.aws.api.dynamodb import DynamodbApi
from localstack.aws.forwarder import ForwardingFallbackDispatcher
from localstack.services.moto import call_moto
from localstack.services.plugins import ServiceLifecycleHook

_MOTO_LOCK = threading.Lock()


class MotoDynamoDBProvider(DynamodbApi, ServiceLifecycleHook):
    """Every DynamoDB call answered by moto; no state of its own."""


def call_moto_atomically(context: RequestContext, request: ServiceRequest) -> Any:
    """moto's answer to one request, with no other DynamoDB request running meanwhile."""
    with _MOTO_LOCK:
        return call_moto(context)


def atomic_moto_dispatcher(provider: object) -> Any:
    """LocalStack's moto fall-through dispatch table, each call under the lock."""
    return ForwardingFallbackDispatcher(provider, call_moto_atomically)
