"""Handler wiring: `@lambda_handler` and the cold-start state it keeps."""

from rez_telemetry.handler.cold_start import consume_cold_start, reset_cold_start
from rez_telemetry.handler.decorator import lambda_handler

__all__ = ["consume_cold_start", "lambda_handler", "reset_cold_start"]
