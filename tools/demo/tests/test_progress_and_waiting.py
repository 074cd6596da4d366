"""The demo's progress lines and its waiting helpers."""

import io
from datetime import UTC, datetime

import boto3
import httpx
import pytest
import respx
from moto import mock_aws

from rez_demo.progress import Progress
from rez_demo.schedule import fire_daily_schedule
from rez_demo.waiting import final_record, newest_scheduled_message, poll


def test_steps_are_numbered_and_timed():
    out = io.StringIO()
    progress = Progress(total=2, stream=out)
    with progress.step("first"):
        pass
    with pytest.raises(ValueError, match="boom"), progress.step("second"):
        raise ValueError("boom")
    lines = out.getvalue().splitlines()
    assert lines[0] == "[1/2] first…"
    assert lines[1].startswith("      done in ")
    assert lines[2] == "[2/2] second…"
    assert lines[3].startswith("      failed after ")


def test_poll_returns_the_first_truthy_value():
    answers = iter([None, 0, "ready"])
    assert poll(lambda: next(answers), timeout=5, every=0) == "ready"


def test_poll_gives_up_with_a_timeout():
    with pytest.raises(TimeoutError, match="gave up"):
        poll(lambda: None, timeout=0, every=0)


@respx.mock
def test_firing_fails_clearly_on_a_harness_without_the_plugin():
    respx.post("http://127.0.0.1:4566/_rez/scheduler/advance").mock(
        return_value=httpx.Response(404, text="not found")
    )
    with pytest.raises(RuntimeError, match="rez_agent's plugins"):
        fire_daily_schedule("http://127.0.0.1:4566")


@respx.mock
def test_firing_advances_the_clock_one_day():
    route = respx.post("http://127.0.0.1:4566/_rez/scheduler/advance").mock(
        return_value=httpx.Response(200, json={"fired": 1})
    )
    fire_daily_schedule("http://127.0.0.1:4566")
    assert route.calls.last.request.content == b'{"seconds":86400}'


@pytest.fixture
def table():
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(
            TableName="messages",
            KeySchema=[{"AttributeName": "message_id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "message_id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        yield client


def put(client, message_id, message_type, created_at, status="created"):
    client.put_item(
        TableName="messages",
        Item={
            "message_id": {"S": message_id},
            "message_type": {"S": message_type},
            "created_at": {"S": created_at},
            "status": {"S": status},
        },
    )


def test_the_newest_scheduled_message_after_a_moment_is_found(table):
    put(table, "old", "scheduled_hello", "2026-01-01T00:00:00.000000Z")
    put(table, "manual", "manual", "2026-06-01T00:00:00.000000Z")
    put(table, "new", "scheduled_hello", "2026-06-02T00:00:00.000000Z")
    assert newest_scheduled_message(table, "messages", "2026-05-01T00:00:00.000000Z") == "new"
    assert newest_scheduled_message(table, "messages", "2026-07-01T00:00:00.000000Z") is None


def test_a_final_record_is_returned_once_completed(table):
    now = datetime.now(UTC).isoformat()
    put(table, "done", "manual", now, status="completed")
    assert final_record(table, "messages", "done", timeout=1)["status"] == "completed"
    put(table, "stuck", "manual", now, status="processing")
    with pytest.raises(TimeoutError):
        final_record(table, "messages", "stuck", timeout=0)
