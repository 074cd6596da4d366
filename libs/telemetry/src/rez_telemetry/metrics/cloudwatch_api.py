"""PutMetricData back end: series packed into as few API calls as CloudWatch allows.

Limits (CloudWatch API reference, PutMetricData): 1,000 datums per call, 1 MB of request payload,
150 distinct values per datum (`Values`/`Counts`), 30 dimensions per datum. One invocation's
metrics therefore normally leave in a single call.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, Final

from rez_telemetry.metrics.buffer import Series
from rez_telemetry.metrics.names import STANDARD_RESOLUTION

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch import CloudWatchClient

MAX_DATUMS_PER_CALL: Final = 1000
MAX_VALUES_PER_DATUM: Final = 150
MAX_PAYLOAD_BYTES: Final = 1_000_000
# The wire form (query or JSON protocol) is larger than our JSON estimate of a datum: keep room.
PAYLOAD_SAFETY_FACTOR: Final = 2.0


def build_datums(series_list: Sequence[Series]) -> list[dict[str, Any]]:
    """One datum per series (more when a series has over 150 distinct values).

    Series that differ only by correlation id are merged: correlation is not a CloudWatch
    dimension (it would create one metric per message), so it only matters to EMF.
    """
    merged: dict[tuple[str, str, tuple[tuple[str, str], ...]], tuple[float, dict[float, int]]] = {}
    for series in series_list:
        key = (series.name, series.unit, series.dimensions)
        timestamp, counts = merged.get(key, (series.timestamp, {}))
        for value, count in series.counts.items():
            counts[value] = counts.get(value, 0) + count
        merged[key] = (min(timestamp, series.timestamp), counts)

    datums: list[dict[str, Any]] = []
    for (name, unit, dimensions), (timestamp, counts) in merged.items():
        pairs = list(counts.items())
        for start in range(0, len(pairs), MAX_VALUES_PER_DATUM):
            chunk = pairs[start : start + MAX_VALUES_PER_DATUM]
            datums.append(
                {
                    "MetricName": name,
                    "Dimensions": [{"Name": k, "Value": v} for k, v in dimensions],
                    "Timestamp": dt.datetime.fromtimestamp(timestamp, tz=dt.UTC),
                    "Unit": unit,
                    "StorageResolution": STANDARD_RESOLUTION,
                    "Values": [value for value, _ in chunk],
                    "Counts": [float(count) for _, count in chunk],
                }
            )
    return datums


def _estimated_size(datum: dict[str, Any]) -> int:
    return int(len(json.dumps(datum, default=str)) * PAYLOAD_SAFETY_FACTOR)


def batches(datums: Sequence[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    """Split datums into calls that respect the datum-count and payload-size limits."""
    batch: list[dict[str, Any]] = []
    size = 0
    for datum in datums:
        datum_size = _estimated_size(datum)
        if batch and (len(batch) >= MAX_DATUMS_PER_CALL or size + datum_size > MAX_PAYLOAD_BYTES):
            yield batch
            batch, size = [], 0
        batch.append(datum)
        size += datum_size
    if batch:
        yield batch


def put_metric_data(
    client: CloudWatchClient | Any, namespace: str, series_list: Sequence[Series]
) -> int:
    """Send the series; returns the number of API calls made."""
    calls = 0
    for batch in batches(build_datums(series_list)):
        client.put_metric_data(Namespace=namespace, MetricData=batch)
        calls += 1
    return calls
