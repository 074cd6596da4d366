"""Put extracted EMF metrics into LocalStack's CloudWatch, in the log group's account/region."""

import logging
from collections.abc import Iterable

from rez_localstack.emf.extract import EmfError, MetricBatch, extract_metrics

LOG = logging.getLogger(__name__)


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
    """Hand every data point to the harness's batching publisher (``metrics_publisher``): the
    thread forwarding a function's logs does not wait for CloudWatch."""
    from rez_localstack.metrics_publisher import publish as put

    for batch in batches:
        put(account_id, region, batch.namespace, batch.metric_data)
