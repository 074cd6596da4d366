"""OpenTelemetry tracing end to end in one process: spans, hops, links, sampling, export, tree."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
import respx
from moto import mock_aws

from rez_telemetry import correlation, lambda_handler
from rez_telemetry.tracing import ReservoirSampler, install, tracer
from rez_telemetry.tracing.tree import build_trees, load_spans, render

NTFY = "https://ntfy.example/rez-agent"


class Context:
    def __init__(self, function_name: str) -> None:
        self.function_name = function_name
        self.aws_request_id = f"req-{function_name}"


@pytest.fixture
def spans_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """OTel tracing into a JSON-lines file, everything sampled."""
    for name in ("TRACING_BACKEND", "TRACE_EXPORT_FILE", "TRACE_EXPORT_STDOUT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    path = tmp_path / "spans.jsonl"
    install()
    tracer.configure(backend="otel", service="test", export_file=str(path), export_stdout=False)
    yield path
    tracer.reset()


def spans_of(path: Path) -> list[dict[str, Any]]:
    tracer.flush()
    return load_spans(path) if path.exists() else []


def test_span_export_shape(spans_file: Path) -> None:
    # GIVEN a span with annotations, metadata and an error inside a correlation scope
    def send() -> None:
        with tracer.span("send notification", message_type="manual"):
            tracer.metadata(payload={"title": "hi"})
            with tracer.span("inner"):
                pass
            raise RuntimeError("ntfy said no")

    with (
        correlation.correlation_scope(correlation_id="corr-1", message_id="msg-1"),
        pytest.raises(RuntimeError),
    ):
        send()
    # WHEN exported
    inner, outer = spans_of(spans_file)
    # THEN ids are X-Ray shaped, the tree is linked, times and status are there
    assert outer["trace_id"].startswith("1-")
    assert len(outer["trace_id"]) == 35
    assert len(outer["span_id"]) == 16
    assert outer["parent_id"] is None
    assert inner["parent_id"] == outer["span_id"]
    assert inner["trace_id"] == outer["trace_id"]
    assert outer["end"] >= outer["start"]
    assert outer["duration_ms"] >= 0
    assert outer["status"] == "error"
    assert outer["error"]["type"] == "RuntimeError"
    assert outer["attributes"] == {
        "correlation_id": "corr-1",
        "message_id": "msg-1",
        "message_type": "manual",
    }
    assert outer["metadata"] == {"payload": {"title": "hi"}}
    assert outer["service"] == "test"
    assert outer["correlation_id"] == "corr-1"
    assert outer["kind"] == "internal"
    assert outer["links"] == []


def test_spans_carry_the_correlation_current_when_they_started(spans_file: Path) -> None:
    # GIVEN one span started per record, each in its record's scope, the first ended after the
    # scope moved on, and one span annotating its own correlation id
    first = tracer.start_span("record 1", activate=False)
    with correlation.correlation_scope(correlation_id="corr-a", message_id="msg-a"):
        second = tracer.start_span("record 2", activate=False)
    with correlation.correlation_scope(correlation_id="corr-b"):
        first.end()
        with tracer.span("explicit", correlation_id="corr-explicit"):
            pass
    second.end()
    # WHEN exported
    spans = {span["name"]: span for span in spans_of(spans_file)}
    # THEN each has the correlation of its start (none outside any scope), an explicit one wins
    assert "correlation_id" not in spans["record 1"]["attributes"]
    assert spans["record 1"]["correlation_id"] is None
    assert spans["record 2"]["attributes"] == {"correlation_id": "corr-a", "message_id": "msg-a"}
    assert spans["record 2"]["correlation_id"] == "corr-a"
    assert spans["explicit"]["correlation_id"] == "corr-explicit"


def test_stdout_lines_carry_a_top_level_span_field(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN OTel tracing exporting to stdout only
    tracer.configure(backend="otel", service="processor", export_stdout=True)
    try:
        # WHEN a span ends and is flushed
        with correlation.correlation_scope(correlation_id="corr-2"), tracer.span("work"):
            pass
        tracer.flush()
    finally:
        tracer.reset()
    # THEN stdout has one JSON line with "span" and the correlation id at top level
    [line] = [json.loads(x) for x in capsys.readouterr().out.splitlines() if '"span"' in x]
    assert line["span"]["name"] == "work"
    assert line["correlation_id"] == "corr-2"
    assert line["service"] == "processor"


def test_decorator_form_names_the_span_after_the_function(spans_file: Path) -> None:
    @tracer.span()
    def fetch_message() -> str:
        return "m"

    assert fetch_message() == "m"
    [span] = spans_of(spans_file)
    assert span["name"].endswith("fetch_message")


def test_consumer_span_links_each_producer_and_parents_a_single_one(spans_file: Path) -> None:
    # GIVEN three producer contexts
    headers = []
    for _ in range(3):
        with tracer.span("producer"):
            headers.append(tracer.current_trace_header())
    # WHEN a batch consumer and a single-message consumer start
    with tracer.consumer_span("batch", headers):
        pass
    with tracer.consumer_span("single", headers[:1]):
        pass
    spans = {s["name"]: s for s in spans_of(spans_file)}
    producers = [s for s in spans_of(spans_file) if s["name"] == "producer"]
    # THEN the batch span has no parent and a link to each producer
    batch = spans["batch"]
    assert batch["parent_id"] is None
    assert batch["kind"] == "consumer"
    assert {link["span_id"] for link in batch["links"]} == {p["span_id"] for p in producers}
    # AND the single consumer continues its producer's trace as a child
    single = spans["single"]
    assert single["trace_id"] == producers[0]["trace_id"]
    assert single["parent_id"] == producers[0]["span_id"]


def test_incoming_sampled_decision_is_honoured(spans_file: Path) -> None:
    # GIVEN a sampler that would sample everything
    # WHEN a consumer continues a producer that said Sampled=0
    header = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0"
    with tracer.consumer_span("not sampled", [header]):
        onward = tracer.current_trace_header()
    # THEN nothing is exported and the decision travels on
    assert spans_of(spans_file) == []
    assert onward == "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=" + onward.split("Parent=")[1]
    assert onward.endswith("Sampled=0")


def test_sampling_is_decided_per_invocation(tmp_path: Path) -> None:
    # GIVEN prod sampling with an empty reservoir and randoms: sample, drop, sample
    decisions = iter([0.01, 0.9, 0.02])
    sampler = ReservoirSampler(0, 0.05, random_value=lambda: next(decisions))
    path = tmp_path / "spans.jsonl"
    tracer.configure(
        backend="otel",
        service="processor",
        sampler=sampler,
        export_file=str(path),
        export_stdout=False,
    )
    install()

    @lambda_handler(service="processor")
    def handler(event: Any, context: Any) -> None:
        with tracer.span("work"):
            pass

    try:
        # WHEN invoked three times in the same environment
        for _ in range(3):
            handler({}, Context("rez-agent-message-processor-dev"))
        spans = spans_of(path)
    finally:
        tracer.reset()
    # THEN invocations 1 and 3 were traced, 2 was not (not one decision per cold start)
    invocations = [s for s in spans if s["name"] == "rez-agent-message-processor-dev"]
    assert len(invocations) == 2
    assert len({s["trace_id"] for s in invocations}) == 2


def test_invocation_span_is_flushed_at_the_end_and_marks_errors(spans_file: Path) -> None:
    # GIVEN a handler that fails
    @lambda_handler(service="notifier")
    def handler(event: Any, context: Any) -> None:
        raise ConnectionError("ntfy down")

    # WHEN invoked
    with pytest.raises(ConnectionError):
        handler(
            {"message_id": "m-1", "correlation_id": "corr-9"},
            Context("rez-agent-notification-service-dev"),
        )
    # THEN its span is already in the file (force-flushed by the end hook), failed and annotated
    [span] = load_spans(spans_file)
    assert span["name"] == "rez-agent-notification-service-dev"
    assert span["status"] == "error"
    assert span["kind"] == "server"
    assert span["attributes"]["correlation_id"] == "corr-9"
    assert span["attributes"]["faas.invocation_id"] == "req-rez-agent-notification-service-dev"


def sqs_record(message_id: str, correlation_id: str, trace_context: str) -> dict[str, Any]:
    return {
        "messageId": f"sqs-{message_id}",
        "eventSource": "aws:sqs",
        "body": json.dumps({"message_id": message_id}),
        "attributes": {"ApproximateReceiveCount": "1"},
        "messageAttributes": {
            "correlation_id": {"stringValue": correlation_id, "dataType": "String"},
            "trace_context": {"stringValue": trace_context, "dataType": "String"},
        },
    }


def test_sqs_batch_invocation_links_every_producer(spans_file: Path) -> None:
    # GIVEN two messages published from two traces
    headers = []
    for _ in range(2):
        with tracer.span("publish"):
            headers.append(tracer.current_trace_header() or "")
    event = {"Records": [sqs_record("m1", "c1", headers[0]), sqs_record("m2", "c2", headers[1])]}

    @lambda_handler(service="processor")
    def handler(event: Any, context: Any) -> None:
        return None

    # WHEN the processor receives them as one batch
    handler(event, Context("rez-agent-message-processor-dev"))
    spans = spans_of(spans_file)
    [invocation] = [s for s in spans if s["name"] == "rez-agent-message-processor-dev"]
    # THEN its span is a consumer linked to both producers, with no parent
    assert invocation["kind"] == "consumer"
    assert invocation["parent_id"] is None
    assert {link["span_id"] for link in invocation["links"]} == {
        s["span_id"] for s in spans if s["name"] == "publish"
    }


@mock_aws
@respx.mock
def test_one_message_across_every_hop_rebuilds_the_documented_trace(spans_file: Path) -> None:
    # GIVEN the AWS resources and a mock ntfy
    dynamodb = boto3.client("dynamodb")
    dynamodb.create_table(
        TableName="rez-agent-messages-dev",
        KeySchema=[{"AttributeName": "message_id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "message_id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    sns = boto3.client("sns")
    sqs = boto3.client("sqs")
    topic = sns.create_topic(Name="rez-agent-messages-dev")["TopicArn"]
    queue_url = sqs.create_queue(QueueName="rez-agent-message-queue-dev")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    sns.subscribe(
        TopicArn=topic,
        Protocol="sqs",
        Endpoint=queue_arn,
        Attributes={"RawMessageDelivery": "true"},
    )
    ntfy = respx.post(NTFY).mock(return_value=httpx.Response(200, json={"id": "n-1"}))
    http = tracer.instrument_httpx(httpx.Client())

    @lambda_handler(service="scheduler")
    def scheduler(event: Any, context: Any) -> None:
        dynamodb.put_item(TableName="rez-agent-messages-dev", Item={"message_id": {"S": "m-1"}})
        sns.publish(
            TopicArn=topic,
            Message=json.dumps({"message_id": "m-1"}),
            MessageAttributes=correlation.sns_message_attributes(message_type="scheduled_hello"),
        )

    @lambda_handler(service="notifier")
    def notifier(event: Any, context: Any) -> dict[str, str]:
        dynamodb.get_item(TableName="rez-agent-messages-dev", Key={"message_id": {"S": "m-1"}})
        http.post(NTFY, content=b"hello", headers=correlation.http_headers())
        return {"status": "sent"}

    @lambda_handler(service="processor")
    def processor(event: Any, context: Any) -> None:
        for record in event["Records"]:
            info = correlation.from_sqs_record(record)
            with info.scope(), tracer.consumer_span("process message", [info.trace_context]):
                dynamodb.update_item(
                    TableName="rez-agent-messages-dev",
                    Key={"message_id": {"S": "m-1"}},
                    UpdateExpression="SET #s = :s",
                    ExpressionAttributeNames={"#s": "status"},
                    ExpressionAttributeValues={":s": {"S": "processing"}},
                )
                # The processor would call lambda:Invoke; the notifier runs here with that payload.
                with tracer.span("Lambda.Invoke", kind="client"):
                    payload = correlation.inject_into_payload({"message_id": "m-1"})
                    notifier(payload, Context("rez-agent-notification-service-dev"))

    # WHEN a scheduled message goes scheduler -> SNS -> SQS -> processor -> notifier -> ntfy
    scheduler({}, Context("rez-agent-scheduler-dev"))
    received = sqs.receive_message(QueueUrl=queue_url, MessageAttributeNames=["All"])["Messages"]
    records = [
        {
            "messageId": m["MessageId"],
            "eventSource": "aws:sqs",
            "body": m["Body"],
            "messageAttributes": {
                k: {"stringValue": v["StringValue"], "dataType": v["DataType"]}
                for k, v in m["MessageAttributes"].items()
            },
        }
        for m in received
    ]
    correlation_id = records[0]["messageAttributes"]["correlation_id"]["stringValue"]
    processor({"Records": records}, Context("rez-agent-message-processor-dev"))

    # THEN the spans of that correlation id form one tree of the shape docs/observability.md shows
    trees = build_trees(load_spans(spans_file), correlation_id=correlation_id)
    root = trees[0]
    assert root.name == "rez-agent-scheduler-dev"
    publish = root.find("SNS.Publish")
    assert publish is not None
    assert root.find("DynamoDB.PutItem") is not None
    consumer = publish.find("process message")
    assert consumer is not None, render(trees)
    assert [c.name for c in consumer.children] == ["DynamoDB.UpdateItem", "Lambda.Invoke"]
    notifier_span = consumer.find("rez-agent-notification-service-dev")
    assert notifier_span is not None
    assert [c.name for c in notifier_span.children] == ["DynamoDB.GetItem", "HTTP POST"]
    # AND ntfy received the trace headers of its HTTP span and the correlation id
    request = ntfy.calls.last.request
    assert request.headers["X-Correlation-ID"] == correlation_id
    assert request.headers["traceparent"].startswith("00-")
    http_span = notifier_span.find("HTTP POST")
    assert http_span is not None
    assert http_span.span["span_id"] in request.headers["X-Amzn-Trace-Id"]
    assert http_span.span["attributes"]["http.status_code"] == 200
    # AND the render prints the shape docs/observability.md shows
    drawing = render(root)
    assert drawing.splitlines()[0].startswith("[rez-agent-scheduler-dev]")
    assert "[SNS Publish] (rez-agent-messages-dev)" in drawing
    assert "[DynamoDB PutItem] (rez-agent-messages-dev)" in drawing
    assert "└─ [process message]" in drawing


def test_lambda_invoke_payload_trace_context_points_at_the_invoke_span(spans_file: Path) -> None:
    # GIVEN a Lambda client whose responses are stubbed, and a payload carrying trace_context
    from botocore.stub import Stubber

    client = boto3.client("lambda", region_name="us-east-1")
    sent: list[bytes] = []
    client.meta.events.register(
        "before-parameter-build", lambda params, **_: sent.append(params["Payload"])
    )
    with tracer.span("process message"), Stubber(client) as stub:
        stub.add_response("invoke", {"StatusCode": 200})
        payload = correlation.inject_into_payload({"message_id": "m-1"})
        client.invoke(
            FunctionName="rez-agent-notification-service-dev", Payload=json.dumps(payload)
        )
    # WHEN the spans are read
    spans = {s["name"]: s for s in spans_of(spans_file)}
    invoke = spans["Lambda.Invoke"]
    # THEN the payload's trace_context names the Lambda.Invoke client span as parent
    assert json.loads(sent[0])["trace_context"].split(";")[1] == f"Parent={invoke['span_id']}"
    assert invoke["attributes"]["aws.lambda.function_name"] == "rez-agent-notification-service-dev"
    assert invoke["parent_id"] == spans["process message"]["span_id"]


def test_aws_calls_outside_a_trace_make_no_spans(spans_file: Path) -> None:
    # GIVEN no current span (e.g. the metrics flush after the invocation ended)
    from botocore.stub import Stubber

    client = boto3.client("cloudwatch", region_name="us-east-1")
    with Stubber(client) as stub:
        stub.add_response("put_metric_data", {})
        client.put_metric_data(Namespace="RezAgent", MetricData=[{"MetricName": "M", "Value": 1.0}])
    # THEN nothing was traced (no stray root traces eating the reservoir)
    assert spans_of(spans_file) == []


def test_correlation_injection_carries_the_trace(spans_file: Path) -> None:
    # GIVEN a current span
    with tracer.span("publish"):
        header = tracer.current_trace_header()
        attributes = correlation.sns_message_attributes()
        payload = correlation.inject_into_payload({"message_id": "m"})
        headers = correlation.http_headers()
    # THEN every carrier has the trace context of that span
    assert header is not None
    assert attributes["trace_context"] == {"DataType": "String", "StringValue": header}
    assert payload["trace_context"] == header
    assert headers["X-Amzn-Trace-Id"] == header
    assert headers["traceparent"].startswith("00-")


def test_cli_prints_the_tree(spans_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from rez_telemetry.tracing.tree import main

    with (
        correlation.correlation_scope(correlation_id="corr-cli"),
        tracer.span("root"),
        tracer.span("child"),
    ):
        pass
    tracer.flush()
    assert main([str(spans_file), "--correlation-id", "corr-cli"]) == 0
    out = capsys.readouterr().out
    assert "Trace for correlation corr-cli" in out
    assert "└─ [child]" in out


def test_stdout_spans_are_read_back_from_a_log_stream() -> None:
    # GIVEN a log group's lines mixing logs, EMF and span lines
    stream = io.StringIO()
    stream.write('{"level":"INFO","message":"x"}\n')
    span = '{"span":{"trace_id":"1-a-b","span_id":"01","parent_id":null,"name":"r"}}'
    stream.write(f"2026-01-01T00:00:00Z {span}\n")
    stream.write('{"_aws":{}}\n')
    # WHEN loaded THEN only the span remains
    assert [s["name"] for s in load_spans(stream.getvalue().splitlines())] == ["r"]
