"""`rezctl trace`: one message's record, status history, log lines and span tree."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from fake_logs import FakeLogs
from support import client

from rezctl import journey
from rezctl.cli import main
from rezctl.target import Target

T0 = dt.datetime(2026, 11, 27, 10, 0, 0, tzinfo=dt.UTC)
MID = "6f1d7c1e-5d0c-4a8e-9b8e-0c1e2f3a4b5c"
CID = "corr-journey-1"
WEB, PROC, NOTIFY = (
    "/aws/lambda/rez-agent-web-api-dev",
    "/aws/lambda/rez-agent-message-processor-dev",
    "/aws/lambda/rez-agent-notification-service-dev",
)


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def stamp(seconds: float) -> str:
    return at(seconds).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def store(status: str, error: str | None = None, attempts: int = 1) -> None:
    item = {
        "message_id": {"S": MID},
        "correlation_id": {"S": CID},
        "status": {"S": status},
        "message_type": {"S": "manual"},
        "created_by": {"S": "a@example.com"},
        "created_at": {"S": stamp(0)},
        "updated_at": {"S": stamp(5)},
        "attempts": {"N": str(attempts)},
        "body": {"S": "hi"},
        "stage": {"S": "dev"},
    }
    if error:
        item["error"] = {"S": error}
    client("dynamodb").put_item(TableName="rez-agent-messages-dev", Item=item)


def span(
    trace: str,
    span_id: str,
    parent: str | None,
    name: str,
    start: float,
    ms: float,
    *,
    service: str,
    status: str = "unset",
    correlation: str | None = CID,
    error: dict[str, str] | None = None,
) -> dict[str, object]:
    document: dict[str, object] = {
        "trace_id": trace,
        "span_id": span_id,
        "parent_id": parent,
        "links": [],
        "name": name,
        "start": at(start).timestamp(),
        "end": at(start).timestamp() + ms / 1000,
        "duration_ms": ms,
        "status": status,
        "attributes": {},
        "service": service,
        "correlation_id": correlation,
    }
    if error:
        document["error"] = error
    return {"span": document, "correlation_id": correlation, "service": service}


def failed_journey(logs: FakeLogs) -> None:
    logs.put(
        WEB,
        at(0.1),
        {"level": "INFO", "message": "Message created", "message_id": MID, "correlation_id": CID},
    )
    logs.put(
        PROC,
        at(1),
        {
            "level": "INFO",
            "message": "Message status updated",
            "message_id": MID,
            "correlation_id": CID,
            "old_status": "created",
            "new_status": "processing",
        },
    )
    logs.put(
        NOTIFY,
        at(1.5),
        {
            "level": "ERROR",
            "message": "Notification failed",
            "message_id": MID,
            "correlation_id": CID,
            "error": "NtfyUnavailableError: 503",
        },
    )
    logs.put(
        PROC,
        at(2),
        {
            "level": "INFO",
            "message": "Message status updated",
            "message_id": MID,
            "correlation_id": CID,
            "old_status": "processing",
            "new_status": "failed",
            "error": "notifier failed",
        },
    )
    logs.put(
        PROC,
        at(2.1),
        {"_aws": {"CloudWatchMetrics": []}, "MessagesProcessed": 1, "correlation_id": CID},
    )
    logs.put(WEB, at(0.2), span("T1", "a", None, "web-api", 0.05, 40, service="web-api"))
    logs.put(
        NOTIFY,
        at(1.6),
        span(
            "T1",
            "b",
            "a",
            "notifier",
            1.2,
            300,
            service="notifier",
            status="error",
            error={"type": "NtfyUnavailableError", "message": "503"},
        ),
    )
    # A child span without the correlation id: found through its trace id.
    logs.put(
        NOTIFY,
        at(1.55),
        span(
            "T1",
            "c",
            "b",
            "HTTP POST",
            1.3,
            250,
            service="notifier",
            status="error",
            correlation=None,
        ),
    )


@pytest.fixture
def logs(target: Target, messages_table: str) -> FakeLogs:
    fake = FakeLogs()
    target.with_client("logs", fake)
    return fake


def test_a_failed_message_by_id(target: Target, logs: FakeLogs):
    # GIVEN a message that failed in the notifier
    store("failed", error="notifier failed: NtfyUnavailableError: 503", attempts=3)
    failed_journey(logs)
    # WHEN its journey is collected by message id
    found = journey.collect(MID, target=target, now=at(10))
    # THEN the record, the lines (no metric documents, no spans) in time order and the history
    assert found.correlation_id == CID
    assert [line.text for line in found.lines] == [
        "Message created",
        "Message status updated",
        "Notification failed",
        "Message status updated",
    ]
    assert [line.service for line in found.lines] == [
        "web-api",
        "message-processor",
        "notification-service",
        "message-processor",
    ]
    assert [(c.old, c.new, c.source) for c in found.status_history] == [
        (None, "created", "record"),
        ("created", "processing", "log"),
        ("processing", "failed", "log"),
    ]
    # AND the span tree holds the uncorrelated child found through the trace id
    assert len(found.spans) == 3
    assert [node.name for node in found.trees[0].walk()] == ["web-api", "notifier", "HTTP POST"]
    # AND the failure names the service, the deepest erroring span and the record's reason
    failure = found.failure
    assert failure is not None
    assert failure.service == "notification-service"
    assert failure.span == "HTTP POST"
    assert failure.reason == "notifier failed: NtfyUnavailableError: 503"
    assert found.source == "insights"


def test_by_correlation_id_finds_the_message_from_its_lines(target: Target, logs: FakeLogs):
    store("failed", error="boom")
    failed_journey(logs)
    found = journey.collect(CID, target=target, now=at(10))
    assert found.message_id == MID
    assert found.status == "failed"


def test_insights_failure_falls_back_to_filter_log_events(target: Target, messages_table: str):
    # GIVEN Logs Insights refusing queries
    fake = FakeLogs(insights_fails=True)
    target.with_client("logs", fake)
    store("failed", error="boom")
    failed_journey(fake)
    # WHEN collected
    found = journey.collect(MID, target=target, now=at(10))
    # THEN the same lines and spans come from FilterLogEvents, and the note says so
    assert found.source == "filter"
    assert len(found.lines) == 4
    assert len(found.spans) == 3
    assert "FilterLogEvents" in found.notes[0]


def test_a_completed_message_reports_no_failure(target: Target, logs: FakeLogs):
    store("completed")
    logs.put(
        PROC,
        at(1),
        {
            "level": "INFO",
            "message": "Message status updated",
            "message_id": MID,
            "correlation_id": CID,
            "old_status": "processing",
            "new_status": "completed",
            "notification_id": "n1",
        },
    )
    found = journey.collect(MID, target=target, now=at(10))
    assert found.failure is None
    assert found.status_history[-1].new == "completed"
    assert "Completed" in journey.render(found)


def test_record_status_without_a_log_line_is_still_in_the_history(target: Target, logs: FakeLogs):
    # GIVEN a record marked failed by a function that logged no status line
    store("failed", error="never published")
    found = journey.collect(MID, target=target, now=at(10))
    assert [(c.old, c.new, c.source) for c in found.status_history] == [
        (None, "created", "record"),
        ("created", "failed", "record"),
    ]


def test_render_shows_lines_tree_and_where_it_failed(target: Target, logs: FakeLogs):
    store("failed", error="notifier failed: NtfyUnavailableError: 503")
    failed_journey(logs)
    text = journey.render(journey.collect(MID, target=target, now=at(10)))
    assert "notification-service" in text
    assert "[notifier] 300.0 ms ERROR" in text
    assert "FAILED at notification-service (HTTP POST): notifier failed" in text


def test_cli_trace_exits_1_when_failed_and_0_when_a_retry_completed_it(
    target: Target, logs: FakeLogs, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr("rezctl.cli.Target.resolve", lambda *a, **k: target)
    store("failed", error="boom")
    failed_journey(logs)
    out = io.StringIO()
    assert main(["trace", MID, "--json"], stdout=out, stderr=io.StringIO()) == 1
    document = json.loads(out.getvalue())
    assert document["failure"]["service"] == "notification-service"
    # WHEN a later attempt completed it (the erring attempt's lines stay in the journey)
    store("completed")
    out = io.StringIO()
    assert main(["trace", MID], stdout=out, stderr=io.StringIO()) == 0
    assert "Notification failed" in out.getvalue()


def test_an_identifier_that_could_inject_into_a_query_is_refused(target: Target, logs: FakeLogs):
    out = io.StringIO()
    code = main(["trace", 'x" or level = "ERROR'], stdout=out, stderr=io.StringIO())
    assert code == 2
