"""Metric alarm evaluation as CloudWatch does it, for every alarm kind: a statistic, an extended
statistic (percentiles), or metric math (``Metrics``), on a configurable tick.

CloudWatch evaluates an alarm about once a minute (every 10 s for a high-resolution alarm); the
harness evaluates every ``min(Period, 60)`` s, or every ``REZ_CLOUDWATCH_ALARM_INTERVAL_S``
seconds when set (the launcher sets a short tick so tests need not wait minutes). Each
evaluation reads the last ``EvaluationPeriods`` complete periods (aligned on the period, as
CloudWatch's datapoints are) that ended 1.5 s before the metrics the harness derives (Lambda's,
the functions' EMF through their logs) were all written (``metrics_publisher.settled_until``):
a burst of invocations is judged with its ``Errors`` and its EMF counts complete, never one ahead
of the other, however far behind the burst puts the log forwarding. Then it applies
``TreatMissingData`` and ``DatapointsToAlarm`` (M of N), and, for a percentile alarm with
``EvaluateLowSampleCountPercentile: ignore``, keeps its state while samples are too few.
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rez_localstack.cloudwatch import queries, statistics

if TYPE_CHECKING:
    from rez_localstack.cloudwatch.provider import RezCloudwatchProvider

LOG = logging.getLogger(__name__)
INTERVAL_ENV = "REZ_CLOUDWATCH_ALARM_INTERVAL_S"
#: Seconds after a period's end before it is evaluated: metrics published as an invocation
#: ends (Lambda's, EMF through the logs) reach the store a moment later.
LATE_DATA_GRACE_S = 1.5

_OPERATORS: dict[str, tuple[str, Callable[[float, float], bool]]] = {
    "GreaterThanThreshold": ("greater than", lambda v, t: v > t),
    "GreaterThanOrEqualToThreshold": ("greater than or equal to", lambda v, t: v >= t),
    "LessThanThreshold": ("less than", lambda v, t: v < t),
    "LessThanOrEqualToThreshold": ("less than or equal to", lambda v, t: v <= t),
}


def alarm_queries(alarm: dict[str, Any]) -> tuple[list[dict[str, Any]], str, int]:
    """The alarm's queries, the id whose series it watches, and its period."""
    if alarm.get("Metrics"):
        metrics = [dict(q) for q in alarm["Metrics"]]
        (watched,) = [q for q in metrics if q.get("ReturnData", True)]
        period = int(
            watched.get("Period")
            or (watched.get("MetricStat") or {}).get("Period")
            or min(int(q["MetricStat"]["Period"]) for q in metrics if "MetricStat" in q)
        )
        return metrics, watched["Id"], period
    metric: dict[str, Any] = {"MetricName": alarm["MetricName"]}
    if alarm.get("Namespace"):
        metric["Namespace"] = alarm["Namespace"]
    if alarm.get("Dimensions"):
        metric["Dimensions"] = alarm["Dimensions"]
    stat: dict[str, Any] = {
        "Metric": metric,
        "Period": int(alarm["Period"]),
        "Stat": alarm.get("Statistic") or alarm["ExtendedStatistic"],
    }
    if alarm.get("Unit"):
        stat["Unit"] = alarm["Unit"]
    return [{"Id": "m", "MetricStat": stat, "ReturnData": True}], "m", int(alarm["Period"])


def _stamp(at: int) -> str:
    return dt.datetime.fromtimestamp(at, dt.UTC).strftime("%d/%m/%y %H:%M:%S")


def _number(value: float) -> str:
    return repr(float(value))


def decide(alarm: dict[str, Any], points: list[tuple[int, float | None]]) -> tuple[str, str] | None:
    """The state the points call for, with CloudWatch's reason; None keeps the state."""
    label, breaches = _OPERATORS[alarm["ComparisonOperator"]]
    threshold = float(alarm["Threshold"])
    n = int(alarm["EvaluationPeriods"])
    m = int(alarm.get("DatapointsToAlarm") or n)
    missing = alarm.get("TreatMissingData") or "missing"
    present = [(t, v) for t, v in points if v is not None]
    if not present:
        if missing == "ignore":
            return None
        text = (
            f"no datapoints were received for {n} period{'s' if n > 1 else ''} and {n} missing "
            f"datapoint{'s were' if n > 1 else ' was'} treated as"
        )
        if missing == "breaching":
            return "ALARM", f"Threshold Crossed: {text} [Breaching]."
        if missing == "notBreaching":
            return "OK", f"Threshold Crossed: {text} [NonBreaching]."
        return "INSUFFICIENT_DATA", f"Insufficient Data: {text} [Missing]."
    outcomes = [breaches(v, threshold) for _, v in present]
    if missing == "breaching":
        outcomes += [True] * (len(points) - len(present))
    breaching = outcomes.count(True)
    shown = ", ".join(f"{_number(v)} ({_stamp(t)})" for t, v in reversed(present))
    if breaching >= m:
        return "ALARM", (
            f"Threshold Crossed: {breaching} out of the last {len(outcomes)} datapoints "
            f"[{shown}] {'was' if breaching == 1 else 'were'} {label} the threshold "
            f"({_number(threshold)}) (minimum {m} datapoint{'s' if m > 1 else ''} for "
            "OK -> ALARM transition)."
        )
    return "OK", (
        f"Threshold Crossed: {len(present)} datapoint{'s' if len(present) > 1 else ''} "
        f"[{shown}] {'was' if len(present) == 1 else 'were'} not {label} the threshold "
        f"({_number(threshold)})."
    )


