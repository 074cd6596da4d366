"""rezctl's X-Ray views without AWS: the journey's span tree from BatchGetTraces, and `map`."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from rezctl import service_map
from rezctl.target import Target
from rezctl.xray_trace import collect_spans

TRACE = "1-6756c000-0123456789abcdef01234567"
NOW = dt.datetime(2026, 12, 4, 12, 0, tzinfo=dt.UTC)


class FakeXRay:
    """Answers as X-Ray does for one trace and a three-node graph."""

    def __init__(self) -> None:
        self.filters: list[str] = []

    def get_trace_summaries(self, **kwargs: Any) -> dict[str, Any]:
        self.filters.append(kwargs["FilterExpression"])
        return {"TraceSummaries": [{"Id": TRACE}]}

    def batch_get_traces(self, **kwargs: Any) -> dict[str, Any]:
        segment = {
            "id": "a000000000000001",
            "trace_id": TRACE,
            "name": "notifier",
            "start_time": 1.0,
            "end_time": 1.2,
            "annotations": {"correlation_id": "c-1"},
            "subsegments": [
                {
                    "id": "a000000000000002",
                    "name": "ntfy.sh",
                    "namespace": "remote",
                    "start_time": 1.05,
                    "end_time": 1.1,
                    "fault": True,
                    "http": {"response": {"status": 503}},
                    "metadata": {"default": {"span.name": "HTTP POST"}},
                }
            ],
        }
        return {
            "Traces": [{"Id": TRACE, "Segments": [{"Id": "x", "Document": json.dumps(segment)}]}]
        }

    def get_service_graph(self, **kwargs: Any) -> dict[str, Any]:
        ok = {"OkCount": 2, "TotalCount": 2, "TotalResponseTime": 0.2}
        fault = {"OkCount": 0, "TotalCount": 1, "TotalResponseTime": 0.5,
                 "FaultStatistics": {"TotalCount": 1}}  # fmt: skip
        return {
            "Services": [
                {"ReferenceId": 0, "Name": "client", "Type": "client",
                 "Edges": [{"ReferenceId": 1, "SummaryStatistics": ok}]},
                {"ReferenceId": 1, "Name": "notifier", "Type": "AWS::Lambda::Function",
                 "SummaryStatistics": ok,
                 "Edges": [{"ReferenceId": 2, "SummaryStatistics": fault}]},
                {"ReferenceId": 2, "Name": "ntfy.sh", "Type": "remote",
                 "SummaryStatistics": fault, "Edges": []},
            ]
        }  # fmt: skip


def target_with(xray: FakeXRay, endpoint: str | None) -> Target:
    target = Target(stage="dev", endpoint=endpoint, region="eu-west-1")
    target._clients["xray"] = xray
    return target


def test_spans_come_from_the_correlation_annotation_and_aws_gets_console_links() -> None:
    xray = FakeXRay()
    spans, notes = collect_spans(target_with(xray, None), "c-1", NOW, NOW)
    assert xray.filters == ['annotation.correlation_id = "c-1"']
    assert [s["name"] for s in spans] == ["notifier", "HTTP POST"]
    assert spans[1]["parent_id"] == spans[0]["span_id"]
    assert spans[1]["status"] == "error"
    assert notes == [
        "X-Ray console: https://eu-west-1.console.aws.amazon.com/cloudwatch/home"
        f"?region=eu-west-1#xray:traces/{TRACE}"
    ]


def test_on_the_harness_no_console_link() -> None:
    _, notes = collect_spans(target_with(FakeXRay(), "http://127.0.0.1:4599"), "c-1", NOW, NOW)
    assert notes == []


def test_map_as_text_and_pictures(tmp_path: Path) -> None:
    graph = service_map.fetch(target_with(FakeXRay(), None), dt.timedelta(hours=1), now=NOW)
    text = service_map.text(graph)
    assert "client (client) --> notifier (AWS::Lambda::Function): 2 requests" in text
    assert (
        "notifier (AWS::Lambda::Function) --> ntfy.sh (remote): 1 requests, 0 errors, 1 faults"
        in text
    )
    assert service_map.layout(graph)["ntfy.sh (remote)"][0] == 2
    svg = service_map.write_picture(graph, tmp_path / "map.svg").read_text()
    assert svg.count("<rect") == 3
    assert svg.count("<line") == 2
    html = service_map.write_picture(graph, tmp_path / "map.html").read_text()
    assert "<svg" in html
    assert "ntfy.sh (remote)" in html
    png = service_map.write_picture(graph, tmp_path / "map.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
