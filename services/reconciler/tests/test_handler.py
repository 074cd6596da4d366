"""The scheduled pass end to end on moto: what it republishes, what it reports and measures."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from rez_messages import MessageStatus
from rez_messages.dynamodb import DynamoDBMessageRepository
from rez_messages.model import MessageType, Payload, new_message
from rez_reconciler.handler import handler
from rez_reconciler.settings import SettingsError, processing_grace

TABLE = "rez-agent-messages-dev"
LONG_AGO = datetime.now(UTC) - timedelta(hours=2)


def store(aws: dict[str, Any], *, at: datetime, processing: bool = False) -> str:
    repository = DynamoDBMessageRepository(TABLE, aws["dynamodb"], clock=lambda: at)
    message = new_message(
        message_type=MessageType.MANUAL,
        payload=Payload.create("hello", title="Hi"),
        created_by="test@example.com",
        stage="dev",
        correlation_id=f"corr-{at.timestamp()}",
        now=at,
        retention=timedelta(days=1),
    )
    repository.add(message)
    if processing:
        repository.mark_processing(message.message_id)
    return message.message_id


def queued(aws: dict[str, Any]) -> dict[str, dict[str, str]]:
    got = (
        aws["sqs"]
        .receive_message(
            QueueUrl=aws["queue_url"], MaxNumberOfMessages=10, MessageAttributeNames=["All"]
        )
        .get("Messages", [])
    )
    return {
        json.loads(m["Body"])["message_id"]: {
            k: v["StringValue"] for k, v in m.get("MessageAttributes", {}).items()
        }
        for m in got
    }


def test_a_pass_republishes_hands_back_and_counts(aws, lambda_context, telemetry) -> None:
    # GIVEN one message stuck in created, one in processing, and a fresh created one
    stuck_created = store(aws, at=LONG_AGO)
    stuck_processing = store(aws, at=LONG_AGO, processing=True)
    fresh = store(aws, at=datetime.now(UTC))
    # WHEN the scheduled pass runs (windows: 120 s, visibility 30 s + 960 s)
    answer = handler({}, lambda_context)
    # THEN both stuck ones are on the queue again; the hand-back carries its attempts
    on_queue = queued(aws)
    assert set(on_queue) == {stuck_created, stuck_processing}
    assert on_queue[stuck_processing]["attempt_offset"] == "1"
    assert "attempt_offset" not in on_queue[stuck_created]
    assert fresh not in on_queue
    assert answer["stuck_created"] == 1
    assert answer["stuck_processing"] == 1
    # AND the pass is measured: 2 stuck, one action of each kind, logged with its correlation id
    assert [value for _, value in telemetry.metric_values("StuckMessages")] == [2]
    actions = {dims["Action"] for dims, _ in telemetry.metric_values("MessagesReconciled")}
    assert actions == {"republished", "handed_back"}
    line = next(
        entry
        for entry in telemetry.logs
        if entry["message"] == "Stuck message reconciled"
        and entry["message_id"] == stuck_processing
    )
    assert line["action"] == "handed_back"
    assert line["correlation_id"].startswith("corr-")


def test_nothing_stuck_still_reports_zero(aws, lambda_context, telemetry) -> None:
    store(aws, at=datetime.now(UTC))
    assert handler({}, lambda_context)["stuck_created"] == 0
    assert [value for _, value in telemetry.metric_values("StuckMessages")] == [0]


def test_event_windows_override_and_last_attempt_fails(aws, lambda_context, monkeypatch) -> None:
    monkeypatch.setenv("MAX_RECEIVE_COUNT", "1")
    stuck = store(aws, at=datetime.now(UTC) - timedelta(seconds=30), processing=True)
    # the default window (30 s + 960 s) does not reach it; an explicit one does
    assert handler({}, lambda_context)["stuck_processing"] == 0
    from rez_reconciler import bootstrap

    bootstrap.reset()
    answer = handler({"processing_grace_seconds": 5}, lambda_context)
    assert answer["failed"] == [stuck]
    repository = DynamoDBMessageRepository(TABLE, aws["dynamodb"])
    assert repository.get(stuck).status is MessageStatus.FAILED


def test_bad_windows_are_refused(monkeypatch) -> None:
    with pytest.raises(SettingsError, match="processing_grace_seconds"):
        processing_grace({"processing_grace_seconds": "soon"}, 30)
    monkeypatch.delenv("PROCESSING_GRACE_SECONDS", raising=False)
    with pytest.raises(SettingsError, match="MESSAGE_QUEUE_URL"):
        processing_grace({}, None)
