"""Environment variables of the message flow: one reader per variable, each failing precisely.

Read these once per cold start (services cache the result in their `bootstrap`); an explicit
argument always wins over the environment. Names are listed in docs/contracts.md.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from datetime import timedelta

from rez_messages.exceptions import ConfigurationError

__all__ = [
    "DEFAULT_MAX_DEFERRAL_SECONDS",
    "DEFAULT_PROCESSOR_CONCURRENCY",
    "DEFAULT_RETENTION_DAYS",
    "DEFAULT_RETRY_BASE_SECONDS",
    "DEFAULT_RETRY_MAX_SECONDS",
    "ENV_MAX_DEFERRAL_SECONDS",
    "ENV_MAX_RECEIVE_COUNT",
    "ENV_MESSAGES_TABLE",
    "ENV_MESSAGE_RETENTION_DAYS",
    "ENV_NOTIFIER_FUNCTION_NAME",
    "ENV_PROCESSOR_CONCURRENCY",
    "ENV_RETRY_BASE_SECONDS",
    "ENV_RETRY_MAX_SECONDS",
    "ENV_STAGE",
    "ENV_TOPIC_ARN",
    "MAX_DEFERRAL_LIMIT_SECONDS",
    "MAX_PROCESSOR_CONCURRENCY",
    "MAX_VISIBILITY_SECONDS",
    "STAGES",
    "max_deferral_seconds",
    "max_receive_count",
    "messages_table",
    "notifier_function_name",
    "processor_concurrency",
    "retention",
    "retry_base_seconds",
    "retry_max_seconds",
    "stage",
    "topic_arn",
]

ENV_STAGE = "STAGE"
ENV_MESSAGES_TABLE = "MESSAGES_TABLE"
ENV_TOPIC_ARN = "TOPIC_ARN"
ENV_NOTIFIER_FUNCTION_NAME = "NOTIFIER_FUNCTION_NAME"
ENV_MAX_RECEIVE_COUNT = "MAX_RECEIVE_COUNT"
ENV_MESSAGE_RETENTION_DAYS = "MESSAGE_RETENTION_DAYS"
ENV_RETRY_BASE_SECONDS = "RETRY_BASE_SECONDS"
ENV_RETRY_MAX_SECONDS = "RETRY_MAX_SECONDS"
ENV_MAX_DEFERRAL_SECONDS = "MAX_DEFERRAL_SECONDS"
ENV_PROCESSOR_CONCURRENCY = "PROCESSOR_CONCURRENCY"

STAGES = ("dev", "stage", "prod")
DEFAULT_RETENTION_DAYS = 30
DEFAULT_RETRY_BASE_SECONDS = 2.0
DEFAULT_RETRY_MAX_SECONDS = 60.0
#: SQS's longest visibility timeout (12 hours): no retry delay can be longer.
MAX_VISIBILITY_SECONDS = 43200
#: How long a message may keep being deferred on an open circuit by default (6 hours).
DEFAULT_MAX_DEFERRAL_SECONDS = 21600
#: SQS's longest retention (14 days): a deferral bound beyond it means nothing.
MAX_DEFERRAL_LIMIT_SECONDS = 1209600
#: Records of one SQS batch processed at once by default (the event source's batch size).
DEFAULT_PROCESSOR_CONCURRENCY = 10
#: The most records of one batch processed at once (SQS's largest batch, 10,000, needs no more).
MAX_PROCESSOR_CONCURRENCY = 100
_TABLE_NAME = re.compile(r"^[A-Za-z0-9_.-]{3,255}$")
_TOPIC_ARN = re.compile(r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$")
_FUNCTION_NAME = re.compile(
    r"^(arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:)?[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9$_-]+)?$"
)


def _raw(name: str, environ: Mapping[str, str] | None) -> str | None:
    value = (os.environ if environ is None else environ).get(name)
    return None if value is None else value.strip()


def _required(name: str, environ: Mapping[str, str] | None) -> str:
    value = _raw(name, environ)
    if not value:
        raise ConfigurationError(name, "is not set" if value is None else "is empty")
    return value


def _matching(
    name: str, pattern: re.Pattern[str], what: str, environ: Mapping[str, str] | None
) -> str:
    value = _required(name, environ)
    if not pattern.fullmatch(value):
        raise ConfigurationError(name, f"{value!r} is not {what}")
    return value


def _positive_int(name: str, environ: Mapping[str, str] | None, default: int | None = None) -> int:
    value = _raw(name, environ)
    if not value:
        if default is None:
            raise ConfigurationError(name, "is not set" if value is None else "is empty")
        return default
    try:
        number = int(value)
    except ValueError:
        raise ConfigurationError(name, f"{value!r} is not an integer") from None
    if number < 1:
        raise ConfigurationError(name, f"must be at least 1, got {number}")
    return number


def _seconds(
    name: str,
    environ: Mapping[str, str] | None,
    default: float,
    limit: int = MAX_VISIBILITY_SECONDS,
) -> float:
    value = _raw(name, environ)
    if not value:
        return default
    try:
        number = float(value)
    except ValueError:
        raise ConfigurationError(name, f"{value!r} is not a number of seconds") from None
    if not 0 < number <= limit:
        raise ConfigurationError(name, f"must be more than 0 and at most {limit} s, got {value}")
    return number


def stage(environ: Mapping[str, str] | None = None) -> str:
    """`STAGE`: dev, stage or prod (required)."""
    value = _required(ENV_STAGE, environ)
    if value not in STAGES:
        raise ConfigurationError(ENV_STAGE, f"{value!r} is not one of {', '.join(STAGES)}")
    return value


def messages_table(environ: Mapping[str, str] | None = None) -> str:
    """`MESSAGES_TABLE`: the messages table name (required)."""
    return _matching(ENV_MESSAGES_TABLE, _TABLE_NAME, "a DynamoDB table name", environ)


def topic_arn(environ: Mapping[str, str] | None = None) -> str:
    """`TOPIC_ARN`: the messages topic (required by producers)."""
    return _matching(ENV_TOPIC_ARN, _TOPIC_ARN, "an SNS topic ARN", environ)


def notifier_function_name(environ: Mapping[str, str] | None = None) -> str:
    """`NOTIFIER_FUNCTION_NAME`: the notifier function name or ARN (required by the processor)."""
    return _matching(
        ENV_NOTIFIER_FUNCTION_NAME, _FUNCTION_NAME, "a Lambda function name or ARN", environ
    )


def max_receive_count(environ: Mapping[str, str] | None = None) -> int:
    """`MAX_RECEIVE_COUNT`: the queue's redrive maxReceiveCount (required by the processor)."""
    return _positive_int(ENV_MAX_RECEIVE_COUNT, environ)


