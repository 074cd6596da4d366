"""Evaluating parsed queries over log records (no harness): the rows AWS would answer."""

from __future__ import annotations

import json
from typing import Any

import pytest

from rez_localstack.logs_insights import LogRecord, UnsupportedQueryError, parse_query, run_query
from rez_localstack.logs_insights.records import discover_json_fields

T0 = 1_767_225_600_000  # 2026-01-01 00:00:00 UTC, in ms


def record(
    offset_s: float, body: dict[str, Any] | str, stream: str = "s1", group: str = "/g"
) -> LogRecord:
    message = body if isinstance(body, str) else json.dumps(body)
    stamp = T0 + int(offset_s * 1000)
    return LogRecord.from_event(
        account_id="000000000000",
        log_group=group,
        log_stream=stream,
        timestamp=stamp,
        ingestion_time=stamp + 5,
        message=message,
        event_id=f"{group}-{stream}-{offset_s}",
    )


def rows(query: str, records: list[LogRecord]) -> list[dict[str, str]]:
    outcome = run_query(parse_query(query), records)
    return [{cell["field"]: cell["value"] for cell in row} for row in outcome.results]


CORRELATION = "660e9500-f39c-52e5-b827-557766551111"
EVENTS = [
    record(
        1,
        {
            "level": "INFO",
            "message": "Scheduled message created",
            "correlation_id": CORRELATION,
            "message_id": "m1",
        },
    ),
    record(
        2, {"level": "INFO", "message": "Processing", "correlation_id": "other", "message_id": "m2"}
    ),
    record(
        3,
        {
            "level": "ERROR",
            "message": "Notification failed",
            "correlation_id": CORRELATION,
            "message_id": "m1",
            "error": "HTTP 503",
        },
    ),
    record(
        4,
        {
            "level": "ERROR",
            "message": "Notification failed",
            "correlation_id": "other",
            "message_id": "m2",
            "error": "timeout",
        },
    ),
    record(
        5,
        {
            "level": "ERROR",
            "message": "Notification failed",
            "correlation_id": CORRELATION,
            "message_id": "m1",
            "error": "HTTP 500",
        },
    ),
    record(
        6,
        {
            "level": "INFO",
            "message": "request",
            "path": "/api/messages",
            "method": "POST",
            "duration_ms": 120,
        },
    ),
    record(
        7,
        {
            "level": "INFO",
            "message": "request",
            "path": "/api/messages",
            "method": "POST",
            "duration_ms": 80.5,
        },
    ),
    record(
        8,
        {
            "level": "INFO",
            "message": "request",
            "path": "/api/messages",
            "method": "GET",
            "duration_ms": 999,
        },
    ),
    record(9, "plain text line, no JSON"),
]


def test_saved_query_1_all_logs_of_one_correlation_id_oldest_first() -> None:
    result = rows(
        "fields @timestamp, @message, level, message_id, correlation_id\n"
        f'| filter correlation_id = "{CORRELATION}"\n'
        "| sort @timestamp asc",
        EVENTS,
    )
    assert [r["@timestamp"] for r in result] == [
        "2026-01-01 00:00:01.000",
        "2026-01-01 00:00:03.000",
        "2026-01-01 00:00:05.000",
    ]
    assert [r["level"] for r in result] == ["INFO", "ERROR", "ERROR"]
    assert all(r["correlation_id"] == CORRELATION and r["message_id"] == "m1" for r in result)
    assert json.loads(result[0]["@message"])["message"] == "Scheduled message created"
    assert all(r["@ptr"] for r in result)


def test_saved_query_2_error_count_by_message_id_highest_first() -> None:
    result = rows(
        "fields message_id, @message\n"
        '| filter level = "ERROR"\n'
        "| stats count() as error_count by message_id\n"
        "| sort error_count desc",
        EVENTS,
    )
    assert result == [
        {"message_id": "m1", "error_count": "2"},
        {"message_id": "m2", "error_count": "1"},
    ]


def test_saved_query_3_average_and_max_duration_of_post_requests() -> None:
    result = rows(
        "fields duration_ms\n"
        '| filter path = "/api/messages" and method = "POST"\n'
        "| stats avg(duration_ms) as avg_duration_ms, max(duration_ms) as max_duration_ms",
        EVENTS,
    )
    assert result == [{"avg_duration_ms": "100.25", "max_duration_ms": "120"}]


def test_saved_query_4_failed_notifications_newest_first() -> None:
    result = rows(
        "fields @timestamp, message_id, error\n"
        '| filter @message like "Notification failed"\n'
        "| sort @timestamp desc",
        EVENTS,
    )
    assert [(r["message_id"], r["error"]) for r in result] == [
        ("m1", "HTTP 500"),
        ("m2", "timeout"),
        ("m1", "HTTP 503"),
    ]
    assert set(result[0]) == {"@timestamp", "message_id", "error", "@ptr"}


def test_statistics_count_scanned_matched_and_bytes() -> None:
    outcome = run_query(parse_query('filter level = "ERROR" | limit 1'), EVENTS)
    assert outcome.records_scanned == len(EVENTS)
    assert outcome.records_matched == 3
    assert len(outcome.results) == 1
    assert outcome.bytes_scanned == sum(len(str(r.fields["@message"]).encode()) for r in EVENTS)


def test_without_fields_rows_carry_timestamp_message_and_ptr_newest_first() -> None:
    result = rows("limit 2", EVENTS)
    assert [set(r) for r in result] == [{"@timestamp", "@message", "@ptr"}] * 2
    assert result[0]["@message"] == "plain text line, no JSON"


