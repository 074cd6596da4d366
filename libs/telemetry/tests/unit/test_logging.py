"""The JSON line: schema, fields, braces, exceptions, levels, configuration, stdlib routing."""

from __future__ import annotations

import json
import logging
import re
import sys

import pytest
from loguru import logger as plain_loguru_logger

from rez_telemetry.correlation import correlation_scope
from rez_telemetry.logging import (
    InterceptHandler,
    configure_logging,
    get_settings,
    logger,
    reset_logging,
)
from rez_telemetry.logging.intercept import AWS_SDK_LIBRARIES
from rez_telemetry.logging.render import format_timestamp
from rez_telemetry.logging.state import STATE

RFC3339_MS_UTC = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z")


def _this_line() -> int:
    return sys._getframe(1).f_lineno


def test_a_line_carries_the_schema_and_the_calls_own_fields(logs):
    # GIVEN a correlation scope with a message ID
    with correlation_scope(correlation_id="corr-1", message_id="msg-1"):
        # WHEN a line is logged with fields
        line_no = _this_line() + 1
        logger.info("Scheduled message created", message_type="scheduled_hello", attempt=2)
    # THEN it is one JSON object with the fixed fields first and the call's fields at top level
    (line,) = logs.lines
    assert list(line)[:3] == ["timestamp", "level", "message"]
    assert RFC3339_MS_UTC.fullmatch(line["timestamp"])
    assert line["level"] == "INFO"
    assert line["message"] == "Scheduled message created"
    assert line["service"] == "test-service"
    assert line["stage"] == "dev"
    assert line["correlation_id"] == "corr-1"
    assert line["message_id"] == "msg-1"
    assert (
        line["source"]
        == f"test_logging.py:{line_no}:test_a_line_carries_the_schema_and_the_calls_own_fields"
    )
    assert line["message_type"] == "scheduled_hello"
    assert line["attempt"] == 2


def test_each_line_is_a_single_line_of_json(logs):
    # GIVEN a message and a field containing newlines
    logger.info("two\nlines", detail="a\nb")
    # THEN exactly one physical line is written
    (raw,) = logs.raw
    assert "\n" not in raw
    assert json.loads(raw)["detail"] == "a\nb"


@pytest.mark.parametrize("message", ["{", "}", "{x}", "value is {0}", "{{}}", "{message_id}"])
def test_braces_in_a_message_with_fields_never_break_formatting(logs, message):
    # GIVEN a message with braces and keyword fields (loguru would format it with the kwargs)
    logger.info(message, message_id="m", other="{also}")
    # THEN the message is written literally and the fields as fields
    line = logs.lines[0]
    assert line["message"] == message
    assert line["message_id"] == "m"
    assert line["other"] == "{also}"


def test_positional_args_still_format_the_message(logs):
    logger.info("Processed {} of {}", 3, 5)
    assert logs.lines[0]["message"] == "Processed 3 of 5"


def test_bad_positional_formatting_keeps_the_literal_message(logs):
    logger.info("a {missing} b", 1)
    assert logs.lines[0]["message"] == "a {missing} b"


def test_exceptions_are_structured(logs):
    # GIVEN an exception being handled
    try:
        raise KeyError("message-123")
    except KeyError:
        # WHEN logged with logger.exception
        logger.exception("Message processing failed", message_id="message-123")
    # THEN it is a structured field with type, message and traceback
    line = logs.lines[0]
    assert line["level"] == "ERROR"
    assert line["exception"]["type"] == "KeyError"
    assert line["exception"]["message"] == "'message-123'"
    assert "Traceback (most recent call last)" in line["exception"]["traceback"]
    assert "raise KeyError" in line["exception"]["traceback"]


def test_opt_exception_with_an_instance(logs):
    error = ValueError("bad value")
    logger.opt(exception=error).warning("Fallback used")
    assert logs.lines[0]["exception"]["type"] == "ValueError"


def test_bound_fields_and_call_fields_merge(logs):
    # GIVEN a bound logger
    bound = logger.bind(component="repository", attempt=1)
    # WHEN a call repeats a bound key
    bound.info("Saved", attempt=2)
    # THEN the call wins and both are present
    line = logs.lines[0]
    assert line["component"] == "repository"
    assert line["attempt"] == 2