def retention(environ: Mapping[str, str] | None = None) -> timedelta:
    """`MESSAGE_RETENTION_DAYS`: how long a record lives before its TTL (default 30 days)."""
    return timedelta(
        days=_positive_int(ENV_MESSAGE_RETENTION_DAYS, environ, DEFAULT_RETENTION_DAYS)
    )


def retry_base_seconds(environ: Mapping[str, str] | None = None) -> float:
    """`RETRY_BASE_SECONDS`: the processor's first retry delay, doubled per receive (default 2)."""
    return _seconds(ENV_RETRY_BASE_SECONDS, environ, DEFAULT_RETRY_BASE_SECONDS)


def retry_max_seconds(environ: Mapping[str, str] | None = None) -> float:
    """`RETRY_MAX_SECONDS`: the cap of the processor's exponential retry delay (default 60)."""
    return _seconds(ENV_RETRY_MAX_SECONDS, environ, DEFAULT_RETRY_MAX_SECONDS)


def max_deferral_seconds(environ: Mapping[str, str] | None = None) -> float:
    """`MAX_DEFERRAL_SECONDS`: how long after its first deferral an open circuit still defers a
    message instead of counting the attempt (default 21600 = 6 h; at most 14 days)."""
    return _seconds(
        ENV_MAX_DEFERRAL_SECONDS,
        environ,
        DEFAULT_MAX_DEFERRAL_SECONDS,
        limit=MAX_DEFERRAL_LIMIT_SECONDS,
    )


def processor_concurrency(environ: Mapping[str, str] | None = None) -> int:
    """`PROCESSOR_CONCURRENCY`: how many records of one SQS batch the processor handles at once
    (default 10, the batch size; 1 = one after another; at most 100)."""
    number = _positive_int(ENV_PROCESSOR_CONCURRENCY, environ, DEFAULT_PROCESSOR_CONCURRENCY)
    if number > MAX_PROCESSOR_CONCURRENCY:
        raise ConfigurationError(
            ENV_PROCESSOR_CONCURRENCY, f"must be at most {MAX_PROCESSOR_CONCURRENCY}, got {number}"
        )
    return number
