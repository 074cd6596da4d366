"""Powertools' and Lambda's variable names, with Powertools' precedence; ours stay as aliases.

Each setting: explicit argument > POWERTOOLS_* > ours (alias) > Lambda's > default, except the
log level, where Powertools puts Lambda's advanced logging controls first
(`aws_lambda_powertools/logging/logger.py::Logger._determine_log_level`): with the JSON log
format Lambda drops lines below `AWS_LAMBDA_LOG_LEVEL` whatever the code asks
(https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-log-level.html).
"""

from __future__ import annotations

import io
import json
import warnings

import pytest

from rez_telemetry.logging import configure_logging, logger
from rez_telemetry.logging.config import resolve_settings
from rez_telemetry.logging.sampling import begin_invocation
from rez_telemetry.metrics import MetricsRecorder
from rez_telemetry.tracing.config import resolve_backend, service_name


def _level(**explicit: str) -> str:
    return resolve_settings(stage="prod", **explicit).level


# ------------------------------------------------------------------ log level


@pytest.mark.parametrize(
    ("env", "explicit", "expected"),
    [
        ({}, None, "INFO"),  # the stage's default (prod)
        ({"LOG_LEVEL": "ERROR"}, None, "ERROR"),  # our name, Powertools' legacy one
        ({"LOG_LEVEL": "ERROR", "POWERTOOLS_LOG_LEVEL": "WARNING"}, None, "WARNING"),
        ({"POWERTOOLS_LOG_LEVEL": "WARNING"}, "ERROR", "ERROR"),  # the argument wins over both
        ({"AWS_LAMBDA_LOG_LEVEL": "DEBUG", "POWERTOOLS_LOG_LEVEL": "ERROR"}, "ERROR", "DEBUG"),
        ({"AWS_LAMBDA_LOG_LEVEL": "WARN"}, None, "WARNING"),  # Lambda's names, mapped
        ({"AWS_LAMBDA_LOG_LEVEL": "FATAL"}, None, "CRITICAL"),
        ({"AWS_LAMBDA_LOG_LEVEL": "TRACE"}, None, "TRACE"),
        ({"AWS_LAMBDA_LOG_LEVEL": "Debug"}, None, "DEBUG"),  # any case
    ],
)
def test_log_level_precedence(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], explicit: str | None, expected: str
) -> None:
    # GIVEN the variables set
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    # WHEN the settings are resolved (with or without an explicit level)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        level = _level(level=explicit) if explicit else _level()
    # THEN Lambda's level, else the argument, else POWERTOOLS_LOG_LEVEL, else LOG_LEVEL
    assert level == expected


