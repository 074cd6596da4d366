"""EMF documents to PutMetricData input, without the harness."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from rez_localstack.emf import EmfError, extract_metrics
from rez_localstack.emf.publish import metrics_from_events

STAMP = 1_767_225_600_123


def emf(
    metrics: list[dict[str, Any]], dimensions: list[list[str]] | None = None, **fields: Any
) -> str:
    directive: dict[str, Any] = {"Namespace": "RezAgent", "Metrics": metrics}
    if dimensions is not None:
        directive["Dimensions"] = dimensions
    return json.dumps({"_aws": {"Timestamp": STAMP, "CloudWatchMetrics": [directive]}, **fields})


def test_one_metric_one_dimension_set() -> None:
    (batch,) = extract_metrics(
        emf(
            [{"Name": "MessagesCreated", "Unit": "Count"}],
            [["Stage", "Service"]],
            Stage="dev",
            Service="web-api",
            MessagesCreated=1,
            other="x",
        ),
        fallback_timestamp_ms=0,
    )
    assert batch.namespace == "RezAgent"
    assert batch.metric_data == [
        {
            "MetricName": "MessagesCreated",
            "Dimensions": [
                {"Name": "Stage", "Value": "dev"},
                {"Name": "Service", "Value": "web-api"},
            ],
            "Timestamp": datetime(2026, 1, 1, 0, 0, 0, 123000, tzinfo=UTC),
            "Unit": "Count",
            "StorageResolution": 60,
            "Value": 1.0,
        }
    ]


def test_every_dimension_set_gets_its_own_datum_and_high_resolution_is_kept() -> None:
    (batch,) = extract_metrics(
        emf(
            [{"Name": "Latency", "Unit": "Milliseconds", "StorageResolution": 1}],
            [["Stage"], ["Stage", "Route"], []],
            Stage="prod",
            Route="/x",
            Latency=12.5,
        ),
        fallback_timestamp_ms=0,
    )
    assert [[d["Name"] for d in datum["Dimensions"]] for datum in batch.metric_data] == [
        ["Stage"],
        ["Stage", "Route"],
        [],
    ]
    assert {datum["StorageResolution"] for datum in batch.metric_data} == {1}


def test_an_array_of_values_becomes_values_and_counts() -> None:
    (batch,) = extract_metrics(emf([{"Name": "Size"}], [["Stage"]], Stage="dev", Size=[3, 5, 3]), 0)
    (datum,) = batch.metric_data
    assert (datum["Values"], datum["Counts"], datum["Unit"]) == ([3.0, 5.0], [2.0, 1.0], "None")
    assert "Value" not in datum


def test_declared_metric_without_value_is_skipped_and_timestamp_falls_back() -> None:
    line = json.dumps(
        {
            "_aws": {
                "CloudWatchMetrics": [
                    {
                        "Namespace": "N",
                        "Dimensions": [[]],
                        "Metrics": [{"Name": "A"}, {"Name": "B"}],
                    }
                ]
            },
            "B": 2,
        }
    )
    (batch,) = extract_metrics(line, fallback_timestamp_ms=STAMP)
    assert [d["MetricName"] for d in batch.metric_data] == ["B"]
    assert batch.metric_data[0]["Timestamp"] == datetime(2026, 1, 1, 0, 0, 0, 123000, tzinfo=UTC)


@pytest.mark.parametrize("line", ["plain text", '{"level": "INFO"}', "{not json", '["_aws"]'])
def test_lines_that_are_not_emf_give_nothing(line: str) -> None:
    assert extract_metrics(line, 0) == []


@pytest.mark.parametrize(
    ("metrics", "dimensions", "fields"),
    [
        ([{"Name": "A"}], [["Missing"]], {"A": 1}),
        ([{"Name": "A"}], [["Stage"]], {"A": 1, "Stage": 3}),
        ([{"Name": "A", "StorageResolution": 5}], [[]], {"A": 1}),
        ([{"Name": "A"}], [[]], {"A": "one"}),
        ([{"Name": "A"}], [[]], {"A": list(range(101))}),
        ([{"Unit": "Count"}], [[]], {}),
    ],
)
def test_documents_breaking_the_specification_are_rejected(
    metrics: list[dict[str, Any]], dimensions: list[list[str]], fields: dict[str, Any]
) -> None:
    with pytest.raises(EmfError):
        extract_metrics(emf(metrics, dimensions, **fields), 0)


def test_a_rejected_document_does_not_stop_the_others_in_the_batch() -> None:
    good = emf([{"Name": "A"}], [[]], A=1)
    bad = emf([{"Name": "A"}], [["Missing"]], A=1)
    batches = metrics_from_events(
        [{"message": bad, "timestamp": 1}, {"message": good, "timestamp": 2}], "/g"
    )
    assert [d["MetricName"] for b in batches for d in b.metric_data] == ["A"]
