"""The project's OTLP encoder (``rez_telemetry.tracing.otlp_encoding``, written without protobuf
to keep cold starts short) read with the official ``opentelemetry-proto`` and shown as X-Ray
shows it. The encoder is plain standard-library code, loaded here from its file.
"""

from __future__ import annotations

import base64
import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from rez_localstack.xray.daemon import XRayDaemon
from rez_localstack.xray.traces import TraceStore

ENCODER = (
    Path(__file__).resolve().parents[2]
    / "libs/telemetry/src/rez_telemetry/tracing/otlp_encoding.py"
)
TRACE = "1-6756c000-0123456789abcdef01234567"


def encoder() -> ModuleType:
    spec = importlib.util.spec_from_file_location("otlp_encoding", ENCODER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


DOCUMENTS: list[dict[str, Any]] = [
    {
        "trace_id": TRACE,
        "span_id": "a000000000000001",
        "parent_id": "53995c3f42cd8ad8",
        "links": [],
        "name": "rez-agent-processor-dev",
        "kind": "consumer",
        "start": 1733738496.25,
        "end": 1733738496.5,
        "status": "unset",
        "attributes": {"correlation_id": "c-1", "message_id": "m-1", "faas.invocation_id": "r"},
        "metadata": {"payload": {"title": "hi"}},
    },
    {
        "trace_id": TRACE,
        "span_id": "a000000000000002",
        "parent_id": "a000000000000001",
        "links": [{"trace_id": TRACE, "span_id": "b000000000000001"}],
        "name": "DynamoDB.UpdateItem",
        "kind": "client",
        "start": 1733738496.3,
        "end": 1733738496.35,
        "status": "error",
        "status_message": "ConditionalCheckFailedException",
        "error": {"type": "ClientError", "message": "no"},
        "attributes": {
            "rpc.system": "aws-api",
            "aws.service": "DynamoDB",
            "aws.operation": "UpdateItem",
            "aws.table_name": "messages",
            "http.status_code": 400,
        },
        "metadata": {},
    },
]


def test_the_encoder_writes_what_opentelemetry_proto_reads() -> None:
    payload = encoder().export_request(DOCUMENTS, {"service.name": "processor"})
    request = ExportTraceServiceRequest()
    request.ParseFromString(payload)
    [resource] = request.resource_spans
    assert resource.resource.attributes[0].key == "service.name"
    spans = list(resource.scope_spans[0].spans)
    assert [s.name for s in spans] == ["rez-agent-processor-dev", "DynamoDB.UpdateItem"]
    assert spans[0].trace_id.hex() == "6756c0000123456789abcdef01234567"
    assert spans[0].parent_span_id.hex() == "53995c3f42cd8ad8"
    assert spans[0].kind == 5 and spans[1].kind == 3
    assert spans[0].start_time_unix_nano == 1733738496250000000
    assert spans[1].status.code == 2 and spans[1].events[0].name == "exception"
    assert spans[1].links[0].span_id.hex() == "b000000000000001"


def test_encoded_spans_become_the_segments_x_ray_shows() -> None:
    payload = encoder().export_request(DOCUMENTS, {"service.name": "processor"})
    store = TraceStore()
    XRayDaemon(store=store).handle(
        b'{"format":"json","version":1}\nT1S' + base64.b64encode(payload)
    )
    trace = store.get(TRACE)
    assert trace is not None
    [segment] = trace.segments()
    assert segment["name"] == "processor"
    assert segment["annotations"] == {"correlation_id": "c-1", "message_id": "m-1"}
    assert segment["metadata"]["default"]["payload"] == {"title": "hi"}
    [dynamo] = segment["subsegments"]
    assert (dynamo["name"], dynamo["namespace"]) == ("DynamoDB", "aws")
    assert dynamo["aws"]["operation"] == "UpdateItem"
    assert dynamo["error"] is True and "fault" not in dynamo
