"""Rebuild and print the trace of one message from exported span lines.

`build_trees(spans)` nests spans by parent id; a span whose parent is not among them but which
links to one that is (a batch consumer) hangs under that producer, marked as linked.
`render(tree)` prints the shape of one scheduled message's trace (docs/observability.md):

    [rez-agent-scheduler-dev] 41.2 ms
        ├─ [DynamoDB PutItem] (rez-agent-messages-dev) 3.1 ms
        └─ [SNS Publish] (rez-agent-messages-dev) 2.7 ms
             └─ [process message] 30.5 ms

CLI: `python -m rez_telemetry.tracing.tree spans.jsonl [--correlation-id ID]`.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Span = dict[str, Any]


@dataclass
class SpanNode:
    """One span and the spans under it (children by parent id, or linked consumers)."""

    span: Span
    children: list[SpanNode] = field(default_factory=list)
    linked: bool = False
    """True when attached by a link rather than a parent id."""

    @property
    def name(self) -> str:
        """The span's name."""
        return str(self.span.get("name", "?"))

    def walk(self) -> Iterable[SpanNode]:
        """This node and every node below it, depth first."""
        yield self
        for child in self.children:
            yield from child.walk()

    def find(self, name: str) -> SpanNode | None:
        """The first node named `name` at or below this one."""
        return next((node for node in self.walk() if node.name == name), None)


def load_spans(lines: Iterable[str] | str | Path) -> list[Span]:
    """Span documents from JSON lines: export-file lines, or stdout/log lines with `"span"`.

    Anything else (log lines, EMF metrics, blank lines) is skipped, so a whole log stream can
    be fed in.
    """
    if isinstance(lines, str | Path):
        lines = Path(lines).read_text().splitlines()
    spans: list[Span] = []
    for line in lines:
        text = line.strip()
        if not text.startswith("{"):
            start = text.find("{")
            if start < 0:
                continue
            text = text[start:]  # a log-group line may carry a timestamp prefix
        try:
            document = json.loads(text)
        except ValueError:
            continue
        if isinstance(document, dict) and isinstance(document.get("span"), dict):
            document = document["span"]
        if isinstance(document, dict) and "span_id" in document and "trace_id" in document:
            spans.append(document)
    return spans


def _traces_of(spans: Sequence[Span], correlation_id: str) -> set[str]:
    traces = {s["trace_id"] for s in spans if _correlation(s) == correlation_id}
    # Follow links both ways: a batch consumer trace linked to (or from) a selected trace.
    changed = True
    while changed:
        changed = False
        for span in spans:
            linked = {link.get("trace_id") for link in span.get("links") or ()}
            if span["trace_id"] not in traces and linked & traces:
                traces.add(span["trace_id"])
                changed = True
    return traces


def _correlation(span: Span) -> str | None:
    value = span.get("correlation_id") or (span.get("attributes") or {}).get("correlation_id")
    return value if isinstance(value, str) else None


def build_trees(spans: Iterable[Span], correlation_id: str | None = None) -> list[SpanNode]:
    """Nest spans into trees (roots ordered by start time).

    With `correlation_id`, keep only the traces holding a span of that correlation (and the
    traces linked to them).
    """
    selected = list(spans)
    if correlation_id is not None:
        traces = _traces_of(selected, correlation_id)
        selected = [s for s in selected if s.get("trace_id") in traces]
    nodes = {s["span_id"]: SpanNode(s) for s in selected}
    roots: list[SpanNode] = []
    for node in nodes.values():
        parent = nodes.get(node.span.get("parent_id") or "")
        if parent is None:
            link_targets = [
                nodes.get(link.get("span_id", "")) for link in node.span.get("links") or ()
            ]
            parent = next((target for target in link_targets if target is not None), None)
            node.linked = parent is not None
        (parent.children if parent is not None else roots).append(node)
    for node in nodes.values():
        node.children.sort(key=lambda child: child.span.get("start") or 0.0)
    roots.sort(key=lambda root: root.span.get("start") or 0.0)
    return roots


def _detail(span: Span) -> str | None:
    attributes = span.get("attributes") or {}
    for key in ("aws.table_name", "aws.lambda.function_name", "aws.queue_url", "aws.sns.topic_arn"):
        value = attributes.get(key)
        if isinstance(value, str):
            return value.rsplit(":", 1)[-1].rsplit("/", 1)[-1]
    host = attributes.get("server.address")
    return str(host) if host else None


def _label(node: SpanNode) -> str:
    span = node.span
    name = str(span.get("name", "?"))
    label = f"[{name.replace('.', ' ', 1) if _is_aws(span) else name}]"
    detail = _detail(span)
    if detail:
        label += f" ({detail})"
    duration = span.get("duration_ms")
    if isinstance(duration, int | float):
        label += f" {duration:.1f} ms"
    if span.get("status") == "error":
        label += " ERROR"
    if node.linked:
        label += " (linked)"
    return label


def _is_aws(span: Span) -> bool:
    return "aws.service" in (span.get("attributes") or {})


def render(tree: SpanNode | Sequence[SpanNode]) -> str:
    """Text drawing of one tree (or several, one after the other)."""
    roots = [tree] if isinstance(tree, SpanNode) else list(tree)
    lines: list[str] = []
    for root in roots:
        lines.append(_label(root))
        _render_children(root, "    ", lines)
    return "\n".join(lines)


def _render_children(node: SpanNode, indent: str, lines: list[str]) -> None:
    for index, child in enumerate(node.children):
        last = index == len(node.children) - 1
        lines.append(f"{indent}{'└─' if last else '├─'} {_label(child)}")
        _render_children(child, indent + ("     " if last else "│    "), lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Print the trace trees found in span files."""
    parser = argparse.ArgumentParser(description="Print trace trees from exported span lines.")
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--correlation-id")
    arguments = parser.parse_args(argv)
    spans = [span for path in arguments.files for span in load_spans(path)]
    trees = build_trees(spans, arguments.correlation_id)
    title = (
        f"Trace for correlation {arguments.correlation_id}" if arguments.correlation_id else None
    )
    print("\n".join(filter(None, [title, render(trees)])))
    return 0 if trees else 1


if __name__ == "__main__":
    raise SystemExit(main())
