"""CloudWatch metric reads: the series that exist (ListMetrics) and their values (GetMetricData).

Everything is fetched as plain `MetricStat` queries and combined here, never with CloudWatch's
SEARCH or metric math: the local harness serves neither, and one code path for AWS and the
harness keeps the numbers comparable.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from rezctl.target import Target

MAX_QUERIES_PER_CALL: Final = 500
MAX_PERIOD_SECONDS: Final = 86400 * 30 * 12


@dataclass(frozen=True, slots=True)
class MetricId:
    """One CloudWatch series: namespace, name and its exact dimensions."""

    namespace: str
    name: str
    dimensions: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, namespace: str, name: str, dimensions: Mapping[str, str] | None = None) -> MetricId:
        # Order kept as given (as ListMetrics lists it): moto matches dimensions order-sensitively.
        return cls(namespace, name, tuple((dimensions or {}).items()))

    def dimension(self, key: str) -> str | None:
        return dict(self.dimensions).get(key)

    def as_metric(self) -> dict[str, Any]:
        return {
            "Namespace": self.namespace,
            "MetricName": self.name,
            "Dimensions": [{"Name": k, "Value": v} for k, v in self.dimensions],
        }


@dataclass(slots=True)
class Series:
    """Values of one query, oldest first."""

    label: str
    timestamps: list[dt.datetime] = field(default_factory=list)
    values: list[float] = field(default_factory=list)

    def total(self) -> float:
        return float(sum(self.values))

    def as_map(self) -> dict[dt.datetime, float]:
        return dict(zip(self.timestamps, self.values, strict=True))


def list_series(
    target: Target,
    namespace: str,
    name: str,
    dimensions: Mapping[str, str] | None = None,
) -> list[MetricId]:
    """Every series of `name` whose dimensions include the given ones (any extra dimensions)."""
    request: dict[str, Any] = {"Namespace": namespace, "MetricName": name}
    if dimensions:
        request["Dimensions"] = [{"Name": k, "Value": v} for k, v in dimensions.items()]
    found: dict[MetricId, None] = {}
    paginator = target.client("cloudwatch").get_paginator("list_metrics")
    for page in paginator.paginate(**request):
        for metric in page.get("Metrics", []):
            dims = {d["Name"]: d["Value"] for d in metric.get("Dimensions", [])}
            found[MetricId.of(metric["Namespace"], metric["MetricName"], dims)] = None
    return list(found)


def fetch(
    target: Target,
    metrics: Sequence[tuple[MetricId, str]],
    *,
    start: dt.datetime,
    end: dt.datetime,
    period: int,
) -> list[Series]:
    """One series per `(metric, stat)` (stat: Sum, Average, Maximum, SampleCount, p95...)."""
    period = max(60, min(MAX_PERIOD_SECONDS, period - period % 60 or 60))
    client = target.client("cloudwatch")
    results: list[Series] = []
    for offset in range(0, len(metrics), MAX_QUERIES_PER_CALL):
        chunk = metrics[offset : offset + MAX_QUERIES_PER_CALL]
        queries: list[dict[str, Any]] = [
            {
                "Id": f"m{offset + index}",
                "MetricStat": {"Metric": metric.as_metric(), "Period": period, "Stat": stat},
                "ReturnData": True,
            }
            for index, (metric, stat) in enumerate(chunk)
        ]
        by_id: dict[str, Series] = {q["Id"]: Series(q["Id"]) for q in queries}
        token: str | None = None
        while True:
            request: dict[str, Any] = {
                "MetricDataQueries": queries,
                "StartTime": start,
                "EndTime": end,
                "ScanBy": "TimestampAscending",
            }
            if token:
                request["NextToken"] = token
            answer = client.get_metric_data(**request)
            for result in answer.get("MetricDataResults", []):
                series = by_id[result["Id"]]
                pairs = zip(result.get("Timestamps", []), result.get("Values", []), strict=False)
                for stamp, value in pairs:
                    series.timestamps.append(stamp.astimezone(dt.UTC))
                    series.values.append(float(value))
            token = answer.get("NextToken")
            if not token:
                break
        for query in queries:
            series = by_id[query["Id"]]
            ordered = sorted(zip(series.timestamps, series.values, strict=True))
            series.timestamps = [t for t, _ in ordered]
            series.values = [v for _, v in ordered]
            results.append(series)
    return results


def total(
    target: Target,
    metric: MetricId,
    *,
    start: dt.datetime,
    end: dt.datetime,
    period: int = 3600,
) -> float:
    """The Sum of one series over [start, end)."""
    return fetch(target, [(metric, "Sum")], start=start, end=end, period=period)[0].total()