def test_reserved_names_among_fields_are_kept_aside(logs):
    logger.info("real message", level_hint="x", source="caller-data", timestamp="user")
    line = logs.lines[0]
    assert line["message"] == "real message"
    assert line["field_source"] == "caller-data"
    assert line["field_timestamp"] == "user"
    assert line["source"].startswith("test_logging.py:")


def test_values_json_does_not_know_are_written_as_strings(logs):
    import datetime
    import decimal

    moment = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)
    logger.info(
        "Odd values", at=moment, price=decimal.Decimal("1.50"), tags={"a"}, nan=float("nan")
    )
    line = logs.lines[0]
    assert line["at"] == "2026-01-02 03:04:05+00:00"
    assert line["price"] == "1.50"
    assert line["nan"] == "nan"  # NaN is not JSON: the line falls back to strings


def test_timestamp_is_rfc3339_utc_with_milliseconds():
    # GIVEN a known instant (2024-02-29T23:59:59.987 UTC)
    created = 1709251199.987
    # THEN it formats with millisecond precision and a Z suffix
    assert format_timestamp(created) == "2024-02-29T23:59:59.987Z"
    assert format_timestamp(created + 0.013) == "2024-03-01T00:00:00.000Z"


@pytest.mark.parametrize(
    ("env", "expected_level"),
    [
        ({"STAGE": "dev"}, "DEBUG"),
        ({"STAGE": "prod"}, "INFO"),
        ({"STAGE": "stage"}, "INFO"),
        ({"STAGE": "prod", "LOG_LEVEL": "debug"}, "DEBUG"),
        ({"STAGE": "dev", "LOG_LEVEL": "WARN"}, "WARNING"),
        ({"STAGE": "prod", "LOG_LEVEL": "nonsense"}, "INFO"),
    ],
)
def test_level_comes_from_log_level_else_the_stage(monkeypatch, env, expected_level):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    configure_logging(sink=lambda line: None)
    assert get_settings().level == expected_level


def test_an_explicit_argument_wins_over_the_environment(monkeypatch):
    monkeypatch.setenv("LOG_LEVEL", "DEBUG")
    monkeypatch.setenv("SERVICE_NAME", "from-env")
    settings = configure_logging(level="ERROR", service="explicit", sink=lambda line: None)
    assert settings.level == "ERROR"
    assert settings.service == "explicit"


def test_lines_below_the_level_are_not_written(capture_logs):
    logs = capture_logs(stage="prod")
    logger.debug("hidden")
    logger.info("shown")
    assert logs.messages() == ["shown"]


def test_configure_is_idempotent_and_remembers_arguments(capture_logs):
    # GIVEN logging configured twice with the same sink
    logs = capture_logs(stage="prod")
    configure_logging(sink=logs, stage="prod", service="test-service")
    # AND later only the level changes
    configure_logging(level="WARNING")
    # WHEN lines are logged
    logger.info("dropped")
    logger.warning("kept")
    # THEN each is written once, to the remembered sink, with the remembered service
    assert logs.messages() == ["kept"]
    assert logs.lines[0]["service"] == "test-service"
    ours = [h for h in plain_loguru_logger._core.handlers if h == STATE.handler_id]
    assert len(plain_loguru_logger._core.handlers) == 1
    assert ours == [STATE.handler_id]


def test_first_use_configures_from_the_environment_and_writes_to_stdout(monkeypatch, capsys):
    # GIVEN no configuration, only the environment
    monkeypatch.setenv("STAGE", "prod")
    monkeypatch.setenv("SERVICE_NAME", "scheduler")
    assert not STATE.ready
    # WHEN the logger is used
    logger.info("Lazy hello", n=1)
    # THEN it configured itself and wrote JSON to stdout
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1
    line = json.loads(out[0])
    assert (line["service"], line["stage"], line["n"]) == ("scheduler", "prod", 1)


def test_plain_loguru_calls_go_through_the_same_sink(logs):
    # GIVEN code using loguru's own logger (kwargs formatting is loguru's there)
    plain_loguru_logger.bind(message_id="m-9").warning("From plain loguru")
    # THEN the line is JSON with the same schema
    line = logs.lines[0]
    assert line["message"] == "From plain loguru"
    assert line["message_id"] == "m-9"
    assert line["source"].startswith("test_logging.py:")


