"""`rezctl map`: X-Ray's service graph as text and as a picture (PNG, SVG or HTML).

GetServiceGraph over `--since`: each node with its request, error, fault counts and mean
response time, each edge with the same; the picture lays nodes out by call depth from the
clients (left to right).
"""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rezctl.target import Target


@dataclass
class Edge:
    source: str
    target: str
    requests: int
    errors: int
    faults: int
    mean_ms: float
    kind: str


@dataclass
class Graph:
    """Nodes (`name (type)` -> statistics) and edges of one time range."""

    start: dt.datetime
    end: dt.datetime
    nodes: dict[str, dict[str, Any]] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "nodes": self.nodes,
            "edges": [edge.__dict__ for edge in self.edges],
        }


def _label(service: dict[str, Any]) -> str:
    kind = service.get("Type") or "?"
    return f"{service['Name']} ({kind})"


def _stats(summary: dict[str, Any] | None) -> tuple[int, int, int, float]:
    summary = summary or {}
    total = int(summary.get("TotalCount") or 0)
    errors = int((summary.get("ErrorStatistics") or {}).get("TotalCount") or 0)
    faults = int((summary.get("FaultStatistics") or {}).get("TotalCount") or 0)
    mean = float(summary.get("TotalResponseTime") or 0.0) / total * 1000 if total else 0.0
    return total, errors, faults, round(mean, 1)


def fetch(target: Target, since: dt.timedelta, now: dt.datetime | None = None) -> Graph:
    """The service graph of the last `since`."""
    end = now or dt.datetime.now(dt.UTC)
    start = end - since
    xray = target.client("xray")
    services: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"StartTime": start, "EndTime": end}
    while True:
        page = xray.get_service_graph(**kwargs)
        services += page.get("Services", [])
        if not page.get("NextToken"):
            break
        kwargs["NextToken"] = page["NextToken"]
    graph = Graph(start, end)
    labels = {s["ReferenceId"]: _label(s) for s in services}
    for service in services:
        total, errors, faults, mean = _stats(service.get("SummaryStatistics"))
        graph.nodes[labels[service["ReferenceId"]]] = {
            "requests": total,
            "errors": errors,
            "faults": faults,
            "mean_ms": mean,
        }
        for edge in service.get("Edges", []):
            total, errors, faults, mean = _stats(edge.get("SummaryStatistics"))
            graph.edges.append(
                Edge(
                    labels[service["ReferenceId"]],
                    labels[edge["ReferenceId"]],
                    total,
                    errors,
                    faults,
                    mean,
                    str(edge.get("EdgeType") or "REQUEST"),
                )
            )
    graph.edges.sort(key=lambda e: (e.source, e.target))
    return graph


def text(graph: Graph) -> str:
    """Nodes, then `source -> target` edges with their counts."""
    lines = [f"Service graph {graph.start:%Y-%m-%d %H:%M} to {graph.end:%H:%M} UTC"]
    if not graph.nodes:
        return lines[0] + "\n  no traces in this range"
    lines.append("Nodes:")
    for name, stats in sorted(graph.nodes.items()):
        lines.append(
            f"  {name}: {stats['requests']} requests, {stats['errors']} errors, "
            f"{stats['faults']} faults, mean {stats['mean_ms']} ms"
        )
    lines.append("Edges:")
    for edge in graph.edges:
        arrow = "-->" if edge.kind == "REQUEST" else "..>"
        lines.append(
            f"  {edge.source} {arrow} {edge.target}: {edge.requests} requests, "
            f"{edge.errors} errors, {edge.faults} faults, mean {edge.mean_ms} ms"
        )
    return "\n".join(lines)


def layout(graph: Graph) -> dict[str, tuple[int, int]]:
    """(column, row) per node: column = call depth from the nodes nothing calls."""
    called = {edge.target for edge in graph.edges}
    depth = {name: 0 for name in graph.nodes if name not in called}
    for _ in range(len(graph.nodes)):
        for edge in graph.edges:
            if edge.source in depth and edge.kind == "REQUEST":
                candidate = depth[edge.source] + 1
                if depth.get(edge.target, -1) < candidate <= len(graph.nodes):
                    depth[edge.target] = candidate
    for name in graph.nodes:
        depth.setdefault(name, 0)
    rows: dict[int, int] = {}
    places: dict[str, tuple[int, int]] = {}
    for name in sorted(graph.nodes, key=lambda n: (depth[n], n)):
        column = depth[name]
        places[name] = (column, rows.get(column, 0))
        rows[column] = rows.get(column, 0) + 1
    return places


BOX_W, BOX_H, GAP_X, GAP_Y = 260, 54, 90, 30


