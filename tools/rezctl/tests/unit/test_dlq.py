"""`rezctl dlq`: list with reasons, and the redrive (send before delete; refused while open)."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from support import client

from rez_telemetry.resilience import CircuitBreaker, DynamoDBStateStore
from rezctl import dlq
from rezctl.cli import main
from rezctl.target import Target


class RecordingSqs:
    """The real (moto) SQS client, with every call's name and key argument recorded."""

    def __init__(self, inner: Any, fail_delete: bool = False) -> None:
        self.inner = inner
        self.calls: list[tuple[str, str]] = []
        self.fail_delete = fail_delete

    def send_message(self, **kwargs: Any) -> Any:
        self.calls.append(("send", json.loads(kwargs["MessageBody"])["message_id"]))
        return self.inner.send_message(**kwargs)

    def delete_message(self, **kwargs: Any) -> Any:
        self.calls.append(("delete", kwargs["ReceiptHandle"]))
        if self.fail_delete:
            raise RuntimeError("network down")
        return self.inner.delete_message(**kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


@pytest.fixture
def queues(target: Target, messages_table: str, breaker_table: str) -> dict[str, str]:
    sqs = client("sqs")
    return {
        "main": sqs.create_queue(QueueName="rez-agent-message-queue-dev")["QueueUrl"],
        "dlq": sqs.create_queue(QueueName="rez-agent-message-dlq-dev")["QueueUrl"],
    }


def dead_letter(queues: dict[str, str], message_id: str, *, error: str | None = "boom") -> None:
    client("sqs").send_message(
        QueueUrl=queues["dlq"],
        MessageBody=json.dumps({"message_id": message_id}),
        MessageAttributes={
            "correlation_id": {"DataType": "String", "StringValue": f"corr-{message_id}"},
            "message_type": {"DataType": "String", "StringValue": "manual"},
        },
    )
    if error is not None:
        client("dynamodb").put_item(
            TableName="rez-agent-messages-dev",
            Item={
                "message_id": {"S": message_id},
                "status": {"S": "failed"},
                "error": {"S": error},
                "attempts": {"N": "3"},
                "correlation_id": {"S": f"corr-{message_id}"},
                "created_at": {"S": "2026-11-27T10:00:00.000000Z"},
            },
        )


def queue_bodies(url: str) -> list[dict[str, Any]]:
    answer = client("sqs").receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0, MessageAttributeNames=["All"]
    )
    return [
        {**json.loads(m["Body"]), "attributes": m.get("MessageAttributes", {})}
        for m in answer.get("Messages", [])
    ]


def open_circuit() -> None:
    """Open the notifier's circuit the way the notifier does: a failure through the breaker."""
    store = DynamoDBStateStore("rez-agent-circuit-breaker-dev", client("dynamodb"))
    breaker = CircuitBreaker("ntfy-sh", store, failure_threshold=1, open_seconds=300)
    with pytest.raises(ConnectionError), breaker.guard():
        raise ConnectionError("ntfy down")
    assert store.load("ntfy-sh").state.value == "open"


def test_list_shows_reason_and_correlation_and_leaves_messages_in_place(
    target: Target, queues: dict[str, str]
):
    dead_letter(queues, "m-1", error="notifier failed: NtfyRejectedError: 400")
    dead_letter(queues, "m-2", error=None)
    letters = {letter.message_id: letter for letter in dlq.list_dead_letters(target)}
    assert letters["m-1"].reason == "notifier failed: NtfyRejectedError: 400"
    assert letters["m-1"].correlation_id == "corr-m-1"
    assert letters["m-2"].reason == "no record for this message id"
    # listing again sees both: nothing was consumed
    assert len(dlq.list_dead_letters(target)) == 2


