"""A processor-like handler as a service would write it (run by test_sample_handler.py)."""

from __future__ import annotations

import json
import logging
import sys
from typing import Any

from rez_telemetry import correlation, lambda_handler, logger


class Context:
    aws_request_id = "8f2d4c1e-3b5a-4e6f-9a7b-1c2d3e4f5a6b"


@lambda_handler(service="processor", correlation_from="sqs_batch")
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    failures = []
    for record in event["Records"]:
        with correlation.record_scope(record) as info:
            logger.info("SQS message received", attempt=1)
            logging.getLogger("rez.repository").info("Status %s -> %s", "created", "processing")
            if info.message_type == "manual":
                logger.warning("Manual message {type} needs review", detail="{not a field}")
            payload = correlation.inject_into_payload({"message_id": info.message_id})
            logger.info("Invoking notifier", payload=payload)
            if record["messageId"].startswith("9c8a"):
                try:
                    raise TimeoutError("notifier timed out")
                except TimeoutError:
                    logger.exception("Message processing failed")
                    failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}


if __name__ == "__main__":
    with open(sys.argv[1]) as events:
        handler(json.load(events), Context())
