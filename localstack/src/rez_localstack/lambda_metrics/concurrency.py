"""``Throttles`` and ``ConcurrentExecutions`` from LocalStack's invocation leases.

Why a patch: every invocation takes a lease from LocalStack's ``CountingService`` (reserved and
account concurrency); a refused lease is Lambda's throttle (``TooManyRequestsException``) and the
leases held are the function's concurrent executions. There is no hook around it, so
``get_invocation_lease`` is wrapped with LocalStack's ``localstack.utils.patch.patch``:
a throttle publishes ``Throttles`` 1; each lease taken or returned publishes
``ConcurrentExecutions`` (the function's leases now, ``FunctionName`` dimension, and the
account's, no dimension; read them with ``Maximum`` as AWS advises).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import threading
from collections import Counter
from collections.abc import Iterator
from typing import Any

from localstack.runtime import hooks

LOG = logging.getLogger(__name__)
_lock = threading.Lock()
_running: Counter[tuple[str, str, str]] = Counter()


def _put(account: str, region: str, data: list[dict[str, Any]]) -> None:
    from localstack.aws.connect import connect_to

    try:
        cloudwatch = connect_to(aws_access_key_id=account, region_name=region).cloudwatch
        cloudwatch.put_metric_data(Namespace="AWS/Lambda", MetricData=data)
    except Exception:
        LOG.debug("Lambda metrics could not be published", exc_info=True)


def _publish(account: str, region: str, data: list[dict[str, Any]]) -> None:
    """Off the invocation's path, as LocalStack publishes its own Lambda metrics."""
    threading.Thread(target=_put, args=(account, region, data), daemon=True).start()


def _concurrency(account: str, region: str, function: str, delta: int) -> None:
    key = (account, region, function)
    with _lock:
        _running[key] += delta
        mine = _running[key]
        total = sum(v for (a, r, _), v in _running.items() if (a, r) == (account, region))
        if not mine:
            del _running[key]
    now = dt.datetime.now(dt.UTC)
    common = {"MetricName": "ConcurrentExecutions", "Unit": "Count", "Timestamp": now}
    _publish(
        account,
        region,
        [
            {**common, "Dimensions": [{"Name": "FunctionName", "Value": function}], "Value": mine},
            {**common, "Value": total},
        ],
    )


@hooks.on_infra_start()
def patch_lambda_concurrency_metrics() -> None:
    """Wrap the lease once."""
    from localstack.aws.api.lambda_ import TooManyRequestsException
    from localstack.services.lambda_.invocation.counting_service import CountingService
    from localstack.utils.patch import patch

    if getattr(CountingService, "_rez_lambda_metrics", False):
        return

    @patch(CountingService.get_invocation_lease)
    def get_invocation_lease(
        fn: Any, self: Any, function: Any, function_version: Any, *args: Any, **kwargs: Any
    ) -> Any:
        ident = function_version.id
        account, region, name = ident.account, ident.region, ident.function_name

        @contextlib.contextmanager
        def lease() -> Iterator[Any]:
            inner = fn(self, function, function_version, *args, **kwargs)
            try:
                kind = inner.__enter__()
            except TooManyRequestsException:
                throttle = {
                    "MetricName": "Throttles",
                    "Dimensions": [{"Name": "FunctionName", "Value": name}],
                    "Value": 1.0,
                    "Unit": "Count",
                    "Timestamp": dt.datetime.now(dt.UTC),
                }
                _publish(account, region, [throttle])
                raise
            _concurrency(account, region, name, +1)
            try:
                yield kind
            except BaseException as error:
                _concurrency(account, region, name, -1)
                if not inner.__exit__(type(error), error, error.__traceback__):
                    raise
            else:
                _concurrency(account, region, name, -1)
                inner.__exit__(None, None, None)

        return lease()

    CountingService._rez_lambda_metrics = True
