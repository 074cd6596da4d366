"""CloudWatch Logs Insights through boto3 against the harness: the four saved queries and more."""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.conftest import short_uid, wait_until

CORRELATION = "660e9500-f39c-52e5-b827-557766551111"

# The saved queries of docs/observability.md, verbatim.
SAVED_QUERY_1 = """fields @timestamp, @message, level, message_id, correlation_id
| filter correlation_id = "660e9500-f39c-52e5-b827-557766551111"
| sort @timestamp asc"""
SAVED_QUERY_2 = """fields message_id, @message
| filter level = "ERROR"
| stats count() as error_count by message_id
| sort error_count desc"""
SAVED_QUERY_3 = """fields duration_ms
| filter path = "/api/messages" and method = "POST"
| stats avg(duration_ms) as avg_duration_ms, max(duration_ms) as max_duration_ms"""
SAVED_QUERY_4 = """fields @timestamp, message_id, error
| filter @message like "Notification failed"
| sort @timestamp desc"""


@pytest.fixture
def log_group(
    client: Callable[[str], Any],
) -> Iterator[Callable[[list[tuple[int, dict[str, Any] | str]]], str]]:
    """Create a log group holding the given (timestamp ms, line) events; delete it afterwards."""
    logs = client("logs")
    created: list[str] = []

    def create(events: list[tuple[int, dict[str, Any] | str]]) -> str:
        name = f"/rez/insights/{short_uid()}"
        logs.create_log_group(logGroupName=name)
        logs.create_log_stream(logGroupName=name, logStreamName="stream")
        created.append(name)
        log_events = [
            {"timestamp": stamp, "message": line if isinstance(line, str) else json.dumps(line)}
            for stamp, line in sorted(events, key=lambda event: event[0])
        ]
        logs.put_log_events(logGroupName=name, logStreamName="stream", logEvents=log_events)
        return name

    yield create
    for name in created:
        logs.delete_log_group(logGroupName=name)


def run_insights(logs: Any, **start: Any) -> dict[str, Any]:
    """StartQuery, then poll GetQueryResults until the query leaves Scheduled/Running."""
    query_id = logs.start_query(**start)["queryId"]
    return wait_until(
        lambda: (
            (r := logs.get_query_results(queryId=query_id))["status"]
            not in ("Scheduled", "Running")
            and r
        ),
        timeout=10,
        interval=0.05,
    )


def table(response: dict[str, Any]) -> list[dict[str, str]]:
    return [{cell["field"]: cell["value"] for cell in row} for row in response["results"]]


@pytest.fixture
def service_logs(log_group: Callable[..., str]) -> tuple[list[str], int]:
    """Two services' log groups with the lines the saved queries look for."""
    now = int(time.time() * 1000) - 60_000
    web_api = log_group(
        [
            (
                now + 1000,
                {
                    "level": "INFO",
                    "message": "request",
                    "path": "/api/messages",
                    "method": "POST",
                    "duration_ms": 100,
                    "correlation_id": CORRELATION,
                    "message_id": "m1",
                },
            ),
            (
                now + 2000,
                {
                    "level": "INFO",
                    "message": "request",
                    "path": "/api/messages",
                    "method": "POST",
                    "duration_ms": 300,
                    "correlation_id": "c-2",
                    "message_id": "m2",
                },
            ),
            (
                now + 3000,
                {
                    "level": "INFO",
                    "message": "request",
                    "path": "/api/messages",
                    "method": "GET",
                    "duration_ms": 5000,
                },
            ),
            (
                now + 4000,
                {
                    "level": "ERROR",
                    "message": "Publish failed",
                    "correlation_id": "c-2",
                    "message_id": "m2",
                },
            ),
        ]
    )
    notifier = log_group(
        [
            (
                now + 1500,
                {
                    "level": "INFO",
                    "message": "Sending notification",
                    "correlation_id": CORRELATION,
                    "message_id": "m1",
                },
            ),
            (
                now + 2500,
                {
                    "level": "ERROR",
                    "message": "Notification failed",
                    "error": "HTTP 503",
                    "correlation_id": CORRELATION,
                    "message_id": "m1",
                },
            ),
            (
                now + 3500,
                {
                    "level": "ERROR",
                    "message": "Notification failed",
                    "error": "HTTP 500",
                    "correlation_id": CORRELATION,
                    "message_id": "m1",
                },
            ),
            (now + 4500, "START RequestId: abc Version: $LATEST"),
        ]
    )
    return [web_api, notifier], now


