"""7. The same SQS message delivered twice produces one notification."""

from __future__ import annotations

import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from e2e_support import STAGE, log_events, wait_for


def sqs_copy(message_id: str, correlation_id: str, message_type: str) -> dict:
    """What SNS delivers to the queue (raw delivery): the body and its attributes."""
    return {
        "MessageBody": json.dumps({"message_id": message_id}),
        "MessageAttributes": {
            "correlation_id": {"DataType": "String", "StringValue": correlation_id},
            "message_type": {"DataType": "String", "StringValue": message_type},
        },
    }


def processor_logged(aws, message_id: str, since_ms: int, text: str) -> int:
    """How many processor lines about `message_id` since `since_ms` contain `text`."""
    events = log_events(aws, f"/aws/lambda/rez-agent-message-processor-{STAGE}", since_ms)
    return sum(1 for e in events if message_id in e["message"] and text in e["message"])


def test_a_redelivered_completed_message_is_not_notified_again(
    api, tokens, ntfy, aws, system, get_message
):
    # GIVEN a message that went through the pipeline
    token = tokens.mint()
    body = f"dup-{uuid.uuid4().hex[:8]}"
    accepted = api.post(
        "/messages", json={"message": body}, headers={"Authorization": f"Bearer {token}"}
    ).json()
    message_id = accepted["message_id"]
    wait_for(lambda: (r := get_message(message_id)) and r["status"] == "completed", timeout=90)
    assert len([m for m in ntfy.messages() if m["message"].startswith(body)]) == 1

    # WHEN SQS delivers the same message again
    since = int(time.time() * 1000)
    aws("sqs").send_message(
        QueueUrl=system.queue_url, **sqs_copy(message_id, accepted["correlation_id"], "manual")
    )

    # THEN the processor takes it and acknowledges it without a second notification
    acknowledged = "Duplicate delivery acknowledged"
    wait_for(lambda: processor_logged(aws, message_id, since, acknowledged), timeout=60)
    assert len([m for m in ntfy.messages() if m["message"].startswith(body)]) == 1
    assert get_message(message_id)["status"] == "completed"


def test_two_simultaneous_deliveries_notify_once(ntfy, aws, system, get_message):
    # GIVEN a stored message that has not been processed yet
    message_id = str(uuid.uuid4())
    correlation_id = str(uuid.uuid4())
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    body = f"twin-{message_id[:8]}"
    aws("dynamodb").put_item(
        TableName=system.messages_table,
        Item={
            "message_id": {"S": message_id},
            "correlation_id": {"S": correlation_id},
            "message_type": {"S": "manual"},
            "status": {"S": "created"},
            "body": {"S": body},
            "priority": {"N": "3"},
            "tags": {"L": []},
            "created_by": {"S": "e2e"},
            "created_at": {"S": now},
            "updated_at": {"S": now},
            "attempts": {"N": "0"},
            "expires_at": {"N": str(int(time.time()) + 86_400)},
            "stage": {"S": STAGE},
        },
    )

    # WHEN two copies of its delivery arrive at once
    since = int(time.time() * 1000)
    copy = sqs_copy(message_id, correlation_id, "manual")
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda _: aws("sqs").send_message(QueueUrl=system.queue_url, **copy), [1, 2]))

    # THEN both copies were taken: one completed the message, the other was acknowledged
    wait_for(lambda: (r := get_message(message_id)) and r["status"] == "completed", timeout=90)
    received = "SQS message received"
    wait_for(lambda: processor_logged(aws, message_id, since, received) >= 2, timeout=60)
    # AND ntfy received it exactly once
    assert len([m for m in ntfy.messages() if m["message"].startswith(body)]) == 1
