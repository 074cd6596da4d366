"""Wiring: the processor's dependencies, built from the environment once per cold start.

boto3 clients are created on first use (never at import). Tests call `override(...)` with an
in-memory repository or a moto-backed one and a fake `NotifierClient`, and `reset()` afterwards.
"""

from __future__ import annotations

from rez_messages import config

from rez_processor.service import ProcessingContext

__all__ = ["build_from_environment", "dependencies", "override", "reset"]


def build_from_environment() -> ProcessingContext:
    """Read MESSAGES_TABLE, NOTIFIER_FUNCTION_NAME, MAX_RECEIVE_COUNT; create the boto3 clients."""
    import boto3
    from rez_messages.dynamodb import DynamoDBMessageRepository

    from rez_processor.notifier import LambdaNotifierClient

    table = config.messages_table()
    function_name = config.notifier_function_name()
    max_receive_count = config.max_receive_count()
    return ProcessingContext(
        repository=DynamoDBMessageRepository(table, boto3.client("dynamodb")),
        notifier=LambdaNotifierClient(function_name, boto3.client("lambda")),
        max_receive_count=max_receive_count,
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
