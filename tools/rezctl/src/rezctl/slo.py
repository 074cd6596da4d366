"""The five SLIs of docs/observability.md measured on a deployed stage (`rezctl slo`).

- API Availability, 99.9% (30d): `APIRequestCount` by StatusCode per minute (5xx = failed);
- API Response Time, p95 < 500 ms and p99 < 1000 ms: CloudWatch's percentiles of `APIResponseTime`
  per endpoint (the worst endpoint's shown) and its `TC(500:)`/`TC(1000:)` counts of slow requests;
- Message Processing Success Rate, 99.5% (30d): `MessagesProcessed` completed / all processed;
- Message Processing Latency, p95 < 10 s end to end: records' `updated_at - created_at`, completed;
- Notification Delivery Success Rate, 99% (7d): `NotificationsSent` success / (success + failure).

Each SLO keeps its own window unless one `window` is given for all.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from typing import Final

from rezctl.metrics import MetricId, fetch, list_series
from rezctl.names import NAMESPACE
from rezctl.records import from_item, parse_time
from rezctl.slo_math import (
    SloResult,
    availability_slo,
    latency_slo,
    latency_slo_from_statistics,
    ratio_slo,
)
from rezctl.target import Target

DAY: Final = dt.timedelta(days=1)
WINDOWS: Final = {
    "availability": 30 * DAY,
    "response_time": 30 * DAY,
    "processing_success": 30 * DAY,
    "processing_latency": 30 * DAY,
    "notification_success": 7 * DAY,
}


def _status_totals(
    target: Target, name: str, start: dt.datetime, end: dt.datetime
) -> dict[str, float]:
    """Sum of a `Status`-dimensioned metric per status value over the window."""
    series = [
        metric
        for metric in list_series(target, NAMESPACE, name, {"Stage": target.stage})
        if metric.dimension("Status") is not None
    ]
    period = int((end - start).total_seconds())
    data = fetch(target, [(m, "Sum") for m in series], start=start, end=end, period=period)
    totals: dict[str, float] = defaultdict(float)
    for metric, values in zip(series, data, strict=True):
        totals[str(metric.dimension("Status"))] += values.total()
    return dict(totals)


def _api_request_series(target: Target) -> tuple[list[MetricId], list[MetricId]]:
    """(good, failed) `APIRequestCount` series: by StatusCode, a 5xx is failed."""
    series = [
        metric
        for metric in list_series(target, NAMESPACE, "APIRequestCount", {"Stage": target.stage})
        if metric.dimension("StatusCode") is not None
    ]
    failed = [m for m in series if str(m.dimension("StatusCode")).startswith("5")]
    return [m for m in series if m not in failed], failed


def _per_minute(
    target: Target, good: list[MetricId], failed: list[MetricId], hour: dt.datetime
) -> list[tuple[float, float]]:
    """(good, failed) requests of each minute of one hour."""
    end = hour + dt.timedelta(hours=1)
    queries = [(m, "Sum") for m in [*good, *failed]]
    data = fetch(target, queries, start=hour, end=end, period=60)
    minutes: dict[dt.datetime, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for metric, values in zip([*good, *failed], data, strict=True):
        for stamp, value in zip(values.timestamps, values.values, strict=True):
            minutes[stamp][1 if metric in failed else 0] += value
    return [(g, b) for g, b in minutes.values()]


def api_availability(target: Target, end: dt.datetime, window: dt.timedelta) -> SloResult:
    """Per-minute good/failed API requests from `APIRequestCount` (a 5xx is failed).

    Minute resolution is fetched only for the hours that had a 5xx: a month of minutes for
    every series is 43,200 points each, and the other minutes cannot be down.
    """
    start = end - window
    good, failed = _api_request_series(target)
    whole = int(window.total_seconds())
    totals = fetch(target, [(m, "Sum") for m in good], start=start, end=end, period=whole)
    good_total = sum(series.total() for series in totals)
    hours: set[dt.datetime] = set()
    for series in fetch(target, [(m, "Sum") for m in failed], start=start, end=end, period=3600):
        hours.update(stamp for stamp, value in zip(series.timestamps, series.values, strict=True)
                     if value > 0)  # fmt: skip
    minutes: list[tuple[float, float]] = []
    for hour in sorted(hours):
        minutes.extend(_per_minute(target, good, failed, hour))
    counted_good = sum(g for g, _ in minutes)
    minutes.append((max(0.0, good_total - counted_good), 0.0))  # the error-free rest, as one
    return availability_slo(
        "API Availability",
        minutes=minutes,
        objective=0.999,
        window=window,
        source="metric APIRequestCount (StatusCode 5xx = failed), per minute",
    )


API_LATENCY_LIMITS: Final = ((95.0, 500.0), (99.0, 1000.0))


def api_response_time(
    target: Target, end: dt.datetime, window: dt.timedelta, sleep: Callable[[float], None] | None
) -> SloResult:
    """p95/p99 of `APIResponseTime` as CloudWatch computes them, per endpoint series (a
    percentile cannot be merged across series: the worst endpoint's is the SLI), and the
    requests slower than each limit (`TC(limit:)`, summed: they set the error budget)."""
    del sleep  # metrics only: no Logs Insights query to wait for
    start = end - window
    series = [
        metric
        for metric in list_series(target, NAMESPACE, "APIResponseTime", {"Stage": target.stage})
        if metric.dimension("Endpoint") is not None
    ]
    stats = ["SampleCount"] + [f"p{rank:g}" for rank, _ in API_LATENCY_LIMITS]
    stats += [f"TC({limit:g}:)" for _, limit in API_LATENCY_LIMITS]
    period = int(window.total_seconds())
    data = fetch(
        target, [(m, stat) for m in series for stat in stats], start=start, end=end, period=period
    )
    events = 0.0
    worst: dict[float, float | None] = {rank: None for rank, _ in API_LATENCY_LIMITS}
    slower: dict[float, float] = {limit: 0.0 for _, limit in API_LATENCY_LIMITS}
    for index in range(len(series)):
        by_stat = dict(zip(stats, data[index * len(stats) : (index + 1) * len(stats)], strict=True))
        events += by_stat["SampleCount"].total()
        for rank, limit in API_LATENCY_LIMITS:
            values = by_stat[f"p{rank:g}"].values
            if values:
                found = worst[rank]
                worst[rank] = max(values) if found is None else max(found, *values)
            slower[limit] += by_stat[f"TC({limit:g}:)"].total()
    return latency_slo_from_statistics(
        "API Response Time",
        events=events,
        percentiles=worst,
        slower=slower,
        limits=API_LATENCY_LIMITS,
        window=window,
        source="metric APIResponseTime: p95/p99 per endpoint (worst shown), TC(limit:) counts",
    )


def processing_success(target: Target, end: dt.datetime, window: dt.timedelta) -> SloResult:
    totals = _status_totals(target, "MessagesProcessed", end - window, end)
    return ratio_slo(
        "Message Processing Success Rate",
        good=totals.get("completed", 0.0),
        bad=totals.get("failed", 0.0),
        objective=0.995,
        window=window,
        source="metric MessagesProcessed (Status completed / failed)",
    )


def notification_success(target: Target, end: dt.datetime, window: dt.timedelta) -> SloResult:
    totals = _status_totals(target, "NotificationsSent", end - window, end)
    return ratio_slo(
        "Notification Delivery Success Rate",
        good=totals.get("success", 0.0),
        bad=totals.get("failure", 0.0),
        objective=0.99,
        window=window,
        source="metric NotificationsSent (Status success / failure)",
    )


def completed_latencies(target: Target, start: dt.datetime, end: dt.datetime) -> list[float]:
    """Seconds from created to completed for messages created in [start, end)."""
    paginator = target.client("dynamodb").get_paginator("query")
    pages = paginator.paginate(
        TableName=target.names.messages_table,
        IndexName="status-created_at-index",
        KeyConditionExpression="#s = :completed AND created_at BETWEEN :start AND :end",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={
            ":completed": {"S": "completed"},
            ":start": {"S": _stamp(start)},
            ":end": {"S": _stamp(end)},
        },
    )
    latencies: list[float] = []
    for page in pages:
        for item in page.get("Items", []):
            record = from_item(item)
            created, updated = (
                parse_time(record.get("created_at")),
                parse_time(record.get("updated_at")),
            )
            if created and updated:
                latencies.append((updated - created).total_seconds())
    return latencies


def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def processing_latency(target: Target, end: dt.datetime, window: dt.timedelta) -> SloResult:
    return latency_slo(
        "Message Processing Latency",
        values=completed_latencies(target, end - window, end),
        limits=[(95, 10.0)],
        window=window,
        unit="s",
        budget_unit="slow messages",
        source="records: updated_at - created_at of completed messages",
    )


def measure(
    target: Target | None = None,
    *,
    window: dt.timedelta | None = None,
    now: dt.datetime | None = None,
    sleep: Callable[[float], None] | None = None,
) -> list[SloResult]:
    """All five SLOs, each over its own window (or `window` for all)."""
    where = target or Target.resolve()
    end = now or dt.datetime.now(dt.UTC)

    def span(key: str) -> dt.timedelta:
        return window or WINDOWS[key]

    return [
        api_availability(where, end, span("availability")),
        api_response_time(where, end, span("response_time"), sleep),
        processing_success(where, end, span("processing_success")),
        processing_latency(where, end, span("processing_latency")),
        notification_success(where, end, span("notification_success")),
    ]


__all__ = ["MetricId", "SloResult", "measure"]
