"""Saved queries 2, 3 and 4 (docs/observability.md) as tables: errors by message, API
latency, failed notifications."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rezctl import queries
from rezctl.logs import Row, run_query
from rezctl.target import Target


@dataclass(frozen=True, slots=True)
class Table:
    """Rows of one query with the columns to show, in order."""

    title: str
    columns: tuple[str, ...]
    rows: list[Row]
    start: dt.datetime
    end: dt.datetime

    def as_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "columns": list(self.columns),
            "rows": [{c: row.get(c) for c in self.columns} for row in self.rows],
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
        }


def _window(since: dt.timedelta, now: dt.datetime | None) -> tuple[dt.datetime, dt.datetime]:
    end = now or dt.datetime.now(dt.UTC)
    return end - since, end


def errors_by_message(
    target: Target | None = None,
    *,
    since: dt.timedelta = dt.timedelta(hours=1),
    now: dt.datetime | None = None,
    sleep: Callable[[float], None] | None = None,
) -> Table:
    """Query 2: ERROR lines counted per message id, most first."""
    where = target or Target.resolve()
    start, end = _window(since, now)
    rows = run_query(where, queries.ERRORS_BY_MESSAGE, start=start, end=end, sleep=sleep)
    return Table("Errors by message", ("message_id", "error_count"), rows, start, end)


def api_latency(
    target: Target | None = None,
    *,
    since: dt.timedelta = dt.timedelta(hours=24),
    now: dt.datetime | None = None,
    sleep: Callable[[float], None] | None = None,
) -> Table:
    """Query 3: average and maximum response time of POST /api/messages."""
    where = target or Target.resolve()
    start, end = _window(since, now)
    rows = run_query(
        where,
        queries.API_LATENCY,
        start=start,
        end=end,
        log_groups=[where.names.log_group("web-api")],
        sleep=sleep,
    )
    rows = [row for row in rows if row.get("requests") not in (None, "", "0")]
    return Table(
        "API response time, POST /api/messages",
        ("avg_duration_ms", "max_duration_ms", "requests"),
        rows,
        start,
        end,
    )


def failed_notifications(
    target: Target | None = None,
    *,
    since: dt.timedelta = dt.timedelta(hours=24),
    now: dt.datetime | None = None,
    sleep: Callable[[float], None] | None = None,
) -> Table:
    """Query 4: "Notification failed" lines, newest first."""
    where = target or Target.resolve()
    start, end = _window(since, now)
    rows = run_query(
        where,
        queries.FAILED_NOTIFICATIONS,
        start=start,
        end=end,
        log_groups=[where.names.log_group("notification-service")],
        sleep=sleep,
    )
    return Table(
        "Failed notifications",
        ("@timestamp", "message_id", "correlation_id", "error"),
        rows,
        start,
        end,
    )
