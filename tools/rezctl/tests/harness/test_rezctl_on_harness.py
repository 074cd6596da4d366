"""rezctl against the deployed system on the local harness: send and trace, the dashboard, SLOs.

One module, one harness: messages sent by the first test are what the SLO test counts.
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from rez_demo.local_parameters import DEMO_TOPIC
from rezctl import journey, slo
from rezctl.api import send_message
from rezctl.cli import main
from rezctl.dashboard import render_dashboard
from rezctl.records import get_record
from rezctl.target import Target

pytestmark = pytest.mark.harness
SENT = 3


def wait_for(check: Callable[[], Any], timeout: float = 60.0, every: float = 0.5) -> Any:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(every)
    raise AssertionError(f"not met within {timeout:.0f} s; last value {last!r}")


def measure_settled(target: Target) -> dict[str, Any]:
    """The SLO results by name."""
    return {r.name: r for r in slo.measure(target)}


@pytest.fixture(scope="module")
def before(deployed: Target) -> dict[str, Any]:
    """The SLIs before this module sends anything (the harness may be shared with other suites)."""
    return measure_settled(deployed)


@pytest.fixture(scope="module")
def sent(deployed: Target, before: dict[str, Any]) -> list[Any]:
    """SENT messages through API Gateway and the authorizer, each waited until completed."""
    messages = [
        send_message(f"rezctl harness {n}", target=deployed, title="rezctl", tags=["test"])
        for n in range(SENT)
    ]
    for message in messages:
        wait_for(
            lambda m=message: (
                (get_record(deployed, m.message_id) or {}).get("status") in ("completed", "failed")
            )
        )
    return messages


def test_a_sent_message_is_traced_through_every_service(
    deployed: Target, sent: list[Any], harness: dict[str, Any]
):
    message = sent[0]
    # GIVEN it reached the mock ntfy
    received = httpx.get(f"{harness['ntfy']}/_mock/messages", params={"topic": DEMO_TOPIC})
    bodies = [m["message"] for m in received.json()]
    assert any(body.startswith("rezctl harness 0") for body in bodies)
    # WHEN traced by correlation id (the log lines and spans may trail the record a little)
    services = {"web-api", "message-processor", "notification-service"}

    def traced() -> journey.Journey | None:
        found = journey.collect(message.correlation_id, target=deployed)
        done = found.status_history[-1].source == "log" and services <= {
            line.service for line in found.lines
        }
        return found if done else None

    found = wait_for(traced, timeout=60)
    # THEN the record, the status history and the lines of every service, in time order
    assert found.message_id == message.message_id
    assert found.status == "completed"
    assert [c.new for c in found.status_history] == ["created", "processing", "completed"]
    stamps = [line.when for line in found.lines]
    assert stamps == sorted(stamps)
    texts = [line.text for line in found.lines]
    assert texts.index("Manual message created") < texts.index("Notification sent successfully")
    assert found.source == "insights"
    # AND no failure (span lines do not reach the harness's log groups yet: see the README)
    assert found.failure is None
    # AND the command prints it and exits 0
    out = io.StringIO()
    code = main(["--endpoint", deployed.endpoint or "", "trace", message.message_id],
                stdout=out, stderr=io.StringIO())  # fmt: skip
    assert code == 0
    assert "Completed" in out.getvalue()
    # AND its span tree comes from the harness's X-Ray (traces go there, as on AWS), down to ntfy
    assert found.span_source == "X-Ray"
    assert "from X-Ray" in out.getvalue()
    assert "HTTP POST" in out.getvalue()
    assert "X-Ray console" not in out.getvalue()  # only against AWS


def test_map_draws_the_service_graph(deployed: Target, sent: list[Any], tmp_path: Path):
    out = io.StringIO()
    picture = tmp_path / "map.svg"
    code = main(["--endpoint", deployed.endpoint or "", "map", "--since", "30m",
                 "--out", str(picture)], stdout=out, stderr=io.StringIO())  # fmt: skip
    assert code == 0
    text = out.getvalue()
    assert "processor (AWS::Lambda::Function) --> notifier (AWS::Lambda::Function)" in text
    assert "notifier (AWS::Lambda::Function) --> 127.0.0.1 (remote)" in text
    assert picture.read_text().count("<rect") >= 5


def test_dashboard_image_has_the_twelve_widgets(deployed: Target, sent: list[Any], tmp_path: Path):
    out = tmp_path / "dashboard.png"
    board, figure = render_dashboard(deployed, out)
    assert len(figure.axes) == 12
    assert out.stat().st_size > 10_000
    created = next(p for p in board.panels if p.title == "Messages Created (24h)")
    assert created.error is None
    # percentiles as CloudWatch computes them, on the harness too: real p99 and p95 lines
    for title in ("Lambda Duration (p99)", "API Response Time (p95)"):
        panel = next(p for p in board.panels if p.title == title)
        assert panel.error is None, panel.error
        assert any(line.points for line in panel.lines), title


def test_slo_report_counts_what_this_module_produced(
    deployed: Target, sent: list[Any], before: dict[str, Any]
):
    # The metrics arrive through the functions' EMF lines; wait until all SENT are published.
    def grown(results: dict[str, Any], name: str) -> int:
        return int(results[name].events - before[name].events)

    def measured() -> dict[str, Any] | None:
        results = measure_settled(deployed)
        done = grown(results, "Message Processing Success Rate") >= SENT
        return (
            results
            if done and grown(results, "Notification Delivery Success Rate") >= SENT
            else None
        )

    results = wait_for(measured, timeout=90, every=2)
    for name in ("Message Processing Success Rate", "Notification Delivery Success Rate"):
        # exactly what this module sent, all of it successful: no budget spent by it
        assert grown(results, name) == SENT
        assert results[name].budget_used == before[name].budget_used
    assert grown(results, "Message Processing Latency") == SENT
    # the API-latency SLI from CloudWatch's percentiles of APIResponseTime
    assert grown(results, "API Response Time") >= SENT
    assert results["API Response Time"].sli.startswith("p95 ")
    assert grown(results, "API Availability") >= SENT
    assert results["API Availability"].budget_used == before["API Availability"].budget_used
    out = io.StringIO()
    code = main(["--endpoint", deployed.endpoint or "", "slo", "--json"],
                stdout=out, stderr=io.StringIO())  # fmt: skip
    rows = {row["name"]: row for row in json.loads(out.getvalue())}
    assert rows["Message Processing Success Rate"]["events"] == (
        results["Message Processing Success Rate"].events
    )
    # exit 1 exactly when a budget is exhausted (a cold start can make 1 of 3 requests slow)
    assert code == (1 if any(row["exhausted"] for row in rows.values()) else 0)
