"""``cloudwatch:rez``: LocalStack's CloudWatch (v2) with what it lacks of AWS's.

LocalStack stores every metric value (``Value``, ``Values``/``Counts``, ``StatisticValues``) in
its SQLite store but answers only the five basic statistics, refuses ``MetricDataQuery``
expressions (its ``GetMetricData`` reads ``MetricStat`` of every query), evaluates only alarms
with a ``Statistic`` (no ``ExtendedStatistic``, no ``Metrics``), on a tick of
``EvaluationPeriods x Period``, and publishes an alarm notification with LocalStack's own
shape. This subclass answers from the same store:

- ``GetMetricStatistics`` with ``ExtendedStatistics`` and ``GetMetricData`` with any statistic
  (``statistics.py``), and metric math (``metric_math.py``);
- ``PutMetricAlarm`` validated for extended statistics and ``Metrics``, every metric alarm
  evaluated (``alarms.py``);
- state changes (evaluated or ``SetAlarmState``) publish CloudWatch's notification
  (``notifications.py``) to every SNS topic of ``AlarmActions`` / ``OKActions`` /
  ``InsufficientDataActions``.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from types import SimpleNamespace
from typing import Any

from localstack.aws.api import RequestContext, handler
from localstack.aws.api.cloudwatch import (
    Datapoint,
    GetMetricDataOutput,
    GetMetricStatisticsOutput,
    InvalidParameterCombinationException,
    InvalidParameterValueException,
    MissingRequiredParameterException,
    PutMetricAlarmInput,
    ResourceNotFound,
)
from localstack.aws.connect import connect_to
from localstack.services.cloudwatch.models import LocalStackMetricAlarm
from localstack.services.cloudwatch.provider_v2 import (
    _STORE_LOCK,
    AWS_MAX_DATAPOINTS_ACCEPTED,
    CloudwatchProvider,
    ValidationException,
    create_message_response_update_state_lambda,
)
from localstack.utils.aws import arns
from localstack.utils.aws.arns import lambda_function_name

from rez_localstack.cloudwatch import notifications, queries
from rez_localstack.cloudwatch import statistics as statistics_module
from rez_localstack.cloudwatch.alarms import AlarmEvaluator
from rez_localstack.cloudwatch.store import read_periods

LOG = logging.getLogger(__name__)

_BASIC_ENUM = "[Maximum, SampleCount, Sum, Minimum, Average]"


def _timestamp(at: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(at, dt.UTC)


class RezCloudwatchProvider(CloudwatchProvider):
    """LocalStack's v2 provider, answering percentiles and metric math, evaluating every alarm."""

    def __init__(self) -> None:
        super().__init__()
        self.alarm_scheduler = AlarmEvaluator(self)

    def on_after_state_reset(self) -> None:
        super().on_after_state_reset()
        self.alarm_scheduler = AlarmEvaluator(self)
        self.alarm_scheduler.start()

    # ------------------------------------------------------------------ reads
    def get_metric_data(
        self,
        context: RequestContext,
        metric_data_queries: list[dict[str, Any]],
        start_time: dt.datetime,
        end_time: dt.datetime,
        next_token: str | None = None,
        scan_by: str | None = None,
        max_datapoints: int | None = None,
        label_options: Any = None,
        **kwargs: Any,
    ) -> GetMetricDataOutput:
        start, end = int(start_time.timestamp()), int(end_time.timestamp())
        if start >= end:
            raise ValidationException(
                "The parameter StartTime must be less than the parameter EndTime."
            )
        start = queries.rounded_start(start)
        try:
            results = queries.evaluate(
                self.cloudwatch_database,
                context.account_id,
                context.region,
                metric_data_queries,
                start,
                end,
            )
        except queries.QueryError as error:
            raise ValidationException(str(error)) from error
        descending = scan_by in (None, "TimestampDescending")
        answer = []
        for result in results:
            if not result.return_data:
                continue
            stamps = sorted(result.series, reverse=descending)
            answer.append(
                {
                    "Id": result.id,
                    "Label": result.label,
                    "StatusCode": "Complete",
                    "Timestamps": [_timestamp(t) for t in stamps],
                    "Values": [float(result.series[t]) for t in stamps],
                }
            )
        return GetMetricDataOutput(MetricDataResults=answer, Messages=[])

    def get_metric_statistics(
        self,
        context: RequestContext,
        namespace: str,
        metric_name: str,
        start_time: dt.datetime,
        end_time: dt.datetime,
        period: int,
        dimensions: list[dict[str, str]] | None = None,
        statistics: list[str] | None = None,
        extended_statistics: list[str] | None = None,
        unit: str | None = None,
        **kwargs: Any,
    ) -> GetMetricStatisticsOutput:
        if not statistics and not extended_statistics:
            raise MissingRequiredParameterException(
                "Must specify either Statistics or ExtendedStatistics."
            )
        if statistics and extended_statistics:
            raise InvalidParameterCombinationException(
                "The parameters Statistics and ExtendedStatistics are mutually exclusive and you "
                "have specified both."
            )
        start, end = int(start_time.timestamp()), int(end_time.timestamp())
        if start >= end:
            raise InvalidParameterValueException(
                "The parameter StartTime must be less than the parameter EndTime."
            )
        start = queries.rounded_start(start)
        if (end - start) / period > AWS_MAX_DATAPOINTS_ACCEPTED:
            raise InvalidParameterCombinationException(
                f"You have requested up to {int((end - start) / period)} datapoints, which "
                f"exceeds the limit of {AWS_MAX_DATAPOINTS_ACCEPTED}. You may reduce the "
                "datapoints requested by increasing Period, or decreasing the time range."
            )
        for name in statistics or []:
            if name not in statistics_module.BASIC:
                raise InvalidParameterValueException(
                    f"The value {name} for parameter Statistics is not a valid statistic. "
                    f"Valid values: {_BASIC_ENUM}"
                )
        extended: list[statistics_module.Statistic] = []
        for name in extended_statistics or []:
            try:
                parsed = statistics_module.parse(name)
            except statistics_module.UnknownStatistic:
                parsed = None
            if parsed is None or not parsed.extended:
                raise InvalidParameterValueException(
                    f"The value {name} for parameter ExtendedStatistics is not supported."
                )
            extended.append(parsed)
        units = (
            [unit]
            if unit
            else self.cloudwatch_database.get_units_for_metric_data_stat(
                account_id=context.account_id,
                region=context.region,
                start_time=start_time,
                end_time=end_time,
                metric_name=metric_name,
                namespace=namespace,
            )
        )
        datapoints: list[Datapoint] = []
        for selected in units:
            periods = read_periods(
                self.cloudwatch_database,
                account_id=context.account_id,
                region=context.region,
                namespace=namespace,
                metric_name=metric_name,
                dimensions=dimensions,
                unit=selected,
                start=start,
                end=end,
                period=period,
            )
            for at, samples in sorted(periods.items()):
                point: dict[str, Any] = {
                    "Timestamp": _timestamp(at),
                    "Unit": "None" if selected == "NULL_VALUE" else selected,
                }
                for name in statistics or []:
                    point[name] = statistics_module.basic(name, samples)
                if extended:
                    values = {
                        stat.name: value
                        for stat in extended
                        if (value := statistics_module.compute(stat, samples)) is not None
                    }
                    if values:
                        point["ExtendedStatistics"] = values
                datapoints.append(Datapoint(**point))
        return GetMetricStatisticsOutput(Datapoints=datapoints, Label=metric_name)

    # ------------------------------------------------------------------ alarms
    @handler("PutMetricAlarm", expand=False)
    def put_metric_alarm(self, context: RequestContext, request: PutMetricAlarmInput) -> None:
        _validate_alarm(request)
        with _STORE_LOCK:
            store = self.get_store(context.account_id, context.region)
            alarm = LocalStackMetricAlarm(context.account_id, context.region, {**request})
            arn = alarm.alarm["AlarmArn"]
            store.alarms[arn] = alarm
            self.alarm_scheduler.schedule_metric_alarm(arn)
            self._set_resource_tags(
                arn, context.account_id, context.region, request.get("Tags", [])
            )

    def set_alarm_state(
        self,
        context: RequestContext,
        alarm_name: str,
        state_value: str,
        state_reason: str,
        state_reason_data: str | None = None,
        **kwargs: Any,
    ) -> None:
        if state_value not in ("OK", "ALARM", "INSUFFICIENT_DATA"):
            raise ValidationException(
                f"1 validation error detected: Value '{state_value}' at 'stateValue' failed to "
                "satisfy constraint: Member must satisfy enum value set: [INSUFFICIENT_DATA, "
                "ALARM, OK]"
            )
        data = None
        if state_reason_data:
            try:
                data = json.loads(state_reason_data)
            except ValueError as error:
                raise InvalidParameterValueException(
                    "The value for parameter StateReasonData is not valid JSON."
                ) from error
        arn = arns.cloudwatch_alarm_arn(
            alarm_name, account_id=context.account_id, region_name=context.region
        )
        holder = self.get_store(context.account_id, context.region).alarms.get(arn)
        if holder is None:
            raise ResourceNotFound()
        self.transition(context.account_id, context.region, holder, state_value, state_reason, data)

    def transition(
        self,
        account_id: str,
        region: str,
        holder: Any,
        state: str,
        reason: str,
        reason_data: dict[str, Any] | None,
    ) -> None:
        """Change an alarm's state (history, composite alarms), then run its actions."""
        context = SimpleNamespace(account_id=account_id, region=region)
        with _STORE_LOCK:
            alarm = holder.alarm
            old_state, old_reason = alarm["StateValue"], alarm["StateReason"]
            old_updated = alarm["StateUpdatedTimestamp"]
            if old_state == state:
                return
            now = dt.datetime.now(dt.UTC)
            alarm["StateTransitionedTimestamp"] = now
            self._update_state(context, holder, state, reason, reason_data)
            alarm["StateUpdatedTimestamp"] = now
            # LocalStack stamps the history item with the previous update's time
            histories = self.get_store(account_id, region).histories
            if histories and histories[-1].get("AlarmName") == alarm["AlarmName"]:
                histories[-1]["Timestamp"] = now
            self._evaluate_composite_alarms(context, holder)
            if not alarm.get("ActionsEnabled", True):
                return
            key = {"OK": "OKActions", "ALARM": "AlarmActions"}.get(state, "InsufficientDataActions")
            actions = list(alarm.get(key) or [])
            message = notifications.message(alarm, account_id, region, old_state)
            subject = notifications.subject(alarm, region)
        for action in actions:
            try:
                target = arns.parse_arn(action)
                clients = connect_to(
                    region_name=target["region"], aws_access_key_id=target["account"]
                )
                if target["service"] == "sns":
                    clients.sns.publish(TopicArn=action, Subject=subject, Message=message)
                elif target["service"] == "lambda":
                    payload = create_message_response_update_state_lambda(
                        holder, old_state, old_reason, old_updated
                    )
                    clients.lambda_.invoke(
                        FunctionName=lambda_function_name(action), Payload=payload
                    )
                else:
                    LOG.warning("alarm action %s is not supported by the harness", action)
            except Exception:
                LOG.exception("alarm action %s of %s failed", action, alarm["AlarmName"])


