"""``GetServiceGraph``: the nodes and edges of the traces in a time range.

As X-Ray builds its trace map (developer guide, "Use the X-Ray trace map"; API reference
``Service``, ``Edge``): each segment is a node named after it (type = its ``origin``); a root
segment is called by the ``client`` node; a segment whose parent is in another segment is called
by that segment's node; an ``aws`` / ``remote`` subsegment no segment answers stands for an
inferred downstream node (``DynamoDB``, the HTTP host). A function's own segment (what its code
records under Lambda's ``AWS::Lambda::Function`` segment) is merged into that node. A segment
with ``links`` (an SQS batch handed to Lambda) gets an ``ASYNC_LINK`` edge from each linked
node. Statistics count the callee's outcome: ok, error (throttle), fault, and its response time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from rez_localstack.xray.summaries import TraceFacts, inferred_node, node_of, walk

Node = tuple[str, str]
CLIENT: Node = ("client", "client")
FUNCTION_ORIGIN = "AWS::Lambda::Function"


@dataclass(slots=True)
class Stats:
    ok: int = 0
    error: int = 0
    throttle: int = 0
    fault: int = 0
    total_time: float = 0.0
    times: list[float] = field(default_factory=list)
    start: float = float("inf")
    end: float = 0.0

    def add(self, document: dict[str, Any]) -> None:
        start = float(document.get("start_time", 0))
        end = float(document.get("end_time", start))
        if document.get("fault"):
            self.fault += 1
        elif document.get("throttle"):
            self.throttle += 1
            self.error += 1
        elif document.get("error"):
            self.error += 1
        else:
            self.ok += 1
        elapsed = round(end - start, 3)
        self.total_time += elapsed
        self.times.append(elapsed)
        self.start = min(self.start, start)
        self.end = max(self.end, end)

    def to_api(self) -> dict[str, Any]:
        return {
            "OkCount": self.ok,
            "ErrorStatistics": {
                "ThrottleCount": self.throttle,
                "OtherCount": self.error - self.throttle,
                "TotalCount": self.error,
            },
            "FaultStatistics": {"OtherCount": self.fault, "TotalCount": self.fault},
            "TotalCount": self.ok + self.error + self.fault,
            "TotalResponseTime": round(self.total_time, 6),
        }

    def histogram(self) -> list[dict[str, Any]]:
        counts: dict[float, int] = {}
        for value in self.times:
            counts[value] = counts.get(value, 0) + 1
        return [{"Value": value, "Count": count} for value, count in sorted(counts.items())]


@dataclass(slots=True)
class Graph:
    nodes: dict[Node, Stats] = field(default_factory=dict)
    edges: dict[tuple[Node, Node, str], Stats] = field(default_factory=dict)

    def node(self, node: Node, document: dict[str, Any] | None = None) -> None:
        stats = self.nodes.setdefault(node, Stats())
        if document is not None:
            stats.add(document)

    def edge(self, source: Node, target: Node, document: dict[str, Any], kind: str) -> None:
        self.node(source)
        self.node(target)
        self.edges.setdefault((source, target, kind), Stats()).add(document)


def build(traces: Iterable[TraceFacts], lookup: dict[str, TraceFacts]) -> Graph:
    """The graph of these traces; ``lookup`` finds linked traces by id."""
    graph = Graph()
    for facts in traces:
        _add_trace(graph, facts, lookup)
    return graph


def _owners(facts: TraceFacts) -> dict[str, dict[str, Any]]:
    """Each document id -> the segment it belongs to."""
    owners: dict[str, dict[str, Any]] = {}
    for segment in facts.segments:
        for document in walk(segment):
            owners[str(document.get("id"))] = segment
    return owners


def _node(segment: dict[str, Any], owners: dict[str, dict[str, Any]]) -> Node:
    """A function's own segment (a direct child of Lambda's ``AWS::Lambda::Function`` segment,
    or of such a merged segment) is shown as that function node."""
    parent = owners.get(str(segment.get("parent_id")))
    if (
        parent is not None
        and parent is not segment
        and str(parent.get("id")) == str(segment.get("parent_id"))
        and parent.get("origin") == FUNCTION_ORIGIN
        and segment.get("origin") in (None, FUNCTION_ORIGIN)
    ):
        return _node(parent, owners)
    return node_of(segment)


def _add_trace(graph: Graph, facts: TraceFacts, lookup: dict[str, TraceFacts]) -> None:
    owners = _owners(facts)
    answered = {str(s.get("parent_id")) for s in facts.segments if s.get("parent_id")}
    for segment in facts.segments:
        node = _node(segment, owners)
        parent = owners.get(str(segment.get("parent_id")))
        if parent is None:
            if not segment.get("links"):
                graph.edge(CLIENT, node, segment, "REQUEST")
            else:
                graph.node(node, segment)
        elif _node(parent, owners) != node:
            graph.edge(_node(parent, owners), node, segment, "REQUEST")
        else:
            graph.node(node)
        if node == node_of(segment):
            graph.node(node, segment)
        for link in segment.get("links", ()) or ():
            linked = lookup.get(str(link.get("trace_id")))
            if linked is None:
                continue
            linked_owners = _owners(linked)
            owner = linked_owners.get(str(link.get("id")))
            if owner is None:
                continue
            source = _node(owner, linked_owners)
            for document in walk(owner):
                if str(document.get("id")) == str(link.get("id")):
                    source = inferred_node(document) or source
            graph.edge(source, node, segment, "ASYNC_LINK")
        for document in walk(segment):
            if document is segment or str(document.get("id")) in answered:
                continue
            target = inferred_node(document)
            if target is not None:
                graph.edge(node, target, document, "REQUEST")
                graph.nodes[target].add(document)


def to_api(graph: Graph, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """``Services`` of ``GetServiceGraph``."""
    ids = {node: index for index, node in enumerate(sorted(graph.nodes))}
    targets = {target for (_, target, _) in graph.edges}
    services = []
    for node, index in ids.items():
        stats = graph.nodes[node]
        edges = [
            {
                "ReferenceId": ids[target],
                "StartTime": _time(edge.start, start),
                "EndTime": _time(edge.end, end),
                "SummaryStatistics": edge.to_api(),
                "ResponseTimeHistogram": edge.histogram(),
                "Aliases": [],
                "EdgeType": kind,
            }
            for (source, target, kind), edge in sorted(graph.edges.items())
            if source == node
        ]
        service: dict[str, Any] = {
            "ReferenceId": index,
            "Name": node[0],
            "Names": [node[0]],
            "Type": node[1],
            "Root": node == CLIENT or node not in targets,
            "State": "active" if node != CLIENT else "unknown",
            "StartTime": _time(stats.start, start),
            "EndTime": _time(stats.end, end),
            "Edges": edges,
        }
        if node != CLIENT and stats.times:
            service["SummaryStatistics"] = stats.to_api()
            service["ResponseTimeHistogram"] = stats.histogram()
            service["DurationHistogram"] = stats.histogram()
        services.append(service)
    return services


def _time(value: float, default: datetime) -> datetime:
    if value in (float("inf"), 0.0):
        return default
    return datetime.fromtimestamp(value, tz=UTC)
