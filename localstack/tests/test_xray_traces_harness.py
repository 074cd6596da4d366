"""X-Ray in the harness: the endpoint functions send to, Lambda's trace header and segments,
and the trace APIs reading them back.

AWS's behaviour: Lambda with active tracing continues the caller's ``X-Amzn-Trace-Id`` in
``_X_AMZN_TRACE_ID``, records ``AWS::Lambda`` and ``AWS::Lambda::Function`` segments, and gives
functions ``AWS_XRAY_DAEMON_ADDRESS`` (https://docs.aws.amazon.com/lambda/latest/dg/services-xray.html);
``GetTraceSummaries`` filter expressions
(https://docs.aws.amazon.com/xray/latest/devguide/xray-console-filters.html).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from rez_localstack import launcher
from tests.conftest import REGION, invoke_json, short_uid, wait_until

# The function sends one OTLP-less segment document itself, as the X-Ray SDK's emitter does,
# under the parent Lambda gave it.
TRACED = """
import json
import os
import socket
import time


def handler(event, context):
    header = dict(p.split("=", 1) for p in os.environ["_X_AMZN_TRACE_ID"].split(";"))
    now = time.time()
    if header.get("Sampled") == "1":
        document = {
            "type": "subsegment", "name": "work", "id": "%016x" % int(now * 1e6),
            "trace_id": header["Root"], "parent_id": header["Parent"],
            "start_time": now, "end_time": now + 0.001,
            "annotations": {"correlation_id": event.get("correlation_id", "none")},
        }
        host, port = os.environ["AWS_XRAY_DAEMON_ADDRESS"].split(":")
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.sendto(('{"format":"json","version":1}\\n' + json.dumps(document)).encode(),
                        (host, int(port)))
    return {"trace": os.environ["_X_AMZN_TRACE_ID"],
            "daemon": os.environ.get("AWS_XRAY_DAEMON_ADDRESS")}
