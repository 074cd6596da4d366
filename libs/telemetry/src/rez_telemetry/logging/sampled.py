"""`log_sampled`: a high-volume line, kept or dropped with its whole invocation."""

from __future__ import annotations

from typing import Any

from rez_telemetry.logging.rez_logger import logger
from rez_telemetry.logging.sink import HIGH_VOLUME

__all__ = ["log_sampled"]

_sampled = logger.bind(**{HIGH_VOLUME: True}).opt(depth=1)


def log_sampled(message: str, /, level: str = "INFO", **fields: Any) -> None:
    """Log a high-volume line (kept at `LOG_SAMPLE_RATE`, decided once per invocation).

    Same as `logger.bind(high_volume=True).info(...)`; WARNING and above are never dropped.
    """
    _sampled.log(level, message, **fields)
