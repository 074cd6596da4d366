"""``GetMetricData`` matches a metric's dimensions exactly, as CloudWatch does.

Why a patch: LocalStack's CloudWatch stores a metric's dimensions as one string and selects
``GetMetricData`` rows with ``dimensions LIKE '%Stage=dev%'``, so a query for ``{Stage}`` also
sums the ``{Stage, Service}`` series. EMF documents routinely declare such nested dimension sets
(the telemetry library does), so every total read back locally would be inflated. There is no
extension point for the metric store's SQL; the narrowest fix is to make the search string exact
(``Service=notifier\\tStage=dev\\t``, the stored form) while ``get_metric_data_stat`` runs, with
LocalStack's ``localstack.utils.patch.patch`` helper. ``ListMetrics`` keeps its "contains these
dimensions" filter, which is what AWS does there.
"""

import threading
from typing import Any

from localstack.runtime import hooks

_exact = threading.local()


@hooks.on_infra_start()
def patch_exact_metric_dimensions() -> None:
    """Apply the two wrappers once."""
    from localstack.services.cloudwatch.cloudwatch_database_helper import CloudwatchDatabase
    from localstack.utils.patch import patch

    if getattr(CloudwatchDatabase, "_rez_exact_dimensions", False):
        return

    @patch(CloudwatchDatabase.get_metric_data_stat)
    def get_metric_data_stat(fn: Any, self: Any, *args: Any, **kwargs: Any) -> Any:
        _exact.active = True
        try:
            return fn(self, *args, **kwargs)
        finally:
            _exact.active = False

    @patch(CloudwatchDatabase._get_ordered_dimensions_with_separator)
    def ordered_dimensions(fn: Any, self: Any, dims: Any, for_search: bool = False) -> Any:
        exact = for_search and getattr(_exact, "active", False)
        return fn(self, dims, for_search=False if exact else for_search)

    CloudwatchDatabase._rez_exact_dimensions = True
