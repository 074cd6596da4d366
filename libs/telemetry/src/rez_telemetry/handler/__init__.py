"""Handler wiring: `@lambda_handler`, the cold-start state it keeps, expected errors."""

from rez_telemetry.handler.cold_start import consume_cold_start, is_cold_start, reset_cold_start
from rez_telemetry.handler.decorator import lambda_handler
from rez_telemetry.handler.expected import handled, is_handled

__all__ = [
    "consume_cold_start",
    "handled",
    "is_cold_start",
    "is_handled",
    "lambda_handler",
    "reset_cold_start",
]
