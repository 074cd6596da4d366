"""One thread that puts the metrics the harness derives (Lambda's, EMF's) in batches.

A ``PutMetricData`` per data point (what LocalStack does for Lambda, from a new thread each time),
or per log batch on the thread that forwards a function's logs, costs a client call and a store
commit each; under a burst of invocations (measured on a loaded 2-core machine: ~75 ms a call)
they queue up, the log forwarding falls behind, and metrics of one invocation land seconds apart.
Here data points keep their own ``Timestamp`` and go out at most every ``FLUSH_SECONDS``: one call
per account, region and namespace, up to 1000 points.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import defaultdict, deque
from typing import Any

from localstack.runtime import hooks

LOG = logging.getLogger(__name__)
FLUSH_SECONDS = 0.2
MAX_POINTS = 1000

_lock = threading.Lock()
#: When each point still to be written was queued (in queue order).
_points_pending: deque[float] = deque()
#: Per log group: when each of a function's log batches, not yet read, was queued.
_logs_pending: dict[str, deque[float]] = defaultdict(deque)
#: A pending item older than this is taken as lost (never waited for again).
STALE_SECONDS = 20.0

_queue: queue.SimpleQueue[tuple[str, str, str, dict[str, Any]]] = queue.SimpleQueue()
_started = threading.Lock()
_thread: threading.Thread | None = None


def publish(account: str, region: str, namespace: str, data: list[dict[str, Any]]) -> None:
    """Queue data points (each with its ``Timestamp``) for ``PutMetricData``."""
    global _thread
    with _lock:
        _points_pending.extend([time.time()] * len(data))
    for point in data:
        _queue.put((account, region, namespace, point))
    if _thread is None:
        with _started:
            if _thread is None:
                _thread = threading.Thread(target=_run, name="rez-metrics-publisher", daemon=True)
                _thread.start()


def _run() -> None:
    from localstack.aws.connect import connect_to

    while True:
        first = _queue.get()
        pending: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
        pending[first[:3]].append(first[3])
        try:
            while True:
                item = _queue.get(timeout=FLUSH_SECONDS)
                pending[item[:3]].append(item[3])
        except queue.Empty:
            pass
        for (account, region, namespace), points in pending.items():
            try:
                cloudwatch = connect_to(aws_access_key_id=account, region_name=region).cloudwatch
                for start in range(0, len(points), MAX_POINTS):
                    cloudwatch.put_metric_data(
                        Namespace=namespace, MetricData=points[start : start + MAX_POINTS]
                    )
            except Exception:
                LOG.warning("metrics of %s could not be published", namespace, exc_info=True)
            finally:
                _done(len(points))


def _done(count: int) -> None:
    with _lock:
        for _ in range(min(count, len(_points_pending))):
            _points_pending.popleft()


def logs_queued(log_group: str) -> None:
    """A function's log batch waits for LocalStack's forwarding thread (its EMF is not in)."""
    with _lock:
        _logs_pending[log_group].append(time.time())


def logs_delivered(log_group: str) -> None:
    """The batch reached ``PutLogEvents`` and its metrics are queued here."""
    with _lock:
        pending = _logs_pending.get(log_group)
        if pending:
            pending.popleft()


def settled_until() -> float:
    """The time (epoch s) before which every derived metric is written: the oldest log batch
    not yet read or point not yet written, else now.

    The alarm evaluator reads only periods that ended before it, so that metrics of the same
    invocations (Lambda's Errors, the function's own EMF) are compared complete, never one ahead
    of the other, however far behind a burst puts the log forwarding.
    """
    now = time.time()
    oldest = now
    with _lock:
        queues = [_points_pending, *_logs_pending.values()]
        for pending in queues:
            while pending and pending[0] < now - STALE_SECONDS:
                pending.popleft()  # lost (e.g. a log batch LocalStack failed to put)
            if pending:
                oldest = min(oldest, pending[0])
    return oldest


@hooks.on_infra_start()
def track_lambda_log_forwarding() -> None:
    """Count what LocalStack's Lambda log handlers queue (a patch: they have no hook)."""
    from localstack.services.lambda_.invocation.logs import LogHandler
    from localstack.utils.patch import patch

    if getattr(LogHandler, "_rez_tracked", False):
        return

    @patch(LogHandler.add_logs)
    def add_logs(fn: Any, self: Any, log_item: Any) -> Any:
        logs_queued(log_item.log_group)
        return fn(self, log_item)

    LogHandler._rez_tracked = True
