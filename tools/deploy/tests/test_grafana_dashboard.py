"""The optional Grafana dashboard: CloudWatch data source, stage variable, three panels."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest

DASHBOARD = Path(__file__).resolve().parents[3] / "infra" / "grafana" / "rez-agent.json"


@pytest.fixture(scope="module")
def dashboard() -> dict[str, Any]:
    return json.loads(DASHBOARD.read_text(encoding="utf-8"))


def panel(dashboard: dict[str, Any], kind: str) -> dict[str, Any]:
    (found,) = [p for p in dashboard["panels"] if p["type"] == kind and "DLQ" not in p["title"]]
    return found


def test_current_schema_and_a_one_minute_refresh(dashboard):
    assert dashboard["schemaVersion"] >= 39
    assert dashboard["refresh"] == "1m"
    ids = [p["id"] for p in dashboard["panels"]]
    assert len(ids) == len(set(ids))


def test_cloudwatch_data_source_and_stage_variable(dashboard):
    variables = {v["name"]: v for v in dashboard["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    assert variables["datasource"]["query"] == "cloudwatch"
    assert [o["value"] for o in variables["stage"]["options"]] == ["dev", "stage", "prod"]
    for item in dashboard["panels"]:
        assert item["datasource"] == {"type": "cloudwatch", "uid": "${datasource}"}


def test_heatmap_of_processing_duration(dashboard):
    heatmap = panel(dashboard, "heatmap")
    assert {t["metricName"] for t in heatmap["targets"]} == {"ProcessingDuration"}
    assert all(t["namespace"] == "RezAgent" for t in heatmap["targets"])
    assert all(t["dimensions"]["Stage"] == "$stage" for t in heatmap["targets"])


def test_gauge_of_queue_depth(dashboard):
    (target,) = panel(dashboard, "gauge")["targets"]
    assert (target["namespace"], target["metricName"]) == (
        "AWS/SQS",
        "ApproximateNumberOfMessagesVisible",
    )
    assert target["dimensions"] == {"QueueName": "rez-agent-message-queue-$stage"}


def test_table_of_recent_errors_links_correlation_ids_to_their_logs(dashboard):
    table = panel(dashboard, "table")
    (target,) = table["targets"]
    assert target["queryMode"] == "Logs"
    assert 'filter level = "ERROR"' in target["expression"]
    assert "correlation_id" in target["expression"]
    assert len(target["logGroupNames"]) == 5
    (override,) = [
        o for o in table["fieldConfig"]["overrides"] if o["matcher"]["options"] == "correlation_id"
    ]
    (link,) = override["properties"][0]["value"]
    url = unquote(link["url"])
    assert url.startswith("/explore?")
    assert 'filter correlation_id = \\"${__value.raw}\\"' in url
    assert '"queryMode":"Logs"' in url
