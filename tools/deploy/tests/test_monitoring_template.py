"""The six alarms and the twelve-widget dashboard of docs/observability.md, as monitoring.yaml
deploys them."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from rez_deploy.catalog import FUNCTION_NAMES
from rez_deploy.templates import import_name, resources_of_type, sub_text

REPO_ROOT = Path(__file__).resolve().parents[3]


def alarms(templates: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found = resources_of_type(templates["monitoring"], "AWS::CloudWatch::Alarm")
    return {sub_text(a["Properties"]["AlarmName"]): a["Properties"] for a in found.values()}


def topic_of(alarm: dict[str, Any]) -> str:
    (action,) = alarm["AlarmActions"]
    assert alarm["OKActions"] == alarm["AlarmActions"]
    return import_name(action).removeprefix("rez-agent-${Stage}-")


# name -> (namespace, metric, statistic, period, threshold, operator, topic)
EXPECTED = {
    "rez-agent-${Stage}-dlq-has-messages": (
        "AWS/SQS",
        "ApproximateNumberOfMessagesVisible",
        "Maximum",
        60,
        0,
        "GreaterThanThreshold",
        "AlertsCriticalTopicArn",
    ),
    "rez-agent-${Stage}-processor-duration-p99": (
        "AWS/Lambda",
        "Duration",
        "p99",
        300,
        240000,
        "GreaterThanThreshold",
        "AlertsInfoTopicArn",
    ),
    "rez-agent-${Stage}-circuit-breaker-open": (
        "RezAgent",
        "CircuitBreakerState",
        "Maximum",
        60,
        1,
        "GreaterThanOrEqualToThreshold",
        "AlertsCriticalTopicArn",
    ),
    "rez-agent-${Stage}-api-5xx-errors": (
        "RezAgent",
        "APIRequestCount",
        "Sum",
        300,
        10,
        "GreaterThanThreshold",
        "AlertsWarningTopicArn",
    ),
    "rez-agent-${Stage}-queue-backlog": (
        "AWS/SQS",
        "ApproximateAgeOfOldestMessage",
        "Maximum",
        300,
        300,
        "GreaterThanThreshold",
        "AlertsInfoTopicArn",
    ),
} | {
    f"rez-agent-${{Stage}}-lambda-errors-{short}": (
        "AWS/Lambda",
        "Errors",
        "Sum",
        300,
        5,
        "GreaterThanThreshold",
        "AlertsWarningTopicArn",
    )
    for short in (
        "scheduler",
        "web-api",
        "message-processor",
        "notification-service",
        "jwt-authorizer",
    )
}


def test_exactly_the_documented_alarms(templates):
    assert set(alarms(templates)) == set(EXPECTED)


def default_of(templates: dict[str, Any], value: Any) -> Any:
    """A literal, or the default of the monitoring parameter a `Ref` names (lowered by tests)."""
    if isinstance(value, dict) and "Ref" in value:
        return templates["monitoring"]["Parameters"][value["Ref"]]["Default"]
    return value


def watched(alarm: dict[str, Any]) -> dict[str, Any]:
    """Namespace, MetricName, Dimensions, Stat and Period of a single-metric alarm, or of the
    AWS/Lambda metric a metric-math alarm starts from (the authorizer's Errors)."""
    if "Metrics" not in alarm:
        return {
            "Namespace": alarm["Namespace"],
            "MetricName": alarm["MetricName"],
            "Dimensions": alarm["Dimensions"],
            "Stat": alarm.get("Statistic", alarm.get("ExtendedStatistic")),
            "Period": alarm["Period"],
        }
    (base,) = [
        q["MetricStat"]
        for q in alarm["Metrics"]
        if "MetricStat" in q and q["MetricStat"]["Metric"]["Namespace"] == "AWS/Lambda"
    ]
    return {**base["Metric"], "Stat": base["Stat"], "Period": base["Period"]}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_alarm_values(templates, name):
    alarm = alarms(templates)[name]
    namespace, metric, statistic, period, threshold, operator, topic = EXPECTED[name]
    metric_of = watched(alarm)
    assert metric_of["Namespace"] == namespace
    assert metric_of["MetricName"] == metric
    assert metric_of["Stat"] == statistic
    assert int(default_of(templates, metric_of["Period"])) == period
    assert alarm["EvaluationPeriods"] == 1
    assert float(default_of(templates, alarm["Threshold"])) == threshold
    assert alarm["ComparisonOperator"] == operator
    assert topic_of(alarm) == topic
    assert alarm["TreatMissingData"] in {"notBreaching", "breaching", "ignore", "missing"}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_alarm_description_names_an_existing_runbook(templates, name):
    description = sub_text(alarms(templates)[name]["AlarmDescription"])
    (runbook,) = re.findall(r"docs/runbooks/[a-z0-9-]+\.md", description)
    assert (REPO_ROOT / runbook).is_file(), runbook


def dimensions(alarm: dict[str, Any]) -> dict[str, Any]:
    return {d["Name"]: d["Value"] for d in watched(alarm)["Dimensions"]}


def test_alarm_dimensions(templates):
    found = alarms(templates)
    assert import_name(dimensions(found["rez-agent-${Stage}-dlq-has-messages"])["QueueName"]) == (
        "rez-agent-${Stage}-MessageDLQName"
    )
    assert import_name(dimensions(found["rez-agent-${Stage}-queue-backlog"])["QueueName"]) == (
        "rez-agent-${Stage}-MessageQueueName"
    )
    assert (
        sub_text(dimensions(found["rez-agent-${Stage}-processor-duration-p99"])["FunctionName"])
        == "rez-agent-message-processor-${Stage}"
    )
    breaker = dimensions(found["rez-agent-${Stage}-circuit-breaker-open"])
    assert breaker == {
        "Stage": {"Ref": "Stage"},
        "Service": {"Ref": "CircuitBreakerService"},
        "State": "open",
    }
    assert templates["monitoring"]["Parameters"]["CircuitBreakerService"]["Default"] == "ntfy-sh"
    api = dimensions(found["rez-agent-${Stage}-api-5xx-errors"])
    assert api == {"Stage": {"Ref": "Stage"}, "StatusClass": "5xx"}
    errors = {
        sub_text(dimensions(alarm)["FunctionName"])
        for name, alarm in found.items()
        if "lambda-errors" in name
    }
    assert errors == {f"{fn}-${{Stage}}" for fn in FUNCTION_NAMES.values()}


def dashboard(templates: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    (resource,) = resources_of_type(templates["monitoring"], "AWS::CloudWatch::Dashboard").values()
    properties = resource["Properties"]
    body = sub_text(properties["DashboardBody"])
    rendered = body.replace("${AWS::Region}", "us-east-1").replace("${Stage}", "dev")
    return sub_text(properties["DashboardName"]), json.loads(rendered)


DOCUMENTED_WIDGETS = [
    ("Messages Created (24h)", "timeSeries"),
    ("Messages Processed (24h)", "timeSeries"),
    ("Success Rate (24h)", "singleValue"),
    ("Lambda Invocations", "timeSeries"),
    ("Lambda Errors", "timeSeries"),
    ("Lambda Duration (p99)", "timeSeries"),
    ("SQS Queue Depth", "timeSeries"),
    ("DLQ Message Count", "singleValue"),
    ("API Response Time (p95)", "timeSeries"),
    ("Notification Duration (avg)", "timeSeries"),
    ("Circuit Breaker State", "timeSeries"),
    ("DynamoDB Throttles", "timeSeries"),
]


def test_dashboard_has_the_documented_twelve_widgets_in_order(templates):
    name, body = dashboard(templates)
    assert name == "rez-agent-${Stage}-overview"
    widgets = body["widgets"]
    titles = [(w["properties"]["title"], w["properties"]["view"]) for w in widgets]
    assert titles == DOCUMENTED_WIDGETS
    # reading order on the grid is docs/observability.md's order too
    positions = [(w["y"], w["x"]) for w in widgets]
    assert positions == sorted(positions)


def test_dashboard_widget_details(templates):
    _, body = dashboard(templates)
    widgets = {w["properties"]["title"]: w["properties"] for w in body["widgets"]}
    assert widgets["Lambda Errors"]["stacked"] is True
    assert widgets["Lambda Duration (p99)"]["stat"] == "p99"
    assert widgets["API Response Time (p95)"]["stat"] == "p95"
    assert widgets["Notification Duration (avg)"]["stat"] == "Average"
    for title in ("Messages Created (24h)", "Messages Processed (24h)", "Success Rate (24h)"):
        assert widgets[title]["start"] == "-PT24H"
    rate = widgets["Success Rate (24h)"]["metrics"][-1][0]["expression"]
    assert "completed" in rate
    assert "failed" in rate
    assert rate.startswith("100 *")
    functions = {m[3] for m in widgets["Lambda Invocations"]["metrics"]}
    assert functions == {f"{fn}-dev" for fn in FUNCTION_NAMES.values()}
    dlq = widgets["DLQ Message Count"]["metrics"][0]
    assert dlq[:4] == [
        "AWS/SQS",
        "ApproximateNumberOfMessagesVisible",
        "QueueName",
        "rez-agent-message-dlq-dev",
    ]
    assert "ThrottledRequests" in widgets["DynamoDB Throttles"]["metrics"][0][0]["expression"]
    assert body["periodOverride"] == "inherit"
