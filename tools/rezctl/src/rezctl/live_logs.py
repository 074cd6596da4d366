"""`rezctl logs`: the five functions' log groups as one stream, in time order, optionally followed.

FilterLogEvents per group (with the CloudWatch filter pattern of `--filter`), merged by the
event's timestamp. Following polls each group from the newest timestamp it has seen, keeping the
ids of the events at that millisecond so none is printed twice (FilterLogEvents' `startTime` is
inclusive). One colour per service on a terminal; plain when piped or when NO_COLOR is set.
https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_FilterLogEvents.html
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from botocore.exceptions import ClientError

from rezctl.errors import UsageError
from rezctl.logs import LogLine, json_fields
from rezctl.names import SERVICES
from rezctl.target import Target

ALIASES: Final = {
    "processor": "message-processor",
    "notifier": "notification-service",
    "authorizer": "jwt-authorizer",
}
COLOURS: Final = {
    "scheduler": "magenta",
    "web-api": "cyan",
    "message-processor": "green",
    "notification-service": "yellow",
    "jwt-authorizer": "blue",
}


def service_names(chosen: Sequence[str] | None) -> list[str]:
    """The function parts asked for (aliases such as `processor` accepted); all five by default."""
    if not chosen:
        return list(SERVICES)
    names = []
    for name in chosen:
        full = ALIASES.get(name, name)
        if full not in SERVICES:
            known = ", ".join([*SERVICES, *ALIASES])
            raise UsageError(f"unknown service {name!r}; choose from {known}")
        names.append(full)
    return names


def _millis(moment: dt.datetime) -> int:
    return int(moment.timestamp() * 1000)


def _line(group: str, event: dict[str, Any]) -> LogLine:
    message = str(event.get("message", ""))
    stamp = dt.datetime.fromtimestamp(int(event["timestamp"]) / 1000, dt.UTC)
    return LogLine(stamp, group, message, json_fields(message))


@dataclass(slots=True)
class _Cursor:
    """Where one group's next poll starts, and the ids already printed at that millisecond."""

    start: int
    seen: set[str] = field(default_factory=set)


@dataclass(slots=True)
class LogStream:
    """The chosen groups, polled together."""

    target: Target
    groups: list[str]
    start: dt.datetime
    pattern: str | None = None
    cursors: dict[str, _Cursor] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.cursors = {group: _Cursor(_millis(self.start)) for group in self.groups}

    def _events(self, group: str) -> list[dict[str, Any]]:
        logs = self.target.client("logs")
        request: dict[str, Any] = {"logGroupName": group, "startTime": self.cursors[group].start}
        if self.pattern:
            request["filterPattern"] = self.pattern
        found: list[dict[str, Any]] = []
        try:
            for page in logs.get_paginator("filter_log_events").paginate(**request):
                found.extend(page.get("events", []))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                return []  # a function never invoked has no group yet
            raise
        return found

    def poll(self) -> list[LogLine]:
        """Every event not printed yet, all groups merged in time order."""
        lines: list[tuple[int, LogLine]] = []
        for group in self.groups:
            cursor = self.cursors[group]
            fresh = [e for e in self._events(group) if str(e.get("eventId")) not in cursor.seen]
            for event in fresh:
                stamp = int(event["timestamp"])
                if stamp > cursor.start:
                    cursor.start, cursor.seen = stamp, set()
                if stamp == cursor.start:
                    cursor.seen.add(str(event.get("eventId")))
                lines.append((stamp, _line(group, event)))
        lines.sort(key=lambda pair: (pair[0], pair[1].when))
        return [line for _stamp, line in lines]


def styled(line: LogLine, width: int = 20) -> tuple[str, str]:
    """`12:00:01.234 message-processor    INFO  text` and the service's colour."""
    level = line.level or ""
    text = line.text if line.fields else line.message.rstrip("\n")
    clock = line.when.strftime("%H:%M:%S.%f")[:-3]
    style = COLOURS.get(line.service, "white")
    if level in ("ERROR", "CRITICAL"):
        style = f"bold {style}"
    return f"{clock} {line.service:<{width}} {level:<5} {text}", style


def follow(
    stream: LogStream,
    emit: Callable[[Iterable[LogLine]], None],
    *,
    tail: bool,
    stop: Callable[[], bool] = lambda: False,
    poll_seconds: float = 1.0,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Print what is there; with `tail`, keep polling until `stop()` (or Ctrl-C). Lines printed."""
    printed = 0
    while True:
        lines = stream.poll()
        if lines:
            emit(lines)
            printed += len(lines)
        if not tail or stop():
            return printed
        sleep(poll_seconds)
