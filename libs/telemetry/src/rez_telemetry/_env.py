"""Environment variable names and readers, in one place.

Values are read when used (never at import) so tests and Lambda's per-invocation environment are
honoured; an explicit argument always wins over the environment (see `resolve`).
"""

from __future__ import annotations

import os

__all__ = [
    "AWS_LAMBDA_FUNCTION_NAME",
    "LOG_DEBUG_BUFFER",
    "LOG_LEVEL",
    "LOG_SAMPLE_RATE",
    "SERVICE_NAME",
    "STAGE",
    "XRAY_TRACE_ID",
    "read",
    "read_bool",
    "read_float",
    "resolve",
]

STAGE = "STAGE"
SERVICE_NAME = "SERVICE_NAME"
LOG_LEVEL = "LOG_LEVEL"
LOG_SAMPLE_RATE = "LOG_SAMPLE_RATE"
LOG_DEBUG_BUFFER = "LOG_DEBUG_BUFFER"
AWS_LAMBDA_FUNCTION_NAME = "AWS_LAMBDA_FUNCTION_NAME"
XRAY_TRACE_ID = "_X_AMZN_TRACE_ID"

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
