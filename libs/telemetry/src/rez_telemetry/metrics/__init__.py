"""CloudWatch metrics for rez_agent: `metrics.record_count(...)`, flushed once per invocation.

Back ends (`METRICS_BACKEND`): `emf` (JSON lines on stdout, default in Lambda), `api`
(`PutMetricData`, batched), `off`. Importing this module registers the flush with
`@lambda_handler` and imports neither boto3 nor any tracing SDK.
"""

from __future__ import annotations

from rez_telemetry import _lifecycle
from rez_telemetry.handler.cold_start import reset_cold_start
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
    "Backend",
    "MetricsLifecycleHook",
    "MetricsRecorder",
    "Unit",
    "configure",
    "flush",
    "install",
    "metrics",
    "pending",
    "record",
    "record_cold_start",
    "record_count",
    "record_duration",
    "reset",
    "reset_cold_start",
    "timer",
]

metrics = MetricsRecorder()
"""The recorder every service shares."""

# The module mirrors the shared recorder, so `from rez_telemetry import metrics` works whether
# the package attribute resolves to this module or to the recorder object.
record = metrics.record
record_count = metrics.record_count
record_duration = metrics.record_duration
record_cold_start = metrics.record_cold_start
timer = metrics.timer
flush = metrics.flush
configure = metrics.configure
pending = metrics.pending
reset = metrics.reset

_hook = MetricsLifecycleHook(metrics)


def install() -> MetricsLifecycleHook:
    """Register the flush hook with `@lambda_handler` (done at import; idempotent)."""
    _lifecycle.register(_hook)
    return _hook


install()
