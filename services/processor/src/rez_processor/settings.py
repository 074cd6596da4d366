"""The processor's settings: every environment variable it reads, read when asked for.

`ProcessorSettings.from_env(environ=None)` fails with the shared `ConfigurationError` naming the
variable (docs/contracts.md lists them).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Self

from rez_messages.config import matching, messages_table, positive_int
from rez_telemetry.config import ConfigurationError, optional

__all__ = [
    "DEFAULT_MAX_DEFERRAL_SECONDS",
    "DEFAULT_PROCESSOR_CONCURRENCY",
    "DEFAULT_RETRY_BASE_SECONDS",
    "DEFAULT_RETRY_MAX_SECONDS",
    "ENV_MAX_DEFERRAL_SECONDS",
    "ENV_MAX_RECEIVE_COUNT",
    "ENV_NOTIFIER_FUNCTION_NAME",
    "ENV_PROCESSOR_CONCURRENCY",
    "ENV_RETRY_BASE_SECONDS",
    "ENV_RETRY_MAX_SECONDS",
    "MAX_DEFERRAL_LIMIT_SECONDS",
    "MAX_PROCESSOR_CONCURRENCY",
    "MAX_VISIBILITY_SECONDS",
    "ProcessorSettings",
]

ENV_NOTIFIER_FUNCTION_NAME = "NOTIFIER_FUNCTION_NAME"
ENV_MAX_RECEIVE_COUNT = "MAX_RECEIVE_COUNT"
ENV_RETRY_BASE_SECONDS = "RETRY_BASE_SECONDS"
ENV_RETRY_MAX_SECONDS = "RETRY_MAX_SECONDS"
ENV_MAX_DEFERRAL_SECONDS = "MAX_DEFERRAL_SECONDS"
ENV_PROCESSOR_CONCURRENCY = "PROCESSOR_CONCURRENCY"

DEFAULT_RETRY_BASE_SECONDS = 2.0
DEFAULT_RETRY_MAX_SECONDS = 60.0
#: SQS's longest visibility timeout (12 hours): no retry delay can be longer.
MAX_VISIBILITY_SECONDS = 43200
#: How long a message may keep being deferred on an open circuit by default (6 hours).
DEFAULT_MAX_DEFERRAL_SECONDS = 21600.0
#: SQS's longest retention (14 days): a deferral bound beyond it means nothing.
MAX_DEFERRAL_LIMIT_SECONDS = 1209600
#: Records of one SQS batch processed at once by default (the event source's batch size).
DEFAULT_PROCESSOR_CONCURRENCY = 10
#: The most records of one batch processed at once (SQS's largest batch, 10,000, needs no more).
MAX_PROCESSOR_CONCURRENCY = 100
_FUNCTION_NAME = re.compile(
    r"^(arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:)?[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9$_-]+)?$"
)


def _seconds(
    name: str,
    environ: Mapping[str, str] | None,
    default: float,
    limit: int = MAX_VISIBILITY_SECONDS,
) -> float:
    value = optional(name, environ)
    if value is None:
        return default
    try:
        number = float(value)
    except ValueError:
        raise ConfigurationError(name, f"{value!r} is not a number of seconds") from None
    if not 0 < number <= limit:
        raise ConfigurationError(name, f"must be more than 0 and at most {limit} s, got {value}")
    return number


def _concurrency(environ: Mapping[str, str] | None) -> int:
    number = positive_int(ENV_PROCESSOR_CONCURRENCY, environ, DEFAULT_PROCESSOR_CONCURRENCY)
    if number > MAX_PROCESSOR_CONCURRENCY:
        raise ConfigurationError(
            ENV_PROCESSOR_CONCURRENCY, f"must be at most {MAX_PROCESSOR_CONCURRENCY}, got {number}"
        )
    return number


@dataclass(frozen=True, slots=True)
class ProcessorSettings:
    """Everything the processor is configured with; `from_env` or directly in tests.

    `max_receive_count` is the queue's maxReceiveCount (the last attempt marks the message
    failed); the retry delays pace every failed delivery (base doubled per attempt, capped);
    `max_deferral_seconds` bounds deferring a message the notifier did not attempt;
    `concurrency` is how many records of one batch run at once.
    """

    messages_table: str
    notifier_function_name: str
    max_receive_count: int
    retry_base_seconds: float = DEFAULT_RETRY_BASE_SECONDS
    retry_max_seconds: float = DEFAULT_RETRY_MAX_SECONDS
    max_deferral_seconds: float = DEFAULT_MAX_DEFERRAL_SECONDS
    concurrency: int = DEFAULT_PROCESSOR_CONCURRENCY

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Self:
        """Read the settings from `environ` (default: `os.environ`, read now)."""
        base = _seconds(ENV_RETRY_BASE_SECONDS, environ, DEFAULT_RETRY_BASE_SECONDS)
        cap = _seconds(ENV_RETRY_MAX_SECONDS, environ, DEFAULT_RETRY_MAX_SECONDS)
        if base > cap:
            raise ConfigurationError(
                ENV_RETRY_MAX_SECONDS,
                f"must be at least {ENV_RETRY_BASE_SECONDS} ({base:g}), got {cap:g}",
            )
        return cls(
            messages_table=messages_table(environ),
            notifier_function_name=matching(
                ENV_NOTIFIER_FUNCTION_NAME,
                _FUNCTION_NAME,
                "a Lambda function name or ARN",
                environ,
            ),
            max_receive_count=positive_int(ENV_MAX_RECEIVE_COUNT, environ),
            retry_base_seconds=base,
            retry_max_seconds=cap,
            max_deferral_seconds=_seconds(
                ENV_MAX_DEFERRAL_SECONDS,
                environ,
                DEFAULT_MAX_DEFERRAL_SECONDS,
                limit=MAX_DEFERRAL_LIMIT_SECONDS,
            ),
            concurrency=_concurrency(environ),
        )
