"""EventBridge Scheduler schedules fire their targets, driven by the harness's advanceable clock."""

from __future__ import annotations

import contextlib
import json
import time
import urllib.request
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.conftest import queue_arn, short_uid, wait_until

ROLE = "arn:aws:iam::000000000000:role/scheduler-role"

RECORDER = """
import json

def handler(event, context):
    print("SCHEDULED " + json.dumps(event))
"""


def advance(harness: Any, seconds: float) -> datetime:
    """Move the firing clock; returns once the due schedules have been fired."""
    request = urllib.request.Request(
        f"{harness.endpoint}/_rez/scheduler/advance",
        data=json.dumps({"seconds": seconds}).encode(),
        method="POST",
    )
    with urllib.request.urlopen(request) as answer:
        return datetime.fromisoformat(json.loads(answer.read())["now"])


def firing_clock(harness: Any) -> datetime:
    with urllib.request.urlopen(f"{harness.endpoint}/_rez/scheduler/clock") as answer:
        return datetime.fromisoformat(json.loads(answer.read())["now"])


@pytest.fixture
def schedules(client: Callable[[str], Any]) -> Iterator[Callable[..., str]]:
    """Create schedules with unique names; delete the survivors afterwards."""
    scheduler = client("scheduler")
    names: list[str] = []

    def create(expression: str, target: dict[str, Any], **extra: Any) -> str:
        name = f"sched-{short_uid()}"
        scheduler.create_schedule(
            Name=name,
            ScheduleExpression=expression,
            FlexibleTimeWindow={"Mode": "OFF"},
            Target={"RoleArn": ROLE, **target},
            **extra,
        )
        names.append(name)
        return name

    yield create
    for name in names:
        with contextlib.suppress(scheduler.exceptions.ResourceNotFoundException):
            scheduler.delete_schedule(Name=name)


def settled_status(cfn: Any, stack_id: str) -> str:
    """The stack's status once it is no longer in progress."""

    def status() -> str | None:
        current = str(cfn.describe_stacks(StackName=stack_id)["Stacks"][0]["StackStatus"])
        return None if current.endswith("IN_PROGRESS") else current

    return str(wait_until(status, timeout=60))


def received(sqs: Any, url: str) -> list[str]:
    answer = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
    messages = answer.get("Messages", [])
    for message in messages:
        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return [m["Body"] for m in messages]


def test_rate_schedule_sends_its_input_each_period_until_deleted(
    client: Callable[[str], Any],
    harness: Any,
    schedules: Callable[..., str],
    sqs_queue: Callable[..., str],
) -> None:
    sqs, scheduler = client("sqs"), client("scheduler")
    url = sqs_queue()
    name = schedules("rate(1 minute)", {"Arn": queue_arn(sqs, url), "Input": '{"kind": "tick"}'})

    advance(harness, 30)
    assert received(sqs, url) == []
    advance(harness, 30)
    assert received(sqs, url) == ['{"kind": "tick"}']
    advance(harness, 60)
    assert received(sqs, url) == ['{"kind": "tick"}']

    scheduler.delete_schedule(Name=name)
    advance(harness, 120)
    assert received(sqs, url) == []


def test_disabled_schedule_does_not_fire(
    client: Callable[[str], Any],
    harness: Any,
    schedules: Callable[..., str],
    sqs_queue: Callable[..., str],
) -> None:
    sqs = client("sqs")
    url = sqs_queue()
    schedules("rate(1 minute)", {"Arn": queue_arn(sqs, url), "Input": "{}"}, State="DISABLED")
    advance(harness, 180)
    assert received(sqs, url) == []


def test_at_schedule_fires_once_and_deletes_itself(
    client: Callable[[str], Any],
    harness: Any,
    schedules: Callable[..., str],
    sqs_queue: Callable[..., str],
) -> None:
    sqs, scheduler = client("sqs"), client("scheduler")
    url = sqs_queue()
    when = (firing_clock(harness) + timedelta(seconds=90)).strftime("%Y-%m-%dT%H:%M:%S")
    name = schedules(
        f"at({when})",
        {"Arn": queue_arn(sqs, url), "Input": '{"once": true}'},
        ActionAfterCompletion="DELETE",
    )

    advance(harness, 60)
    assert received(sqs, url) == []
    advance(harness, 31)
    assert received(sqs, url) == ['{"once": true}']
    with pytest.raises(scheduler.exceptions.ResourceNotFoundException):
        scheduler.get_schedule(Name=name)
    advance(harness, 3600)
    assert received(sqs, url) == []


def test_end_date_in_the_past_keeps_a_schedule_silent(
    client: Callable[[str], Any],
    harness: Any,
    schedules: Callable[..., str],
    sqs_queue: Callable[..., str],
) -> None:
    sqs = client("sqs")
    url = sqs_queue()
    schedules(
        "rate(1 minute)", {"Arn": queue_arn(sqs, url), "Input": "{}"}, EndDate=time.time() - 1
    )
    advance(harness, 120)
    assert received(sqs, url) == []


def test_lambda_target_receives_the_input_without_waiting_a_minute(
    client: Callable[[str], Any],
    harness: Any,
    schedules: Callable[..., str],
    create_function: Callable[..., str],
) -> None:
    lam, logs = client("lambda"), client("logs")
    function = create_function({"app.py": RECORDER})
    arn = lam.get_function(FunctionName=function)["Configuration"]["FunctionArn"]
    schedules(
        "cron(0/5 * * * ? *)",
        {"Arn": arn, "Input": json.dumps({"message_type": "scheduled_hello"})},
    )

    advance(harness, 300)

    def scheduled_events() -> list[Any]:
        try:
            events = logs.filter_log_events(logGroupName=f"/aws/lambda/{function}")["events"]
        except logs.exceptions.ResourceNotFoundException:
            return []
        return [
            json.loads(e["message"].split(" ", 1)[1])
            for e in events
            if e["message"].startswith("SCHEDULED ")
        ]

    assert wait_until(scheduled_events, timeout=20) == [{"message_type": "scheduled_hello"}]


def test_schedule_created_by_cloudformation_fires(
    client: Callable[[str], Any], harness: Any, sqs_queue: Callable[..., str]
) -> None:
    sqs, cfn = client("sqs"), client("cloudformation")
    url = sqs_queue()
    template = {
        "Resources": {
            "Hello": {
                "Type": "AWS::Scheduler::Schedule",
                "Properties": {
                    "ScheduleExpression": "rate(2 minutes)",
                    "ScheduleExpressionTimezone": "Europe/Paris",
                    "FlexibleTimeWindow": {"Mode": "OFF"},
                    "Target": {
                        "Arn": queue_arn(sqs, url),
                        "RoleArn": ROLE,
                        "Input": '{"from": "cfn"}',
                    },
                },
            }
        }
    }
    stack = f"sched-{short_uid()}"
    stack_id = cfn.create_stack(StackName=stack, TemplateBody=json.dumps(template))["StackId"]
    try:
        assert settled_status(cfn, stack_id) == "CREATE_COMPLETE"
        advance(harness, 119)
        assert received(sqs, url) == []
        advance(harness, 1)
        assert received(sqs, url) == ['{"from": "cfn"}']
    finally:
        cfn.delete_stack(StackName=stack_id)
        wait_until(
            lambda: (
                cfn.describe_stacks(StackName=stack_id)["Stacks"][0]["StackStatus"]
                == "DELETE_COMPLETE"
            ),
            timeout=60,
        )
    advance(harness, 240)
    assert received(sqs, url) == []