def test_saved_query_1_follows_one_correlation_id_across_services(
    client: Callable[[str], Any], service_logs: tuple[list[str], int]
) -> None:
    groups, now = service_logs
    response = run_insights(
        client("logs"),
        logGroupNames=groups,
        startTime=now // 1000 - 60,
        endTime=now // 1000 + 60,
        queryString=SAVED_QUERY_1,
    )
    rows = table(response)
    assert response["status"] == "Complete"
    assert [json.loads(r["@message"])["message"] for r in rows] == [
        "request",
        "Sending notification",
        "Notification failed",
        "Notification failed",
    ]
    assert {r["message_id"] for r in rows} == {"m1"}
    assert all(r["@ptr"] for r in rows)
    assert response["statistics"]["recordsMatched"] == 4
    assert response["statistics"]["recordsScanned"] == 8


def test_saved_query_2_counts_errors_by_message_id(
    client: Callable[[str], Any], service_logs: tuple[list[str], int]
) -> None:
    groups, now = service_logs
    response = run_insights(
        client("logs"),
        logGroupIdentifiers=groups,
        startTime=now // 1000 - 60,
        endTime=now // 1000 + 60,
        queryString=SAVED_QUERY_2,
    )
    assert table(response) == [
        {"message_id": "m1", "error_count": "2"},
        {"message_id": "m2", "error_count": "1"},
    ]


def test_saved_query_3_averages_post_latency(
    client: Callable[[str], Any], service_logs: tuple[list[str], int]
) -> None:
    groups, now = service_logs
    response = run_insights(
        client("logs"),
        logGroupName=groups[0],
        startTime=now // 1000 - 60,
        endTime=now // 1000 + 60,
        queryString=SAVED_QUERY_3,
    )
    assert table(response) == [{"avg_duration_ms": "200", "max_duration_ms": "300"}]


def test_saved_query_4_lists_failed_notifications_newest_first(
    client: Callable[[str], Any], service_logs: tuple[list[str], int]
) -> None:
    groups, now = service_logs
    response = run_insights(
        client("logs"),
        logGroupNames=groups,
        startTime=now // 1000 - 60,
        endTime=now // 1000 + 60,
        queryString=SAVED_QUERY_4,
    )
    assert [(r["message_id"], r["error"]) for r in table(response)] == [
        ("m1", "HTTP 500"),
        ("m1", "HTTP 503"),
    ]


def test_time_range_and_log_group_arns_select_the_events(
    client: Callable[[str], Any], log_group: Callable[..., str]
) -> None:
    logs = client("logs")
    now = int(time.time() * 1000)
    name = log_group([(now - 3_600_000, {"n": 1}), (now - 60_000, {"n": 2}), (now, {"n": 3})])
    arn = logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"][0]["arn"]
    response = run_insights(
        logs,
        logGroupIdentifiers=[arn],
        startTime=(now - 120_000) // 1000,
        endTime=now // 1000,
        queryString="fields n | sort n asc",
    )
    assert [r["n"] for r in table(response)] == ["2", "3"]
    assert response["statistics"]["recordsScanned"] == 2


def test_start_query_limit_caps_the_rows(
    client: Callable[[str], Any], log_group: Callable[..., str]
) -> None:
    now = int(time.time() * 1000)
    name = log_group([(now - i, {"i": i}) for i in range(5)])
    response = run_insights(
        client("logs"),
        logGroupName=name,
        startTime=now // 1000 - 10,
        endTime=now // 1000 + 1,
        queryString="fields i",
        limit=2,
    )
    assert len(response["results"]) == 2


