"""`rezctl dashboard`: the deployed overview dashboard drawn from real metric data.

Reads the dashboard body (`GetDashboard rez-agent-{stage}-overview`), fetches every widget's
metrics with GetMetricData (SEARCH and metric math evaluated by `metric_math`), and draws all
widgets in one matplotlib figure on the dashboard's own 24-column grid: time series as lines
(stacked when the widget says so), single values as big numbers. PNG, SVG or a self-contained
HTML page, for the local harness (no console) and for incident reports.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from botocore.exceptions import ClientError

from rezctl import widget_images
from rezctl.errors import UsageError
from rezctl.metric_math import Evaluator, Line, MathError, Points, Value
from rezctl.metrics import MetricId, fetch, list_series
from rezctl.target import Target

if TYPE_CHECKING:
    from matplotlib.figure import Figure

GRID_COLUMNS: Final = 24
DEFAULT_RANGE: Final = dt.timedelta(hours=3)
_ISO_DURATION: Final = re.compile(r"^-P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$")


@dataclass(slots=True)
class Panel:
    """One widget with its data, ready to draw."""

    title: str
    view: str
    x: int
    y: int
    width: int
    height: int
    lines: list[Line] = field(default_factory=list)
    stacked: bool = False
    thresholds: list[tuple[str, float]] = field(default_factory=list)
    error: str | None = None
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    image: bytes | None = None
    """The PNG CloudWatch drew for this widget (AWS only); None when drawn here."""

    def latest(self) -> list[tuple[str, float | None]]:
        """Each line's last value (what a single-value widget shows)."""
        return [
            (line.label, line.points[max(line.points)] if line.points else None)
            for line in self.lines
        ]

    def as_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "view": self.view,
            "error": self.error,
            "drawn_by": "cloudwatch" if self.image is not None else "rezctl",
            "series": [
                {"label": line.label, "points": len(line.points), "latest": latest}
                for line, (_label, latest) in zip(self.lines, self.latest(), strict=True)
            ],
        }


@dataclass(slots=True)
class Dashboard:
    """The dashboard's panels over one time range."""

    name: str
    start: dt.datetime
    end: dt.datetime
    panels: list[Panel]


def parse_range(text: str | None) -> dt.timedelta | None:
    """A widget's relative `start` (`-PT24H`, `-P7D`) as a timedelta."""
    if not text:
        return None
    match = _ISO_DURATION.match(text.strip())
    if not match:
        return None
    days, hours, minutes, seconds = (int(part or 0) for part in match.groups())
    return dt.timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)


def dashboard_body(target: Target, name: str | None = None) -> tuple[str, dict[str, Any]]:
    """The dashboard's name and parsed body."""
    chosen = name or target.names.dashboard
    answer = target.client("cloudwatch").get_dashboard(DashboardName=chosen)
    return chosen, json.loads(answer["DashboardBody"])


def _metric_row(row: Sequence[Any]) -> tuple[MetricId, dict[str, Any]]:
    options = row[-1] if row and isinstance(row[-1], dict) else {}
    parts = [str(p) for p in (row[:-1] if options else row)]
    namespace, name, rest = parts[0], parts[1], parts[2:]
    dimensions = dict(zip(rest[0::2], rest[1::2], strict=False))
    return MetricId.of(namespace, name, dimensions), options


class _Sources:
    """Fetch and list with one target and time range (what the evaluator calls back)."""

    def __init__(self, target: Target, start: dt.datetime, end: dt.datetime) -> None:
        self.target, self.start, self.end = target, start, end

    def fetch(self, queries: Sequence[tuple[MetricId, str]], period: int) -> list[Points]:
        """Each query's points, percentiles (p95, p99) included: CloudWatch computes them, on
        AWS and on the local harness alike."""
        if not queries:
            return []
        series = fetch(self.target, queries, start=self.start, end=self.end, period=period)
        return [s.as_map() for s in series]

    def list(self, namespace: str, name: str) -> list[MetricId]:
        return list_series(self.target, namespace, name)