def test_other_loguru_handlers_still_receive_records(logs):
    # GIVEN another loguru handler (e.g. a test capture)
    seen = []
    handler_id = plain_loguru_logger.add(lambda m: seen.append(m.record), level="INFO")
    try:
        # WHEN our logger logs
        logger.info("Both see this", message_id="m-1")
    finally:
        plain_loguru_logger.remove(handler_id)
    # THEN both handlers got it, the other one as a loguru record
    assert logs.messages() == ["Both see this"]
    assert seen[0]["message"] == "Both see this"
    assert seen[0]["extra"]["message_id"] == "m-1"
    assert seen[0]["function"] == "test_other_loguru_handlers_still_receive_records"


def test_stdlib_logging_goes_through_the_sink(logs):
    # GIVEN a library logging through the standard library
    logging.getLogger("rez.some_library").warning("Retrying %s", "PutItem")
    # THEN it is a JSON line with its logger name and source
    line = logs.lines[0]
    assert line["message"] == "Retrying PutItem"
    assert line["level"] == "WARNING"
    assert line["logger"] == "rez.some_library"
    assert line["source"].startswith("test_logging.py:")


def test_stdlib_exceptions_are_structured(logs):
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        logging.getLogger("rez.lib").exception("Library failed")
    assert logs.lines[0]["exception"]["type"] == "RuntimeError"


def _library_lines(logs, *loggers: str) -> list[str]:
    """Log one line per level from each library logger; the messages that were written."""
    logs.raw.clear()
    for name in loggers:
        library = logging.getLogger(name)
        for level in ("debug", "info", "warning"):
            getattr(library, level)(f"{name} {level}")
    return logs.messages()


def test_noisy_libraries_are_quiet_unless_log_level_is_debug(capture_logs, monkeypatch):
    # GIVEN stage dev (DEBUG by default) but no LOG_LEVEL
    logs = capture_logs()
    # THEN libraries only say what is worth seeing
    assert _library_lines(logs, "botocore.endpoint", "opentelemetry.sdk") == [
        "botocore.endpoint warning",
        "opentelemetry.sdk warning",
    ]
    # WHEN LOG_LEVEL=DEBUG is asked for explicitly
    monkeypatch.setenv("LOG_LEVEL", "DEBUG")
    configure_logging()
    # THEN tracing SDKs speak at DEBUG, the AWS SDK and HTTP clients only down to INFO
    assert _library_lines(logs, "botocore.endpoint", "httpx", "opentelemetry.sdk") == [
        "botocore.endpoint info",
        "botocore.endpoint warning",
        "httpx info",
        "httpx warning",
        "opentelemetry.sdk debug",
        "opentelemetry.sdk info",
        "opentelemetry.sdk warning",
    ]


@pytest.mark.parametrize("library", AWS_SDK_LIBRARIES)
def test_the_aws_sdk_speaks_at_debug_only_when_asked_for_by_name(
    capture_logs, monkeypatch, library
):
    # GIVEN LOG_LEVEL=DEBUG: the SDK's DEBUG lines dump response bodies, so they stay out
    monkeypatch.setenv("LOG_LEVEL", "DEBUG")
    logs = capture_logs()
    assert f"{library}.child debug" not in _library_lines(logs, f"{library}.child")
    # WHEN LOG_LEVEL_AWS_SDK=DEBUG opts in
    monkeypatch.setenv("LOG_LEVEL_AWS_SDK", "DEBUG")
    configure_logging()
    # THEN they come through
    assert f"{library}.child debug" in _library_lines(logs, f"{library}.child")


def test_the_lambda_runtime_root_handler_is_set_aside(capture_logs):
    # GIVEN a root handler like the one the Lambda runtime installs
    root = logging.getLogger()
    runtime_handler = logging.StreamHandler()
    root.addHandler(runtime_handler)
    try:
        # WHEN logging is configured
        capture_logs()
        # THEN it is set aside (no double lines) and exactly one interceptor is installed
        assert runtime_handler not in root.handlers
        assert sum(isinstance(h, InterceptHandler) for h in root.handlers) == 1
        # AND a reset puts it back
        reset_logging()
        assert runtime_handler in root.handlers
        assert not any(isinstance(h, InterceptHandler) for h in root.handlers)
    finally:
        root.removeHandler(runtime_handler)


def test_a_failing_sink_never_raises_into_the_caller(capture_logs, capsys):
    def broken(line):
        raise OSError("disk full")

    configure_logging(sink=broken, service="s", stage="dev")
    logger.info("still fine")  # THEN no exception
    assert "disk full" in capsys.readouterr().err
