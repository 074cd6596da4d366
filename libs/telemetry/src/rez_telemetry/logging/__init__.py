"""Structured JSON logging on loguru: one object per line, correlation on every line.

`logger` is ready to use (configured from the environment on first use);
`configure_logging(...)` sets service, stage, level, sink explicitly.
"""

from rez_telemetry.logging.config import (
    LoggingSettings,
    configure_logging,
    ensure_configured,
    get_settings,
    reset_logging,
)
from rez_telemetry.logging.intercept import InterceptHandler
from rez_telemetry.logging.redaction import MASK, redact_text, redact_value
from rez_telemetry.logging.rez_logger import RezLogger, logger
from rez_telemetry.logging.sampled import log_sampled

__all__ = [
    "MASK",
    "InterceptHandler",
    "LoggingSettings",
    "RezLogger",
    "configure_logging",
    "ensure_configured",
    "get_settings",
    "log_sampled",
    "logger",
    "redact_text",
    "redact_value",
    "reset_logging",
]
