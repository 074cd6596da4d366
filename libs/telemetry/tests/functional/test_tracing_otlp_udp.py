"""OTel spans to Lambda's X-Ray endpoint as ADOT sends them: OTLP over UDP.

ADOT's `OTLPUdpSpanExporter` (`amazon.opentelemetry.distro.otlp_udp_exporter`): one datagram per
batch, `{"format":"json","version":1}\\n`, `T1S`, base64 of an `ExportTraceServiceRequest`.
The protobuf itself is checked against the official `opentelemetry-proto` by the harness's
tests (`localstack/tests/test_xray_otlp_contract.py`); here: the datagram, what is sent when, and
the Lambda trace header as parent.
"""

from __future__ import annotations

import base64
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from rez_telemetry import correlation, lambda_handler
from rez_telemetry.tracing import install, tracer
from rez_telemetry.tracing.otlp_encoding import span_attributes, trace_id_bytes
from rez_telemetry.tracing.otlp_udp import OtlpUdpExporter, parse_address

LAMBDA_ROOT = "1-6756c000-0123456789abcdef01234567"
LAMBDA_PARENT = "53995c3f42cd8ad8"


class Context:
    function_name = "rez-agent-processor-dev"
    aws_request_id = "req-1"


@pytest.fixture
def endpoint() -> Iterator[socket.socket]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(5)
    yield sock
    sock.close()


@pytest.fixture
def in_lambda(endpoint: socket.socket, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    host, port = endpoint.getsockname()
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "rez-agent-processor-dev")
    monkeypatch.setenv("AWS_XRAY_DAEMON_ADDRESS", f"{host}:{port}")
    monkeypatch.setenv("_X_AMZN_TRACE_ID", f"Root={LAMBDA_ROOT};Parent={LAMBDA_PARENT};Sampled=1")
    monkeypatch.setenv("TRACING_BACKEND", "otel")
    monkeypatch.setenv("TRACE_SAMPLE_RATE", "1")
    install()
    tracer.reset()
    yield f"{host}:{port}"
    tracer.reset()


def received(endpoint: socket.socket) -> list[bytes]:
    datagrams = [endpoint.recv(65535)]
    endpoint.setblocking(False)
    try:
        while True:
            datagrams.append(endpoint.recv(65535))
    except BlockingIOError:
        return datagrams


def test_an_invocation_sends_its_spans_as_one_adot_datagram(
    in_lambda: str, endpoint: socket.socket, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a handler with a span, in Lambda with the X-Ray endpoint set
    @lambda_handler(service="processor")
    def handler(event: dict[str, Any], context: Any) -> str:
        with (
            correlation.correlation_scope(correlation_id="corr-1", message_id="msg-1"),
            tracer.span("process", message_type="manual"),
        ):
            pass
        return "ok"

    # WHEN it runs
    assert handler({}, Context()) == "ok"

    # THEN the spans went out as ADOT's datagram, not as span lines in the logs
    [datagram] = received(endpoint)
    header, _, body = datagram.partition(b"\n")
    assert header == b'{"format":"json","version":1}'
    assert body.startswith(b"T1S")
    payload = base64.b64decode(body[3:], validate=True)
    # the invocation continues Lambda's trace: its id and Lambda's function segment as parent
    assert trace_id_bytes(LAMBDA_ROOT) in payload
    assert bytes.fromhex(LAMBDA_PARENT) in payload
    assert b"aws.xray.annotations" in payload
    assert b"corr-1" in payload
    assert '"span"' not in capsys.readouterr().out


def test_unsampled_invocations_send_nothing(
    in_lambda: str, endpoint: socket.socket, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Lambda decided not to sample: no span is recorded, so none is sent (ADOT without
    # Application Signals drops unsampled spans too)
    monkeypatch.setenv("_X_AMZN_TRACE_ID", f"Root={LAMBDA_ROOT};Parent={LAMBDA_PARENT};Sampled=0")

    @lambda_handler(service="processor")
    def handler(event: dict[str, Any], context: Any) -> str:
        with tracer.span("process"):
            return "ok"

    handler({}, Context())
    endpoint.settimeout(0.3)
    with pytest.raises(TimeoutError):
        endpoint.recv(65535)


def test_spans_in_the_logs_stay_an_option(
    in_lambda: str,
    endpoint: socket.socket,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("TRACE_EXPORT_STDOUT", "true")
    tracer.reset()

    @lambda_handler(service="processor")
    def handler(event: dict[str, Any], context: Any) -> str:
        return "ok"

    handler({}, Context())
    assert received(endpoint)
    assert '"span"' in capsys.readouterr().out


def test_x_ray_export_can_be_turned_off(
    in_lambda: str, endpoint: socket.socket, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRACE_EXPORT_XRAY", "false")
    monkeypatch.setenv("TRACE_EXPORT_STDOUT", "false")
    tracer.reset()

    @lambda_handler(service="processor")
    def handler(event: dict[str, Any], context: Any) -> str:
        return "ok"

    handler({}, Context())
    endpoint.settimeout(0.3)
    with pytest.raises(TimeoutError):
        endpoint.recv(65535)


def test_large_batches_are_split_below_the_udp_limit(endpoint: socket.socket) -> None:
    host, port = endpoint.getsockname()
    exporter = OtlpUdpExporter(f"{host}:{port}", {"service.name": "svc"})
    big = "x" * 3000
    documents = [
        {
            "trace_id": LAMBDA_ROOT,
            "span_id": f"{index:016x}",
            "name": "span",
            "kind": "internal",
            "start": 1.0,
            "end": 2.0,
            "status": "unset",
            "attributes": {"payload": big},
        }
        for index in range(60)
    ]
    exporter.export_documents(documents)
    datagrams = received(endpoint)
    assert len(datagrams) > 1
    assert all(len(d) < 65535 for d in datagrams)
    exporter.close()


def test_annotations_are_listed_and_metadata_kept() -> None:
    attributes = span_attributes(
        {
            "attributes": {
                "correlation_id": "c",
                "message_type": "manual",
                "rpc.system": "aws-api",
                "aws.service": "DynamoDB",
                "aws.operation": "PutItem",
            },
            "metadata": {"payload": {"title": "hi"}},
        }
    )
    assert attributes["aws.xray.annotations"] == ["correlation_id", "message_type"]
    assert attributes["payload"] == {"title": "hi"}
    assert (attributes["rpc.service"], attributes["rpc.method"]) == ("DynamoDB", "PutItem")


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("127.0.0.1:2000", ("127.0.0.1", 2000)),
        ("tcp:127.0.0.1:2000 udp:127.0.0.2:2001", ("127.0.0.2", 2001)),
    ],
)
def test_daemon_address_forms(address: str, expected: tuple[str, int]) -> None:
    assert parse_address(address) == expected


def test_a_bad_address_is_refused() -> None:
    with pytest.raises(ValueError, match="not a host:port"):
        parse_address("no-port")
