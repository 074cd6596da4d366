"""Embedded Metric Format: EMF log lines become CloudWatch metrics, as CloudWatch Logs does.

LocalStack's free edition stores EMF lines as plain log text (``localstack/services/logs`` has
metric *filters* but no EMF extraction). The harness's Logs provider hands every ingested event to
:func:`~rez_localstack.emf.extract.extract_metrics`, then puts the result through CloudWatch.
"""

from rez_localstack.emf.extract import EmfError, MetricBatch, extract_metrics

__all__ = ["EmfError", "MetricBatch", "extract_metrics"]