"""
# X-Ray finds traces by the time in their id (TimeRangeType TraceId): a current one.
ROOT = f"1-{int(time.time()):08x}-abcdef012345678912345678"
CALLER = "53995c3f42cd8ad8"


def fields(header: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in header.split(";"))


@pytest.fixture
def traced_function(create_function: Callable[..., str], client: Callable[[str], Any]) -> str:
    name = create_function({"app.py": TRACED})
    lam = client("lambda")
    lam.update_function_configuration(FunctionName=name, TracingConfig={"Mode": "Active"})
    wait_until(
        lambda: (
            lam.get_function(FunctionName=name)["Configuration"]["LastUpdateStatus"] == "Successful"
        )
    )
    return name


def window() -> dict[str, datetime]:
    now = datetime.now(UTC)
    return {"StartTime": now - timedelta(minutes=5), "EndTime": now + timedelta(minutes=1)}


def segments_of(xray: Any, trace_id: str) -> list[dict[str, Any]]:
    traces = xray.batch_get_traces(TraceIds=[trace_id])["Traces"]
    return [json.loads(s["Document"]) for t in traces for s in t["Segments"]]


def test_active_function_continues_the_callers_trace_and_lambda_records_its_segments(
    harness: launcher.Handle, client: Callable[[str], Any], traced_function: str
) -> None:
    xray = client("xray")
    # a client of its own: the header hook must not reach the shared one
    lam = boto3.client(
        "lambda",
        endpoint_url=harness.endpoint,
        region_name=REGION,
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    correlation = f"c-{short_uid()}"

    def invoke_with_header() -> Any:
        return lam.invoke(
            FunctionName=traced_function,
            Payload=json.dumps({"correlation_id": correlation}).encode(),
        )

    # GIVEN an Invoke carrying the caller's sampled trace header
    lam.meta.events.register(
        "before-send.lambda.Invoke",
        lambda request, **_: request.headers.__setitem__(
            "X-Amzn-Trace-Id", f"Root={ROOT};Parent={CALLER};Sampled=1"
        ),
    )
    answer = json.loads(invoke_with_header()["Payload"].read())
    header = fields(answer["trace"])
    # THEN the function continues the trace under Lambda's function segment, and knows the endpoint
    assert header["Root"] == ROOT and header["Sampled"] == "1" and header["Parent"] != CALLER
    assert answer["daemon"] == harness.xray_daemon

    def recorded() -> list[dict[str, Any]]:
        docs = segments_of(xray, ROOT)
        by_origin = {d.get("origin"): d for d in docs}
        function = by_origin.get("AWS::Lambda::Function", {})
        subs = [s["name"] for s in function.get("subsegments", [])]
        return docs if "work" in subs else []

    docs = wait_until(recorded, timeout=10)
    by_origin = {d.get("origin"): d for d in docs}
    service, function = by_origin["AWS::Lambda"], by_origin["AWS::Lambda::Function"]
    assert service["parent_id"] == CALLER and service["name"] == traced_function
    assert function["parent_id"] == service["id"] and function["id"] == header["Parent"]

    # AND the annotation the function recorded finds the trace
    summaries = xray.get_trace_summaries(
        **window(), FilterExpression=f'annotation.correlation_id = "{correlation}"'
    )["TraceSummaries"]
    assert [s["Id"] for s in summaries] == [ROOT]
    assert {s["Name"] for s in summaries[0]["ServiceIds"]} == {traced_function}

    # AND the service graph has client -> Lambda -> function
    graph = xray.get_service_graph(**window())["Services"]
    nodes = {s["ReferenceId"]: (s["Name"], s["Type"]) for s in graph}
    edges = {(nodes[s["ReferenceId"]], nodes[e["ReferenceId"]]) for s in graph for e in s["Edges"]}
    assert ((traced_function, "AWS::Lambda"), (traced_function, "AWS::Lambda::Function")) in edges


def test_without_a_caller_decision_an_active_function_decides_with_the_rules(
    client: Callable[[str], Any], traced_function: str
) -> None:
    xray = client("xray")
    rule = f"r-{short_uid()}"
    xray.create_sampling_rule(
        SamplingRule={
            "RuleName": rule,
            "ResourceARN": "*",
            "Priority": 1,
            "FixedRate": 0.0,
            "ReservoirSize": 0,
            "ServiceName": traced_function,
            "ServiceType": "AWS::Lambda::Function",
            "Host": "*",
            "HTTPMethod": "*",
            "URLPath": "*",
            "Version": 1,
        }
    )
    try:
        header = fields(invoke_json(client("lambda"), traced_function, {})[1]["trace"])
        assert header["Sampled"] == "0"
        xray.update_sampling_rule(SamplingRuleUpdate={"RuleName": rule, "FixedRate": 1.0})
        header = fields(invoke_json(client("lambda"), traced_function, {})[1]["trace"])
        assert header["Sampled"] == "1" and header["Root"].startswith("1-")
        assert any(d.get("origin") == "AWS::Lambda" for d in segments_of(xray, header["Root"]))
    finally:
        xray.delete_sampling_rule(RuleName=rule)


def test_trace_apis_validate_their_input(client: Callable[[str], Any]) -> None:
    xray = client("xray")
    with pytest.raises(ClientError) as malformed:
        xray.get_trace_summaries(**window(), FilterExpression="responsetime > fast")
    assert malformed.value.response["Error"]["Code"] == "InvalidRequestException"
    with pytest.raises(ClientError) as unsupported:
        xray.get_trace_summaries(**window(), FilterExpression='edge("a", "b")')
    assert unsupported.value.response["Error"]["Code"] == "NotImplementedLocally"
    answer = xray.put_trace_segments(
        TraceSegmentDocuments=[json.dumps({"name": "x", "id": "0000000000000001"})]
    )
    assert len(answer["UnprocessedTraceSegments"]) == 1
