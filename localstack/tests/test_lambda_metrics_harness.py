"""Lambda's own metrics per function, as AWS publishes them in ``AWS/Lambda``
(https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html): ``Invocations``,
``Errors``, ``Duration`` (ms, one value per invocation: percentiles work), ``Throttles`` (a
refused invocation, not counted in ``Invocations``) and ``ConcurrentExecutions``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import invoke_json, wait_until

SLOW = """
import time
def handler(event, context):
    time.sleep(event.get("sleep", 0))
    if event.get("fail"):
        raise RuntimeError("boom")
    return {"ok": True}
"""


def stats(cw: Any, name: str, metric: str, stat: str) -> list[float]:
    now = dt.datetime.now(dt.UTC)
    return list(
        cw.get_metric_data(
            MetricDataQueries=[
                {
                    "Id": "q",
                    "MetricStat": {
                        "Metric": {
                            "Namespace": "AWS/Lambda",
                            "MetricName": metric,
                            "Dimensions": [{"Name": "FunctionName", "Value": name}],
                        },
                        "Period": 600,
                        "Stat": stat,
                    },
                }
            ],
            StartTime=now - dt.timedelta(minutes=5),
            EndTime=now + dt.timedelta(minutes=1),
        )["MetricDataResults"][0]["Values"]
    )


def test_invocations_errors_duration_and_concurrency(
    client: Callable[[str], Any], create_function: Callable[..., str]
) -> None:
    lam, cw = client("lambda"), client("cloudwatch")
    name = create_function({"app.py": SLOW})
    # GIVEN three invocations, one failing, one taking at least 300 ms
    invoke_json(lam, name, {"sleep": 0.3})
    invoke_json(lam, name, {})
    response, _ = invoke_json(lam, name, {"fail": True})
    assert response["FunctionError"] == "Unhandled"
    # THEN each is counted, the failure as an error, each with its duration in ms
    wait_until(lambda: stats(cw, name, "Invocations", "Sum") == [3.0], timeout=20)
    wait_until(lambda: stats(cw, name, "Duration", "SampleCount") == [3.0], timeout=20)
    assert stats(cw, name, "Errors", "Sum") == [1.0]
    (slowest,) = stats(cw, name, "Duration", "Maximum")
    assert 300 <= slowest < 5000
    assert stats(cw, name, "Duration", "p99") == [slowest]
    (fastest,) = stats(cw, name, "Duration", "Minimum")
    assert stats(cw, name, "Duration", "p10") == [fastest]
    # AND one execution at a time ran
    wait_until(lambda: stats(cw, name, "ConcurrentExecutions", "Maximum") == [1.0], timeout=20)
    assert stats(cw, name, "Throttles", "Sum") == []


def test_a_throttled_invocation_counts_as_throttle_not_invocation(
    client: Callable[[str], Any], create_function: Callable[..., str]
) -> None:
    lam, cw = client("lambda"), client("cloudwatch")
    name = create_function({"app.py": SLOW})
    # GIVEN a function whose reserved concurrency is 0 (every invocation is throttled)
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
    with pytest.raises(lam.exceptions.TooManyRequestsException) as refused:
        invoke_json(lam, name, {})
    # THEN every attempt (boto3 retries a 429) counts as one throttle, none as an invocation
    attempts = refused.value.response["ResponseMetadata"]["RetryAttempts"] + 1
    wait_until(lambda: stats(cw, name, "Throttles", "Sum") == [float(attempts)], timeout=20)
    assert stats(cw, name, "Invocations", "Sum") == []
