"""OTLP spans as X-Ray shows them: segment and subsegment documents.

The mapping follows X-Ray's OTLP translation (the OpenTelemetry collector's ``awsxrayexporter``,
which X-Ray's own OTLP ingestion documents as its model; developer guide, "Using OpenTelemetry
with X-Ray" and "Transaction Search"):

- a ``SERVER`` or ``CONSUMER`` span, or a span without parent, is a **segment** named after the
  resource's ``service.name``; every other span is a **subsegment** (``"type": "subsegment"``,
  ``parent_id`` its parent span), shown inside its parent when the trace is read;
- a subsegment of an AWS SDK call (``rpc.system = aws-api``) is named after ``rpc.service``
  (``DynamoDB``), namespace ``aws``, with ``aws.operation`` from ``rpc.method``; an HTTP client
  span is named after the host it called, namespace ``remote``;
- ``aws.*`` attributes go to ``aws`` (prefix dropped), HTTP attributes (old and new semantic
  conventions) to ``http.request`` / ``http.response``;
- attributes named in the ``aws.xray.annotations`` list are **annotations** (keys sanitised to
  ``[A-Za-z0-9_]``); every other attribute is metadata in the ``default`` namespace;
- status ``ERROR`` is a ``fault``, or an ``error`` when the HTTP status is 4xx (``throttle`` too
  for 429); ``exception`` events become ``cause.exceptions``; links become ``links``;
- the resource's ``cloud.platform = aws_lambda`` gives segments ``origin: AWS::Lambda::Function``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
        ExportTraceServiceRequest,
    )
    from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
    from opentelemetry.proto.trace.v1.trace_pb2 import Span

KIND_SERVER = 2
KIND_CONSUMER = 5
STATUS_ERROR = 2
ANNOTATIONS_ATTRIBUTE = "aws.xray.annotations"
_NOT_KEY = re.compile(r"[^A-Za-z0-9_]")
_HTTP = {
    "http.method": ("request", "method"),
    "http.request.method": ("request", "method"),
    "http.url": ("request", "url"),
    "url.full": ("request", "url"),
    "http.user_agent": ("request", "user_agent"),
    "user_agent.original": ("request", "user_agent"),
    "http.client_ip": ("request", "client_ip"),
    "client.address": ("request", "client_ip"),
    "http.status_code": ("response", "status"),
    "http.response.status_code": ("response", "status"),
}
_AWS_FROM_RPC = {"rpc.method": "operation"}


def xray_trace_id(raw: bytes) -> str:
    """OTLP's 16 bytes as ``1-<8 hex epoch>-<24 hex>``."""
    text = raw.hex()
    return f"1-{text[:8]}-{text[8:]}"


def value_of(value: AnyValue) -> Any:
    """A Python value from an OTLP ``AnyValue``."""
    kind = value.WhichOneof("value")
    if kind == "array_value":
        return [value_of(item) for item in value.array_value.values]
    if kind == "kvlist_value":
        return {item.key: value_of(item.value) for item in value.kvlist_value.values}
    if kind == "bytes_value":
        return value.bytes_value.hex()
    return getattr(value, kind) if kind else None


def attributes_of(attributes: Any) -> dict[str, Any]:
    items: list[KeyValue] = list(attributes)
    return {item.key: value_of(item.value) for item in items}


def spans_to_documents(request: ExportTraceServiceRequest) -> list[dict[str, Any]]:
    """Every span of the request as a segment or independent subsegment document."""
    documents: list[dict[str, Any]] = []
    for resource_spans in request.resource_spans:
        resource = attributes_of(resource_spans.resource.attributes)
        for scope_spans in resource_spans.scope_spans:
            documents.extend(span_to_document(span, resource) for span in scope_spans.spans)
    return documents


