"""Environment variable names and readers, in one place.

Values are read when used (never at import) so tests and Lambda's per-invocation environment are
honoured; an explicit argument always wins over the environment (see `resolve`). No other module
of rez_telemetry reads `os.environ` or spells a variable's name.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Final

__all__ = [
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_INITIALIZATION_TYPE",
    "AWS_LAMBDA_LOG_FORMAT",
    "AWS_LAMBDA_LOG_LEVEL",
    "AWS_XRAY_DAEMON_ADDRESS",
    "LOG_DEBUG_BUFFER",
    "LOG_LEVEL",
    "LOG_LEVEL_AWS_SDK",
    "LOG_SAMPLE_RATE",
    "METRICS_BACKEND",
    "OTEL_EXPORTER_SIGNALS",
    "OTEL_SDK_DISABLED",
    "OTEL_SERVICE_NAME",
    "POWERTOOLS_LOGGER_SAMPLE_RATE",
    "POWERTOOLS_LOG_LEVEL",
    "POWERTOOLS_METRICS_NAMESPACE",
    "POWERTOOLS_SERVICE_NAME",
    "POWERTOOLS_TRACE_DISABLED",
    "SERVICE_NAME",
    "STAGE",
    "STAGES",
    "TRACE_EXPORT_FILE",
    "TRACE_EXPORT_STDOUT",
    "TRACE_EXPORT_XRAY",
    "TRACE_SAMPLE_RATE",
    "TRACE_SAMPLE_RESERVOIR",
    "TRACING_BACKEND",
    "XRAY_TRACE_ID",
    "debug_sample_rate",
    "lambda_log_level",
    "log_level",
    "metrics_namespace",
    "process_environment",
    "read",
    "read_bool",
    "read_float",
    "resolve",
    "service_name",
    "stage",
    "stage_of",
    "trace_disabled",
]

# -- ours ------------------------------------------------------------------------------------
STAGE: Final = "STAGE"
SERVICE_NAME: Final = "SERVICE_NAME"
LOG_LEVEL: Final = "LOG_LEVEL"
LOG_LEVEL_AWS_SDK: Final = "LOG_LEVEL_AWS_SDK"
"""Level of boto3/botocore/urllib3/s3transfer/httpcore/httpx loggers; DEBUG only on request."""
LOG_SAMPLE_RATE: Final = "LOG_SAMPLE_RATE"
LOG_DEBUG_BUFFER: Final = "LOG_DEBUG_BUFFER"
METRICS_BACKEND: Final = "METRICS_BACKEND"
TRACING_BACKEND: Final = "TRACING_BACKEND"
TRACE_EXPORT_FILE: Final = "TRACE_EXPORT_FILE"
TRACE_EXPORT_STDOUT: Final = "TRACE_EXPORT_STDOUT"
TRACE_EXPORT_XRAY: Final = "TRACE_EXPORT_XRAY"
"""`false` stops the OTel back end sending spans to Lambda's X-Ray endpoint (on by default)."""
TRACE_SAMPLE_RATE: Final = "TRACE_SAMPLE_RATE"
TRACE_SAMPLE_RESERVOIR: Final = "TRACE_SAMPLE_RESERVOIR"

# -- Powertools for AWS Lambda's names: they win over ours above, which stay as aliases ---------
POWERTOOLS_SERVICE_NAME: Final = "POWERTOOLS_SERVICE_NAME"
POWERTOOLS_LOG_LEVEL: Final = "POWERTOOLS_LOG_LEVEL"
POWERTOOLS_LOGGER_SAMPLE_RATE: Final = "POWERTOOLS_LOGGER_SAMPLE_RATE"
"""Powertools' meaning: the fraction of invocations logged at DEBUG whatever the level."""
POWERTOOLS_METRICS_NAMESPACE: Final = "POWERTOOLS_METRICS_NAMESPACE"
POWERTOOLS_TRACE_DISABLED: Final = "POWERTOOLS_TRACE_DISABLED"