def build_panel(widget: dict[str, Any], sources: _Sources) -> Panel:
    """One widget's data: its metric rows, then its expressions (which may use their ids)."""
    props = widget.get("properties") or {}
    panel = Panel(
        title=str(props.get("title", "")),
        view=str(props.get("view", "timeSeries")),
        x=int(widget.get("x", 0)),
        y=int(widget.get("y", 0)),
        width=int(widget.get("width", 6)),
        height=int(widget.get("height", 6)),
        stacked=bool(props.get("stacked", False)),
        thresholds=[
            (str(a.get("label", "")), float(a["value"]))
            for a in (props.get("annotations") or {}).get("horizontal", [])
            if "value" in a
        ],
        start=sources.start,
        end=sources.end,
    )
    period = int(props.get("period", 300))
    stat = str(props.get("stat", "Average"))
    rows = [row for row in props.get("metrics", []) if row]
    try:
        ids: dict[str, Value] = {}
        plain = [
            _metric_row(row) for row in rows if not (len(row) == 1 and isinstance(row[0], dict))
        ]
        data = sources.fetch(
            [(metric, str(options.get("stat", stat))) for metric, options in plain], period
        )
        for index, ((metric, options), points) in enumerate(zip(plain, data, strict=True)):
            line = Line(str(options.get("label") or metric.name), points)
            ids[str(options.get("id") or f"m{index}")] = line
            if options.get("visible", True):
                panel.lines.append(line)
        evaluator = Evaluator(ids, sources.fetch, sources.list, period)
        for row in rows:
            if len(row) == 1 and isinstance(row[0], dict) and "expression" in row[0]:
                options = row[0]
                value = evaluator.evaluate(str(options["expression"]))
                found = value if isinstance(value, list) else [value]
                label = str(options.get("label") or "")
                for item in found:
                    if isinstance(item, Line):
                        shown = Line(label or item.label or str(options.get("id", "")), item.points)
                        ids[str(options.get("id", ""))] = item
                        if options.get("visible", True):
                            panel.lines.append(shown)
    except (MathError, KeyError, ValueError) as error:
        panel.error = f"cannot evaluate: {error}"
    except Exception as error:  # one widget's failure must not cost the whole picture
        panel.error = f"no data: {error}"
    return panel


def collect(
    target: Target | None = None,
    *,
    since: dt.timedelta | None = None,
    now: dt.datetime | None = None,
    name: str | None = None,
    cloudwatch_images: bool | None = None,
) -> Dashboard:
    """Every widget of the stage's dashboard with its data (widget ranges unless `since`).

    On AWS (`cloudwatch_images` None means: unless the target is the harness) graph widgets are
    drawn by CloudWatch (GetMetricWidgetImage); the harness has no renderer, so there every
    widget's data is fetched and drawn here.
    """
    where = target or Target.resolve()
    chosen, body = dashboard_body(where, name)
    end = now or dt.datetime.now(dt.UTC)
    default = since or parse_range(body.get("start")) or DEFAULT_RANGE
    use_images = (not where.is_local) if cloudwatch_images is None else cloudwatch_images
    panels = []
    for widget in body.get("widgets", []):
        props = widget.get("properties") or {}
        span = since or parse_range(props.get("start")) or default
        if use_images and widget_images.renders(widget):
            panels.append(_image_panel(widget, where, end - span, end))
        else:
            panels.append(build_panel(widget, _Sources(where, end - span, end)))
    return Dashboard(chosen, end - default, end, panels)


def _image_panel(
    widget: dict[str, Any], target: Target, start: dt.datetime, end: dt.datetime
) -> Panel:
    props = widget.get("properties") or {}
    panel = Panel(
        title=str(props.get("title", "")),
        view=str(props.get("view", "timeSeries")),
        x=int(widget.get("x", 0)),
        y=int(widget.get("y", 0)),
        width=int(widget.get("width", 6)),
        height=int(widget.get("height", 6)),
        start=start,
        end=end,
    )
    try:
        panel.image = widget_images.widget_image(target, widget, end - start)
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "error")
        panel.error = f"CloudWatch could not draw it ({code})"
    return panel


