"""4. One correlation ID finds every log line, span and metric of a message, in every service."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from e2e_support import STAGE, log_events, wait_for
from rez_telemetry.tracing.tree import SpanNode, build_trees
from rez_telemetry.tracing.xray_read import trace_spans

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


def xray_spans(aws: Any, correlation_id: str) -> list[dict[str, Any]]:
    """The message's traces from X-Ray: annotation filter, then BatchGetTraces."""
    now = datetime.now(UTC)
    return trace_spans(
        aws("xray"), correlation_id, now - timedelta(minutes=15), now + timedelta(minutes=1)
    )


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

    # AND X-Ray holds one trace from the API Gateway stage down to ntfy, found by the
    # correlation annotation (GetTraceSummaries -> BatchGetTraces)
    def one_tree() -> list[SpanNode] | None:
        trees = build_trees(xray_spans(aws, correlation_id))
        return trees if len(trees) == 1 and trees[0].find("HTTP POST") else None

    [root] = wait_for(one_tree, timeout=30)
    assert root.span["attributes"]["xray.origin"] == "AWS::ApiGateway::Stage"
    assert root.name.endswith(f"/{STAGE}")
    web_api = root.find("web-api")
    assert web_api is not None
    publish = web_api.find("SNS.Publish")
    assert publish is not None
    invoke = publish.find("Lambda.Invoke")
    assert invoke is not None
    # Lambda's own segments for the invoked notifier hang under the Invoke call, as on AWS
    assert invoke.find(FUNCTIONS["notifier"]) is not None
    assert invoke.find("notifier") is not None


def scheduled_lines(aws: Any, group: str, since_ms: int) -> list[dict[str, Any]]:
    """The scheduler's "Scheduled message created" lines since `since_ms`.

    A test follows the message its own advance created: another test's scheduled message may
    log within the same second (function logs are forwarded late under load), so the callers
    set aside the correlation ids seen before they advance the schedule."""
    return [
        json.loads(event["message"])
        for event in log_events(aws, group, since_ms)
        if "Scheduled message created" in event["message"]
    ]


def test_a_scheduled_message_makes_the_documented_trace(harness, aws, system, ntfy):
    # GIVEN the schedule fired once
    import httpx

    since_ms = int(time.time() * 1000) - 1000
    scheduler_group = f"/aws/lambda/{FUNCTIONS['scheduler']}"
    earlier = {line["correlation_id"] for line in scheduled_lines(aws, scheduler_group, since_ms)}
    answer = httpx.post(
        f"{harness.endpoint}/_rez/scheduler/advance", json={"seconds": 86_400}, timeout=60
    )
    assert answer.status_code == 200, answer.text

    def created() -> dict[str, Any] | None:
        lines = scheduled_lines(aws, scheduler_group, since_ms)
        fresh = [line for line in lines if line["correlation_id"] not in earlier]
        return fresh[0] if fresh else None

    line = wait_for(created, timeout=60)
    correlation_id = line["correlation_id"]
    wait_for(lambda: [m for m in ntfy.messages() if correlation_id in m["message"]], timeout=90)

    # WHEN its trace is read back from X-Ray by the correlation annotation
    def one_tree() -> list[SpanNode] | None:
        trees = build_trees(xray_spans(aws, correlation_id))
        tree = trees[0] if len(trees) == 1 else None
        return trees if tree and tree.find("HTTP POST") else None

    [root] = wait_for(one_tree, timeout=30)

    # THEN it has the shape docs/observability.md shows: Lambda's segments for the scheduler,
    # then its code: PutItem, Publish -> processor -> UpdateItem, GetItem, Invoke -> notifier
    # (breaker state, ntfy POST) -> UpdateItem
    assert (root.name, root.span["attributes"]["xray.origin"]) == (
        FUNCTIONS["scheduler"],
        "AWS::Lambda",
    )
    scheduler = root.find("scheduler")
    assert scheduler is not None
    assert [c.name for c in scheduler.children][:2] == ["DynamoDB.PutItem", "SNS.Publish"]
    publish = scheduler.find("SNS.Publish")
    assert publish is not None
    # the processor's segments (X-Ray names them after the service): its invocation, and the
    # record's processing, which holds the calls
    processor = next((n for n in publish.walk() if n.name == "processor" and n.children), None)
    assert processor is not None
    below = names_below(processor)
    aws_calls = [n for n in below if n.startswith(("DynamoDB.", "Lambda."))]
    assert aws_calls[:3] == ["DynamoDB.UpdateItem", "DynamoDB.GetItem", "Lambda.Invoke"]
    assert aws_calls[-1] == "DynamoDB.UpdateItem"
    invoke = processor.find("Lambda.Invoke")
    assert invoke is not None
    notifier = invoke.find("notifier")
    assert notifier is not None
    assert "HTTP POST" in names_below(notifier)
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


