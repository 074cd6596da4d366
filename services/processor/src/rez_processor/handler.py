"""Lambda entry point `rez_processor.handler.handler`: an SQS batch in, partial failures out."""

from __future__ import annotations

from typing import Any

from rez_processor import bootstrap
from rez_processor.batch import process_batch
from rez_telemetry import lambda_handler

__all__ = ["handler"]


@lambda_handler(service="processor", correlation_from="sqs_batch")
def handler(event: Any, context: Any) -> dict[str, list[dict[str, str]]]:
    """SQS event source with `ReportBatchItemFailures`: failed records come back for retry."""
    return process_batch(event, bootstrap.dependencies()).as_response()
