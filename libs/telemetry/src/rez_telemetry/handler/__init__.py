"""Handler wiring: `@lambda_handler` and the expected-error marks."""

from rez_telemetry.handler.decorator import lambda_handler
from rez_telemetry.handler.expected import handled, is_handled

__all__ = ["handled", "is_handled", "lambda_handler"]
