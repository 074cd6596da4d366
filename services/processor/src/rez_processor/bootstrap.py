"""Wiring: the processor's dependencies, built from the environment once per cold start.

boto3 clients are created on first use (never at import). Tests call `override(...)` with an
in-memory repository or a moto-backed one, a fake `NotifierClient` (and `MessageVisibility`,
`MessageDeferral`), and `reset()` afterwards. The SQS adapters share one cache of queue URLs, so it
lives as long as these dependencies.

Records of a batch run on several threads (`PROCESSOR_CONCURRENCY`): everything built here is
shared by them. boto3 clients are thread-safe (sessions and resources are not: none is kept), and
each client's connection pool holds at least one connection per thread.
"""

from __future__ import annotations

from rez_messages import ConfigurationError, config
from rez_processor.context import ProcessingContext
from rez_processor.retry_delay import RetryDelays

__all__ = [
    "build_from_environment",
    "dependencies",
    "override",
    "reset",
    "retry_delays_from_environment",
]


def retry_delays_from_environment() -> RetryDelays:
    """RETRY_BASE_SECONDS, RETRY_MAX_SECONDS (defaults 2, 60); the base may not exceed the cap."""
    base, cap = config.retry_base_seconds(), config.retry_max_seconds()
    if base > cap:
        raise ConfigurationError(
            config.ENV_RETRY_MAX_SECONDS,
            f"must be at least {config.ENV_RETRY_BASE_SECONDS} ({base:g}), got {cap:g}",
        )
    return RetryDelays(base_seconds=base, max_seconds=cap)


def build_from_environment() -> ProcessingContext:
    """Read MESSAGES_TABLE, NOTIFIER_FUNCTION_NAME, MAX_RECEIVE_COUNT, the retry delays,
    MAX_DEFERRAL_SECONDS and PROCESSOR_CONCURRENCY; create the boto3 clients (DynamoDB, Lambda,
    SQS)."""
    import boto3
    from botocore.config import Config

    from rez_messages.dynamodb import DynamoDBMessageRepository
    from rez_processor.deferral import SQSMessageDeferral
    from rez_processor.notifier import LambdaNotifierClient
    from rez_processor.queues import QueueUrls
    from rez_processor.visibility import SQSMessageVisibility

    table = config.messages_table()
    function_name = config.notifier_function_name()
    max_receive_count = config.max_receive_count()
    retry_delays = retry_delays_from_environment()
    max_deferral_seconds = config.max_deferral_seconds()
    concurrency = config.processor_concurrency()
    # botocore keeps 10 connections per client by default: enough up to 10 threads.
    client_config = Config(max_pool_connections=max(10, concurrency))
    sqs = boto3.client("sqs", config=client_config)
    queue_urls = QueueUrls(sqs)
    return ProcessingContext(
        repository=DynamoDBMessageRepository(table, boto3.client("dynamodb", config=client_config)),
        notifier=LambdaNotifierClient(function_name, boto3.client("lambda", config=client_config)),
        max_receive_count=max_receive_count,
        retry_delays=retry_delays,
        visibility=SQSMessageVisibility(sqs, queue_urls),
        deferral=SQSMessageDeferral(sqs, queue_urls),
        max_deferral_seconds=max_deferral_seconds,
        concurrency=concurrency,
    )


_current: dict[str, ProcessingContext] = {}


def dependencies() -> ProcessingContext:
    """The dependencies of this execution environment (built on first call, then reused)."""
    if "deps" not in _current:
        _current["deps"] = build_from_environment()
    return _current["deps"]


def override(deps: ProcessingContext) -> None:
    """Use `deps` from now on (tests)."""
    _current["deps"] = deps


def reset() -> None:
    """Forget the dependencies; the next call rebuilds them from the environment."""
    _current.clear()