def evaluate(provider: RezCloudwatchProvider, account_id: str, region: str, arn: str) -> None:
    """One evaluation of one metric alarm; a state change goes through the provider."""
    store = provider.get_store(account_id, region)
    holder = store.alarms.get(arn)
    if holder is None or "AlarmRule" in holder.alarm:
        return
    alarm = holder.alarm
    metrics, watched, period = alarm_queries(alarm)
    n = int(alarm["EvaluationPeriods"])
    # the last N complete periods, aligned on the period as CloudWatch's datapoints are, ending
    # LATE_DATA_GRACE_S ago so that data published at the end of a period is in
    from rez_localstack.metrics_publisher import settled_until

    end = int(min(time.time(), settled_until()) - LATE_DATA_GRACE_S) // period * period
    start = end - n * period
    results = queries.evaluate(
        provider.cloudwatch_database, account_id, region, metrics, start, end
    )
    series = next(r.series for r in results if r.id == watched)
    points = [(start + i * period, series.get(start + i * period)) for i in range(n)]
    extended = alarm.get("ExtendedStatistic")
    if extended and alarm.get("EvaluateLowSampleCountPercentile") == "ignore":
        stat = statistics.parse(extended)
        counts = queries.metric_series(
            provider.cloudwatch_database,
            account_id,
            region,
            {**metrics[0]["MetricStat"], "Stat": "SampleCount"},
            start,
            end,
        )
        if any(statistics.low_sample_count(stat, c) for c in counts.values()):
            return
    decision = decide(alarm, points)
    if decision is None:
        return
    state, reason = decision
    if state == alarm["StateValue"]:
        return
    query_date = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")
    reason_data: dict[str, Any] = {
        "version": "1.0",
        "queryDate": query_date,
        "startDate": dt.datetime.fromtimestamp(start, dt.UTC).strftime(
            "%Y-%m-%dT%H:%M:%S.000+0000"
        ),
        "period": period,
        "recentDatapoints": [v for _, v in points if v is not None],
        "threshold": float(alarm["Threshold"]),
        "evaluatedDatapoints": [
            {
                "timestamp": dt.datetime.fromtimestamp(t, dt.UTC).strftime(
                    "%Y-%m-%dT%H:%M:%S.000+0000"
                ),
                **({"value": v} if v is not None else {}),
            }
            for t, v in reversed(points)
        ],
    }
    if alarm.get("Statistic"):
        reason_data["statistic"] = alarm["Statistic"]
    if extended:
        reason_data["extendedStatistic"] = extended
    provider.transition(account_id, region, holder, state, reason, reason_data)


def interval(alarm: dict[str, Any]) -> float:
    """Seconds between two evaluations of this alarm."""
    configured = os.environ.get(INTERVAL_ENV)
    if configured:
        return float(configured)
    try:
        period = alarm_queries(alarm)[2]
    except (KeyError, ValueError):
        period = 60
    return float(min(period, 60))


class AlarmEvaluator:
    """Replaces LocalStack's ``AlarmScheduler`` (same methods), for every metric alarm kind."""

    def __init__(self, provider: RezCloudwatchProvider) -> None:
        self.provider = provider
        self.due: dict[str, float] = {}
        self.stop = threading.Event()
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        if self.thread and self.thread.is_alive():
            return
        self.stop.clear()
        self.thread = threading.Thread(target=self._run, name="rez-cloudwatch-alarms", daemon=True)
        self.thread.start()

    def shutdown(self) -> None:
        self.stop.set()
        if self.thread:
            self.thread.join(10)
        self.due.clear()

    def schedule_metric_alarm(self, alarm_arn: str) -> None:
        self.due[alarm_arn] = 0.0

    def delete_scheduler_for_alarm(self, alarm_arn: str) -> None:
        self.due.pop(alarm_arn, None)

    def restart_existing_alarms(self) -> None:
        from localstack.services.cloudwatch.models import cloudwatch_stores

        for _, _, store in cloudwatch_stores.iter_stores():
            for arn, holder in store.alarms.items():
                if "AlarmRule" not in holder.alarm:
                    self.due[arn] = 0.0

    def _run(self) -> None:
        from localstack.services.cloudwatch.models import cloudwatch_stores

        while not self.stop.wait(0.5):
            now = time.monotonic()
            for account_id, region, store in list(cloudwatch_stores.iter_stores()):
                for arn, holder in list(store.alarms.items()):
                    due = self.due.get(arn)
                    if due is None or due > now:
                        continue
                    self.due[arn] = now + interval(holder.alarm)
                    try:
                        evaluate(self.provider, account_id, region, arn)
                    except Exception:
                        LOG.exception("evaluating alarm %s failed", arn)
