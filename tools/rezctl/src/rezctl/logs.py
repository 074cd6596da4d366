"""CloudWatch Logs: Logs Insights queries over the stage's log groups, and a plain fallback.

`run_query` starts one Insights query over every log group that exists (StartQuery refuses the
whole query when one group is missing) and polls until it ends. `filter_events` is the fallback
the journey uses when Insights fails: FilterLogEvents with a JSON filter pattern, per group.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from botocore.exceptions import ClientError

from rezctl.errors import RemoteError
from rezctl.target import Target

TERMINAL_STATUSES: Final = frozenset({"Complete", "Failed", "Cancelled", "Timeout", "Unknown"})
DEFAULT_QUERY_TIMEOUT: Final = 60.0
MAX_QUERY_ROWS: Final = 10_000

Row = dict[str, str]


class QueryFailedError(RemoteError):
    """Logs Insights refused or failed the query."""


@dataclass(frozen=True, slots=True)
class LogLine:
    """One log event with the group it came from and its JSON fields (when it is JSON)."""

    timestamp: dt.datetime
    log_group: str
    message: str
    fields: dict[str, Any] = field(default_factory=dict)

    @property
    def when(self) -> dt.datetime:
        """The line's own `timestamp` field (written by the function, ms precision) when it has
        one, else the event's: a batch of lines can reach the log group with one timestamp."""
        value = self.fields.get("timestamp")
        if isinstance(value, str):
            try:
                return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(dt.UTC)
            except ValueError:
                pass
        return self.timestamp

    @property
    def service(self) -> str:
        """The function part of the group name, e.g. `message-processor`."""
        name = self.log_group.rsplit("/", 1)[-1]
        if name.startswith("rez-agent-"):
            name = name[len("rez-agent-") :]
        return name.rsplit("-", 1)[0] if "-" in name else name

    @property
    def level(self) -> str | None:
        value = self.fields.get("level")
        return str(value) if value is not None else None

    @property
    def text(self) -> str:
        """The log's own `message` field, else the raw event."""
        value = self.fields.get("message")
        return str(value) if isinstance(value, str) else self.message.strip()

    def as_dict(self) -> dict[str, Any]:
        return {
            "timestamp": self.when.isoformat(),
            "log_group": self.log_group,
            "service": self.service,
            "level": self.level,
            "message": self.text,
            "fields": self.fields,
        }


def json_fields(message: str) -> dict[str, Any]:
    """The JSON object of a log line (whole line, or after Lambda's tab-separated prefix)."""
    text = message.strip()
    start = text.find("{")
    if start < 0:
        return {}
    try:
        document = json.loads(text[start:])
    except ValueError:
        return {}
    return document if isinstance(document, dict) else {}


def existing_log_groups(target: Target, groups: Iterable[str]) -> list[str]:
    """The given groups that exist (a function never invoked may have none yet)."""
    wanted = list(groups)
    logs = target.client("logs")
    found: set[str] = set()
    prefix = _common_prefix(wanted)
    paginator = logs.get_paginator("describe_log_groups")
    for page in paginator.paginate(logGroupNamePrefix=prefix):
        found.update(group["logGroupName"] for group in page.get("logGroups", []))
    return [group for group in wanted if group in found]


def _common_prefix(names: Sequence[str]) -> str:
    if not names:
        return "/"
    first, last = min(names), max(names)
    size = 0
    while size < min(len(first), len(last)) and first[size] == last[size]:
        size += 1
    return first[:size] or "/"


def epoch_seconds(moment: dt.datetime) -> int:
    return int(moment.timestamp())


def run_query(
    target: Target,
    query: str,
    *,
    start: dt.datetime,
    end: dt.datetime,
    log_groups: Sequence[str] | None = None,
    limit: int | None = None,
    timeout: float = DEFAULT_QUERY_TIMEOUT,
    sleep: Callable[[float], None] | None = None,
    poll_seconds: float = 0.5,
) -> list[Row]:
    """Rows of a Logs Insights query (`{field: value}`, `@ptr` dropped), in the query's order."""
    groups = existing_log_groups(target, log_groups or target.names.log_groups)
    if not groups:
        return []
    logs = target.client("logs")
    request: dict[str, Any] = {
        "logGroupNames": groups,
        "startTime": epoch_seconds(start),
        "endTime": epoch_seconds(end),
        "queryString": query,
    }
    if limit is not None:
        request["limit"] = limit
    try:
        query_id = logs.start_query(**request)["queryId"]
    except ClientError as error:
        raise QueryFailedError(f"Logs Insights refused the query: {error}") from error
    waited = 0.0
    while True:
        answer = logs.get_query_results(queryId=query_id)
        status = answer.get("status", "Unknown")
        if status in TERMINAL_STATUSES:
            break
        if waited >= timeout:
            logs.stop_query(queryId=query_id)
            raise QueryFailedError(
                f"Logs Insights query {query_id} still {status} after {timeout}s"
            )
        (sleep or time.sleep)(poll_seconds)
        waited += poll_seconds
    if status != "Complete":
        raise QueryFailedError(f"Logs Insights query {query_id} ended {status}")
    return [
        {cell["field"]: cell.get("value", "") for cell in row if cell["field"] != "@ptr"}
        for row in answer.get("results", [])
    ]


def parse_insights_timestamp(value: str) -> dt.datetime:
    """Insights' `@timestamp` (`2026-01-01 12:00:00.123`, UTC) as an aware datetime."""
    text = value.strip().replace("T", " ").rstrip("Z")
    for pattern in ("%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M:%S"):
        try:
            return dt.datetime.strptime(text, pattern).replace(tzinfo=dt.UTC)
        except ValueError:
            continue
    return dt.datetime.fromisoformat(value).astimezone(dt.UTC)


def line_from_row(row: Row) -> LogLine:
    """A `LogLine` from a row that has `@timestamp`, `@message` and `@log`."""
    group = row.get("@log", "")
    group = group.split(":", 1)[1] if ":" in group and not group.startswith("/") else group
    message = row.get("@message", "")
    return LogLine(
        timestamp=parse_insights_timestamp(row["@timestamp"]),
        log_group=group,
        message=message,
        fields=json_fields(message),
    )


def filter_events(
    target: Target,
    pattern: str,
    *,
    start: dt.datetime,
    end: dt.datetime,
    log_groups: Sequence[str] | None = None,
) -> list[LogLine]:
    """Every event matching a filter pattern in each existing group, oldest first."""
    logs = target.client("logs")
    lines: list[LogLine] = []
    for group in existing_log_groups(target, log_groups or target.names.log_groups):
        paginator = logs.get_paginator("filter_log_events")
        pages = paginator.paginate(
            logGroupName=group,
            filterPattern=pattern,
            startTime=epoch_seconds(start) * 1000,
            endTime=epoch_seconds(end) * 1000 + 999,
        )
        for page in pages:
            for event in page.get("events", []):
                message = str(event.get("message", ""))
                lines.append(
                    LogLine(
                        timestamp=dt.datetime.fromtimestamp(event["timestamp"] / 1000, dt.UTC),
                        log_group=group,
                        message=message,
                        fields=json_fields(message),
                    )
                )
    lines.sort(key=lambda line: line.when)
    return lines