def draw(dashboard: Dashboard) -> Figure:
    """One figure, the widgets placed on the dashboard's grid (one axes per widget)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    rows = max((p.y + p.height for p in dashboard.panels), default=6)
    figure = Figure(figsize=(18, rows * 0.75 + 1), layout="constrained")
    grid = figure.add_gridspec(rows, GRID_COLUMNS)
    figure.suptitle(
        f"{dashboard.name}  ({dashboard.end:%Y-%m-%d %H:%M} UTC)", fontsize=14, fontweight="bold"
    )
    for panel in dashboard.panels:
        axes = figure.add_subplot(
            grid[panel.y : panel.y + panel.height, panel.x : panel.x + panel.width]
        )
        axes.set_title(panel.title, fontsize=10, loc="left")
        if panel.error:
            axes.text(0.5, 0.5, panel.error, ha="center", va="center", wrap=True, fontsize=8)
            axes.set_axis_off()
        elif panel.image is not None:
            _picture(axes, panel.image)
        elif panel.view == "singleValue":
            _single_value(axes, panel)
        else:
            _time_series(axes, panel)
    return figure


def _picture(axes: Any, png: bytes) -> None:
    """CloudWatch's own drawing of the widget (it carries its title)."""
    from matplotlib import image

    axes.imshow(image.imread(io.BytesIO(png), format="png"))
    axes.set_title("")
    axes.set_axis_off()


def _single_value(axes: Any, panel: Panel) -> None:
    axes.set_axis_off()
    values = panel.latest() or [("", None)]
    for index, (label, value) in enumerate(values):
        y = 0.6 - index * 0.35
        shown = "-" if value is None else f"{value:,.2f}".rstrip("0").rstrip(".")
        axes.text(0.5, y, shown, ha="center", va="center", fontsize=28, fontweight="bold")
        axes.text(0.5, y - 0.2, label, ha="center", va="center", fontsize=9, color="grey")


def _time_series(axes: Any, panel: Panel) -> None:
    drawn = [line for line in panel.lines if line.points]
    if panel.stacked and drawn:
        stamps = sorted({stamp for line in drawn for stamp in line.points})
        axes.stackplot(
            stamps,
            [[line.points.get(s, 0.0) for s in stamps] for line in drawn],
            labels=[line.label for line in drawn],
        )
    else:
        for line in drawn:
            stamps = sorted(line.points)
            axes.plot(stamps, [line.points[s] for s in stamps], marker=".", label=line.label)
    for label, value in panel.thresholds:
        axes.axhline(value, linestyle="--", linewidth=0.8, color="grey")
        axes.annotate(label, (0.01, value), xycoords=("axes fraction", "data"), fontsize=7)
    if not drawn:
        axes.text(
            0.5, 0.5, "no data", ha="center", va="center", color="grey", transform=axes.transAxes
        )
    elif len(drawn) > 1 or drawn[0].label:
        axes.legend(fontsize=7, loc="upper left")
    if panel.start and panel.end:
        axes.set_xlim(panel.start, panel.end)  # the widget's range, even around one point
    axes.tick_params(labelsize=7)
    axes.grid(alpha=0.3)


def save(figure: Figure, out: Path) -> Path:
    """Write the figure as PNG, SVG or an HTML page holding the PNG."""
    suffix = out.suffix.lower()
    if suffix in (".png", ".svg"):
        figure.savefig(out, dpi=100, format=suffix[1:])
        return out
    if suffix in (".html", ".htm"):
        buffer = io.BytesIO()
        figure.savefig(buffer, dpi=100, format="png")
        title = html.escape(str(figure.get_suptitle()))
        image = base64.b64encode(buffer.getvalue()).decode()
        out.write_text(
            f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title></head>"
            f"<body><h1>{title}</h1><img alt='{title}' src='data:image/png;base64,{image}'>"
            "</body></html>\n",
            encoding="utf-8",
        )
        return out
    raise UsageError(f"--out must end in .png, .svg or .html, got {out.name!r}")


def render_dashboard(
    target: Target | None = None,
    out: Path = Path("dashboard.png"),
    *,
    since: dt.timedelta | None = None,
    now: dt.datetime | None = None,
    cloudwatch_images: bool | None = None,
) -> tuple[Dashboard, Figure]:
    """Collect, draw and save; the data and the figure (for reports and tests)."""
    if out.suffix.lower() not in (".png", ".svg", ".html", ".htm"):
        raise UsageError(f"--out must end in .png, .svg or .html, got {out.name!r}")
    dashboard = collect(target, since=since, now=now, cloudwatch_images=cloudwatch_images)
    figure = draw(dashboard)
    save(figure, out)
    return dashboard, figure