def test_malformed_query_is_refused_like_aws(
    client: Callable[[str], Any], log_group: Callable[..., str]
) -> None:
    logs = client("logs")
    name = log_group([(int(time.time() * 1000), {"a": 1})])
    with pytest.raises(logs.exceptions.MalformedQueryException, match="expected a value"):
        logs.start_query(
            logGroupName=name,
            startTime=0,
            endTime=int(time.time()),
            queryString="filter a = | limit 1",
        )


def test_query_beyond_the_harness_fails_with_its_reason(
    client: Callable[[str], Any], harness: Any, log_group: Callable[..., str]
) -> None:
    logs = client("logs")
    name = log_group([(int(time.time() * 1000), {"a": 1})])
    query_id = logs.start_query(
        logGroupName=name, startTime=0, endTime=int(time.time()), queryString="dedup a"
    )["queryId"]
    assert logs.get_query_results(queryId=query_id)["status"] == "Failed"
    with urllib.request.urlopen(f"{harness.endpoint}/_rez/logs/queries/{query_id}") as answer:
        detail = json.loads(answer.read())
    assert detail["status"] == "Failed"
    assert "dedup" in detail["reason"]


def test_unknown_log_group_and_unknown_query_are_not_found(client: Callable[[str], Any]) -> None:
    logs = client("logs")
    with pytest.raises(logs.exceptions.ResourceNotFoundException):
        logs.start_query(
            logGroupName=f"/nope/{short_uid()}",
            startTime=0,
            endTime=1,
            queryString="fields @message",
        )
    with pytest.raises(logs.exceptions.ResourceNotFoundException):
        logs.get_query_results(queryId="00000000-0000-0000-0000-000000000000")


def test_finished_query_cannot_be_stopped_and_is_described(
    client: Callable[[str], Any], log_group: Callable[..., str]
) -> None:
    logs = client("logs")
    name = log_group([(int(time.time() * 1000), {"a": 1})])
    query_id = logs.start_query(
        logGroupName=name, startTime=0, endTime=int(time.time()) + 1, queryString="fields a"
    )["queryId"]
    wait_until(
        lambda: logs.get_query_results(queryId=query_id)["status"] == "Complete",
        timeout=10,
        interval=0.05,
    )
    assert logs.stop_query(queryId=query_id)["success"] is False
    described = logs.describe_queries(logGroupName=name)["queries"]
    assert [(q["queryId"], q["status"]) for q in described] == [(query_id, "Complete")]


def test_query_definitions_are_saved_updated_and_deleted(client: Callable[[str], Any]) -> None:
    logs = client("logs")
    prefix = f"rez/{short_uid()}/"
    first = logs.put_query_definition(
        name=prefix + "errors", queryString='filter level = "ERROR"', logGroupNames=["/a"]
    )["queryDefinitionId"]
    logs.put_query_definition(name=prefix + "all", queryString="fields @message")
    logs.put_query_definition(
        name=prefix + "errors", queryDefinitionId=first, queryString='filter level = "WARN"'
    )
    saved = logs.describe_query_definitions(queryDefinitionNamePrefix=prefix)["queryDefinitions"]
    assert [(d["name"], d["queryString"]) for d in saved] == [
        (prefix + "all", "fields @message"),
        (prefix + "errors", 'filter level = "WARN"'),
    ]
    assert logs.delete_query_definition(queryDefinitionId=first)["success"] is True
    assert [
        d["name"]
        for d in logs.describe_query_definitions(queryDefinitionNamePrefix=prefix)[
            "queryDefinitions"
        ]
    ] == [prefix + "all"]
    with pytest.raises(logs.exceptions.ResourceNotFoundException):
        logs.delete_query_definition(queryDefinitionId=first)