def span_to_document(span: Span, resource: dict[str, Any]) -> dict[str, Any]:
    """One span as X-Ray shows it."""
    attributes = attributes_of(span.attributes)
    is_segment = span.kind in (KIND_SERVER, KIND_CONSUMER) or not span.parent_span_id
    document: dict[str, Any] = {
        "id": span.span_id.hex(),
        "trace_id": xray_trace_id(span.trace_id),
        "start_time": span.start_time_unix_nano / 1e9,
        "end_time": span.end_time_unix_nano / 1e9,
    }
    if span.parent_span_id:
        document["parent_id"] = span.parent_span_id.hex()
    http = _http(attributes)
    aws = _aws(attributes)
    if is_segment:
        document["name"] = str(resource.get("service.name") or span.name)
        if resource.get("cloud.platform") == "aws_lambda":
            document["origin"] = "AWS::Lambda::Function"
    else:
        document["type"] = "subsegment"
        document["name"], namespace = _subsegment_name(span.name, attributes)
        if namespace:
            document["namespace"] = namespace
    if http:
        document["http"] = http
    if aws:
        document["aws"] = aws
    annotation_keys = set(attributes.pop(ANNOTATIONS_ATTRIBUTE, None) or ())
    annotations = {
        _NOT_KEY.sub("_", key): value
        for key, value in attributes.items()
        if key in annotation_keys and isinstance(value, str | int | float | bool)
    }
    if annotations:
        document["annotations"] = annotations
    metadata = {
        key: value
        for key, value in attributes.items()
        if key not in annotation_keys and key not in _HTTP and not key.startswith("aws.")
    }
    if span.name and not is_segment and document["name"] != span.name:
        metadata.setdefault("span.name", span.name)
    if metadata:
        document["metadata"] = {"default": metadata}
    _status(document, span, http)
    if span.links:
        document["links"] = [
            {
                "trace_id": xray_trace_id(link.trace_id),
                "id": link.span_id.hex(),
                "attributes": attributes_of(link.attributes),
            }
            for link in span.links
        ]
    return document


def _subsegment_name(name: str, attributes: dict[str, Any]) -> tuple[str, str | None]:
    if attributes.get("rpc.system") == "aws-api" and attributes.get("rpc.service"):
        return str(attributes["rpc.service"]), "aws"
    url = attributes.get("url.full") or attributes.get("http.url")
    host = attributes.get("server.address") or attributes.get("net.peer.name")
    if url and not host:
        host = urlsplit(str(url)).hostname
    if host and (url or "http.request.method" in attributes or "http.method" in attributes):
        return str(host), "remote"
    return name, None


def _http(attributes: dict[str, Any]) -> dict[str, Any]:
    http: dict[str, dict[str, Any]] = {}
    for key, (part, field) in _HTTP.items():
        if key in attributes:
            http.setdefault(part, {})[field] = attributes[key]
    return http


def _aws(attributes: dict[str, Any]) -> dict[str, Any]:
    aws = {
        key[len("aws.") :]: value
        for key, value in attributes.items()
        if key.startswith("aws.") and key != ANNOTATIONS_ATTRIBUTE
    }
    for key, target in _AWS_FROM_RPC.items():
        if key in attributes and attributes.get("rpc.system") == "aws-api":
            aws.setdefault(target, attributes[key])
    return aws


def _status(document: dict[str, Any], span: Span, http: dict[str, Any]) -> None:
    status = http.get("response", {}).get("status")
    code = int(status) if isinstance(status, int | float | str) and str(status).isdigit() else 0
    if 400 <= code < 500:
        document["error"] = True
        if code == 429:
            document["throttle"] = True
    elif code >= 500 or span.status.code == STATUS_ERROR:
        document["fault"] = True
    exceptions = []
    for event in span.events:
        if event.name != "exception":
            continue
        values = attributes_of(event.attributes)
        exceptions.append(
            {
                "id": span.span_id.hex(),
                "type": values.get("exception.type"),
                "message": values.get("exception.message"),
            }
        )
    if exceptions:
        document["cause"] = {"exceptions": exceptions}