# -- set by Lambda ---------------------------------------------------------------------------
AWS_LAMBDA_LOG_LEVEL: Final = "AWS_LAMBDA_LOG_LEVEL"
"""The function's ApplicationLogLevel (advanced logging controls; set with LogFormat JSON)."""
AWS_LAMBDA_LOG_FORMAT: Final = "AWS_LAMBDA_LOG_FORMAT"
"""`JSON` or `Text`. Our lines are JSON either way; with `JSON` Lambda filters them by `level`."""
AWS_LAMBDA_FUNCTION_NAME: Final = "AWS_LAMBDA_FUNCTION_NAME"
AWS_LAMBDA_INITIALIZATION_TYPE: Final = "AWS_LAMBDA_INITIALIZATION_TYPE"
AWS_XRAY_DAEMON_ADDRESS: Final = "AWS_XRAY_DAEMON_ADDRESS"
XRAY_TRACE_ID: Final = "_X_AMZN_TRACE_ID"

# -- OpenTelemetry's own (they choose the OTel back end when present) ------------------------
OTEL_SDK_DISABLED: Final = "OTEL_SDK_DISABLED"
OTEL_SERVICE_NAME: Final = "OTEL_SERVICE_NAME"
OTEL_EXPORTER_SIGNALS: Final = (
    "OTEL_TRACES_EXPORTER",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
)


STAGES: Final = frozenset({"dev", "stage", "prod"})
"""The deployment stages; function names end in one (`rez-agent-web-api-dev`)."""

_TRUE = frozenset({"1", "true", "yes", "on"})


def read(name: str) -> str | None:
    """The variable's value stripped, or None when unset or blank."""
    value = os.environ.get(name)
    if value is None:
        return None
    value = value.strip()
    return value or None


def resolve[T](explicit: T | None, env_value: T | None, default: T) -> T:
    """Explicit argument first, then the environment, then the default."""
    if explicit is not None:
        return explicit
    if env_value is not None:
        return env_value
    return default


def read_bool(name: str) -> bool | None:
    """A boolean variable (`1/true/yes/on` are true), None when unset."""
    value = read(name)
    return None if value is None else value.lower() in _TRUE


def read_float(name: str) -> float | None:
    """A float variable, None when unset or not a number."""
    value = read(name)
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        return None


def _first(*names: str) -> str | None:
    """The value of the first of `names` that is set."""
    for name in names:
        value = read(name)
        if value is not None:
            return value
    return None


def service_name() -> str | None:
    """`POWERTOOLS_SERVICE_NAME`, else `SERVICE_NAME`."""
    return _first(POWERTOOLS_SERVICE_NAME, SERVICE_NAME)


def log_level() -> str | None:
    """The level asked for by name: `POWERTOOLS_LOG_LEVEL`, else `LOG_LEVEL` (as Powertools)."""
    return _first(POWERTOOLS_LOG_LEVEL, LOG_LEVEL)


def lambda_log_level() -> str | None:
    """Lambda's `AWS_LAMBDA_LOG_LEVEL` (TRACE, DEBUG, INFO, WARN, ERROR or FATAL)."""
    return read(AWS_LAMBDA_LOG_LEVEL)


def debug_sample_rate() -> float | None:
    """`POWERTOOLS_LOGGER_SAMPLE_RATE`: the fraction of invocations logged at DEBUG."""
    return read_float(POWERTOOLS_LOGGER_SAMPLE_RATE)


def metrics_namespace() -> str | None:
    """`POWERTOOLS_METRICS_NAMESPACE`."""
    return read(POWERTOOLS_METRICS_NAMESPACE)


def trace_disabled() -> bool:
    """True when `POWERTOOLS_TRACE_DISABLED` is true: no tracing, whatever TRACING_BACKEND says."""
    return read_bool(POWERTOOLS_TRACE_DISABLED) is True


def process_environment() -> Mapping[str, str]:
    """The process environment as it is now (for readers that take an optional mapping)."""
    return os.environ


def stage_of(environment: Mapping[str, str]) -> str | None:
    """`STAGE`, else the stage suffix of the function name (`rez-agent-web-api-dev` -> `dev`).

    Lambda always sets the function name, and ours end in their stage, so a function deployed
    without `STAGE` still says where it runs. None when neither tells.
    """
    explicit = (environment.get(STAGE) or "").strip()
    if explicit:
        return explicit
    function_name = (environment.get(AWS_LAMBDA_FUNCTION_NAME) or "").strip()
    _, dash, suffix = function_name.rpartition("-")
    return suffix if dash and suffix in STAGES else None


def stage() -> str | None:
    """The stage of this process (`stage_of` the environment)."""
    return stage_of(os.environ)
