"""``Duration`` from each invocation's ``REPORT`` line, as Lambda measures it.

The runtime's ``REPORT RequestId: <id>\\tDuration: 12.34 ms\\t...`` line reaches
``/aws/lambda/<function>`` through ``PutLogEvents``; its duration is the one AWS publishes as
``AWS/Lambda`` ``Duration`` (unit Milliseconds, dimension ``FunctionName``) for that invocation.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

LOG_GROUP_PREFIX = "/aws/lambda/"
_REPORT = re.compile(r"REPORT RequestId: \S+\s+Duration: (\d+(?:\.\d+)?) ms")


def duration_metrics(log_group: str, events: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """``PutMetricData`` entries for every REPORT line of a function's log group."""
    if not log_group.startswith(LOG_GROUP_PREFIX):
        return []
    function = log_group[len(LOG_GROUP_PREFIX) :]
    out: list[dict[str, Any]] = []
    for event in events:
        message = event.get("message")
        if not isinstance(message, str) or "REPORT RequestId:" not in message:
            continue
        for match in _REPORT.finditer(message):
            entry: dict[str, Any] = {
                "MetricName": "Duration",
                "Dimensions": [{"Name": "FunctionName", "Value": function}],
                "Value": float(match.group(1)),
                "Unit": "Milliseconds",
            }
            stamp = event.get("timestamp")
            if isinstance(stamp, int | float):
                entry["Timestamp"] = dt.datetime.fromtimestamp(stamp / 1000, dt.UTC)
            out.append(entry)
    return out
