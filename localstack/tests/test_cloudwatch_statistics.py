"""CloudWatch's statistics and metric math, checked against values computed independently.

Definitions: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Statistics-definitions.html
Metric math: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html
"""

from __future__ import annotations

import random

import pytest

from rez_localstack.cloudwatch import metric_math, statistics
from rez_localstack.cloudwatch.alarms import decide
from rez_localstack.cloudwatch.statistics import Samples


def reference_percentile(values: list[float], p: float) -> float:
    """By definition: the smallest sample with at least p % of the samples at or below it."""
    for candidate in sorted(set(values)):
        if sum(1 for v in values if v <= candidate) * 100 >= p * len(values):
            return candidate
    raise AssertionError("unreachable")


def of(values: list[float]) -> Samples:
    counted: dict[float, int] = {}
    for v in values:
        counted[v] = counted.get(v, 0) + 1
    return Samples(values=sorted(counted.items()))


@pytest.mark.parametrize("p", [0.0, 1.0, 25.0, 50.0, 90.0, 95.0, 99.0, 99.9, 100.0])
@pytest.mark.parametrize("random_seed", [1, 2, 3])
def test_percentiles_match_the_definition(p: float, random_seed: int) -> None:
    rng = random.Random(random_seed)
    values = [round(rng.uniform(0, 500), 2) for _ in range(rng.randint(1, 400))]
    values += values[: len(values) // 3]  # repeated values, as Values/Counts store them
    name = f"p{p:g}"
    assert statistics.compute(statistics.parse(name), of(values)) == reference_percentile(
        values, p if p > 0 else 0.0001
    )


def test_known_values() -> None:
    # 1..100: p50 is 50, p99 is 99, p100 the maximum; tm90 the mean of 1..90 = 45.5
    values = [float(i) for i in range(1, 101)]
    samples = of(values)
    assert statistics.compute(statistics.parse("p50"), samples) == 50.0
    assert statistics.compute(statistics.parse("p99"), samples) == 99.0
    assert statistics.compute(statistics.parse("p100"), samples) == 100.0
    assert statistics.compute(statistics.parse("tm90"), samples) == pytest.approx(45.5)
    # TM(10%:90%): 11..90 -> 50.5; IQM = TM(25%:75%): 26..75 -> 50.5
    assert statistics.compute(statistics.parse("TM(10%:90%)"), samples) == pytest.approx(50.5)
    assert statistics.compute(statistics.parse("IQM"), samples) == pytest.approx(50.5)
    # wm90: 91..100 count as p90 (=90): (sum(1..90) + 10*90) / 100 = 49.95
    assert statistics.compute(statistics.parse("wm90"), samples) == pytest.approx(49.95)
    # absolute bounds: lower exclusive, upper inclusive (the docs' TM(150:1000) example)
    assert statistics.compute(statistics.parse("TC(10:20)"), samples) == 10.0
    assert statistics.compute(statistics.parse("TS(10:20)"), samples) == sum(range(11, 21))
    assert statistics.compute(statistics.parse("PR(:30)"), samples) == pytest.approx(30.0)
    assert statistics.compute(statistics.parse("tc90"), samples) == 90.0


def test_basic_statistics_mix_values_and_statistic_sets() -> None:
    samples = Samples(values=[(2.0, 3), (10.0, 1)], sets=[(4.0, 20.0, 1.0, 9.0)])
    assert statistics.basic("SampleCount", samples) == 8
    assert statistics.basic("Sum", samples) == 36.0
    assert statistics.basic("Average", samples) == 4.5
    assert statistics.basic("Minimum", samples) == 1.0
    assert statistics.basic("Maximum", samples) == 10.0


def test_percentiles_need_raw_samples() -> None:
    p50 = statistics.parse("p50")
    # a statistic set hides its samples: no percentile ...
    assert statistics.compute(p50, Samples(sets=[(4.0, 20.0, 1.0, 9.0)])) is None
    # ... unless it is equivalent to them: Min == Max and Sum == Min * SampleCount
    assert statistics.compute(p50, Samples(sets=[(3.0, 15.0, 5.0, 5.0)])) == 5.0
    assert statistics.compute(p50, Samples(sets=[(1.0, 7.0, 7.0, 7.0)])) == 7.0
    # "Percentiles are not available for metrics when any of the metric values are negative"
    assert statistics.compute(p50, of([-1.0, 5.0, 6.0])) is None
    assert statistics.compute(statistics.parse("Maximum"), of([-1.0, 5.0])) == 5.0


@pytest.mark.parametrize("bad", ["p101", "P99", "tm", "TM(:)", "x99", "TM(a:b)", "Avg"])
def test_unknown_statistics_are_refused(bad: str) -> None:
    with pytest.raises(statistics.UnknownStatistic):
        statistics.parse(bad)


def test_low_sample_count_threshold() -> None:
    # p99 needs 10/(1-0.99) = 1000 samples; p10 needs 10/0.1 = 100
    assert statistics.low_sample_count(statistics.parse("p99"), 999)
    assert not statistics.low_sample_count(statistics.parse("p99"), 1000)
    assert statistics.low_sample_count(statistics.parse("p10"), 99)
    assert not statistics.low_sample_count(statistics.parse("Maximum"), 1)


# ---------------------------------------------------------------- metric math
def context(series: dict[str, metric_math.Value]) -> metric_math.Context:
    return metric_math.Context(
        resolve=lambda ident: series[ident],
        ids=list(series),
        timeline=[0, 60, 120, 180],
        period=60,
    )


def test_arithmetic_keeps_the_timestamps_both_series_have() -> None:
    ctx = context({"errors": {0: 5.0, 60: 3.0, 120: 1.0}, "refused": {0: 5.0, 60: 1.0}})
    assert metric_math.evaluate("errors - refused", ctx) == {0: 0.0, 60: 2.0}
    assert metric_math.evaluate("errors - FILL(refused, 0)", ctx) == {
        0: 0.0,
        60: 2.0,
        120: 1.0,
    }
    assert metric_math.evaluate("2 * (errors + 1) ^ 2", ctx) == {0: 72.0, 60: 32.0, 120: 8.0}
    assert metric_math.evaluate("errors > 2", ctx) == {0: 1.0, 60: 1.0, 120: 0.0}


def test_functions() -> None:
    ctx = context({"a": {0: 1.0, 120: 4.0}, "b": {0: 3.0, 60: 2.0}})
    assert metric_math.evaluate("FILL(a, REPEAT)", ctx) == {0: 1.0, 60: 1.0, 120: 4.0, 180: 4.0}
    assert metric_math.evaluate("SUM([a, b])", ctx) == {0: 4.0, 60: 2.0, 120: 4.0}
    assert metric_math.evaluate("MAX(METRICS())", ctx) == {0: 3.0, 60: 2.0, 120: 4.0}
    assert metric_math.evaluate("SUM(a)", ctx) == 5.0
    assert metric_math.evaluate("IF(a > 2, a, 0)", ctx) == {0: 0.0, 120: 4.0}
    assert metric_math.evaluate("a / 0", ctx) == {}  # no value where the division fails
    assert metric_math.evaluate("DIFF(a)", ctx) == {120: 3.0}
    assert metric_math.evaluate("PERIOD(a)", ctx) == 60.0


def test_unsupported_functions_are_refused_by_name() -> None:
    with pytest.raises(metric_math.MathError, match="SEARCH"):
        metric_math.evaluate("SEARCH('{AWS/Lambda} Errors', 'Sum', 60)", context({}))


# ---------------------------------------------------------------- alarm decisions
ALARM = {
    "ComparisonOperator": "GreaterThanThreshold",
    "Threshold": 5.0,
    "EvaluationPeriods": 2,
    "DatapointsToAlarm": 2,
    "TreatMissingData": "notBreaching",
}


def test_m_out_of_n_and_missing_data() -> None:
    assert decide(ALARM, [(0, 6.0), (60, 7.0)])[0] == "ALARM"  # type: ignore[index]
    assert decide(ALARM, [(0, 6.0), (60, 1.0)])[0] == "OK"  # type: ignore[index]
    assert decide(ALARM, [(0, None), (60, 9.0)])[0] == "OK"  # type: ignore[index]
    assert decide({**ALARM, "TreatMissingData": "breaching"}, [(0, None), (60, 9.0)])[0] == (  # type: ignore[index]
        "ALARM"
    )
    assert decide({**ALARM, "TreatMissingData": "missing"}, [(0, None), (60, None)])[0] == (  # type: ignore[index]
        "INSUFFICIENT_DATA"
    )
    assert decide({**ALARM, "TreatMissingData": "ignore"}, [(0, None), (60, None)]) is None


def test_reason_reads_like_cloudwatch() -> None:
    state, reason = decide({**ALARM, "EvaluationPeriods": 1, "DatapointsToAlarm": 1}, [(0, 6.0)])  # type: ignore[misc]
    assert state == "ALARM"
    assert reason == (
        "Threshold Crossed: 1 out of the last 1 datapoints [6.0 (01/01/70 00:00:00)] was greater "
        "than the threshold (5.0) (minimum 1 datapoint for OK -> ALARM transition)."
    )


def test_request_start_is_rounded_down_as_cloudwatch_does() -> None:
    from rez_localstack.cloudwatch.queries import rounded_start

    now = 1_800_000_000
    # under 15 days old: to the minute; up to 63 days: to 5 minutes; older: to the hour
    assert rounded_start(now - 3600 + 17, now) == now - 3600 + 17 - (now - 3600 + 17) % 60
    assert rounded_start(now - 20 * 86400 + 17, now) % 300 == 0
    assert rounded_start(now - 70 * 86400 + 17, now) % 3600 == 0
    assert now - 70 * 86400 + 17 - rounded_start(now - 70 * 86400 + 17, now) < 3600
