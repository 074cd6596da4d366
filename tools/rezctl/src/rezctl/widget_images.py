"""Dashboard widgets drawn by CloudWatch itself (GetMetricWidgetImage), on AWS.

On AWS, CloudWatch renders a graph widget exactly as the console shows it: the widget's own
properties (metrics, SEARCH and metric math, stat, period, annotations) are sent as the
`MetricWidget` JSON with a size in pixels and the time range, and a PNG comes back. The harness
has no renderer, so there `rezctl dashboard` draws every widget itself (`dashboard.draw`).
GetMetricWidgetImage draws graphs (`timeSeries`, `bar`, `pie`); a `singleValue` widget is still
drawn locally from GetMetricData.
https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricWidgetImage.html
https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Metric-Widget-Structure.html
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, Final

from rezctl.target import Target

PIXELS_PER_UNIT: Final = 75
"""One unit of the dashboard's 24-column grid, in the figure `dashboard.draw` makes (100 dpi)."""
MAX_PIXELS: Final = 2000
RENDERED_VIEWS: Final = frozenset({"timeSeries", "bar", "pie"})
_DASHBOARD_ONLY: Final = ("sparkline", "setPeriodToTimeRange", "liveData", "trend", "table")


def renders(widget: dict[str, Any]) -> bool:
    """Whether CloudWatch can draw this widget (a metric graph)."""
    props = widget.get("properties") or {}
    return widget.get("type", "metric") == "metric" and props.get("view", "timeSeries") in (
        RENDERED_VIEWS
    )


def metric_widget(widget: dict[str, Any], region: str, span: dt.timedelta) -> dict[str, Any]:
    """The widget's properties as GetMetricWidgetImage's `MetricWidget` document."""
    props = {k: v for k, v in (widget.get("properties") or {}).items() if k not in _DASHBOARD_ONLY}
    props.setdefault("region", region)
    props["width"] = min(int(widget.get("width", 6)) * PIXELS_PER_UNIT, MAX_PIXELS)
    props["height"] = min(int(widget.get("height", 6)) * PIXELS_PER_UNIT, MAX_PIXELS)
    props["start"] = f"-PT{max(1, int(span.total_seconds() // 60))}M"
    props["end"] = "P0D"
    return props


def widget_image(target: Target, widget: dict[str, Any], span: dt.timedelta) -> bytes:
    """The PNG CloudWatch draws for `widget` over the last `span`."""
    document = metric_widget(widget, target.region, span)
    answer = target.client("cloudwatch").get_metric_widget_image(
        MetricWidget=json.dumps(document), OutputFormat="png"
    )
    return bytes(answer["MetricWidgetImage"])
