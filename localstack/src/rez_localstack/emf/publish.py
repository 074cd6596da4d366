"""Put extracted EMF metrics into LocalStack's CloudWatch, in the log group's account/region."""

import logging
from collections.abc import Iterable

from rez_localstack.emf.extract import EmfError, MetricBatch, extract_metrics

LOG = logging.getLogger(__name__)

PUT_METRIC_DATA_MAX = 1000
"""Data points per ``PutMetricData`` call."""


def metrics_from_events(events: Iterable[dict[str, object]], log_group: str) -> list[MetricBatch]:
    """All EMF metrics in ``PutLogEvents``'s ``logEvents``; a bad document is logged and skipped."""
    batches: list[MetricBatch] = []
    for event in events:
        message, timestamp = event.get("message"), event.get("timestamp")
        if not isinstance(message, str):
            continue
        fallback = int(timestamp) if isinstance(timestamp, int | float) else 0
        try:
            batches.extend(extract_metrics(message, fallback))
        except EmfError as error:
            LOG.warning("EMF line in %s rejected, no metric published: %s", log_group, error)
    return batches


def publish(batches: Iterable[MetricBatch], account_id: str, region: str) -> None:
    """``PutMetricData`` for every batch, split into calls of at most 1000 data points."""
    from localstack.aws.connect import connect_to

    cloudwatch = connect_to(aws_access_key_id=account_id, region_name=region).cloudwatch
    for batch in batches:
        for start in range(0, len(batch.metric_data), PUT_METRIC_DATA_MAX):
            chunk = batch.metric_data[start : start + PUT_METRIC_DATA_MAX]
            cloudwatch.put_metric_data(Namespace=batch.namespace, MetricData=chunk)
