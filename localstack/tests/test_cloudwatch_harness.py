"""CloudWatch on the harness: percentiles from stored values, metric math over them, alarms on
extended statistics and metric math, and CloudWatch's alarm notification on SNS.

AWS references: GetMetricStatistics ``ExtendedStatistics``
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricStatistics.html),
percentiles and statistic sets
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_concepts.html#Percentiles),
metric math alarms
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Create-alarm-on-metric-math-expression.html),
alarm notifications (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Notify_Users_Alarm_Changes.html).
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Callable
from typing import Any

import pytest

from rez_localstack.cloudwatch.notifications import region_name
from tests.conftest import queue_arn, short_uid, wait_until


def reference_percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    for candidate in ordered:
        if sum(1 for v in ordered if v <= candidate) * 100 >= p * len(ordered):
            return candidate
    raise AssertionError("unreachable")


def window() -> tuple[dt.datetime, dt.datetime, dt.datetime]:
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    return now, now - dt.timedelta(minutes=5), now + dt.timedelta(minutes=1)


def test_percentiles_from_values_counts_and_single_values(client: Callable[[str], Any]) -> None:
    cw = client("cloudwatch")
    namespace, dims = f"Test/{short_uid()}", [{"Name": "FunctionName", "Value": "f"}]
    rng = random.Random(7)
    values = [round(rng.uniform(1, 900), 1) for _ in range(150)]
    counts = [float(rng.randint(1, 4)) for _ in values]
    expanded = [v for v, c in zip(values, counts, strict=True) for _ in range(int(c))]
    now, start, end = window()
    # GIVEN values/counts (as EMF arrays arrive) and single values, in one period
    cw.put_metric_data(
        Namespace=namespace,
        MetricData=[
            {
                "MetricName": "Duration",
                "Dimensions": dims,
                "Values": values[:100],
                "Counts": counts[:100],
                "Timestamp": now,
                "Unit": "Milliseconds",
            },
            {
                "MetricName": "Duration",
                "Dimensions": dims,
                "Values": values[100:],
                "Counts": counts[100:],
                "Timestamp": now,
                "Unit": "Milliseconds",
            },
            {
                "MetricName": "Duration",
                "Dimensions": dims,
                "Value": 2000.0,
                "Timestamp": now,
                "Unit": "Milliseconds",
            },
        ],
    )
    expanded.append(2000.0)
    # WHEN percentiles are asked through both APIs
    stats = cw.get_metric_statistics(
        Namespace=namespace,
        MetricName="Duration",
        Dimensions=dims,
        StartTime=start,
        EndTime=end,
        Period=360,
        ExtendedStatistics=["p50", "p95", "p99", "p99.9"],
    )["Datapoints"]
    data = cw.get_metric_data(
        MetricDataQueries=[
            {
                "Id": f"q{i}",
                "MetricStat": {
                    "Metric": {
                        "Namespace": namespace,
                        "MetricName": "Duration",
                        "Dimensions": dims,
                    },
                    "Period": 360,
                    "Stat": stat,
                },
            }
            for i, stat in enumerate(["p50", "p95", "p99", "p99.9", "Maximum", "SampleCount"])
        ],
        StartTime=start,
        EndTime=end,
    )["MetricDataResults"]
    # THEN they are the percentiles of every stored sample
    (point,) = stats
    assert point["Unit"] == "Milliseconds"
    for name in ("p50", "p95", "p99", "p99.9"):
        assert point["ExtendedStatistics"][name] == reference_percentile(expanded, float(name[1:]))
    got = {r["Id"]: r["Values"] for r in data}
    assert got["q0"] == [reference_percentile(expanded, 50)]
    assert got["q2"] == [reference_percentile(expanded, 99)]
    assert got["q4"] == [2000.0]
    assert got["q5"] == [float(len(expanded))]


def test_statistic_sets_and_negative_values_have_no_percentiles(
    client: Callable[[str], Any],
) -> None:
    cw = client("cloudwatch")
    namespace = f"Test/{short_uid()}"
    now, start, end = window()
    cw.put_metric_data(
        Namespace=namespace,
        MetricData=[
            # a statistic set that hides its samples
            {
                "MetricName": "Hidden",
                "Timestamp": now,
                "StatisticValues": {"SampleCount": 4, "Sum": 20, "Minimum": 1, "Maximum": 9},
            },
            # one that is the same value four times (Min == Max, Sum == Min x SampleCount)
            {
                "MetricName": "Same",
                "Timestamp": now,
                "StatisticValues": {"SampleCount": 4, "Sum": 20, "Minimum": 5, "Maximum": 5},
            },
            {"MetricName": "Signed", "Timestamp": now, "Values": [-3.0, 4.0, 8.0]},
        ],
    )

    def query(name: str, stat: str) -> list[float]:
        return list(
            cw.get_metric_data(
                MetricDataQueries=[
                    {
                        "Id": "q",
                        "MetricStat": {
                            "Metric": {"Namespace": namespace, "MetricName": name},
                            "Period": 360,
                            "Stat": stat,
                        },
                    }
                ],
                StartTime=start,
                EndTime=end,
            )["MetricDataResults"][0]["Values"]
        )

    assert query("Hidden", "p50") == []
    assert query("Hidden", "Average") == [5.0]
    assert query("Same", "p50") == [5.0]
    assert query("Signed", "p50") == []
    assert query("Signed", "Minimum") == [-3.0]
    (point,) = cw.get_metric_statistics(
        Namespace=namespace,
        MetricName="Hidden",
        StartTime=start,
        EndTime=end,
        Period=360,
        ExtendedStatistics=["p90"],
    )["Datapoints"]
    assert "ExtendedStatistics" not in point


def test_metric_math_over_percentiles_and_sums(client: Callable[[str], Any]) -> None:
    cw = client("cloudwatch")
    namespace = f"Test/{short_uid()}"
    now, start, end = window()
    cw.put_metric_data(
        Namespace=namespace,
        MetricData=[
            {
                "MetricName": "Latency",
                "Values": [float(i) for i in range(1, 101)],
                "Timestamp": now,
            },
            {"MetricName": "Errors", "Value": 12.0, "Timestamp": now},
            {"MetricName": "Refused", "Value": 10.0, "Timestamp": now},
        ],
    )

    def metric(ident: str, name: str, stat: str, visible: bool = False) -> dict[str, Any]:
        return {
            "Id": ident,
            "ReturnData": visible,
            "MetricStat": {
                "Metric": {"Namespace": namespace, "MetricName": name},
                "Period": 360,
                "Stat": stat,
            },
        }

    results = cw.get_metric_data(
        MetricDataQueries=[
            metric("p99", "Latency", "p99"),
            metric("p50", "Latency", "p50"),
            metric("errors", "Errors", "Sum"),
            metric("refused", "Refused", "Sum"),
            {"Id": "spread", "Expression": "p99 - p50", "Label": "spread"},
            {"Id": "real", "Expression": "errors - FILL(refused, 0)"},
            {"Id": "seconds", "Expression": "p99 / 1000"},
        ],
        StartTime=start,
        EndTime=end,
    )["MetricDataResults"]
    got = {r["Id"]: r["Values"] for r in results}
    assert set(got) == {"spread", "real", "seconds"}  # ReturnData false is not returned
    assert got == {"spread": [49.0], "real": [2.0], "seconds": [0.099]}
    with pytest.raises(cw.exceptions.ClientError, match="SEARCH"):
        cw.get_metric_data(
            MetricDataQueries=[{"Id": "s", "Expression": "SEARCH('x', 'Sum', 60)"}],
            StartTime=start,
            EndTime=end,
        )


def test_alarms_on_percentiles_and_metric_math_notify_their_topics(
    client: Callable[[str], Any], sqs_queue: Callable[..., str]
) -> None:
    """Both alarms side by side: ALARM with CloudWatch's notification, then OK once the
    condition ends (TreatMissingData notBreaching, 10 s periods)."""
    cw, sns, sqs = client("cloudwatch"), client("sns"), client("sqs")
    uid = short_uid()
    namespace = f"Test/{uid}"
    topic = sns.create_topic(Name=f"alerts-{uid}")["TopicArn"]
    queue = sqs_queue()
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn(sqs, queue))
    common = {
        "EvaluationPeriods": 1,
        "DatapointsToAlarm": 1,
        "ComparisonOperator": "GreaterThanThreshold",
        "TreatMissingData": "notBreaching",
        "AlarmActions": [topic],
        "OKActions": [topic],
    }
    cw.put_metric_alarm(
        AlarmName=f"p90-{uid}",
        AlarmDescription="slow. Runbook: docs/runbooks/x.md",
        Namespace=namespace,
        MetricName="Duration",
        Dimensions=[{"Name": "F", "Value": "f"}],
        ExtendedStatistic="p90",
        Period=10,
        Threshold=500,
        **common,
    )
    cw.put_metric_alarm(
        AlarmName=f"real-errors-{uid}",
        AlarmDescription="errors",
        Metrics=[
            {
                "Id": "errors",
                "ReturnData": False,
                "MetricStat": {
                    "Metric": {"Namespace": namespace, "MetricName": "Errors"},
                    "Period": 10,
                    "Stat": "Sum",
                },
            },
            {
                "Id": "refused",
                "ReturnData": False,
                "MetricStat": {
                    "Metric": {"Namespace": namespace, "MetricName": "Refused"},
                    "Period": 10,
                    "Stat": "Sum",
                },
            },
            {
                "Id": "real",
                "Expression": "errors - FILL(refused, 0)",
                "Label": "real errors",
                "ReturnData": True,
            },
        ],
        Threshold=5,
        **common,
    )
    # GIVEN p90 above 500 (the maximum alone is not enough: 1 slow value in 20 stays OK)
    cw.put_metric_data(
        Namespace=namespace,
        MetricData=[
            {
                "MetricName": "Duration",
                "Dimensions": [{"Name": "F", "Value": "f"}],
                "Values": [100.0, 900.0],
                "Counts": [17.0, 3.0],
            },
            # 20 errors, 18 of them refusals: 2 real errors, no alarm
            {"MetricName": "Errors", "Value": 20.0},
            {"MetricName": "Refused", "Value": 18.0},
        ],
    )

    def state(name: str) -> str:
        return str(cw.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]["StateValue"])

    wait_until(lambda: state(f"p90-{uid}") == "ALARM", timeout=30, interval=0.5)
    assert state(f"real-errors-{uid}") in ("OK", "INSUFFICIENT_DATA")
    # WHEN real errors come (errors without refusals)
    cw.put_metric_data(Namespace=namespace, MetricData=[{"MetricName": "Errors", "Value": 6.0}])
    wait_until(lambda: state(f"real-errors-{uid}") == "ALARM", timeout=30, interval=0.5)
    # THEN both return to OK when the condition ends
    wait_until(
        lambda: state(f"p90-{uid}") == "OK" and state(f"real-errors-{uid}") == "OK",
        timeout=60,
        interval=0.5,
    )
    received: list[dict[str, Any]] = []

    def notifications() -> list[dict[str, Any]]:
        for message in sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get(
            "Messages", []
        ):
            received.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
        return received

    wait_until(
        lambda: (
            {
                (json.loads(n["Message"])["AlarmName"], json.loads(n["Message"])["NewStateValue"])
                for n in notifications()
            }
            >= {
                (f"p90-{uid}", "ALARM"),
                (f"p90-{uid}", "OK"),
                (f"real-errors-{uid}", "ALARM"),
                (f"real-errors-{uid}", "OK"),
            }
        ),
        timeout=20,
    )
    by_key = {
        (json.loads(n["Message"])["AlarmName"], json.loads(n["Message"])["NewStateValue"]): n
        for n in received
    }
    envelope = by_key[(f"p90-{uid}", "ALARM")]
    assert envelope["Subject"] == f'ALARM: "p90-{uid}" in {region_name("us-east-1")}'
    body = json.loads(envelope["Message"])
    assert set(body) >= {
        "AlarmName",
        "AlarmDescription",
        "AWSAccountId",
        "NewStateValue",
        "NewStateReason",
        "StateChangeTime",
        "Region",
        "AlarmArn",
        "OldStateValue",
        "Trigger",
    }
    assert body["AlarmDescription"] == "slow. Runbook: docs/runbooks/x.md"
    assert body["Region"] == "US East (N. Virginia)"
    assert body["NewStateReason"].startswith(
        "Threshold Crossed: 1 out of the last 1 datapoints [900.0"
    )
    assert body["OldStateValue"] in ("INSUFFICIENT_DATA", "OK")
    assert body["Trigger"]["StatisticType"] == "ExtendedStatistic"
    assert body["Trigger"]["ExtendedStatistic"] == "p90"
    assert body["Trigger"]["Dimensions"] == [{"value": "f", "name": "F"}]
    assert body["Trigger"]["Period"] == 10 and body["Trigger"]["Threshold"] == 500.0
    math_body = json.loads(by_key[(f"real-errors-{uid}", "ALARM")]["Message"])
    assert "MetricName" not in math_body["Trigger"]
    assert [m["Id"] for m in math_body["Trigger"]["Metrics"]] == ["errors", "refused", "real"]
    assert math_body["Trigger"]["Metrics"][2]["Expression"] == "errors - FILL(refused, 0)"
    assert json.loads(by_key[(f"p90-{uid}", "OK")]["Message"])["OldStateValue"] == "ALARM"
    cw.delete_alarms(AlarmNames=[f"p90-{uid}", f"real-errors-{uid}"])


def test_invalid_alarms_are_refused(client: Callable[[str], Any]) -> None:
    cw = client("cloudwatch")
    base = {
        "AlarmName": f"bad-{short_uid()}",
        "EvaluationPeriods": 1,
        "Threshold": 1.0,
        "ComparisonOperator": "GreaterThanThreshold",
    }
    with pytest.raises(cw.exceptions.ClientError, match="ExtendedStatistic"):
        cw.put_metric_alarm(
            **base, Namespace="N", MetricName="M", Period=60, ExtendedStatistic="p101"
        )
    with pytest.raises(cw.exceptions.ClientError, match="ReturnData"):
        cw.put_metric_alarm(
            **base, Metrics=[{"Id": "a", "Expression": "1"}, {"Id": "b", "Expression": "2"}]
        )