def test_the_service_graph_has_the_systems_nodes_and_edges(harness, aws, system, ntfy):
    # GIVEN the schedule fired and its message was delivered
    import httpx

    answer = httpx.post(
        f"{harness.endpoint}/_rez/scheduler/advance", json={"seconds": 86_400}, timeout=60
    )
    assert answer.status_code == 200, answer.text

    # WHEN the service graph of the last minutes is read
    def edges() -> set[tuple[str, str]] | None:
        now = datetime.now(UTC)
        services = aws("xray").get_service_graph(
            StartTime=now - timedelta(minutes=10), EndTime=now + timedelta(minutes=1)
        )["Services"]
        names = {s["ReferenceId"]: s["Name"] for s in services}
        found = {(s["Name"], names[e["ReferenceId"]]) for s in services for e in s["Edges"]}
        return found if ("notifier", "127.0.0.1") in found else None

    found = wait_for(edges, timeout=90)
    # THEN it has the system's nodes and edges. The scheduler's code is shown in Lambda's
    # function node; the processor and notifier continue the message's trace from the
    # message attributes / Invoke payload, so they are called by the hop that sent to them.
    scheduler = FUNCTIONS["scheduler"]
    assert {("client", scheduler), (scheduler, scheduler)} <= found
    assert {(scheduler, "DynamoDB"), (scheduler, "processor")} <= found
    assert {("processor", "DynamoDB"), ("processor", "notifier")} <= found
    assert ("processor", FUNCTIONS["notifier"]) in found
    assert {("notifier", "DynamoDB"), ("notifier", "127.0.0.1")} <= found


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


def test_the_legacy_x_ray_sdk_back_end_traces_the_same_scenario(harness, aws, system, ntfy):
    # GIVEN every function switched to the legacy back end (the X-Ray SDK, in AWS maintenance
    # mode), same stacks, only TRACING_BACKEND changed; restored afterwards
    import httpx

    lam = aws("lambda")
    saved = {}
    for name in FUNCTIONS.values():
        variables = lam.get_function_configuration(FunctionName=name)["Environment"]["Variables"]
        saved[name] = dict(variables)
        lam.update_function_configuration(
            FunctionName=name, Environment={"Variables": {**variables, "TRACING_BACKEND": "xray"}}
        )
    try:
        for name in FUNCTIONS.values():
            wait_for(
                lambda name=name: (
                    lam.get_function_configuration(FunctionName=name)["LastUpdateStatus"]
                    == "Successful"
                )
            )
        since_ms = int(time.time() * 1000) - 1000
        group = f"/aws/lambda/{FUNCTIONS['scheduler']}"
        earlier = {line["correlation_id"] for line in scheduled_lines(aws, group, since_ms)}
        answer = httpx.post(
            f"{harness.endpoint}/_rez/scheduler/advance", json={"seconds": 86_400}, timeout=60
        )
        assert answer.status_code == 200, answer.text

        def created() -> dict[str, Any] | None:
            lines = scheduled_lines(aws, group, since_ms)
            fresh = [line for line in lines if line["correlation_id"] not in earlier]
            return fresh[0] if fresh else None

        # every function starts cold with the X-Ray SDK after the update: generous on 2 cores
        correlation_id = wait_for(created, timeout=240)["correlation_id"]
        wait_for(
            lambda: [m for m in ntfy.messages() if correlation_id in m["message"]], timeout=240
        )

        # WHEN its traces are read from X-Ray by the correlation annotation
        def complete() -> list[dict[str, Any]] | None:
            spans = xray_spans(aws, correlation_id)
            names = {span["name"] for span in spans}
            return spans if {"HTTP POST", FUNCTIONS["notifier"]} <= names else None

        spans = wait_for(complete, timeout=90)
    finally:
        for name, variables in saved.items():
            lam.update_function_configuration(
                FunctionName=name, Environment={"Variables": variables}
            )

    # THEN the SDK's subsegments are under Lambda's function segments: the scheduler's calls,
    # the processor's (in the trace Lambda starts for the SQS batch, linked to the scheduler's
    # as X-Ray links event-driven traces), the notifier's and its ntfy POST
    names = {span["name"] for span in spans}
    # the SDK names its botocore subsegments after the service's endpoint prefix
    assert {"dynamodb", "sns", "lambda", "HTTP POST"} <= names
    assert {FUNCTIONS["scheduler"], FUNCTIONS["processor"], FUNCTIONS["notifier"]} <= names
    scheduler_trace = next(s["trace_id"] for s in spans if s["name"] == FUNCTIONS["scheduler"])
    processor_lambda = [
        s
        for s in spans
        if s["name"] == FUNCTIONS["processor"]
        and s["attributes"].get("xray.origin") == "AWS::Lambda"
    ]
    assert any(link["trace_id"] == scheduler_trace for s in processor_lambda for link in s["links"])
    annotated = [s for s in spans if s["attributes"].get("message_id")]
    assert annotated
    assert {s["attributes"]["correlation_id"] for s in annotated} == {correlation_id}
