"""Process-wide logging state shared by the logger, the configuration and the interceptor."""

from __future__ import annotations

import logging
from typing import Any

from rez_telemetry.logging.settings import LoggingSettings
from rez_telemetry.logging.sink import JsonSink

__all__ = ["STATE", "LoggingState"]


class LoggingState:
    """What `configure_logging` set up; `ready` is False until the first configuration."""

    __slots__ = ("explicit", "handler_id", "intercept", "ready", "settings", "sink")

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Back to unconfigured."""
        self.ready = False
        self.sink: JsonSink | None = None
        self.handler_id: int | None = None
        self.settings: LoggingSettings | None = None
        self.intercept: logging.Handler | None = None
        self.explicit: dict[str, Any] = {}


STATE = LoggingState()
