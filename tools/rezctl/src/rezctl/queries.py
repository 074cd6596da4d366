"""The four saved Logs Insights queries (docs/observability.md) as text builders, with safe
identifiers.

Each keeps the saved query's fields and filters; `@log` is added where a row must say which
function wrote it. Saved query 3 filters on the API's access line (`path`, `method`, `duration_ms`:
the web API's "API response sent" line carries them).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from rez_telemetry import correlation
from rezctl.errors import UsageError


def checked_identifier(value: str, what: str = "identifier") -> str:
    """A correlation/message/trace id fit to quote in a query (the correlation-ID rule)."""
    if not correlation.is_valid_correlation_id(value):
        raise UsageError(f"{what} must be {correlation.CORRELATION_ID_RULE}, got {value!r}")
    return value


def _quoted(values: Iterable[str]) -> str:
    return ", ".join(f'"{checked_identifier(v)}"' for v in values)


def correlation_lines(correlation_id: str, message_id: str | None = None) -> str:
    """Query 1: every line of one correlation (or of its message id), oldest first."""
    condition = f'correlation_id = "{checked_identifier(correlation_id, "correlation id")}"'
    if message_id:
        condition += f' or message_id = "{checked_identifier(message_id, "message id")}"'
    return (
        "fields @timestamp, @message, @log, level, message_id, correlation_id\n"
        f"| filter {condition}\n"
        "| sort @timestamp asc\n"
        "| limit 10000"
    )


def trace_spans(trace_ids: Iterable[str]) -> str:
    """The span lines of some traces (child spans need not carry the correlation id)."""
    return (
        "fields @timestamp, @message, @log\n"
        f"| filter span.trace_id in [{_quoted(trace_ids)}]\n"
        "| sort @timestamp asc\n"
        "| limit 10000"
    )


ERRORS_BY_MESSAGE: Final = (
    "fields message_id, @message\n"
    '| filter level = "ERROR"\n'
    "| stats count() as error_count by message_id\n"
    "| sort error_count desc"
)
"""Query 2: errors counted per message id."""

API_LATENCY: Final = (
    "fields duration_ms\n"
    '| filter path = "/api/messages" and method = "POST"\n'
    "| stats avg(duration_ms) as avg_duration_ms, max(duration_ms) as max_duration_ms, "
    "count() as requests"
)
"""Query 3: the create endpoint's response time (plus the request count it averages)."""

FAILED_NOTIFICATIONS: Final = (
    "fields @timestamp, message_id, correlation_id, error, @log\n"
    '| filter @message like "Notification failed"\n'
    "| sort @timestamp desc\n"
    "| limit 1000"
)
"""Query 4: failed ntfy calls, newest first (correlation id added to hand over to `trace`)."""


def correlation_filter_pattern(correlation_id: str, message_id: str | None = None) -> str:
    """FilterLogEvents' JSON pattern equivalent of query 1 (the fallback)."""
    pattern = f'$.correlation_id = "{checked_identifier(correlation_id)}"'
    if message_id:
        pattern += f' || $.message_id = "{checked_identifier(message_id)}"'
    return "{ " + pattern + " }"


def trace_filter_pattern(trace_id: str) -> str:
    """FilterLogEvents' pattern for one trace's span lines."""
    return '{ $.span.trace_id = "' + checked_identifier(trace_id) + '" }'
