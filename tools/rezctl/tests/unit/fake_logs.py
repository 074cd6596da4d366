# ruff: noqa: N803  (the fake takes boto3's own argument names: logGroupNames, queryId...)
"""A typed fake of the CloudWatch Logs calls rezctl makes.

moto's Logs Insights ignores `filter` and its FilterLogEvents ignores JSON patterns, so a test
through moto would pass for the wrong reason. This fake honours exactly the filters rezctl
writes (`correlation_id = ... or message_id = ...`, `span.trace_id in [...]`, and their JSON
pattern forms) and can be told that Insights fails.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from typing import Any

from botocore.exceptions import ClientError


class _Paginator:
    def __init__(self, pages: list[dict[str, Any]]) -> None:
        self.pages = pages

    def paginate(self, **_: Any) -> Iterator[dict[str, Any]]:
        yield from self.pages


class FakeLogs:
    def __init__(self, *, insights_fails: bool = False) -> None:
        self.events: dict[str, list[tuple[int, str]]] = {}
        self.insights_fails = insights_fails
        self.queries: list[str] = []
        self._results: dict[str, list[list[dict[str, str]]]] = {}
        self._filter_args: dict[str, Any] = {}

    def put(self, group: str, at: dt.datetime, document: dict[str, Any]) -> None:
        self.events.setdefault(group, []).append((int(at.timestamp() * 1000), json.dumps(document)))

    # -- Insights ---------------------------------------------------------------------
    def start_query(  # boto3's argument names
        self,
        *,
        logGroupNames: list[str],
        queryString: str,
        **_: Any,
    ) -> dict[str, str]:
        if self.insights_fails:
            raise ClientError(
                {"Error": {"Code": "MalformedQueryException", "Message": "no"}}, "StartQuery"
            )
        self.queries.append(queryString)
        rows = []
        for group in logGroupNames:
            for stamp, message in self.events.get(group, []):
                if _matches_query(queryString, json.loads(message)):
                    at = dt.datetime.fromtimestamp(stamp / 1000, dt.UTC)
                    rows.append(
                        (
                            stamp,
                            [
                                {
                                    "field": "@timestamp",
                                    "value": at.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3],
                                },
                                {"field": "@message", "value": message},
                                {"field": "@log", "value": f"000000000000:{group}"},
                                {"field": "@ptr", "value": "x"},
                            ],
                        )
                    )
        rows.sort(key=lambda row: row[0])
        query_id = f"q{len(self.queries)}"
        self._results[query_id] = [row for _, row in rows]
        return {"queryId": query_id}

    def get_query_results(self, *, queryId: str) -> dict[str, Any]:
        return {"status": "Complete", "results": self._results[queryId]}

    def stop_query(self, **_: Any) -> dict[str, Any]:
        return {"success": True}

    # -- describe / filter ------------------------------------------------------------
    def get_paginator(self, name: str) -> Any:
        if name == "describe_log_groups":
            groups = [{"logGroupName": g} for g in sorted(self.events)]
            return _Paginator([{"logGroups": groups}])
        if name == "filter_log_events":
            return _FilterPaginator(self)
        raise AssertionError(name)


class _FilterPaginator:
    def __init__(self, logs: FakeLogs) -> None:
        self.logs = logs

    def paginate(
        self,
        *,
        logGroupName: str,
        filterPattern: str,
        **_: Any,
    ) -> Iterator[dict[str, Any]]:
        events = [
            {"timestamp": stamp, "message": message}
            for stamp, message in self.logs.events.get(logGroupName, [])
            if _matches_pattern(filterPattern, json.loads(message))
        ]
        yield {"events": events}


def _matches_query(query: str, document: dict[str, Any]) -> bool:
    traces = re.search(r"span\.trace_id in \[([^]]*)\]", query)
    if traces:
        wanted = set(re.findall(r'"([^"]+)"', traces.group(1)))
        return (document.get("span") or {}).get("trace_id") in wanted
    pairs = re.findall(r'(correlation_id|message_id) = "([^"]+)"', query)
    return any(document.get(key) == value for key, value in pairs)


def _matches_pattern(pattern: str, document: dict[str, Any]) -> bool:
    trace = re.search(r'\$\.span\.trace_id = "([^"]+)"', pattern)
    if trace:
        return (document.get("span") or {}).get("trace_id") == trace.group(1)
    pairs = re.findall(r'\$\.(correlation_id|message_id) = "([^"]+)"', pattern)
    return any(document.get(key) == value for key, value in pairs)