def _validate_alarm(request: dict[str, Any]) -> None:
    """PutMetricAlarm's checks, extended statistics and metric math included."""
    missing = request.get("TreatMissingData", "missing")
    if missing not in ("breaching", "notBreaching", "ignore", "missing"):
        raise ValidationException(
            f"The value {missing} is not supported for TreatMissingData parameter. Supported "
            "values are [breaching, notBreaching, ignore, missing]."
        )
    metrics = request.get("Metrics")
    single = [
        k
        for k in (
            "MetricName",
            "Namespace",
            "Statistic",
            "ExtendedStatistic",
            "Dimensions",
            "Period",
            "Unit",
        )
        if request.get(k)
    ]
    if metrics:
        if single:
            raise ValidationException(
                f"The parameters {', '.join(single)} cannot be used together with Metrics."
            )
        try:
            queries.validate(metrics)
        except queries.QueryError as error:
            raise ValidationException(str(error)) from error
        returned = [q for q in metrics if q.get("ReturnData", True)]
        if len(returned) != 1:
            raise ValidationException(
                "Exactly one element of the metrics list should return data (ReturnData)."
            )
        for query in metrics:
            if "MetricStat" in query:
                _validate_period(int(query["MetricStat"]["Period"]))
        return
    statistic, extended = request.get("Statistic"), request.get("ExtendedStatistic")
    if bool(statistic) == bool(extended):
        raise ValidationException(
            "Exactly one of Statistic and ExtendedStatistic (or Metrics) must be specified."
        )
    if statistic and statistic not in statistics_module.BASIC:
        raise ValidationException(
            f"Value '{statistic}' at 'statistic' failed to satisfy constraint: Member must "
            f"satisfy enum value set: {_BASIC_ENUM}"
        )
    if extended:
        try:
            parsed = statistics_module.parse(extended)
        except statistics_module.UnknownStatistic:
            parsed = None
        if parsed is None or not parsed.extended:
            raise InvalidParameterValueException(
                f"The value {extended} for parameter ExtendedStatistic is not supported."
            )
    if request.get("Period"):
        _validate_period(int(request["Period"]))
    low = request.get("EvaluateLowSampleCountPercentile")
    if low and low not in ("evaluate", "ignore"):
        raise ValidationException(
            f"Option {low} is not supported. Supported options for parameter "
            "EvaluateLowSampleCountPercentile are evaluate and ignore."
        )


def _validate_period(period: int) -> None:
    if period not in (10, 20, 30) and period % 60:
        raise ValidationException("Period must be 10, 20, 30 or a multiple of 60")