def svg(graph: Graph) -> str:
    """The graph as an SVG drawing."""
    places = layout(graph)
    columns = max((c for c, _ in places.values()), default=0) + 1
    rows = max((r for _, r in places.values()), default=0) + 1
    width = columns * (BOX_W + GAP_X) + GAP_X
    height = rows * (BOX_H + GAP_Y) + GAP_Y + 30

    def box(name: str) -> tuple[int, int]:
        column, row = places[name]
        return GAP_X + column * (BOX_W + GAP_X), 40 + row * (BOX_H + GAP_Y)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        'font-family="sans-serif" font-size="12">',
        '<defs><marker id="arrow" markerWidth="10" markerHeight="8" refX="10" refY="4" '
        'orient="auto"><path d="M0,0 L10,4 L0,8 z" fill="#555"/></marker></defs>',
        f'<text x="10" y="20" font-size="14">{html.escape(text(graph).splitlines()[0])}</text>',
    ]
    for edge in graph.edges:
        x1, y1 = box(edge.source)
        x2, y2 = box(edge.target)
        dash = "" if edge.kind == "REQUEST" else ' stroke-dasharray="5,4"'
        color = "#c00" if edge.faults else "#e90" if edge.errors else "#555"
        parts.append(
            f'<line x1="{x1 + BOX_W}" y1="{y1 + BOX_H // 2}" x2="{x2}" y2="{y2 + BOX_H // 2}" '
            f'stroke="{color}"{dash} marker-end="url(#arrow)"><title>'
            f"{html.escape(edge.source)} -> {html.escape(edge.target)}: {edge.requests} requests"
            "</title></line>"
        )
    for name, stats in graph.nodes.items():
        x, y = box(name)
        fill = "#fdd" if stats["faults"] else "#ffe8c0" if stats["errors"] else "#e8f0ff"
        parts.append(
            f'<rect x="{x}" y="{y}" width="{BOX_W}" height="{BOX_H}" rx="6" fill="{fill}" '
            'stroke="#336"/>'
        )
        parts.append(f'<text x="{x + 8}" y="{y + 20}">{html.escape(name[:40])}</text>')
        parts.append(
            f'<text x="{x + 8}" y="{y + 40}" fill="#444">{stats["requests"]} req, '
            f"{stats['errors']} err, {stats['faults']} fault, {stats['mean_ms']} ms</text>"
        )
    parts.append("</svg>")
    return "\n".join(parts)


def write_picture(graph: Graph, out: Path) -> Path:
    """`.svg`, `.html` (the SVG and the text) or `.png` (the SVG drawn by matplotlib)."""
    suffix = out.suffix.lower()
    drawing = svg(graph)
    if suffix == ".svg":
        out.write_text(drawing)
    elif suffix == ".html":
        out.write_text(
            "<!doctype html><html><head><meta charset='utf-8'><title>rez_agent service map"
            f"</title></head><body>{drawing}<pre>{html.escape(text(graph))}</pre></body></html>"
        )
    elif suffix == ".png":
        _png(graph, out)
    else:
        raise ValueError(f"--out must end in .png, .svg or .html, not {out.name!r}")
    return out


def _png(graph: Graph, out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    places = layout(graph)
    figure, axes = plt.subplots(
        figsize=(
            3 + 3.2 * (max((c for c, _ in places.values()), default=0) + 1),
            2 + 0.9 * (max((r for _, r in places.values()), default=0) + 1),
        )
    )
    axes.axis("off")
    position = {name: (column * 3.2, -row * 0.9) for name, (column, row) in places.items()}
    for edge in graph.edges:
        (x1, y1), (x2, y2) = position[edge.source], position[edge.target]
        color = "red" if edge.faults else "orange" if edge.errors else "grey"
        style = "-" if edge.kind == "REQUEST" else "--"
        axes.annotate(
            "",
            xy=(x2 - 1.2, y2),
            xytext=(x1 + 1.2, y1),
            arrowprops={"arrowstyle": "->", "color": color, "linestyle": style},
        )
    for name, (x, y) in position.items():
        stats = graph.nodes[name]
        color = "#fdd" if stats["faults"] else "#ffe8c0" if stats["errors"] else "#e8f0ff"
        axes.text(
            x,
            y,
            f"{name[:36]}\n{stats['requests']} req, {stats['faults']} fault, {stats['mean_ms']} ms",
            ha="center",
            va="center",
            fontsize=7,
            bbox={"boxstyle": "round", "facecolor": color},
        )
    axes.set_xlim(-1.6, max(x for x, _ in position.values()) + 1.6 if position else 1)
    axes.set_ylim(min((y for _, y in position.values()), default=0) - 0.6, 0.6)
    axes.set_title(text(graph).splitlines()[0], fontsize=9)
    figure.savefig(out, dpi=110, bbox_inches="tight")
    plt.close(figure)


def command(args: Any, target: Target, ui: Any) -> Any:
    """`rezctl map [--since 1h] [--out map.svg]`."""
    from rezctl.durations import parse_duration
    from rezctl.errors import ExitCode

    with ui.progress("Reading X-Ray's service graph"):
        graph = fetch(target, parse_duration(args.since))
    if ui.json_mode:
        ui.json(graph.as_dict())
    else:
        for line in text(graph).splitlines():
            ui.line(line)
    if args.out:
        try:
            written = write_picture(graph, Path(args.out))
        except ValueError as error:
            ui.line(str(error), "red")
            return ExitCode.USAGE
        if not ui.json_mode:
            ui.line(f"Picture: {written}", "green")
    return ExitCode.OK
