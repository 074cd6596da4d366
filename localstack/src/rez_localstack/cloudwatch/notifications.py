"""CloudWatch's alarm notification, the message an alarm action publishes to an SNS topic.

Its shape, as CloudWatch sends it (and LocalStack's own snapshot of AWS):
``{"AlarmName", "AlarmDescription", "AWSAccountId", "AlarmConfigurationUpdatedTimestamp",
"NewStateValue", "NewStateReason", "StateChangeTime", "Region", "AlarmArn", "OldStateValue",
"OKActions", "AlarmActions", "InsufficientDataActions", "Trigger": {...}}`` with times as
``2026-01-01T00:00:00.000+0000``, ``Region`` the region's name ("US East (N. Virginia)"), and a
``Trigger`` that describes the metric (``MetricName``, ``Namespace``, ``StatisticType``
``Statistic`` in capitals or ``ExtendedStatistic``, ``Dimensions`` as ``[{"value","name"}]``) or,
for a metric-math alarm, its ``Metrics`` queries. The subject is
``ALARM: "<name>" in <region name>``.
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Notify_Users_Alarm_Changes.html
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from typing import Any

SUBJECT_LIMIT = 100  # SNS's Subject limit


@functools.cache
def region_name(region: str) -> str:
    """The region's long name, from botocore's endpoint data (what CloudWatch writes)."""
    try:
        from botocore.loaders import Loader

        partitions = Loader().load_data("endpoints")["partitions"]
    except Exception:
        return region
    for partition in partitions:
        described = partition.get("regions", {}).get(region, {}).get("description")
        if described:
            return str(described).replace("Europe (", "EU (")
    return region


def aws_time(value: Any) -> str | None:
    """``2026-12-04T15:10:43.123+0000`` (CloudWatch's notification time format)."""
    if value is None:
        return None
    if not isinstance(value, dt.datetime):
        return str(value)
    moment: dt.datetime = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    moment = moment.astimezone(dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def _dimensions(dimensions: list[dict[str, str]] | None) -> list[dict[str, str]]:
    return [{"value": d["Value"], "name": d["Name"]} for d in dimensions or []]


def _query(query: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "Expression" in query:
        out["Expression"] = query["Expression"]
    out["Id"] = query["Id"]
    if "Label" in query:
        out["Label"] = query["Label"]
    if "MetricStat" in query:
        stat = query["MetricStat"]
        metric = stat["Metric"]
        out["MetricStat"] = {
            "Metric": {
                "Dimensions": _dimensions(metric.get("Dimensions")),
                "MetricName": metric.get("MetricName"),
                "Namespace": metric.get("Namespace"),
            },
            "Period": int(stat["Period"]),
            "Stat": stat["Stat"],
        }
        if "Unit" in stat:
            out["MetricStat"]["Unit"] = stat["Unit"]
    out["ReturnData"] = bool(query.get("ReturnData", True))
    return out


def trigger(alarm: dict[str, Any]) -> dict[str, Any]:
    """The ``Trigger`` block: the metric and the comparison that moved the alarm."""
    common = {
        "Period": int(alarm.get("Period") or 0),
        "EvaluationPeriods": int(alarm["EvaluationPeriods"]),
        "DatapointsToAlarm": int(alarm.get("DatapointsToAlarm") or alarm["EvaluationPeriods"]),
        "ComparisonOperator": alarm["ComparisonOperator"],
        "Threshold": float(alarm.get("Threshold", 0.0)),
        "TreatMissingData": alarm.get("TreatMissingData", ""),
        "EvaluateLowSampleCountPercentile": alarm.get("EvaluateLowSampleCountPercentile", ""),
    }
    if alarm.get("Metrics"):
        return {**common, "Metrics": [_query(q) for q in alarm["Metrics"]]}
    out: dict[str, Any] = {"MetricName": alarm["MetricName"], "Namespace": alarm["Namespace"]}
    if alarm.get("ExtendedStatistic"):
        out["StatisticType"] = "ExtendedStatistic"
        out["ExtendedStatistic"] = alarm["ExtendedStatistic"]
    else:
        out["StatisticType"] = "Statistic"
        out["Statistic"] = str(alarm.get("Statistic", "")).upper()
    out["Unit"] = alarm.get("Unit")
    out["Dimensions"] = _dimensions(alarm.get("Dimensions"))
    return {**out, **common}


def message(alarm: dict[str, Any], account_id: str, region: str, old_state: str) -> str:
    """The JSON message CloudWatch publishes for a metric alarm's state change."""
    body = {
        "AlarmName": alarm["AlarmName"],
        "AlarmDescription": alarm.get("AlarmDescription"),
        "AWSAccountId": account_id,
        "AlarmConfigurationUpdatedTimestamp": aws_time(
            alarm.get("AlarmConfigurationUpdatedTimestamp")
        ),
        "NewStateValue": alarm["StateValue"],
        "NewStateReason": alarm["StateReason"],
        "StateChangeTime": aws_time(alarm.get("StateUpdatedTimestamp")),
        "Region": region_name(region),
        "AlarmArn": alarm["AlarmArn"],
        "OldStateValue": old_state,
        "OKActions": list(alarm.get("OKActions") or []),
        "AlarmActions": list(alarm.get("AlarmActions") or []),
        "InsufficientDataActions": list(alarm.get("InsufficientDataActions") or []),
        "Trigger": trigger(alarm),
    }
    return json.dumps(body)


def subject(alarm: dict[str, Any], region: str) -> str:
    """``ALARM: "<name>" in US East (N. Virginia)``, cut to SNS's 100 characters."""
    text = f'{alarm["StateValue"]}: "{alarm["AlarmName"]}" in {region_name(region)}'
    return text[:SUBJECT_LIMIT]
