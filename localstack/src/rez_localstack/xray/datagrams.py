"""What a function sends to ``AWS_XRAY_DAEMON_ADDRESS``, turned into segment documents.

Two formats share one UDP datagram layout, a JSON header line then the body:

- the X-Ray daemon's (developer guide, "Sending segment documents to the X-Ray daemon"):
  ``{"format": "json", "version": 1}\\n{segment document}``;
- ADOT's OTLP UDP exporter (``amazon.opentelemetry.distro.otlp_udp_exporter``): the same header,
  then ``T1S`` (sampled spans) or ``T1U`` (unsampled spans, which ADOT sends only for Application
  Signals metrics and X-Ray never stores as traces), then the base64 of a serialized OTLP
  ``ExportTraceServiceRequest``.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from typing import Any

from rez_localstack.xray.otlp_segments import spans_to_documents

SAMPLED_PREFIX = "T1S"
UNSAMPLED_PREFIX = "T1U"


class DatagramError(ValueError):
    """Not a datagram the X-Ray endpoint accepts (the daemon drops it and logs why)."""


@dataclass(slots=True)
class Decoded:
    """Segment documents to store, and how many unsampled spans came with the datagram."""

    documents: list[dict[str, Any]] = field(default_factory=list)
    unsampled_spans: int = 0


def decode(datagram: bytes) -> Decoded:
    """Segment documents from one datagram, whichever of the two formats it is."""
    try:
        text = datagram.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DatagramError("datagram is not UTF-8") from exc
    header_line, newline, body = text.partition("\n")
    if not newline:
        raise DatagramError("datagram without a header line")
    try:
        header = json.loads(header_line)
    except ValueError as exc:
        raise DatagramError(f"header is not JSON: {header_line[:80]!r}") from exc
    if not isinstance(header, dict) or header.get("format") != "json" or header.get("version") != 1:
        raise DatagramError(f"unknown header {header_line[:80]!r}")
    body = body.strip()
    if body.startswith((SAMPLED_PREFIX, UNSAMPLED_PREFIX)):
        return _otlp(body)
    try:
        document = json.loads(body)
    except ValueError as exc:
        raise DatagramError("body is neither a segment document nor OTLP") from exc
    if not isinstance(document, dict):
        raise DatagramError("segment document is not a JSON object")
    return Decoded([document])


def _otlp(body: str) -> Decoded:
    from google.protobuf.message import DecodeError
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
        ExportTraceServiceRequest,
    )

    prefix, encoded = body[:3], body[3:]
    try:
        raw = base64.b64decode(encoded, validate=True)
    except binascii.Error as exc:
        raise DatagramError("OTLP body is not base64") from exc
    request = ExportTraceServiceRequest()
    try:
        request.ParseFromString(raw)
    except DecodeError as exc:
        raise DatagramError("OTLP body is not an ExportTraceServiceRequest") from exc
    if prefix == UNSAMPLED_PREFIX:
        scopes = [scope for resource in request.resource_spans for scope in resource.scope_spans]
        count = sum(len(scope.spans) for scope in scopes)
        return Decoded(unsampled_spans=count)
    return Decoded(spans_to_documents(request))
