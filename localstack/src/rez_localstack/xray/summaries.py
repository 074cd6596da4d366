"""What X-Ray derives from a trace: its nodes, flags, times, annotations, and its summary.

``GetTraceSummaries`` (API reference, ``TraceSummary``): ``Duration`` is first start to last end,
``ResponseTime`` the root segment's own duration, ``HasError``/``HasFault``/``HasThrottle`` any
(sub)segment's flag, ``Annotations`` every annotation with the services that recorded it,
``ServiceIds`` every node, ``EntryPoint`` the root segment's node.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from rez_localstack.xray.traces import Trace, trace_epoch

#: Namespace ``aws`` subsegments become nodes of these types (X-Ray's inferred AWS nodes).
AWS_NODE_TYPES = {
    "DynamoDB": "AWS::DynamoDB::Table",
    "SNS": "AWS::SNS",
    "SQS": "AWS::SQS::Queue",
    "Lambda": "AWS::Lambda",
    "S3": "AWS::S3::Bucket",
    "SecretsManager": "AWS::SecretsManager",
    "CloudWatch": "AWS::CloudWatch",
}


def walk(document: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """A (sub)segment and every subsegment under it."""
    yield document
    for child in document.get("subsegments", ()) or ():
        yield from walk(child)


def node_of(segment: dict[str, Any]) -> tuple[str, str]:
    """(name, type) of a segment's node: its origin, else X-Ray's generic ``client``-less type."""
    return str(segment.get("name")), str(segment.get("origin") or "AWS::EC2::Instance")


def inferred_node(subsegment: dict[str, Any]) -> tuple[str, str] | None:
    """The downstream node an ``aws`` or ``remote`` subsegment stands for, if any."""
    namespace = subsegment.get("namespace")
    name = str(subsegment.get("name"))
    if namespace == "aws":
        return name, AWS_NODE_TYPES.get(name, f"AWS::{name}")
    if namespace == "remote":
        return name, "remote"
    return None


@dataclass(slots=True)
class TraceFacts:
    """A trace's segments and what filter expressions and summaries read from them."""

    trace: Trace
    segments: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def of(cls, trace: Trace) -> TraceFacts:
        return cls(trace, trace.segments())

    @property
    def root(self) -> dict[str, Any]:
        ids = {segment.get("id") for segment in self.segments}
        roots = [s for s in self.segments if s.get("parent_id") not in ids]
        return min(roots or self.segments, key=lambda s: float(s.get("start_time", 0)))

    @property
    def services(self) -> list[tuple[str, str]]:
        nodes: list[tuple[str, str]] = []
        for segment in self.segments:
            if node_of(segment) not in nodes:
                nodes.append(node_of(segment))
            for child in walk(segment):
                node = inferred_node(child)
                if node is not None and node not in nodes:
                    nodes.append(node)
        return nodes

    def documents(self) -> Iterator[dict[str, Any]]:
        for segment in self.segments:
            yield from walk(segment)

    def flag(self, word: str) -> bool:
        if word == "ok":
            return not any(self.flag(name) for name in ("error", "fault", "throttle"))
        return any(bool(document.get(word)) for document in self.documents())

    def duration(self) -> float:
        return round(self.trace.end() - self.trace.start(), 6)

    def response_time(self) -> float:
        root = self.root
        start = float(root["start_time"])
        return round(float(root.get("end_time", start)) - start, 6)

    def number(self, word: str) -> float | None:
        if word == "duration":
            return self.duration()
        if word == "responsetime":
            return self.response_time()
        status = self.root.get("http", {}).get("response", {}).get("status")
        return float(status) if isinstance(status, int | float) else None

    def strings(self, word: str) -> list[str]:
        request = self.root.get("http", {}).get("request", {})
        key = {
            "http.url": "url",
            "http.method": "method",
            "http.useragent": "user_agent",
            "http.clientip": "client_ip",
        }[word]
        value = request.get(key)
        return [str(value)] if value is not None else []

    def annotation(self, key: str) -> list[Any]:
        return [
            document["annotations"][key]
            for document in self.documents()
            if key in (document.get("annotations") or {})
        ]

    def in_range(self, start: datetime, end: datetime, by: str) -> bool:
        if by == "Event":
            times = [float(s.get("start_time", 0)) for s in self.segments]
            return any(start.timestamp() <= t <= end.timestamp() for t in times)
        epoch = trace_epoch(self.trace.trace_id)
        return int(start.timestamp()) <= epoch <= end.timestamp()

    def summary(self) -> dict[str, Any]:
        root = self.root
        annotations: dict[str, list[dict[str, Any]]] = {}
        for segment in self.segments:
            service = _service_id(node_of(segment))
            for document in walk(segment):
                for key, value in (document.get("annotations") or {}).items():
                    entries = annotations.setdefault(key, [])
                    typed = _annotation_value(value)
                    for entry in entries:
                        if entry["AnnotationValue"] == typed:
                            if service not in entry["ServiceIds"]:
                                entry["ServiceIds"].append(service)
                            break
                    else:
                        entries.append({"AnnotationValue": typed, "ServiceIds": [service]})
        summary: dict[str, Any] = {
            "Id": self.trace.trace_id,
            "StartTime": datetime.fromtimestamp(self.trace.start(), tz=UTC),
            "Duration": self.duration(),
            "ResponseTime": self.response_time(),
            "HasFault": self.flag("fault"),
            "HasError": self.flag("error"),
            "HasThrottle": self.flag("throttle"),
            "IsPartial": False,
            "Annotations": annotations,
            "ServiceIds": [_service_id(node) for node in self.services],
            "EntryPoint": _service_id(node_of(root)),
            "Users": [],
            "Revision": len(self.trace.documents),
        }
        http = root.get("http") or {}
        if http:
            summary["Http"] = {
                key: value
                for key, value in {
                    "HttpURL": http.get("request", {}).get("url"),
                    "HttpStatus": http.get("response", {}).get("status"),
                    "HttpMethod": http.get("request", {}).get("method"),
                    "UserAgent": http.get("request", {}).get("user_agent"),
                    "ClientIp": http.get("request", {}).get("client_ip"),
                }.items()
                if value is not None
            }
        return summary


def _service_id(node: tuple[str, str]) -> dict[str, Any]:
    return {"Name": node[0], "Names": [node[0]], "Type": node[1]}


def _annotation_value(value: Any) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"BooleanValue": value}
    if isinstance(value, int | float):
        return {"NumberValue": float(value)}
    return {"StringValue": str(value)}
