"""``Invocations``, ``Errors``, ``Throttles`` and ``ConcurrentExecutions`` per function.

Why patches (LocalStack has no hook around an invocation), with LocalStack's own
``localstack.utils.patch.patch``:

- ``LambdaVersionManager.invoke``: LocalStack publishes ``Invocations``/``Errors`` from a thread
  it starts after each invocation, stamped when that thread runs, seconds late under a burst
  (measured: a burst's errors landed up to 10 s after the invocations, in the next periods).
  Metric math over them (``Errors - TokensRefused``) then compares different periods. Here the
  two are stamped when the invocation ends (as AWS stamps them) and LocalStack's own publishing
  is switched off (``record_cw_metric_invocation``/``record_cw_metric_error`` no-ops).
- ``CountingService.get_invocation_lease``: every invocation takes a lease (reserved and account
  concurrency); a refused lease is Lambda's throttle (``TooManyRequestsException``): it
  publishes ``Throttles`` 1, and not ``Invocations``; each lease taken publishes
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


def _publish(account: str, region: str, data: list[dict[str, Any]]) -> None:
    from rez_localstack.metrics_publisher import publish

    publish(account, region, "AWS/Lambda", data)


def _concurrency(account: str, region: str, function: str, delta: int) -> None:
    key = (account, region, function)
    with _lock:
        _running[key] += delta
        mine = _running[key]
        total = sum(v for (a, r, _), v in _running.items() if (a, r) == (account, region))
        if not mine:
            del _running[key]
    if delta < 0:
        return  # the peaks are what ConcurrentExecutions (Maximum) shows
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


def _no_metric(*_args: Any, **_kwargs: Any) -> None:
    """LocalStack's late-stamped Invocations/Errors, replaced by the ones below."""


@hooks.on_infra_start()
def patch_lambda_invocation_metrics() -> None:
    """Wrap the invocation and the lease once."""
    from localstack.aws.api.lambda_ import TooManyRequestsException
    from localstack.services.lambda_.invocation import version_manager
    from localstack.services.lambda_.invocation.counting_service import CountingService
    from localstack.utils.patch import patch

    if getattr(CountingService, "_rez_lambda_metrics", False):
        return

    version_manager.record_cw_metric_invocation = _no_metric
    version_manager.record_cw_metric_error = _no_metric

    @patch(version_manager.LambdaVersionManager.invoke)
    def invoke(fn: Any, self: Any, *args: Any, **kwargs: Any) -> Any:
        result = fn(self, *args, **kwargs)
        ident = self.function_version.id
        common = {
            "Dimensions": [{"Name": "FunctionName", "Value": ident.function_name}],
            "Value": 1.0,
            "Unit": "Count",
            "Timestamp": dt.datetime.now(dt.UTC),
        }
        data = [{"MetricName": "Invocations", **common}]
        if getattr(result, "is_error", False):
            data.append({"MetricName": "Errors", **common})
        _publish(ident.account, ident.region, data)
        return result

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
