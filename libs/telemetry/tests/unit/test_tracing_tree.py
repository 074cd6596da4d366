"""build_trees/render on hand-made span documents: parents, links, correlation filter."""

from __future__ import annotations

from typing import Any

from rez_telemetry.tracing.tree import build_trees, render


def span(
    span_id: str,
    name: str,
    parent: str | None = None,
    trace: str = "1-a-1",
    start: float = 0.0,
    links: list[str] | None = None,
    correlation: str | None = None,
    **attributes: Any,
) -> dict[str, Any]:
    return {
        "trace_id": trace,
        "span_id": span_id,
        "parent_id": parent,
        "links": [{"trace_id": "1-a-1", "span_id": link} for link in links or []],
        "name": name,
        "start": start,
        "duration_ms": 1.0,
        "status": "unset",
        "attributes": attributes,
        "correlation_id": correlation,
    }


def test_children_nest_by_parent_and_sort_by_start() -> None:
    spans = [
        span(
            "b",
            "SNS.Publish",
            "a",
            start=2,
            **{"aws.service": "SNS", "aws.sns.topic_arn": "arn:aws:sns:us-east-1:1:topic-x"},
        ),
        span("a", "scheduler", start=0, correlation="c1"),
        span(
            "c",
            "DynamoDB.PutItem",
            "a",
            start=1,
            **{"aws.service": "DynamoDB", "aws.table_name": "messages"},
        ),
    ]
    [root] = build_trees(spans)
    assert [child.name for child in root.children] == ["DynamoDB.PutItem", "SNS.Publish"]
    assert render(root) == (
        "[scheduler] 1.0 ms\n"
        "    ├─ [DynamoDB PutItem] (messages) 1.0 ms\n"
        "    └─ [SNS Publish] (topic-x) 1.0 ms"
    )


def test_a_linked_consumer_hangs_under_its_producer() -> None:
    spans = [span("p", "publish", correlation="c1"), span("q", "batch", trace="1-b-2", links=["p"])]
    [root] = build_trees(spans)
    [child] = root.children
    assert child.linked
    assert child.name == "batch"
    assert render(root).endswith("[batch] 1.0 ms (linked)")


def test_correlation_filter_keeps_its_traces_and_linked_ones() -> None:
    spans = [
        span("p", "publish", correlation="c1"),
        span("x", "other", trace="1-z-9", correlation="c2"),
        span("q", "batch", trace="1-b-2", links=["p"]),
    ]
    trees = build_trees(spans, correlation_id="c1")
    assert [node.name for tree in trees for node in tree.walk()] == ["publish", "batch"]