def test_a_lambda_level_less_verbose_than_the_one_asked_for_warns(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN Lambda's controls at ERROR and the code asking for DEBUG
    monkeypatch.setenv("AWS_LAMBDA_LOG_LEVEL", "ERROR")
    monkeypatch.setenv("POWERTOOLS_LOG_LEVEL", "DEBUG")
    # WHEN the settings are resolved  THEN Powertools' warning names both levels
    with pytest.warns(UserWarning, match=r"Current log level \(DEBUG\) does not match .*\(ERROR\)"):
        assert _level() == "ERROR"


def test_a_lambda_level_more_verbose_does_not_warn(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_LAMBDA_LOG_LEVEL", "DEBUG")
    monkeypatch.setenv("LOG_LEVEL", "INFO")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert _level() == "DEBUG"


def test_the_lambda_level_decides_what_is_written(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN the function's ApplicationLogLevel at WARN and the code asking for DEBUG
    monkeypatch.setenv("AWS_LAMBDA_LOG_LEVEL", "WARN")
    lines: list[str] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        configure_logging(service="svc", stage="dev", level="DEBUG", sink=lines.append)
    # WHEN lines are logged at each level
    logger.debug("d")
    logger.info("i")
    logger.warning("w")
    # THEN only WARNING and above are written
    assert [json.loads(line)["message"] for line in lines] == ["w"]


@pytest.mark.parametrize(
    ("name", "quiet"), [("AWS_LAMBDA_LOG_LEVEL", True), ("POWERTOOLS_LOG_LEVEL", False)]
)
def test_only_debug_asked_for_by_name_wakes_the_libraries(
    monkeypatch: pytest.MonkeyPatch, name: str, quiet: bool
) -> None:
    # GIVEN DEBUG from Lambda's controls (the dev stage's setting) or asked for by name
    monkeypatch.setenv(name, "DEBUG")
    settings = resolve_settings(stage="dev")
    # THEN both log at DEBUG, but only the named request lets the AWS and tracing SDKs speak
    assert settings.level == "DEBUG"
    assert settings.quiet_libraries is quiet
    assert settings.aws_sdk_level == ("WARNING" if quiet else "INFO")


# ------------------------------------------------------------------ service name


@pytest.mark.parametrize(
    ("env", "explicit", "expected"),
    [
        ({"AWS_LAMBDA_FUNCTION_NAME": "fn-dev"}, None, "fn-dev"),
        ({"AWS_LAMBDA_FUNCTION_NAME": "fn-dev", "SERVICE_NAME": "ours"}, None, "ours"),
        ({"SERVICE_NAME": "ours", "POWERTOOLS_SERVICE_NAME": "pt"}, None, "pt"),
        ({"POWERTOOLS_SERVICE_NAME": "pt"}, "given", "given"),
    ],
)
def test_service_name_precedence(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], explicit: str | None, expected: str
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    # the logs' `service` and the spans' service agree
    assert resolve_settings(service=explicit).service == expected
    assert service_name(explicit) == expected


# ------------------------------------------------------------------ debug sampling


def _debug_lines(**settings: float) -> list[str]:
    lines: list[str] = []
    configure_logging(service="svc", stage="prod", level="INFO", sink=lines.append, **settings)
    begin_invocation()  # what @lambda_handler does first
    logger.debug("detail")
    logger.info("step")
    return [json.loads(line)["message"] for line in lines]


def test_powertools_sample_rate_logs_whole_invocations_at_debug(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN INFO, and POWERTOOLS_LOGGER_SAMPLE_RATE=1 (every invocation sampled)
    monkeypatch.setenv("POWERTOOLS_LOGGER_SAMPLE_RATE", "1")
    # THEN the invocation's DEBUG lines are written too
    assert _debug_lines() == ["detail", "step"]


def test_without_sampling_or_with_rate_zero_debug_stays_out(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert _debug_lines() == ["step"]
    monkeypatch.setenv("POWERTOOLS_LOGGER_SAMPLE_RATE", "0")
    assert _debug_lines() == ["step"]


def test_an_explicit_debug_sample_rate_wins_over_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("POWERTOOLS_LOGGER_SAMPLE_RATE", "1")
    assert _debug_lines(debug_sample_rate=0.0) == ["step"]


# ------------------------------------------------------------------ metrics namespace


def _namespace(recorder: MetricsRecorder) -> str:
    out = io.StringIO()
    recorder.configure(backend="emf", stage="dev", write=out.write)
    recorder.record_count("Things")
    recorder.flush()
    return str(json.loads(out.getvalue())["_aws"]["CloudWatchMetrics"][0]["Namespace"])


def test_metrics_namespace_precedence(monkeypatch: pytest.MonkeyPatch) -> None:
    # default, then POWERTOOLS_METRICS_NAMESPACE, then the argument
    assert _namespace(MetricsRecorder()) == "RezAgent"
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "OtherTeam")
    assert _namespace(MetricsRecorder()) == "OtherTeam"
    assert _namespace(MetricsRecorder(namespace="Given")) == "Given"


# ------------------------------------------------------------------ tracing switch


@pytest.mark.parametrize(
    ("env", "explicit", "expected"),
    [
        ({"TRACING_BACKEND": "otel"}, None, "otel"),
        ({"TRACING_BACKEND": "otel", "POWERTOOLS_TRACE_DISABLED": "true"}, None, "off"),
        ({"TRACING_BACKEND": "otel", "POWERTOOLS_TRACE_DISABLED": "false"}, None, "otel"),
        ({"POWERTOOLS_TRACE_DISABLED": "1"}, "otel", "otel"),  # the argument wins
    ],
)
def test_powertools_trace_disabled(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], explicit: str | None, expected: str
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert resolve_backend(explicit) == expected