def test_redrive_sends_before_it_deletes_each_message(target: Target, queues: dict[str, str]):
    dead_letter(queues, "m-1")
    dead_letter(queues, "m-2")
    recording = RecordingSqs(client("sqs"))
    target.with_client("sqs", recording)
    report = dlq.redrive(target, redrive_all=True)
    assert sorted(report.moved) == ["m-1", "m-2"]
    sends = [i for i, (kind, _) in enumerate(recording.calls) if kind == "send"]
    deletes = [i for i, (kind, _) in enumerate(recording.calls) if kind == "delete"]
    assert len(sends) == len(deletes) == 2
    assert all(send < delete for send, delete in zip(sends, deletes, strict=True))
    # the bodies and attributes arrived on the main queue; the DLQ is empty
    moved = queue_bodies(queues["main"])
    assert sorted(m["message_id"] for m in moved) == ["m-1", "m-2"]
    assert all(m["attributes"]["correlation_id"]["StringValue"].startswith("corr-") for m in moved)
    assert queue_bodies(queues["dlq"]) == []


def test_a_failed_delete_keeps_the_message_in_the_dlq_and_reports_it(
    target: Target, queues: dict[str, str]
):
    dead_letter(queues, "m-1")
    target.with_client("sqs", RecordingSqs(client("sqs"), fail_delete=True))
    report = dlq.redrive(target, redrive_all=True)
    assert report.moved == []
    assert "not deleted" in report.failed["m-1"]
    # sent once to the main queue; a retry may send again (the processor drops duplicates)
    assert [m["message_id"] for m in queue_bodies(queues["main"])] == ["m-1"]


def test_redrive_of_chosen_ids_leaves_the_others(target: Target, queues: dict[str, str]):
    dead_letter(queues, "m-1")
    dead_letter(queues, "m-2")
    report = dlq.redrive(target, message_ids=["m-2", "m-9"])
    assert report.moved == ["m-2"]
    assert report.not_found == ["m-9"]
    assert [m["message_id"] for m in queue_bodies(queues["dlq"])] == ["m-1"]


def test_redrive_is_refused_while_the_circuit_is_open(target: Target, queues: dict[str, str]):
    dead_letter(queues, "m-1")
    open_circuit()
    with pytest.raises(dlq.CircuitStillOpenError, match="open"):
        dlq.redrive(target, redrive_all=True)
    assert queue_bodies(queues["main"]) == []
    # --force overrides
    assert dlq.redrive(target, redrive_all=True, force=True).moved == ["m-1"]


def test_cli_redrive_refused_exits_1_and_without_a_choice_exits_2(
    target: Target, queues: dict[str, str]
):
    dead_letter(queues, "m-1")
    open_circuit()
    err = io.StringIO()
    assert main(["dlq", "redrive", "--all"], stdout=io.StringIO(), stderr=err) == 1
    assert "breaker reset" in err.getvalue()
    assert main(["dlq", "redrive"], stdout=io.StringIO(), stderr=io.StringIO()) == 2


def test_cli_list_json_and_exit_code(target: Target, queues: dict[str, str]):
    out = io.StringIO()
    assert main(["dlq", "list", "--json"], stdout=out, stderr=io.StringIO()) == 0
    assert json.loads(out.getvalue()) == []
    dead_letter(queues, "m-1")
    out = io.StringIO()
    assert main(["dlq", "list", "--json"], stdout=out, stderr=io.StringIO()) == 1
    assert json.loads(out.getvalue())[0]["reason"] == "boom"


def test_cli_breaker_status_and_reset(target: Target, breaker_table: str):
    open_circuit()
    out = io.StringIO()
    assert main(["breaker", "--json"], stdout=out, stderr=io.StringIO()) == 1
    status = json.loads(out.getvalue())
    assert status["state"] == "open"
    assert status["next_probe_at"] is not None
    out = io.StringIO()
    assert main(["breaker", "reset", "--json"], stdout=out, stderr=io.StringIO()) == 0
    assert json.loads(out.getvalue())["state"] == "closed"
