"""4. One correlation ID finds every log line, span and metric of a message, in every service."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from e2e_support import STAGE, log_events, wait_for
from rez_telemetry.tracing.tree import SpanNode, build_trees, load_spans

FUNCTIONS = {
    "scheduler": f"rez-agent-scheduler-{STAGE}",
    "web-api": f"rez-agent-web-api-{STAGE}",
    "authorizer": f"rez-agent-jwt-authorizer-{STAGE}",
    "processor": f"rez-agent-message-processor-{STAGE}",
    "notifier": f"rez-agent-notification-service-{STAGE}",
}
LOG_GROUPS = [f"/aws/lambda/{name}" for name in FUNCTIONS.values()]
# Saved query 1 (docs/observability.md), verbatim but for the ID.
QUERY_1 = """fields @timestamp, @message, level, message_id, correlation_id
| filter correlation_id = "{cid}"
| sort @timestamp asc"""
DOCUMENTED_METRICS = {
    "MessagesCreated",
    "MessagesProcessed",
    "NotificationsSent",
    "NotificationDuration",
    "ProcessingDuration",
    "APIRequestCount",
    "APIResponseTime",
}


def lines_of(aws: Any, group: str, correlation_id: str, since_ms: int) -> list[dict[str, Any]]:
    """The JSON lines of a log group whose top-level correlation_id is `correlation_id`."""
    found = []
    for event in log_events(aws, group, since_ms):
        text = event["message"].strip()
        if not text.startswith("{"):
            continue
        document = json.loads(text)
        if document.get("correlation_id") == correlation_id:
            found.append(document)
    return found


def run_query(aws: Any, query: str, since_s: int) -> list[dict[str, str]]:
    logs = aws("logs")
    query_id = logs.start_query(
        logGroupNames=LOG_GROUPS,
        startTime=since_s,
        endTime=int(time.time()) + 60,
        queryString=query,
    )["queryId"]

    def finished() -> dict[str, Any] | None:
        answer = logs.get_query_results(queryId=query_id)
        return answer if answer["status"] in ("Complete", "Failed", "Cancelled") else None

    answer = wait_for(finished, timeout=30)
    assert answer["status"] == "Complete", answer
    return [{f["field"]: f["value"] for f in row} for row in answer["results"]]


def names_below(node: SpanNode) -> list[str]:
    return [n.name for n in node.walk()]


def test_every_hop_of_an_api_message_carries_its_correlation_id(api, tokens, ntfy, aws, system):
    # GIVEN a caller that brings its own correlation ID
    since_ms = int(time.time() * 1000) - 1000
    correlation_id = f"e2e-{uuid.uuid4()}"
    token = tokens.mint()

    # WHEN it posts a message and the pipeline delivers it
    response = api.post(
        "/messages",
        json={"message": f"traced {correlation_id}"},
        headers={"Authorization": f"Bearer {token}", "X-Correlation-ID": correlation_id},
    )
    assert response.status_code == 202, response.text
    assert response.headers["X-Correlation-ID"] == correlation_id
    assert response.json()["correlation_id"] == correlation_id
    message_id = response.json()["message_id"]
    wait_for(lambda: [m for m in ntfy.messages() if correlation_id in m["message"]], timeout=90)

    # THEN every function that handled the message logged lines with that ID
    # (the TOKEN authorizer sees only the token, never the request's headers, as on AWS)
    per_group = {}
    for service in ("web-api", "processor", "notifier"):
        group = f"/aws/lambda/{FUNCTIONS[service]}"
        per_group[group] = wait_for(
            lambda group=group: lines_of(aws, group, correlation_id, since_ms), timeout=30
        )
    assert any(line["message"] == "API request received" for line in per_group[LOG_GROUPS[1]])
    processor_lines = per_group[f"/aws/lambda/{FUNCTIONS['processor']}"]
    assert {line.get("message_id") for line in processor_lines if "message" in line} >= {message_id}

    # AND saved query 1 finds all of them, across the log groups, in time order
    rows = run_query(aws, QUERY_1.format(cid=correlation_id), since_ms // 1000)
    expected = sum(len(lines) for lines in per_group.values())
    assert len(rows) == expected
    stamps = [row["@timestamp"] for row in rows]
    assert stamps == sorted(stamps)
    assert {row["correlation_id"] for row in rows} == {correlation_id}

    # AND the spans make one trace from API Gateway's sampled request down to ntfy
    def one_tree() -> list[SpanNode] | None:
        spans = []
        for service in ("web-api", "processor", "notifier"):
            events = log_events(aws, f"/aws/lambda/{FUNCTIONS[service]}", since_ms)
            spans += load_spans(e["message"] for e in events)
        trees = build_trees(spans, correlation_id=correlation_id)
        return trees if len(trees) == 1 and trees[0].find("HTTP POST") else None

    [root] = wait_for(one_tree, timeout=30)
    assert root.name == FUNCTIONS["web-api"]
    publish = root.find("SNS.Publish")
    assert publish is not None
    assert publish.find(FUNCTIONS["notifier"]) is not None


def test_a_scheduled_message_makes_the_documented_trace(harness, aws, system, ntfy):
    # GIVEN the schedule fired once
    import httpx

    since_ms = int(time.time() * 1000) - 1000
    answer = httpx.post(
        f"{harness.endpoint}/_rez/scheduler/advance", json={"seconds": 86_400}, timeout=60
    )
    assert answer.status_code == 200, answer.text
    scheduler_group = f"/aws/lambda/{FUNCTIONS['scheduler']}"

    def created() -> dict[str, Any] | None:
        for event in log_events(aws, scheduler_group, since_ms):
            if "Scheduled message created" in event["message"]:
                return json.loads(event["message"])
        return None

    line = wait_for(created, timeout=60)
    correlation_id = line["correlation_id"]
    wait_for(lambda: [m for m in ntfy.messages() if correlation_id in m["message"]], timeout=90)

    # WHEN the spans of the three functions are read back from their logs
    def spans() -> list[dict[str, Any]]:
        collected = []
        for service in ("scheduler", "processor", "notifier"):
            events = log_events(aws, f"/aws/lambda/{FUNCTIONS[service]}", since_ms)
            collected += load_spans(e["message"] for e in events)
        return collected

    def one_tree() -> list[SpanNode] | None:
        trees = build_trees(spans(), correlation_id=correlation_id)
        tree = trees[0] if len(trees) == 1 else None
        return trees if tree and tree.find("HTTP POST") else None

    [root] = wait_for(one_tree, timeout=30)

    # THEN they make one tree of the shape docs/observability.md shows: scheduler -> PutItem,
    # Publish -> processor
    # -> UpdateItem, GetItem, Invoke -> notifier (breaker state, ntfy POST) -> UpdateItem
    assert root.name == FUNCTIONS["scheduler"]
    assert [c.name for c in root.children][:2] == ["DynamoDB.PutItem", "SNS.Publish"]
    publish = root.find("SNS.Publish")
    assert publish is not None
    below_publish = names_below(publish)
    assert FUNCTIONS["processor"] in below_publish
    aws_calls = [n for n in below_publish if n.startswith(("DynamoDB.", "Lambda."))]
    first_invoke = aws_calls.index("Lambda.Invoke")
    assert aws_calls[:2] == ["DynamoDB.UpdateItem", "DynamoDB.GetItem"]
    assert aws_calls[-1] == "DynamoDB.UpdateItem"
    invoke = publish.find("Lambda.Invoke")
    assert invoke is not None
    assert first_invoke == 2
    notifier = invoke.find(FUNCTIONS["notifier"])
    assert notifier is not None
    notifier_calls = names_below(notifier)
    assert "HTTP POST" in notifier_calls
    breaker_reads = [
        n
        for n in notifier.walk()
        if n.span.get("attributes", {}).get("aws.table_name", "")
        == f"rez-agent-circuit-breaker-{STAGE}"
    ]
    assert breaker_reads, "the notifier reads the circuit breaker's state"
    # AND the spans carry the annotations docs/observability.md lists
    annotated = [n for n in root.walk() if (n.span.get("attributes") or {}).get("message_id")]
    assert {n.span["attributes"]["correlation_id"] for n in annotated} == {correlation_id}
    assert {n.span["attributes"].get("message_type") for n in annotated} >= {"scheduled_hello"}


def test_the_documented_custom_metrics_are_published_with_stage(aws, system, api, tokens, ntfy):
    # GIVEN at least one message went through (posted here, so the test stands alone)
    token = tokens.mint()
    body = f"metrics-{uuid.uuid4().hex[:8]}"
    posted = api.post(
        "/messages", json={"message": body}, headers={"Authorization": f"Bearer {token}"}
    )
    assert posted.status_code == 202
    wait_for(lambda: [m for m in ntfy.messages() if m["message"].startswith(body)], timeout=90)

    # WHEN the RezAgent namespace is listed
    def published() -> set[str] | None:
        metrics = aws("cloudwatch").list_metrics(Namespace="RezAgent")["Metrics"]
        with_stage = {
            m["MetricName"] for m in metrics if {"Name": "Stage", "Value": STAGE} in m["Dimensions"]
        }
        return with_stage if with_stage >= DOCUMENTED_METRICS else None

    # THEN every metric of docs/observability.md's table that this flow emits is there, with Stage
    names = wait_for(published, timeout=60)
    assert names >= DOCUMENTED_METRICS
