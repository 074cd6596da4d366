"""What `configure_logging` settles on: the effective settings, and the level names it knows."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["LEVELS", "LoggingSettings"]

LEVELS = {"TRACE": 5, "DEBUG": 10, "INFO": 20, "SUCCESS": 25, "WARNING": 30, "ERROR": 40}
LEVELS["CRITICAL"] = 50


@dataclass(frozen=True, slots=True)
class LoggingSettings:
    """The effective logging configuration."""

    service: str
    stage: str
    level: str
    sample_rate: float
    buffer_debug: bool
    quiet_libraries: bool
    aws_sdk_level: str = "WARNING"
    """Level of the AWS SDK and HTTP client loggers (never DEBUG unless asked for by name)."""
    debug_sample_rate: float = 0.0
    """Fraction of invocations logged at DEBUG whatever `level` says (Powertools' sampling)."""

    @property
    def level_no(self) -> int:
        """The numeric level (loguru's numbers, which match the stdlib's)."""
        return LEVELS[self.level]

    @property
    def aws_sdk_level_no(self) -> int:
        """`aws_sdk_level` as a number."""
        return LEVELS[self.aws_sdk_level]
