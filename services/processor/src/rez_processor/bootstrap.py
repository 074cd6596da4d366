"""Wiring: the processor's dependencies, built from the environment once per cold start.

boto3 clients are created on first use (never at import). Tests call `override(...)` with an
in-memory repository or a moto-backed one, a fake `NotifierClient` (and `MessageVisibility`), and
`reset()` afterwards. The SQS adapter caches queue URLs, so it lives as long as these dependencies.
"""

from __future__ import annotations

from rez_messages import ConfigurationError, config
from rez_processor.retry_delay import RetryDelays
from rez_processor.service import ProcessingContext

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
    """Read MESSAGES_TABLE, NOTIFIER_FUNCTION_NAME, MAX_RECEIVE_COUNT and the retry delays;
    create the boto3 clients (DynamoDB, Lambda, SQS)."""
    import boto3

    from rez_messages.dynamodb import DynamoDBMessageRepository
    from rez_processor.notifier import LambdaNotifierClient
    from rez_processor.visibility import SQSMessageVisibility

    table = config.messages_table()
    function_name = config.notifier_function_name()
    max_receive_count = config.max_receive_count()
    retry_delays = retry_delays_from_environment()
    return ProcessingContext(
        repository=DynamoDBMessageRepository(table, boto3.client("dynamodb")),
        notifier=LambdaNotifierClient(function_name, boto3.client("lambda")),
        max_receive_count=max_receive_count,
        retry_delays=retry_delays,
        visibility=SQSMessageVisibility(boto3.client("sqs")),
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