def test_comparisons_numeric_when_both_sides_are_numbers() -> None:
    assert [
        r["duration_ms"]
        for r in rows(
            "filter duration_ms > 100 | fields duration_ms | sort duration_ms asc", EVENTS
        )
    ] == ["120", "999"]
    assert len(rows("filter duration_ms <= 80.5", EVENTS)) == 1
    assert len(rows("filter duration_ms >= 80.5 and duration_ms < 999", EVENTS)) == 2
    assert len(rows('filter method != "POST"', EVENTS)) == 1  # absent fields never compare


def test_like_regex_in_and_not() -> None:
    assert len(rows("filter error like /^HTTP 5\\d\\d$/", EVENTS)) == 2
    assert len(rows('filter error not like "HTTP"', EVENTS)) == len(EVENTS) - 2
    assert len(rows('filter level in ["ERROR", "WARN"]', EVENTS)) == 3
    assert len(rows('filter not (level = "INFO")', EVENTS)) == 4
    assert len(rows('filter level = "ERROR" or method = "GET"', EVENTS)) == 4
    assert len(rows("filter @message =~ /no JSON/", EVENTS)) == 1


def test_stats_functions() -> None:
    result = rows(
        "filter ispresent(duration_ms) | stats count(*) as n, count(method) as m, "
        "sum(duration_ms) as s, "
        "min(duration_ms) as lo, max(duration_ms) as hi, pct(duration_ms, 50) as p50, "
        "count_distinct(method) as methods, avg(duration_ms) as a",
        EVENTS,
    )
    assert result == [
        {
            "n": "3",
            "m": "3",
            "s": "1199.5",
            "lo": "80.5",
            "hi": "999",
            "p50": "120",
            "methods": "2",
            "a": "399.8333333333333",
        }
    ]


def test_stats_by_several_fields_and_by_bin() -> None:
    by_two = rows(
        "filter ispresent(method) | stats count() as n by method, path | sort n desc", EVENTS
    )
    assert by_two == [
        {"method": "POST", "path": "/api/messages", "n": "2"},
        {"method": "GET", "path": "/api/messages", "n": "1"},
    ]
    per_5s = rows("stats count() as n by bin(5s)", EVENTS)
    assert per_5s == [
        {"bin(5s)": "2026-01-01 00:00:00.000", "n": "4"},
        {"bin(5s)": "2026-01-01 00:00:05.000", "n": "5"},
    ]


def test_stats_over_nothing_counts_zero() -> None:
    assert rows('filter level = "NOPE" | stats count() as n', EVENTS) == [{"n": "0"}]


def test_parse_glob_and_regex_extract_fields() -> None:
    lines = [
        record(1, "user=alice action=login took 12ms"),
        record(2, "user=bob action=logout took 7ms"),
    ]
    parsed = rows(
        'parse @message "user=* action=* took *ms" as user, action, took'
        " | sort took asc | display user, took",
        lines,
    )
    assert [(r["user"], r["took"], "action" in r) for r in parsed] == [
        ("bob", "7", False),
        ("alice", "12", False),
    ]
    assert rows(
        "parse @message /user=(?<who>\\w+)/ | stats count() by who | sort who asc", lines
    ) == [
        {"who": "alice", "count()": "1"},
        {"who": "bob", "count()": "1"},
    ]


def test_fields_expressions_and_functions() -> None:
    result = rows(
        'filter method = "GET" | fields duration_ms * 2 as double, toupper(method) as m,'
        ' strlen(path) as n, concat(method, ":", path) as c',
        EVENTS,
    )
    assert result[0]["double"] == "1998"
    assert (result[0]["m"], result[0]["n"], result[0]["c"]) == ("GET", "13", "GET:/api/messages")


def test_natural_sort_puts_words_before_numbers() -> None:
    lines = [record(i, {"v": v}) for i, v in enumerate(["10", "b2", "9", "b10", "a"])]
    assert [r["v"] for r in rows("fields v | sort v asc", lines)] == ["a", "b2", "b10", "9", "10"]


def test_nested_json_fields_and_lambda_prefixed_json_are_discovered() -> None:
    assert discover_json_fields('{"a": {"b": {"c": 1}}, "list": [5, {"k": "v"}], "n": null}') == {
        "a.b.c": 1,
        "list.0": 5,
        "list.1.k": "v",
    }
    prefixed = '2026-01-01T00:00:00.000Z\tabc-123\tINFO\t{"level": "WARN", "x": true}\n'
    assert discover_json_fields(prefixed) == {"level": "WARN", "x": True}
    assert discover_json_fields("[1, 2]") == {}


def test_records_from_several_groups_carry_log_and_stream() -> None:
    lines = [
        record(1, {"k": 1}, stream="a", group="/one"),
        record(2, {"k": 2}, stream="b", group="/two"),
    ]
    result = rows("fields @log, @logStream, k | sort k asc", lines)
    assert [(r["@log"], r["@logStream"]) for r in result] == [
        ("000000000000:/one", "a"),
        ("000000000000:/two", "b"),
    ]


@pytest.mark.parametrize("query", ["fields avg(duration_ms)", "filter 5m = 1", "fields /re/ as r"])
def test_what_cannot_be_evaluated_raises_instead_of_answering(query: str) -> None:
    with pytest.raises(UnsupportedQueryError):
        run_query(parse_query(query), EVENTS)
