"""Shared telemetry for rez_agent services: logging, correlation, metrics, tracing, resilience.

Services import from here only: `from rez_telemetry import MESSAGES_CREATED, correlation,
lambda_handler, logger, metrics, tracer`. `metrics` is the metrics package, whose functions act on
the shared recorder (`metrics.record_count(MESSAGES_CREATED, ...)`); `tracer` is the shared
`Tracer`; the metric names and the resilience classes are here too.

`logger`, `lambda_handler` and `correlation` load with the package; `metrics`, `tracer`, the
metric names and the resilience names load on first access (through the lazy loader), so
importing rez_telemetry stays cheap.

The package's layers, each importing only those below it (`make lint` checks them):
`testing` > `handler` > `resilience` > `metrics` | `tracing` > `correlation` | `_lifecycle` >
`logging` > `context` | `cold_start` | `_env` | `_lazy`.
"""

from typing import TYPE_CHECKING

from rez_telemetry import correlation
from rez_telemetry._lazy import lazy_getattr
from rez_telemetry.handler import handled, is_handled, lambda_handler
from rez_telemetry.logging import configure_logging, log_sampled, logger

if TYPE_CHECKING:
    from rez_telemetry import metrics
    from rez_telemetry.metrics.names import (
        API_REQUEST_COUNT,
        API_RESPONSE_TIME,
        AUTHORIZER_DECISIONS,
        CIRCUIT_BREAKER_STATE,
        COLD_START,
        DLQ_MESSAGE_COUNT,
        MESSAGES_CREATED,
        MESSAGES_PROCESSED,
        NOTIFICATION_DURATION,
        NOTIFICATIONS_SENT,
        PROCESSING_DURATION,
    )
    from rez_telemetry.resilience import (
        CircuitBreaker,
        CircuitOpenError,
        CircuitState,
        CircuitStatus,
        DynamoDBStateStore,
        RetryPolicy,
        retry_policy,
    )
    from rez_telemetry.tracing import tracer

__all__ = [
    "API_REQUEST_COUNT",
    "API_RESPONSE_TIME",
    "AUTHORIZER_DECISIONS",
    "CIRCUIT_BREAKER_STATE",
    "COLD_START",
    "DLQ_MESSAGE_COUNT",
    "MESSAGES_CREATED",
    "MESSAGES_PROCESSED",
    "NOTIFICATIONS_SENT",
    "NOTIFICATION_DURATION",
    "PROCESSING_DURATION",
    "CircuitBreaker",
    "CircuitOpenError",
    "CircuitState",
    "CircuitStatus",
    "DynamoDBStateStore",
    "RetryPolicy",
    "configure_logging",
    "correlation",
    "handled",
    "is_handled",
    "lambda_handler",
    "log_sampled",
    "logger",
    "metrics",
    "retry_policy",
    "tracer",
]

_NAMES = "rez_telemetry.metrics.names"
_RESILIENCE = "rez_telemetry.resilience"
_LAZY: dict[str, tuple[str, str | None]] = {
    "metrics": ("rez_telemetry.metrics", None),
    "tracer": ("rez_telemetry.tracing", "tracer"),
    "API_REQUEST_COUNT": (_NAMES, "API_REQUEST_COUNT"),
    "API_RESPONSE_TIME": (_NAMES, "API_RESPONSE_TIME"),
    "AUTHORIZER_DECISIONS": (_NAMES, "AUTHORIZER_DECISIONS"),
    "CIRCUIT_BREAKER_STATE": (_NAMES, "CIRCUIT_BREAKER_STATE"),
    "COLD_START": (_NAMES, "COLD_START"),
    "DLQ_MESSAGE_COUNT": (_NAMES, "DLQ_MESSAGE_COUNT"),
    "MESSAGES_CREATED": (_NAMES, "MESSAGES_CREATED"),
    "MESSAGES_PROCESSED": (_NAMES, "MESSAGES_PROCESSED"),
    "NOTIFICATIONS_SENT": (_NAMES, "NOTIFICATIONS_SENT"),
    "NOTIFICATION_DURATION": (_NAMES, "NOTIFICATION_DURATION"),
    "PROCESSING_DURATION": (_NAMES, "PROCESSING_DURATION"),
    "CircuitBreaker": (_RESILIENCE, "CircuitBreaker"),
    "CircuitOpenError": (_RESILIENCE, "CircuitOpenError"),
    "CircuitState": (_RESILIENCE, "CircuitState"),
    "CircuitStatus": (_RESILIENCE, "CircuitStatus"),
    "DynamoDBStateStore": (_RESILIENCE, "DynamoDBStateStore"),
    "RetryPolicy": (_RESILIENCE, "RetryPolicy"),
    "retry_policy": (_RESILIENCE, "retry_policy"),
}

__getattr__ = lazy_getattr(__name__, _LAZY, globals())
