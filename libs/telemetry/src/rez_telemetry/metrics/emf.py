"""CloudWatch Embedded Metric Format: series rendered as JSON lines for stdout.

CloudWatch Logs extracts the metrics from the function's log group; no API call is made.
Limits from the EMF specification: at most 100 metrics per object and 100 values per metric
array, at most 30 dimensions per dimension set.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import Any, Final

from rez_telemetry.metrics.buffer import Dimensions, Series
from rez_telemetry.metrics.names import STANDARD_RESOLUTION

MAX_METRICS_PER_OBJECT: Final = 100
MAX_VALUES_PER_METRIC: Final = 100
CORRELATION_ID_PROPERTY: Final = "correlation_id"


def _expanded_values(series: Series) -> list[float]:
    counts = series.counts
    if len(counts) == 1:  # the common case: one value recorded n times
        [(value, count)] = counts.items()
        return [value] * count
    values: list[float] = []
    for value, count in counts.items():
        values.extend([value] * count)
    return values


def _chunks(values: list[float], size: int) -> Iterator[list[float]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def build_objects(series_list: Sequence[Series], namespace: str) -> list[dict[str, Any]]:
    """Group series sharing dimensions and correlation id into as few EMF objects as allowed."""
    groups: dict[tuple[Dimensions, str | None], list[Series]] = defaultdict(list)
    for series in series_list:
        groups[(series.dimensions, series.correlation_id)].append(series)

    objects: list[dict[str, Any]] = []
    for (dimensions, correlation_id), members in groups.items():
        timestamp = min(member.timestamp for member in members)
        pages = _one_page(members) or _paged(members)
        for page in pages:
            objects.append(_emf_object(namespace, dimensions, correlation_id, timestamp, page))
    return objects


def _one_page(members: list[Series]) -> list[dict[str, tuple[str, list[float]]]]:
    """The group as one object when it fits (the usual case), else [] for `_paged`."""
    if len(members) > MAX_METRICS_PER_OBJECT:
        return []
    page: dict[str, tuple[str, list[float]]] = {}
    for member in members:
        values = _expanded_values(member)
        if len(values) > MAX_VALUES_PER_METRIC or member.name in page:
            return []
        page[member.name] = (member.unit, values)
    return [page]


def _paged(members: list[Series]) -> list[dict[str, tuple[str, list[float]]]]:
    """One array per metric name and object; more values than an array holds spill into
    further objects ("pages"), as do more metrics than an object holds."""
    pages: list[dict[str, tuple[str, list[float]]]] = []
    for member in members:
        for page_number, chunk in enumerate(
            _chunks(_expanded_values(member), MAX_VALUES_PER_METRIC)
        ):
            page = _page_with_room(pages, page_number, member.name)
            page[member.name] = (member.unit, chunk)
    return pages


def _page_with_room(
    pages: list[dict[str, tuple[str, list[float]]]], first: int, name: str
) -> dict[str, tuple[str, list[float]]]:
    for page in pages[first:]:
        if name not in page and len(page) < MAX_METRICS_PER_OBJECT:
            return page
    fresh: dict[str, tuple[str, list[float]]] = {}
    pages.append(fresh)
    return fresh


def _emf_object(
    namespace: str,
    dimensions: Dimensions,
    correlation_id: str | None,
    timestamp: float,
    page: dict[str, tuple[str, list[float]]],
) -> dict[str, Any]:
    document: dict[str, Any] = {
        "_aws": {
            "Timestamp": int(timestamp * 1000),
            "CloudWatchMetrics": [
                {
                    "Namespace": namespace,
                    "Dimensions": [[name for name, _ in dimensions]],
                    "Metrics": [
                        {"Name": name, "Unit": unit, "StorageResolution": STANDARD_RESOLUTION}
                        for name, (unit, _) in page.items()
                    ],
                }
            ],
        }
    }
    document.update(dimensions)
    if correlation_id is not None:
        document[CORRELATION_ID_PROPERTY] = correlation_id
    for name, (_, values) in page.items():
        document[name] = values[0] if len(values) == 1 else values
    return document


def render_lines(series_list: Sequence[Series], namespace: str) -> list[str]:
    """One compact JSON document per line, ready for stdout."""
    encode = _ENCODER.encode
    return [encode(document) for document in build_objects(series_list, namespace)]


_ENCODER: Final = json.JSONEncoder(separators=(",", ":"))
"""One encoder for every line (`json.dumps` with options builds a new one per call)."""
