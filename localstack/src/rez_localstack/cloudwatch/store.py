"""Reads the samples LocalStack's CloudWatch stored, one query per series and time range.

LocalStack (``cloudwatch_database_helper.CloudwatchDatabase``) keeps every ``Value`` and every
``Values``/``Counts`` entry (a value repeated ``count`` times) in ``SINGLE_METRICS`` and each
``StatisticValues`` set in ``AGGREGATED_METRICS``; its own queries aggregate in SQL and cannot
answer a percentile. Here the rows of a series are read once and grouped per period in Python.
Dimensions match exactly (the stored form: ``Name=Value\\t`` sorted by name), as CloudWatch does.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from rez_localstack.cloudwatch.statistics import Samples


def dimensions_key(dimensions: Sequence[Mapping[str, str]] | None) -> str | None:
    """LocalStack's stored form of a dimension list (None for no dimensions)."""
    if not dimensions:
        return None
    ordered = sorted(dimensions, key=lambda d: d["Name"])
    return "".join(f"{d['Name']}={d.get('Value', '')}\t" for d in ordered)


def read_periods(
    database: Any,
    *,
    account_id: str,
    region: str,
    namespace: str,
    metric_name: str,
    dimensions: Sequence[Mapping[str, str]] | None,
    unit: str | None,
    start: int,
    end: int,
    period: int,
) -> dict[int, Samples]:
    """Samples per period start (unix seconds, periods counted from ``start``), [start, end)."""
    key = dimensions_key(dimensions)
    where = "account_id = ? AND region = ? AND namespace = ? AND metric_name = ?"
    params: list[Any] = [account_id, region, namespace, metric_name]
    if key is None:
        where += " AND dimensions IS NULL"
    else:
        where += " AND dimensions = ?"
        params.append(key)
    if unit == "NULL_VALUE":  # LocalStack's name for "no unit"
        where += " AND unit IS NULL"
    elif unit:
        where += " AND unit = ?"
        params.append(unit)
    where += " AND timestamp >= ? AND timestamp < ?"
    params += [start, end]
    with (
        database.DATABASE_LOCK,
        sqlite3.connect(database.METRICS_DB_READ_ONLY, uri=True) as conn,
    ):
        single = conn.execute(
            f"SELECT timestamp, value FROM {database.TABLE_SINGLE_METRICS} WHERE {where}", params
        ).fetchall()
        sets = conn.execute(
            f"SELECT timestamp, sample_count, sum, min, max FROM "
            f"{database.TABLE_AGGREGATED_METRICS} WHERE {where}",
            params,
        ).fetchall()

    def first(stamp: float) -> int:
        return start + (int(stamp) - start) // period * period

    values: dict[int, Counter[float]] = {}
    for stamp, value in single:
        values.setdefault(first(stamp), Counter())[float(value)] += 1
    out = {at: Samples(values=sorted(counter.items())) for at, counter in values.items()}
    for stamp, count, total, low, high in sets:
        samples = out.setdefault(first(stamp), Samples())
        samples.sets.append((float(count), float(total), float(low), float(high)))
    return out
