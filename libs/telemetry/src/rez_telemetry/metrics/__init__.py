"""CloudWatch metrics for rez_agent: `metrics.record_count(...)`, flushed once per invocation.

This package is the facade: `from rez_telemetry import metrics` gives this module, whose
functions (`record_count`, `record_duration`, `timer`, `flush`, ...) act on the one shared
`MetricsRecorder`, `metrics.shared`; the metric names are here too (`metrics.MESSAGES_CREATED`).

Back ends (`METRICS_BACKEND`): `emf` (JSON lines on stdout, default in Lambda), `api`
(`PutMetricData`, batched), `off`. Importing this module registers the flush with
`@lambda_handler` and imports neither boto3 nor any tracing SDK.
"""

from __future__ import annotations

from rez_telemetry import _lifecycle
from rez_telemetry.metrics.config import Backend
from rez_telemetry.metrics.lifecycle import MetricsLifecycleHook
from rez_telemetry.metrics.names import (
    API_REQUEST_COUNT,
    API_RESPONSE_TIME,
    AUTHORIZER_DECISIONS,
    CIRCUIT_BREAKER_STATE,
    COLD_START,
    DLQ_MESSAGE_COUNT,
    MESSAGES_CREATED,
    MESSAGES_PROCESSED,
    NAMESPACE,
    NOTIFICATION_DURATION,
    NOTIFICATIONS_SENT,
    PROCESSING_DURATION,
    TOKENS_REFUSED,
    Unit,
)
from rez_telemetry.metrics.recorder import MetricsRecorder

__all__ = [
    "API_REQUEST_COUNT",
    "API_RESPONSE_TIME",
    "AUTHORIZER_DECISIONS",
    "CIRCUIT_BREAKER_STATE",
    "COLD_START",
    "DLQ_MESSAGE_COUNT",
    "MESSAGES_CREATED",
    "MESSAGES_PROCESSED",
    "NAMESPACE",
    "NOTIFICATIONS_SENT",
    "NOTIFICATION_DURATION",
    "PROCESSING_DURATION",
    "TOKENS_REFUSED",
    "Backend",
    "MetricsLifecycleHook",
    "MetricsRecorder",
    "Unit",
    "configure",
    "flush",
    "install",
    "pending",
    "record",
    "record_cold_start",
    "record_count",
    "record_duration",
    "reset",
    "shared",
    "timer",
]

shared = MetricsRecorder()
"""The recorder every service shares (the module's functions are its bound methods)."""

record = shared.record
record_count = shared.record_count
record_duration = shared.record_duration
record_cold_start = shared.record_cold_start
timer = shared.timer
flush = shared.flush
configure = shared.configure
pending = shared.pending
reset = shared.reset

_hook = MetricsLifecycleHook(shared)


def install() -> MetricsLifecycleHook:
    """Register the flush hook with `@lambda_handler` (done at import; idempotent)."""
    _lifecycle.register(_hook)
    return _hook


install()
