"""1. The schedule fires -> scheduler -> SNS -> SQS -> processor -> notifier -> ntfy."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
from boto3.dynamodb.types import TypeDeserializer

from e2e_support import STAGE, wait_for

DESERIALIZE = TypeDeserializer().deserialize


def scheduled_messages(aws: Any, table: str, since: str) -> list[dict[str, Any]]:
    items = aws("dynamodb").scan(
        TableName=table,
        FilterExpression="message_type = :t AND created_at > :since",
        ExpressionAttributeValues={":t": {"S": "scheduled_hello"}, ":since": {"S": since}},
        ConsistentRead=True,
    )["Items"]
    return [{k: DESERIALIZE(v) for k, v in item.items()} for item in items]


def test_the_schedule_fires_and_its_message_reaches_ntfy(harness, aws, system, ntfy, get_message):
    # GIVEN the deployed schedule (daily, cron) and the harness's firing clock
    schedule = aws("scheduler").get_schedule(Name=f"rez-agent-scheduler-{STAGE}")
    assert schedule["State"] == "ENABLED"
    # (records carry wall-clock times; the firing clock may already be ahead of it)
    since = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    # WHEN the clock moves one day ahead, so the daily schedule is due exactly once
    answer = httpx.post(
        f"{harness.endpoint}/_rez/scheduler/advance", json={"seconds": 86_400}, timeout=10
    )
    assert answer.status_code == 200, answer.text

    # THEN the scheduler stored a scheduled_hello message ...
    created = wait_for(lambda: scheduled_messages(aws, system.messages_table, since), timeout=60)
    assert len(created) == 1, created
    message_id = created[0]["message_id"]

    # ... which the pipeline completed with the ntfy message id as notification_id
    record = wait_for(
        lambda: (r := get_message(message_id)) and r["status"] == "completed" and r, timeout=90
    )
    assert record["created_by"] == "scheduler"
    assert record["notification_id"]

    # AND ntfy received it once, carrying its correlation ID
    received = [m for m in ntfy.messages() if m.get("id") == record["notification_id"]]
    assert len(received) == 1
    assert record["correlation_id"] in str(received[0])
