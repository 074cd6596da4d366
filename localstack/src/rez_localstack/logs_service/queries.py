"""Logs Insights queries by id: run once at ``StartQuery``, read by ``GetQueryResults``.

A query is evaluated on a worker thread, so a caller sees ``Scheduled``/``Running`` and then
``Complete`` (or ``Failed``/``Cancelled``) as on AWS.
"""

import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from rez_localstack.logs_insights import QueryError, QueryOutcome, run_query
from rez_localstack.logs_insights.records import LogRecord
from rez_localstack.logs_insights.syntax import Query

LOG = logging.getLogger(__name__)

MAX_KEPT_QUERIES = 1000


@dataclass(slots=True)
class QueryRun:
    """One query's lifecycle."""

    query_id: str
    query_string: str
    log_group_names: list[str]
    account_id: str
    region: str
    created_ms: int
    status: str = "Scheduled"
    outcome: QueryOutcome | None = None
    reason: str | None = None
    row_limit: int | None = None
    """``StartQuery``'s ``limit``: at most this many rows are returned."""
    done: threading.Event = field(default_factory=threading.Event)


class QueryRegistry:
    """Starts queries on a worker and keeps their results."""

    def __init__(self, workers: int = 2) -> None:
        self._runs: dict[str, QueryRun] = {}
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="rez-logs-insights")

    def start(
        self,
        run: QueryRun,
        query: Query,
        records: Callable[[], Iterable[LogRecord]],
    ) -> QueryRun:
        """Register ``run`` and evaluate ``query`` over ``records()`` in the background."""
        with self._lock:
            self._runs[run.query_id] = run
            self._forget_oldest()
        self._pool.submit(self._evaluate, run, query, records)
        return run

    def start_failed(self, run: QueryRun) -> None:
        """Register a run that failed before evaluation, so its id and reason can be read."""
        with self._lock:
            self._runs[run.query_id] = run
            self._forget_oldest()

    def get(self, query_id: str) -> QueryRun | None:
        """The run with this id, if known."""
        with self._lock:
            return self._runs.get(query_id)

    def runs(self) -> list[QueryRun]:
        """Every kept run, oldest first."""
        with self._lock:
            return list(self._runs.values())

    def stop(self, query_id: str) -> bool:
        """Cancel a run that has not finished; ``False`` if it already had."""
        with self._lock:
            run = self._runs.get(query_id)
            if run is None or run.status not in ("Scheduled", "Running"):
                return False
            run.status = "Cancelled"
            run.done.set()
            return True

    def shutdown(self) -> None:
        """Stop the worker threads."""
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _evaluate(
        self, run: QueryRun, query: Query, records: Callable[[], Iterable[LogRecord]]
    ) -> None:
        if not self._transition(run, "Scheduled", "Running"):
            return
        try:
            outcome = run_query(query, records())
        except QueryError as error:
            self._fail(run, str(error))
            return
        except Exception as error:
            LOG.exception("Logs Insights query %s failed", run.query_id)
            self._fail(run, f"internal error: {error}")
            return
        with self._lock:
            if run.status == "Running":
                run.outcome = outcome
                run.status = "Complete"
        run.done.set()

    def _fail(self, run: QueryRun, reason: str) -> None:
        LOG.warning("Logs Insights query %s failed: %s", run.query_id, reason)
        with self._lock:
            if run.status == "Running":
                run.status = "Failed"
                run.reason = reason
        run.done.set()

    def _transition(self, run: QueryRun, expected: str, new: str) -> bool:
        with self._lock:
            if run.status != expected:
                return False
            run.status = new
            return True

    def _forget_oldest(self) -> None:
        while len(self._runs) > MAX_KEPT_QUERIES:
            self._runs.pop(next(iter(self._runs)))


def new_run(query_string: str, groups: list[str], account_id: str, region: str) -> QueryRun:
    """A fresh ``Scheduled`` run with a new query id."""
    return QueryRun(
        query_id=str(uuid.uuid4()),
        query_string=query_string,
        log_group_names=groups,
        account_id=account_id,
        region=region,
        created_ms=int(time.time() * 1000),
    )


def failed_run(
    query_string: str, groups: list[str], account_id: str, region: str, reason: str
) -> QueryRun:
    """A run that failed before it could start (a query the harness refuses to evaluate)."""
    run = new_run(query_string, groups, account_id, region)
    run.status = "Failed"
    run.reason = reason
    run.done.set()
    return run
