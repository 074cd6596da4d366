"""The settings of the services that create messages (scheduler, web API), read when asked.

`ProducerSettings.from_env(environ=None)` reads `STAGE` (one meaning everywhere:
`rez_telemetry.config.stage`), `MESSAGES_TABLE`, `TOPIC_ARN` and `MESSAGE_RETENTION_DAYS`;
a bad value raises the shared `ConfigurationError` naming the variable. The readers of single
variables are public because the processor and the notifier read the table name too. Names are
listed in docs/contracts.md.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Self

from rez_telemetry.config import ConfigurationError, optional, required, stage

__all__ = [
    "DEFAULT_RETENTION_DAYS",
    "ENV_MESSAGES_TABLE",
    "ENV_MESSAGE_RETENTION_DAYS",
    "ENV_TOPIC_ARN",
    "ProducerSettings",
    "matching",
    "messages_table",
    "positive_int",
    "retention",
    "stage",
    "topic_arn",
]

ENV_MESSAGES_TABLE = "MESSAGES_TABLE"
ENV_TOPIC_ARN = "TOPIC_ARN"
ENV_MESSAGE_RETENTION_DAYS = "MESSAGE_RETENTION_DAYS"

DEFAULT_RETENTION_DAYS = 30
_TABLE_NAME = re.compile(r"^[A-Za-z0-9_.-]{3,255}$")
_TOPIC_ARN = re.compile(r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$")


def matching(
    name: str, pattern: re.Pattern[str], what: str, environ: Mapping[str, str] | None
) -> str:
    """A required variable that must match `pattern` (`what` names the expected form)."""
    value = required(name, environ)
    if not pattern.fullmatch(value):
        raise ConfigurationError(name, f"{value!r} is not {what}")
    return value


def positive_int(name: str, environ: Mapping[str, str] | None, default: int | None = None) -> int:
    """A whole number >= 1; `default` when unset (required when there is no default)."""
    value = optional(name, environ)
    if value is None:
        if default is None:
            return int(required(name, environ))  # raises: unset or empty
        return default
    try:
        number = int(value)
    except ValueError:
        raise ConfigurationError(name, f"{value!r} is not an integer") from None
    if number < 1:
        raise ConfigurationError(name, f"must be at least 1, got {number}")
    return number


def messages_table(environ: Mapping[str, str] | None = None) -> str:
    """`MESSAGES_TABLE`: the messages table name (required)."""
    return matching(ENV_MESSAGES_TABLE, _TABLE_NAME, "a DynamoDB table name", environ)


def topic_arn(environ: Mapping[str, str] | None = None) -> str:
    """`TOPIC_ARN`: the messages topic (required by producers)."""
    return matching(ENV_TOPIC_ARN, _TOPIC_ARN, "an SNS topic ARN", environ)


def retention(environ: Mapping[str, str] | None = None) -> timedelta:
    """`MESSAGE_RETENTION_DAYS`: how long a record lives before its TTL (default 30 days)."""
    return timedelta(days=positive_int(ENV_MESSAGE_RETENTION_DAYS, environ, DEFAULT_RETENTION_DAYS))


@dataclass(frozen=True, slots=True)
class ProducerSettings:
    """What a service that creates and publishes messages is configured with."""

    stage: str
    messages_table: str
    topic_arn: str
    retention: timedelta = timedelta(days=DEFAULT_RETENTION_DAYS)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Self:
        """Read the settings from `environ` (default: `os.environ`, read now)."""
        return cls(
            stage=stage(environ),
            messages_table=messages_table(environ),
            topic_arn=topic_arn(environ),
            retention=retention(environ),
        )
