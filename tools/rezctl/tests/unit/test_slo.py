"""`rezctl slo`: the error-budget arithmetic, and the five SLIs from metrics, logs and records."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from fake_logs import FakeLogs
from support import client

from rezctl import slo
from rezctl.cli import main
from rezctl.slo_math import availability_slo, latency_slo, percentile, ratio_slo
from rezctl.target import Target

DAY = dt.timedelta(days=1)


def test_ratio_budget_is_the_documented_500_failures_per_100k():
    result = ratio_slo("s", good=99_700, bad=300, objective=0.995, window=30 * DAY)
    assert result.budget_allowed == pytest.approx(500)
    assert result.budget_left == pytest.approx(200)
    assert result.burn_rate == pytest.approx(0.6)
    assert result.met
    assert not result.exhausted


def test_ratio_budget_exhausted_above_the_allowed_failures():
    result = ratio_slo("s", good=99_400, bad=600, objective=0.995, window=30 * DAY)
    assert result.exhausted
    assert result.burn_rate == pytest.approx(1.2)
    assert not result.met


def test_availability_budget_is_43_minutes_a_month():
    result = availability_slo("a", minutes=[], objective=0.999, window=30 * DAY)
    assert result.budget_allowed == pytest.approx(43.2)
    assert result.sli == "no data"
    assert not result.exhausted
    assert result.burn_rate is None


def test_availability_counts_minutes_below_the_objective():
    # 1000 good minutes, 2 minutes with a 5xx among 100 requests (99% < 99.9%), 1 fine minute
    minutes = [(10.0, 0.0)] * 1000 + [(99.0, 1.0)] * 2 + [(9999.0, 1.0)]
    result = availability_slo("a", minutes=minutes, objective=0.999, window=30 * DAY)
    assert result.budget_used == 2
    assert result.budget_left == pytest.approx(41.2)
    assert result.burn_rate == pytest.approx(2 / 43.2)


def test_latency_budget_is_the_share_above_the_percentile():
    values = [100.0] * 95 + [600.0] * 5  # p95 = 100 ms (nearest rank), 5 slow of 100 allowed 5
    result = latency_slo("l", values=values, limits=[(95, 500.0)], window=30 * DAY)
    assert result.met
    assert (result.budget_allowed, result.budget_used) == (pytest.approx(5), 5)
    assert not result.exhausted
    one_more = latency_slo("l", values=[*values[1:], 600.0], limits=[(95, 500.0)], window=DAY)
    assert one_more.exhausted
    assert not one_more.met


def test_percentile_is_nearest_rank():
    assert percentile([5, 1, 3, 2, 4], 50) == 3
    assert percentile(list(range(1, 101)), 95) == 95
    assert percentile([], 95) is None


def test_one_failure_in_one_event_burns_a_thousand_times_the_budget():
    result = ratio_slo("s", good=0, bad=1, objective=0.999, window=DAY)
    assert result.burn_rate == pytest.approx(1000)
    assert result.as_dict()["exhausted"] is True


NOW = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC)


def put(
    name: str, value: float, dims: dict[str, str], minutes_ago: float = 5, now: dt.datetime = NOW
) -> None:
    client("cloudwatch").put_metric_data(
        Namespace="RezAgent",
        MetricData=[
            {
                "MetricName": name,
                "Value": value,
                "Unit": "Count",
                "Timestamp": now - dt.timedelta(minutes=minutes_ago),
                "Dimensions": [{"Name": "Stage", "Value": "dev"}]
                + [{"Name": k, "Value": v} for k, v in dims.items()],
            }
        ],
    )


@pytest.fixture
def stage_data(target: Target, messages_table: str) -> FakeLogs:
    logs = FakeLogs()
    target.with_client("logs", logs)
    return logs


def test_measure_reads_each_sli_from_its_source(target: Target, stage_data: FakeLogs):
    # GIVEN 3 completed and 1 failed message, 4 sent and 1 failed notification, 2 API calls
    put("MessagesProcessed", 3, {"Status": "completed"})
    put("MessagesProcessed", 1, {"Status": "failed"})
    put("NotificationsSent", 4, {"Status": "success"})
    put("NotificationsSent", 1, {"Status": "failure"})
    put("APIRequestCount", 2, {"Endpoint": "POST /api/messages", "StatusCode": "202"})
    put("MessagesProcessed", 7, {"Status": "completed"}, minutes_ago=60 * 24 * 40)  # too old
    # WHEN measured
    results = {r.name: r for r in slo.measure(target, now=NOW)}
    # THEN the ratios are the published counts within the window
    processing = results["Message Processing Success Rate"]
    assert (processing.events, processing.budget_used) == (4, 1)
    assert processing.exhausted  # 1 of 4 failed: 0.02 failures allowed
    notifications = results["Notification Delivery Success Rate"]
    assert (notifications.events, notifications.budget_used) == (5, 1)
    availability = results["API Availability"]
    assert (availability.events, availability.budget_used) == (2, 0)
    assert results["API Response Time"].sli == "no data"


def test_cli_exits_1_when_a_budget_is_exhausted(
    target: Target, stage_data: FakeLogs, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr("rezctl.cli.Target.resolve", lambda *a, **k: target)
    now = dt.datetime.now(dt.UTC)  # the CLI measures up to the real clock
    put("MessagesProcessed", 10, {"Status": "completed"}, minutes_ago=1, now=now)
    out = io.StringIO()
    assert main(["slo", "--json", "--window", "1h"], stdout=out, stderr=io.StringIO()) == 0
    put("MessagesProcessed", 1, {"Status": "failed"}, minutes_ago=1, now=now)
    out = io.StringIO()
    assert main(["slo", "--json", "--window", "1h"], stdout=out, stderr=io.StringIO()) == 1
    rows = {row["name"]: row for row in json.loads(out.getvalue())}
    assert rows["Message Processing Success Rate"]["exhausted"] is True
    assert rows["Message Processing Success Rate"]["budget_used"] == 1


def test_availability_counts_the_minute_with_5xx_as_down(target: Target, stage_data: FakeLogs):
    # GIVEN 100 good requests across the window and one minute with 2 of 10 failing
    post = {"Endpoint": "POST /api/messages"}
    put("APIRequestCount", 100, {**post, "StatusCode": "202"}, minutes_ago=600)
    put("APIRequestCount", 8, {**post, "StatusCode": "202"}, minutes_ago=30)
    put("APIRequestCount", 2, {**post, "StatusCode": "503"}, minutes_ago=30)
    # WHEN measured
    availability = {r.name: r for r in slo.measure(target, now=NOW)}["API Availability"]
    # THEN one bad minute of 43.2 allowed, and the ratio over every request
    assert availability.budget_used == 1
    assert availability.events == 110
    assert availability.sli.startswith("98.182%")


def test_latency_from_cloudwatch_statistics_budgets_the_slow_requests():
    from rezctl.slo_math import latency_slo_from_statistics

    # GIVEN 1000 requests, p95 420 ms, p99 1300 ms; 40 above 500 ms, 15 above 1000 ms
    result = latency_slo_from_statistics(
        "API Response Time",
        events=1000,
        percentiles={95.0: 420.0, 99.0: 1300.0},
        slower={500.0: 40.0, 1000.0: 15.0},
        limits=[(95.0, 500.0), (99.0, 1000.0)],
        window=dt.timedelta(days=30),
    )
    # THEN p99 misses its limit: 15 slow requests against 10 allowed sets the budget
    assert result.sli == "p95 420 ms, p99 1300 ms"
    assert not result.met
    assert (result.budget_allowed, result.budget_used) == pytest.approx((10.0, 15.0))
    assert result.exhausted
