"""Span documents as a serialized OTLP `ExportTraceServiceRequest`, without protobuf.

The protobuf runtime and `opentelemetry-proto` take ~300 ms to import in a cold Lambda
environment (more than the whole OpenTelemetry back end), for a message of five small types. This
module writes the protobuf wire format of exactly those types (field numbers from
`opentelemetry/proto/trace/v1/trace.proto`, `common/v1/common.proto`,
`collector/trace/v1/trace_service.proto`); the harness's X-Ray endpoint decodes it with the
official `opentelemetry-proto`, which keeps the two honest.

Input is what `export.span_to_dict` produces (X-Ray ids, epoch seconds, attributes, metadata).
"""

from __future__ import annotations

import json
import struct
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

ANNOTATIONS_ATTRIBUTE: Final = "aws.xray.annotations"
"""The attribute naming which attributes X-Ray indexes as annotations."""

_KINDS: Final = {"internal": 1, "server": 2, "client": 3, "producer": 4, "consumer": 5}
_STATUS: Final = {"unset": 0, "ok": 1, "error": 2}
_ANNOTATION_CHARS: Final = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"
)


def _varint(value: int) -> bytes:
    value &= (1 << 64) - 1
    out = bytearray()
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _tag(field: int, wire: int) -> bytes:
    return _varint((field << 3) | wire)


def _bytes_field(field: int, data: bytes) -> bytes:
    return _tag(field, 2) + _varint(len(data)) + data


def _string(field: int, text: str) -> bytes:
    return _bytes_field(field, text.encode("utf-8")) if text else b""


def _fixed64(field: int, value: int) -> bytes:
    return _tag(field, 1) + struct.pack("<Q", value)


def _uint(field: int, value: int) -> bytes:
    return _tag(field, 0) + _varint(value) if value else b""


def any_value(value: Any) -> bytes:
    """An `AnyValue` (strings, bools, ints, floats, lists, mappings; others as JSON text)."""
    if isinstance(value, bool):
        return _tag(2, 0) + _varint(int(value))
    if isinstance(value, int):
        return _tag(3, 0) + _varint(value)
    if isinstance(value, float):
        return _tag(4, 1) + struct.pack("<d", value)
    if isinstance(value, str):
        return _bytes_field(1, value.encode("utf-8"))
    if isinstance(value, list | tuple):
        return _bytes_field(5, b"".join(_bytes_field(1, any_value(item)) for item in value))
    if isinstance(value, Mapping):
        return _bytes_field(
            6, b"".join(_bytes_field(1, key_value(str(k), v)) for k, v in value.items())
        )
    return _bytes_field(1, json.dumps(value, default=str, separators=(",", ":")).encode())


def key_value(key: str, value: Any) -> bytes:
    return _string(1, key) + _bytes_field(2, any_value(value))


def _attributes(field: int, attributes: Mapping[str, Any]) -> bytes:
    return b"".join(_bytes_field(field, key_value(k, v)) for k, v in attributes.items())


def trace_id_bytes(xray_id: str) -> bytes:
    """`1-5f84c7a1-b3c4…` -> the 16 bytes OTLP carries."""
    _, epoch, rest = xray_id.split("-")
    return bytes.fromhex(epoch + rest)


def is_annotation(key: str, value: Any) -> bool:
    """X-Ray annotation keys are letters, digits and `_`; values strings, numbers or booleans."""
    return isinstance(value, str | int | float | bool) and all(c in _ANNOTATION_CHARS for c in key)


def span_attributes(document: Mapping[str, Any]) -> dict[str, Any]:
    """The attributes sent for one span: annotations listed in `aws.xray.annotations`, metadata
    under their own keys, and `rpc.service`/`rpc.method` for AWS SDK calls (as OpenTelemetry's
    botocore instrumentation names them)."""
    attributes: dict[str, Any] = dict(document.get("attributes") or {})
    annotations = sorted(k for k, v in attributes.items() if is_annotation(k, v))
    if attributes.get("rpc.system") == "aws-api":
        attributes.setdefault("rpc.service", attributes.get("aws.service"))
        attributes.setdefault("rpc.method", attributes.get("aws.operation"))
    for key, value in (document.get("metadata") or {}).items():
        if key not in attributes:
            attributes[key] = value
    if annotations:
        attributes[ANNOTATIONS_ATTRIBUTE] = annotations
    return {k: v for k, v in attributes.items() if v is not None}


def _nanos(seconds: Any) -> int:
    """Epoch seconds (a float: microseconds are what it holds exactly) as nanoseconds."""
    return round(float(seconds) * 1e6) * 1000


def span(document: Mapping[str, Any]) -> bytes:
    """One `Span` from a span document."""
    start = _nanos(document["start"])
    end = _nanos(document.get("end") or document["start"])
    out = [
        _bytes_field(1, trace_id_bytes(document["trace_id"])),
        _bytes_field(2, bytes.fromhex(document["span_id"])),
    ]
    if document.get("parent_id"):
        out.append(_bytes_field(4, bytes.fromhex(document["parent_id"])))
    out.append(_string(5, str(document.get("name") or "span")))
    out.append(_uint(6, _KINDS.get(str(document.get("kind")), 1)))
    out.append(_fixed64(7, start))
    out.append(_fixed64(8, end))
    out.append(_attributes(9, span_attributes(document)))
    error = document.get("error")
    if error:
        event = _fixed64(1, end) + _string(2, "exception")
        event += _attributes(
            3,
            {
                "exception.type": error.get("type") or "",
                "exception.message": error.get("message") or "",
            },
        )
        out.append(_bytes_field(11, event))
    for link in document.get("links") or ():
        out.append(
            _bytes_field(
                13,
                _bytes_field(1, trace_id_bytes(link["trace_id"]))
                + _bytes_field(2, bytes.fromhex(link["span_id"])),
            )
        )
    status = _STATUS.get(str(document.get("status")), 0)
    if status:
        out.append(
            _bytes_field(
                15, _string(2, str(document.get("status_message") or "")) + _uint(3, status)
            )
        )
    out.append(_tag(16, 5) + struct.pack("<I", 0x101))  # sampled, parent remote-known
    return b"".join(out)


def scope_span(document: Mapping[str, Any]) -> bytes:
    """One span as the `spans` field of a `ScopeSpans` (ready to be packed)."""
    return _bytes_field(2, span(document))


def request_of(scope_spans: Sequence[bytes], resource: Mapping[str, Any], scope: str) -> bytes:
    """A serialized `ExportTraceServiceRequest` from spans already encoded by `scope_span`."""
    scope_part = _bytes_field(1, _string(1, scope)) + b"".join(scope_spans)
    resource_spans = _bytes_field(1, _attributes(1, resource)) + _bytes_field(2, scope_part)
    return _bytes_field(1, resource_spans)


def export_request(
    documents: Iterable[Mapping[str, Any]],
    resource: Mapping[str, Any],
    scope: str = "rez_telemetry",
) -> bytes:
    """A serialized `ExportTraceServiceRequest`: one resource, one scope, these spans."""
    return request_of([scope_span(document) for document in documents], resource, scope)
