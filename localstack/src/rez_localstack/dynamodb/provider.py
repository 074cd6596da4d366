"""A DynamoDB provider whose every operation falls through to moto.

LocalStack's own DynamoDB providers forward to DynamoDB Local, a Java jar downloaded at first
use - impossible without internet. The generated ``DynamodbApi`` raises ``NotImplementedError``
for each operation, and ``MotoFallbackDispatcher`` (wired in ``plugins.py``) answers those from
moto in-process: tables, items, conditional writes, UpdateItem, GSI queries, TTL settings,
transactions. Operations that need a fix-up can be overridden here one by one.
"""

from localstack.aws.api.dynamodb import DynamodbApi
from localstack.services.plugins import ServiceLifecycleHook


class MotoDynamoDBProvider(DynamodbApi, ServiceLifecycleHook):
    """Every DynamoDB call answered by moto; no state of its own."""
