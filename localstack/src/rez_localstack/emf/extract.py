"""Read one log message as an EMF document and turn it into ``PutMetricData`` input.

The specification: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/
CloudWatch_Embedded_Metric_Format_Specification.html . A message that is not EMF gives nothing;
an EMF document that breaks the specification raises ``EmfError`` (CloudWatch drops its metrics and
keeps the log line).
"""

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

MAX_DIMENSIONS = 30
MAX_VALUES = 100
STORAGE_RESOLUTIONS = (1, 60)


class EmfError(ValueError):
    """An EMF document that CloudWatch would reject."""


@dataclass(slots=True)
class MetricBatch:
    """Metric data for one namespace, in ``PutMetricData``'s ``MetricData`` shape."""

    namespace: str
    metric_data: list[dict[str, Any]] = field(default_factory=list)


def extract_metrics(message: str, fallback_timestamp_ms: int) -> list[MetricBatch]:
    """The metrics an EMF message carries; ``[]`` when the message is not EMF at all."""
    document = _emf_document(message)
    if document is None:
        return []
    metadata = document["_aws"]
    if not isinstance(metadata, dict):
        raise EmfError("_aws must be an object")
    timestamp_ms = metadata.get("Timestamp", fallback_timestamp_ms)
    if not isinstance(timestamp_ms, int | float) or isinstance(timestamp_ms, bool):
        raise EmfError("_aws.Timestamp must be a number of milliseconds")
    directives = metadata.get("CloudWatchMetrics")
    if not isinstance(directives, list):
        raise EmfError("_aws.CloudWatchMetrics must be an array")
    moment = datetime.fromtimestamp(timestamp_ms / 1000, tz=UTC)
    return [_batch(directive, document, moment) for directive in directives]


def _emf_document(message: str) -> dict[str, Any] | None:
    text = message.strip()
    if not text.startswith("{") or '"_aws"' not in text:
        return None
    try:
        document = json.loads(text)
    except ValueError:
        return None
    if not isinstance(document, dict) or "_aws" not in document:
        return None
    return document


def _batch(directive: object, document: dict[str, Any], moment: datetime) -> MetricBatch:
    if not isinstance(directive, dict):
        raise EmfError("each CloudWatchMetrics entry must be an object")
    namespace = directive.get("Namespace")
    if not isinstance(namespace, str) or not namespace:
        raise EmfError("Namespace is required")
    dimension_sets = _dimension_sets(directive.get("Dimensions", [[]]), document)
    batch = MetricBatch(namespace)
    for definition in _metric_definitions(directive.get("Metrics")):
        name = definition["Name"]
        if name not in document:
            continue  # a declared metric without a value is not published
        values = _values(name, document[name])
        for dimensions in dimension_sets:
            batch.metric_data.append(_datum(definition, dimensions, values, moment))
    return batch


def _dimension_sets(raw: object, document: dict[str, Any]) -> list[list[dict[str, str]]]:
    if not isinstance(raw, list):
        raise EmfError("Dimensions must be an array of dimension sets")
    sets: list[list[dict[str, str]]] = []
    for dimension_set in raw:
        if not isinstance(dimension_set, list) or not all(
            isinstance(k, str) for k in dimension_set
        ):
            raise EmfError("each dimension set must be an array of strings")
        if len(dimension_set) > MAX_DIMENSIONS:
            raise EmfError(f"a dimension set holds at most {MAX_DIMENSIONS} dimensions")
        values = [document.get(key) for key in dimension_set]
        if any(not isinstance(value, str) for value in values):
            raise EmfError(
                f"dimension values must be strings present in the document: {dimension_set}"
            )
        sets.append(
            [{"Name": k, "Value": str(v)} for k, v in zip(dimension_set, values, strict=True)]
        )
    return sets or [[]]


def _metric_definitions(raw: object) -> list[dict[str, Any]]:
    if not isinstance(raw, list):
        raise EmfError("Metrics must be an array")
    definitions: list[dict[str, Any]] = []
    for definition in raw:
        if not isinstance(definition, dict) or not isinstance(definition.get("Name"), str):
            raise EmfError("each metric definition needs a Name")
        resolution = definition.get("StorageResolution", 60)
        if resolution not in STORAGE_RESOLUTIONS:
            raise EmfError("StorageResolution must be 1 or 60")
        definitions.append(definition)
    return definitions


def _values(name: str, raw: object) -> list[float]:
    items = raw if isinstance(raw, list) else [raw]
    if not items or len(items) > MAX_VALUES:
        raise EmfError(f"{name}: between 1 and {MAX_VALUES} values")
    numbers: list[float] = []
    for item in items:
        if not isinstance(item, int | float) or isinstance(item, bool):
            raise EmfError(f"{name}: metric values must be numbers")
        numbers.append(float(item))
    return numbers


def _datum(
    definition: dict[str, Any],
    dimensions: list[dict[str, str]],
    values: list[float],
    moment: datetime,
) -> dict[str, Any]:
    datum: dict[str, Any] = {
        "MetricName": definition["Name"],
        "Dimensions": dimensions,
        "Timestamp": moment,
        "Unit": definition.get("Unit", "None"),
        "StorageResolution": int(definition.get("StorageResolution", 60)),
    }
    if len(values) == 1:
        datum["Value"] = values[0]
    else:
        counts = Counter(values)
        datum["Values"] = list(counts)
        datum["Counts"] = [float(count) for count in counts.values()]
    return datum
