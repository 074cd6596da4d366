"""EMF lines become CloudWatch metrics, written with PutLogEvents or printed by a function."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.conftest import invoke_json, short_uid, wait_until


def metric_sum(
    cloudwatch: Any, namespace: str, name: str, dimensions: dict[str, str], period: int = 60
) -> list[float]:
    now = datetime.now(UTC)
    answer = cloudwatch.get_metric_data(
        MetricDataQueries=[
            {
                "Id": "m",
                "MetricStat": {
                    "Metric": {
                        "Namespace": namespace,
                        "MetricName": name,
                        "Dimensions": [{"Name": k, "Value": v} for k, v in dimensions.items()],
                    },
                    "Period": period,
                    "Stat": "Sum",
                },
            }
        ],
        StartTime=now - timedelta(minutes=10),
        EndTime=now + timedelta(minutes=1),
    )
    return list(answer["MetricDataResults"][0]["Values"])


def test_put_log_events_with_emf_publishes_metrics(client: Callable[[str], Any]) -> None:
    logs, cloudwatch = client("logs"), client("cloudwatch")
    group, namespace = f"/rez/emf/{short_uid()}", f"RezTest{short_uid()}"
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="s")
    now_ms = int(time.time() * 1000)
    document = {
        "_aws": {
            "Timestamp": now_ms,
            "CloudWatchMetrics": [
                {
                    "Namespace": namespace,
                    "Dimensions": [["Stage"], ["Stage", "Service"]],
                    "Metrics": [
                        {
                            "Name": "NotificationLatency",
                            "Unit": "Milliseconds",
                            "StorageResolution": 1,
                        },
                        {"Name": "MessagesCreated", "Unit": "Count"},
                    ],
                }
            ],
        },
        "Stage": "dev",
        "Service": "notifier",
        "NotificationLatency": [40, 60, 60],
        "MessagesCreated": 2,
        "message": "flushed",
    }
    try:
        logs.put_log_events(
            logGroupName=group,
            logStreamName="s",
            logEvents=[
                {"timestamp": now_ms, "message": json.dumps(document)},
                {"timestamp": now_ms, "message": "not EMF"},
            ],
        )

        # extracted asynchronously, as on AWS (the metrics appear a moment after the log line)
        def listed_metrics() -> list[tuple[str, int]]:
            listed = cloudwatch.list_metrics(Namespace=namespace)["Metrics"]
            return sorted((m["MetricName"], len(m["Dimensions"])) for m in listed)

        wait_until(lambda: len(listed_metrics()) == 4, timeout=20)
        assert listed_metrics() == [
            ("MessagesCreated", 1),
            ("MessagesCreated", 2),
            ("NotificationLatency", 1),
            ("NotificationLatency", 2),
        ]
        assert (
            sum(
                metric_sum(cloudwatch, namespace, "NotificationLatency", {"Stage": "dev"}, period=1)
            )
            == 160
        )
        assert metric_sum(
            cloudwatch, namespace, "MessagesCreated", {"Stage": "dev", "Service": "notifier"}
        ) == [2]
        # the log line itself is kept as written
        stored = logs.get_log_events(logGroupName=group, logStreamName="s")["events"]
        assert json.loads(stored[0]["message"])["message"] == "flushed"
    finally:
        logs.delete_log_group(logGroupName=group)


EMF_FUNCTION = """
import json, time

def handler(event, context):
    print(json.dumps({"level": "INFO", "message": "handled", "message_id": event["message_id"]}))
    print(json.dumps({
        "_aws": {"Timestamp": int(time.time() * 1000), "CloudWatchMetrics": [{
            "Namespace": event["namespace"],
            "Dimensions": [["Stage"]],
            "Metrics": [{"Name": "MessagesProcessed", "Unit": "Count"}],
        }]},
        "Stage": "dev",
        "MessagesProcessed": 1,
    }))
    return {"ok": True}
"""


def test_emf_printed_by_a_function_reaches_cloudwatch_through_its_log_group(
    client: Callable[[str], Any], create_function: Callable[..., str]
) -> None:
    lam, cloudwatch, logs = client("lambda"), client("cloudwatch"), client("logs")
    namespace = f"RezFn{short_uid()}"
    name = create_function({"app.py": EMF_FUNCTION})
    for index in range(3):
        response, _ = invoke_json(lam, name, {"namespace": namespace, "message_id": f"m{index}"})
        assert "FunctionError" not in response

    assert wait_until(
        lambda: metric_sum(cloudwatch, namespace, "MessagesProcessed", {"Stage": "dev"}) == [3],
        timeout=20,
    )
    # the JSON lines sit beside the EMF ones in the function's log group, queryable as on AWS
    query_id = logs.start_query(
        logGroupName=f"/aws/lambda/{name}",
        startTime=int(time.time()) - 300,
        endTime=int(time.time()) + 60,
        queryString=(
            'filter message = "handled" | stats count() as n, count_distinct(message_id) as ids'
        ),
    )["queryId"]
    result = wait_until(
        lambda: (r := logs.get_query_results(queryId=query_id))["status"] == "Complete" and r,
        timeout=10,
        interval=0.05,
    )
    assert [{c["field"]: c["value"] for c in row} for row in result["results"]] == [
        {"n": "3", "ids": "3"}
    ]
