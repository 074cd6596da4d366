"""``MetricDataQuery`` lists evaluated as CloudWatch does: metric stats with any statistic
(percentiles included) and metric math over them, each result a series per period."""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rez_localstack.cloudwatch import metric_math, statistics
from rez_localstack.cloudwatch.store import read_periods

_ID = re.compile(r"[a-z][a-zA-Z0-9_]*")


class QueryError(ValueError):
    """A query list CloudWatch refuses (``ValidationError``)."""


@dataclass(frozen=True, slots=True)
class Result:
    """One query's answer: values per period start (unix seconds)."""

    id: str
    label: str
    series: dict[int, float]
    return_data: bool


def rounded_start(start: int, now: float | None = None) -> int:
    """CloudWatch rounds a request's start down: to the minute when it is less than 15 days ago,
    to 5 minutes up to 63 days, to the hour beyond (GetMetricStatistics' StartTime); periods
    count from there, so one minute is the same bucket in every request.
    https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricStatistics.html
    """
    age = (time.time() if now is None else now) - start
    unit = 60 if age < 15 * 86400 else 300 if age < 63 * 86400 else 3600
    return start - start % unit


def validate(queries: Sequence[dict[str, Any]]) -> None:
    """Ids unique and well formed, exactly one of MetricStat / Expression per query."""
    seen: set[str] = set()
    for query in queries:
        ident = query.get("Id", "")
        if not _ID.fullmatch(ident):
            raise QueryError(
                f"The value {ident} for parameter MetricDataQueries.member.Id is not valid: it "
                "must start with a lowercase letter and contain only letters, numbers and _."
            )
        if ident in seen:
            raise QueryError(
                f"The value {ident} for parameter MetricDataQueries.member.Id is duplicated."
            )
        seen.add(ident)
        if ("MetricStat" in query) == ("Expression" in query):
            raise QueryError(
                "Exactly one of MetricStat and Expression must be set in each MetricDataQuery "
                f"(query {ident})."
            )
        if "MetricStat" in query:
            try:
                statistics.parse(query["MetricStat"]["Stat"])
            except statistics.UnknownStatistic as error:
                raise QueryError(
                    f"The value {query['MetricStat']['Stat']} for parameter "
                    f"MetricDataQueries.member.MetricStat.Stat is not valid."
                ) from error


def metric_series(
    database: Any,
    account_id: str,
    region: str,
    metric_stat: dict[str, Any],
    start: int,
    end: int,
) -> dict[int, float]:
    """One metric's statistic per period; periods without a value are absent."""
    metric = metric_stat["Metric"]
    period = int(metric_stat["Period"])
    stat = statistics.parse(metric_stat["Stat"])
    periods = read_periods(
        database,
        account_id=account_id,
        region=region,
        namespace=metric.get("Namespace", ""),
        metric_name=metric["MetricName"],
        dimensions=metric.get("Dimensions"),
        unit=metric_stat.get("Unit"),
        start=start,
        end=end,
        period=period,
    )
    out: dict[int, float] = {}
    for at, samples in periods.items():
        value = statistics.compute(stat, samples)
        if value is not None:
            out[at] = value
    return out


def evaluate(
    database: Any,
    account_id: str,
    region: str,
    queries: Sequence[dict[str, Any]],
    start: int,
    end: int,
) -> list[Result]:
    """Every query's series (metric stats read once, expressions in dependency order)."""
    validate(queries)
    by_id = {q["Id"]: q for q in queries}
    periods = [int(q["MetricStat"]["Period"]) for q in queries if "MetricStat" in q]
    periods += [int(q["Period"]) for q in queries if "Expression" in q and q.get("Period")]
    period = min(periods) if periods else 60
    timeline = list(range(start, end, period))
    done: dict[str, metric_math.Value] = {}
    busy: set[str] = set()

    def resolve(ident: str) -> metric_math.Value:
        if ident in done:
            return done[ident]
        query = by_id.get(ident)
        if query is None:
            raise QueryError(f"Error in expression: Unrecognized token {ident}")
        if ident in busy:
            raise QueryError(f"Error in expression {ident}: circular dependency")
        busy.add(ident)
        if "MetricStat" in query:
            value: metric_math.Value = metric_series(
                database, account_id, region, query["MetricStat"], start, end
            )
        else:
            try:
                value = metric_math.evaluate(query["Expression"], context)
            except metric_math.MathError as error:
                raise QueryError(f"Error in expression {ident}: {error}") from error
        busy.discard(ident)
        done[ident] = value
        return value

    context = metric_math.Context(resolve, [q["Id"] for q in queries], timeline, period)
    results: list[Result] = []
    for query in queries:
        value = resolve(query["Id"])
        label = query.get("Label") or (
            query["MetricStat"]["Metric"]["MetricName"] if "MetricStat" in query else query["Id"]
        )
        for index, series in enumerate(metric_math.as_series(value, context)):
            results.append(
                Result(
                    id=query["Id"],
                    label=label if index == 0 else f"{label} {index}",
                    series=series,
                    return_data=bool(query.get("ReturnData", True)),
                )
            )
    return results
