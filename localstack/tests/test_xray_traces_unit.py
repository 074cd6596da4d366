"""The X-Ray trace store without LocalStack: both datagram formats, OTLP spans as X-Ray shows
them, filter expressions (malformed and unsupported ones too) and the service graph.

AWS references: segment documents
https://docs.aws.amazon.com/xray/latest/devguide/xray-api-segmentdocuments.html; filter
expressions https://docs.aws.amazon.com/xray/latest/devguide/xray-console-filters.html; ADOT's
OTLP UDP exporter (``amazon.opentelemetry.distro.otlp_udp_exporter``: header line, ``T1S`` /
``T1U``, base64 of an ``ExportTraceServiceRequest``).
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, ArrayValue, KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, ScopeSpans, Span, Status

from rez_localstack.xray import filters, graph
from rez_localstack.xray.daemon import XRayDaemon
from rez_localstack.xray.datagrams import DatagramError, decode
from rez_localstack.xray.summaries import TraceFacts
from rez_localstack.xray.traces import TraceStore

HEADER = b'{"format":"json","version":1}\n'
TRACE_HEX = "5f84c7a1" + "b3c4d5e6f708192a3b4c5d6e"
TRACE_ID = f"1-{TRACE_HEX[:8]}-{TRACE_HEX[8:]}"
T0 = 1_700_000_000.0


def value(v: Any) -> AnyValue:
    if isinstance(v, bool):
        return AnyValue(bool_value=v)
    if isinstance(v, int):
        return AnyValue(int_value=v)
    if isinstance(v, float):
        return AnyValue(double_value=v)
    if isinstance(v, list):
        return AnyValue(array_value=ArrayValue(values=[value(item) for item in v]))
    return AnyValue(string_value=str(v))


def span(
    span_id: str,
    name: str,
    kind: int,
    parent: str | None = None,
    start: float = T0,
    end: float = T0 + 0.1,
    error: bool = False,
    **attributes: Any,
) -> Span:
    return Span(
        trace_id=bytes.fromhex(TRACE_HEX),
        span_id=bytes.fromhex(span_id),
        parent_span_id=bytes.fromhex(parent) if parent else b"",
        name=name,
        kind=kind,  # type: ignore[arg-type]
        start_time_unix_nano=int(start * 1e9),
        end_time_unix_nano=int(end * 1e9),
        attributes=[
            KeyValue(key=k.replace("__", "."), value=value(v)) for k, v in attributes.items()
        ],
        status=Status(code=2 if error else 0),  # type: ignore[arg-type]
    )


def otlp_datagram(spans: list[Span], prefix: str = "T1S", service: str = "processor") -> bytes:
    request = ExportTraceServiceRequest(
        resource_spans=[
            ResourceSpans(
                resource={  # type: ignore[arg-type]
                    "attributes": [
                        KeyValue(key="service.name", value=value(service)),
                        KeyValue(key="cloud.platform", value=value("aws_lambda")),
                    ]
                },
                scope_spans=[ScopeSpans(spans=spans)],
            )
        ]
    )
    return HEADER + prefix.encode() + base64.b64encode(request.SerializeToString())


def segment_datagram(document: dict[str, Any]) -> bytes:
    return HEADER + json.dumps(document).encode()


SERVER, CLIENT, INTERNAL = 2, 3, 1


def processor_trace() -> list[Span]:
    """A consumer invocation calling DynamoDB and an HTTP host, with an annotated span."""
    return [
        span(
            "a000000000000001",
            "processor",
            SERVER,
            parent="f000000000000001",
            correlation_id="c-1",
            aws__xray__annotations=["correlation_id"],
            payload_size=12,
        ),
        span(
            "a000000000000002",
            "DynamoDB.UpdateItem",
            CLIENT,
            parent="a000000000000001",
            start=T0 + 0.01,
            end=T0 + 0.02,
            rpc__system="aws-api",
            rpc__service="DynamoDB",
            rpc__method="UpdateItem",
            aws__table_name="messages",
        ),
        span(
            "a000000000000003",
            "POST",
            CLIENT,
            parent="a000000000000001",
            start=T0 + 0.03,
            end=T0 + 0.05,
            error=True,
            http__request__method="POST",
            url__full="http://ntfy.local:8090/topic",
            http__response__status_code=503,
        ),
    ]


# -- datagrams ---------------------------------------------------------------------------


def test_a_segment_document_datagram_is_stored_as_sent() -> None:
    store = TraceStore()
    document = {
        "name": "scheduler",
        "id": "b000000000000001",
        "trace_id": TRACE_ID,
        "start_time": T0,
        "end_time": T0 + 1,
        "annotations": {"message_id": "m-1"},
    }
    XRayDaemon(store=store).handle(segment_datagram(document))
    trace = store.get(TRACE_ID)
    assert trace is not None and trace.segments() == [document]


def test_an_independent_subsegment_is_nested_in_its_parent_when_read() -> None:
    store = TraceStore()
    parent = {"name": "svc", "id": "b1", "trace_id": TRACE_ID, "start_time": T0, "end_time": T0 + 1}
    child = {
        "type": "subsegment",
        "name": "DynamoDB",
        "id": "b2",
        "parent_id": "b1",
        "trace_id": TRACE_ID,
        "start_time": T0 + 0.1,
        "end_time": T0 + 0.2,
    }
    store.put([child, parent])
    (segment,) = store.get(TRACE_ID).segments()  # type: ignore[union-attr]
    assert [sub["name"] for sub in segment["subsegments"]] == ["DynamoDB"]
    assert "type" not in segment["subsegments"][0]


def test_otlp_sampled_spans_become_a_segment_with_subsegments() -> None:
    store = TraceStore()
    XRayDaemon(store=store).handle(otlp_datagram(processor_trace()))
    (segment,) = store.get(TRACE_ID).segments()  # type: ignore[union-attr]
    # GIVEN a server span: a segment named after service.name, origin from cloud.platform
    assert segment["name"] == "processor" and segment["origin"] == "AWS::Lambda::Function"
    assert segment["parent_id"] == "f000000000000001"
    # annotations only for the keys listed in aws.xray.annotations; the rest is metadata
    assert segment["annotations"] == {"correlation_id": "c-1"}
    assert segment["metadata"]["default"]["payload_size"] == 12
    dynamo, http = segment["subsegments"]
    assert (dynamo["name"], dynamo["namespace"]) == ("DynamoDB", "aws")
    assert dynamo["aws"] == {"table_name": "messages", "operation": "UpdateItem"}
    assert (http["name"], http["namespace"]) == ("ntfy.local", "remote")
    assert http["http"] == {
        "request": {"method": "POST", "url": "http://ntfy.local:8090/topic"},
        "response": {"status": 503},
    }
    assert http["fault"] is True


def test_otlp_unsampled_spans_are_counted_not_stored() -> None:
    store = TraceStore()
    XRayDaemon(store=store).handle(otlp_datagram(processor_trace(), prefix="T1U"))
    assert store.get(TRACE_ID) is None and store.unsampled_spans == 3


@pytest.mark.parametrize(
    "datagram",
    [
        b"no header line",
        b'{"format":"xml","version":1}\n{}',
        HEADER + b"T1S!!!not base64",
        HEADER + b"[1, 2]",
        HEADER + b'{"name": "missing ids"}',
    ],
)
def test_unreadable_datagrams_are_dropped(datagram: bytes) -> None:
    store = TraceStore()
    daemon = XRayDaemon(store=store)
    daemon.handle(datagram)
    assert store.all() == [] and daemon.dropped == 1


def test_decode_rejects_a_body_that_is_neither_format() -> None:
    with pytest.raises(DatagramError):
        decode(HEADER + b"T2Xabc")


# -- filter expressions ---------------------------------------------------------------------


def facts_of(spans: list[Span]) -> TraceFacts:
    store = TraceStore()
    XRayDaemon(store=store).handle(otlp_datagram(spans))
    trace = store.get(TRACE_ID)
    assert trace is not None
    return TraceFacts.of(trace)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ('annotation.correlation_id = "c-1"', True),
        ('annotation.correlation_id = "c-2"', False),
        ('annotation.correlation_id != "c-2"', True),
        ("annotation.correlation_id", True),
        ("annotation.other", False),
        ('annotation.correlation_id BEGINSWITH "c-"', True),
        ('service("processor")', True),
        ('service("DynamoDB")', True),
        ('service(id(name: "DynamoDB", type: "AWS::DynamoDB::Table"))', True),
        ('service("web-api")', False),
        ("fault", True),
        ("error", False),
        ("ok", False),
        ("!error", True),
        ("throttle = false", True),
        ("responsetime > 0.05", True),
        ("responsetime >= 0.2", False),
        ("duration < 1", True),
        ('fault AND service("web-api")', False),
        ('fault OR service("web-api")', True),
        ('error || (fault && annotation.correlation_id = "c-1")', True),
        ("", True),
    ],
)
def test_filter_expressions(expression: str, expected: bool) -> None:
    assert filters.parse(expression)(facts_of(processor_trace())) is expected


@pytest.mark.parametrize(
    "expression",
    [
        'annotation.correlation_id = "unterminated',
        "responsetime > fast",
        "fault AND",
        '(service("a")',
        'service("a"))',
        "nonsense_keyword",
        "error = maybe",
        'annotation. = "x"',
        'annotation.x < "a"',
    ],
)
def test_malformed_filter_expressions_are_refused(expression: str) -> None:
    with pytest.raises(filters.FilterSyntaxError):
        filters.parse(expression)


@pytest.mark.parametrize(
    "expression",
    [
        'edge("a", "b")',
        'user = "alice"',
        'rootcause.fault.service { name = "x" }',
        'group.name = "g"',
    ],
)
def test_unsupported_filter_syntax_fails_loudly(expression: str) -> None:
    with pytest.raises(filters.UnsupportedFilterError):
        filters.parse(expression)


def test_summary_shape() -> None:
    summary = facts_of(processor_trace()).summary()
    assert summary["Id"] == TRACE_ID
    assert summary["HasFault"] and not summary["HasError"]
    assert summary["ResponseTime"] == pytest.approx(0.1, abs=1e-3)
    assert summary["Annotations"]["correlation_id"] == [
        {
            "AnnotationValue": {"StringValue": "c-1"},
            "ServiceIds": [
                {"Name": "processor", "Names": ["processor"], "Type": "AWS::Lambda::Function"}
            ],
        }
    ]
    assert summary["EntryPoint"]["Name"] == "processor"


# -- service graph -------------------------------------------------------------------------


def test_service_graph_nodes_edges_and_counts() -> None:
    # GIVEN Lambda's own segments over the function's OTLP spans
    store = TraceStore()
    store.put(
        [
            {
                "id": "f000000000000000",
                "trace_id": TRACE_ID,
                "name": "processor-fn",
                "origin": "AWS::Lambda",
                "start_time": T0 - 0.01,
                "end_time": T0 + 0.2,
            },
            {
                "id": "f000000000000001",
                "parent_id": "f000000000000000",
                "trace_id": TRACE_ID,
                "name": "processor-fn",
                "origin": "AWS::Lambda::Function",
                "start_time": T0,
                "end_time": T0 + 0.19,
            },
        ]
    )
    XRayDaemon(store=store).handle(otlp_datagram(processor_trace()))
    facts = TraceFacts.of(store.get(TRACE_ID))  # type: ignore[arg-type]
    built = graph.build([facts], {TRACE_ID: facts})
    now = datetime.now(UTC)
    services = graph.to_api(built, now, now)
    nodes = {s["ReferenceId"]: (s["Name"], s["Type"]) for s in services}
    edges = {
        ((s["Name"], s["Type"]), nodes[e["ReferenceId"]]): e["SummaryStatistics"]
        for s in services
        for e in s["Edges"]
    }
    lambda_node = ("processor-fn", "AWS::Lambda")
    function_node = ("processor-fn", "AWS::Lambda::Function")
    dynamo_node = ("DynamoDB", "AWS::DynamoDB::Table")
    ntfy_node = ("ntfy.local", "remote")
    # the function's own (OTLP) segment is merged into Lambda's function node
    assert set(nodes.values()) == {
        ("client", "client"),
        lambda_node,
        function_node,
        dynamo_node,
        ntfy_node,
    }
    assert set(edges) == {
        (("client", "client"), lambda_node),
        (lambda_node, function_node),
        (function_node, dynamo_node),
        (function_node, ntfy_node),
    }
    assert edges[(function_node, ntfy_node)]["FaultStatistics"]["TotalCount"] == 1
    assert edges[(function_node, ntfy_node)]["OkCount"] == 0
    dynamo = edges[(function_node, dynamo_node)]
    assert dynamo["OkCount"] == 1 and dynamo["TotalResponseTime"] == pytest.approx(0.01, abs=1e-3)


def test_a_downstream_functions_segment_under_a_call_is_its_own_node() -> None:
    # GIVEN the scheduler's code (merged into Lambda's function node) calling SNS, and the
    # processor continuing that trace from the message (its parent: the SNS call)
    def doc(id_: str, name: str, parent: str | None = None, **extra: Any) -> dict[str, Any]:
        document = {"id": id_, "trace_id": TRACE_ID, "name": name, "start_time": T0,
                    "end_time": T0 + 0.1, **extra}  # fmt: skip
        if parent:
            document["parent_id"] = parent
        return document

    store = TraceStore()
    store.put(
        [
            doc("c1", "scheduler-fn", origin="AWS::Lambda"),
            doc("c2", "scheduler-fn", "c1", origin="AWS::Lambda::Function"),
            doc("c3", "scheduler", "c2", origin="AWS::Lambda::Function"),
            doc("c4", "SNS", "c3", type="subsegment", namespace="aws"),
            doc("c5", "processor", "c4", origin="AWS::Lambda::Function"),
        ]
    )
    facts = TraceFacts.of(store.get(TRACE_ID))  # type: ignore[arg-type]
    now = datetime.now(UTC)
    services = graph.to_api(graph.build([facts], {TRACE_ID: facts}), now, now)
    nodes = {s["ReferenceId"]: (s["Name"], s["Type"]) for s in services}
    edges = {
        (nodes[s["ReferenceId"]], nodes[e["ReferenceId"]]) for s in services for e in s["Edges"]
    }
    function = ("scheduler-fn", "AWS::Lambda::Function")
    # THEN the scheduler's code is the function node, which calls the processor's node
    assert (function, ("processor", "AWS::Lambda::Function")) in edges
    assert ("scheduler", "AWS::Lambda::Function") not in nodes.values()
