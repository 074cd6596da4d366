"""`configure_logging`: settings from arguments and environment, one JSON handler installed.

Idempotent: calling it again replaces our handler (never adds a second one). Arguments given
once are remembered, so `configure_logging(level="DEBUG")` later changes only the level; an
argument always wins over the environment; `reset_logging()` forgets everything (tests).
"""

from __future__ import annotations

import sys
import threading
import warnings
from typing import TextIO

from loguru import logger as _loguru_logger

from rez_telemetry import _env
from rez_telemetry.logging.intercept import install_intercept, uninstall_intercept
from rez_telemetry.logging.sampling import configure_sampling, reset_sampling
from rez_telemetry.logging.settings import LEVELS as _LEVELS
from rez_telemetry.logging.settings import LoggingSettings
from rez_telemetry.logging.sink import JsonSink, LineWriter
from rez_telemetry.logging.state import STATE

__all__ = [
    "LoggingSettings",
    "configure_logging",
    "ensure_configured",
    "get_settings",
    "reset_logging",
    "resolve_settings",
]

_ALIASES = {"WARN": "WARNING", "FATAL": "CRITICAL"}
_VERBOSE = frozenset({"TRACE", "DEBUG"})
_SAMPLED_STAGES = frozenset({"stage", "prod"})
_PRODUCTION_SAMPLE_RATE = 0.1
_LOGURU_DEFAULT_HANDLER_ID = 0
_configure_lock = threading.RLock()


def _level_name(value: str | None) -> str | None:
    if value is None:
        return None
    name = value.strip().upper()
    name = _ALIASES.get(name, name)
    return name if name in _LEVELS else None


def resolve_settings(
    *,
    service: str | None = None,
    stage: str | None = None,
    level: str | None = None,
    sample_rate: float | None = None,
    buffer_debug: bool | None = None,
    aws_sdk_level: str | None = None,
    debug_sample_rate: float | None = None,
) -> LoggingSettings:
    """Arguments first, then the environment, then defaults (DEBUG in dev, else INFO).

    The level alone puts Lambda's `AWS_LAMBDA_LOG_LEVEL` before the argument (see
    `_requested_level`); `debug_sample_rate` is Powertools' `POWERTOOLS_LOGGER_SAMPLE_RATE`.

    The AWS SDK's loggers stay at WARNING, or INFO when DEBUG was asked for: their DEBUG lines
    hold whole response bodies (a Secrets Manager `SecretString`), so DEBUG there takes its own
    `aws_sdk_level` / `LOG_LEVEL_AWS_SDK`.
    """
    resolved_stage = _env.resolve(stage, _env.stage(), "unknown")
    service_from_env = _env.service_name() or _env.read(_env.AWS_LAMBDA_FUNCTION_NAME)
    lambda_level, asked_level = _requested_level(level)
    requested_level = lambda_level or asked_level
    default_level = "DEBUG" if resolved_stage == "dev" else "INFO"
    default_rate = _PRODUCTION_SAMPLE_RATE if resolved_stage in _SAMPLED_STAGES else 1.0
    rate = _env.resolve(sample_rate, _env.read_float(_env.LOG_SAMPLE_RATE), default_rate)
    debug_rate = _env.resolve(debug_sample_rate, _env.debug_sample_rate(), 0.0)
    # libraries speak at DEBUG only when someone asked for DEBUG explicitly
    # Lambda's level is the stage's setting (DEBUG in dev), not a request for library chatter.
    quiet_libraries = asked_level not in _VERBOSE
    sdk_level = _level_name(aws_sdk_level) or _level_name(_env.read(_env.LOG_LEVEL_AWS_SDK))
    return LoggingSettings(
        service=_env.resolve(service, service_from_env, "unknown"),
        stage=resolved_stage,
        level=requested_level or default_level,
        sample_rate=min(1.0, max(0.0, rate)),
        buffer_debug=_env.resolve(buffer_debug, _env.read_bool(_env.LOG_DEBUG_BUFFER), False),
        quiet_libraries=quiet_libraries,
        aws_sdk_level=sdk_level or ("WARNING" if quiet_libraries else "INFO"),
        debug_sample_rate=min(1.0, max(0.0, debug_rate)),
    )


def _requested_level(explicit: str | None) -> tuple[str | None, str | None]:
    """The level asked for, with Powertools' precedence (`Logger._determine_log_level`).

    Lambda's advanced logging controls (`AWS_LAMBDA_LOG_LEVEL`, the console's log-level switch)
    first: with the JSON log format Lambda drops every line below it anyway. Then the explicit
    argument, `POWERTOOLS_LOG_LEVEL`, `LOG_LEVEL`. When Lambda's level is less verbose than the
    one asked for, the lines in between would be lost: a UserWarning says so, as Powertools does.
    Returns (Lambda's level, the level asked for); the first one set wins.
    """
    lambda_level = _level_name(_env.lambda_log_level())
    asked = _level_name(explicit) or _level_name(_env.log_level())
    if lambda_level and asked and _LEVELS[lambda_level] > _LEVELS[asked]:
        warnings.warn(
            f"Current log level ({asked}) does not match AWS Lambda Advanced Logging Controls "
            f"minimum log level ({lambda_level}). This can lead to data loss, consider adjusting "
            "them.",
            UserWarning,
            stacklevel=4,
        )
    return lambda_level, asked


def _writer(sink: TextIO | LineWriter | None) -> LineWriter:
    """A function writing one line: to stdout (looked up per line), a stream, or a callable."""
    if sink is None:

        def write_stdout(line: str) -> None:
            stream = sys.stdout
            stream.write(line + "\n")
            stream.flush()

        return write_stdout
    if hasattr(sink, "write"):
        stream_write = sink.write
        stream_flush = getattr(sink, "flush", None)

        def write_stream(line: str) -> None:
            stream_write(line + "\n")
            if stream_flush is not None:
                stream_flush()

        return write_stream
    if callable(sink):
        return sink
    raise TypeError(f"sink must be a stream or a callable, not {type(sink).__name__}")


def configure_logging(
    *,
    service: str | None = None,
    stage: str | None = None,
    level: str | None = None,
    sink: TextIO | LineWriter | None = None,
    sample_rate: float | None = None,
    buffer_debug: bool | None = None,
    intercept_stdlib: bool | None = None,
    aws_sdk_level: str | None = None,
    debug_sample_rate: float | None = None,
) -> LoggingSettings:
    """Set up (or update) JSON logging; returns the effective settings.

    `sink`: None for stdout, a text stream, or a callable receiving each line (no newline).
    `intercept_stdlib` (default True) routes the standard `logging` module through the sink.
    `aws_sdk_level`: level of boto3/botocore/urllib3/s3transfer/httpcore/httpx (see
    `resolve_settings`).
    """
    given = {
        "service": service,
        "stage": stage,
        "level": level,
        "sink": sink,
        "sample_rate": sample_rate,
        "buffer_debug": buffer_debug,
        "intercept_stdlib": intercept_stdlib,
        "aws_sdk_level": aws_sdk_level,
        "debug_sample_rate": debug_sample_rate,
    }
    with _configure_lock:
        STATE.explicit.update({k: v for k, v in given.items() if v is not None})
        explicit = dict(STATE.explicit)
        target = explicit.pop("sink", None)
        intercept = explicit.pop("intercept_stdlib", True)
        settings = resolve_settings(**explicit)
        json_sink = JsonSink(
            service=settings.service,
            stage=settings.stage,
            level_no=settings.level_no,
            write=_writer(target),
            buffer_debug=settings.buffer_debug,
            debug_sampling=settings.debug_sample_rate > 0,
        )
        _install(json_sink)
        configure_sampling(settings.sample_rate, settings.debug_sample_rate)
        if intercept:
            STATE.intercept = install_intercept(
                json_sink.accepted_level_no, settings.quiet_libraries, settings.aws_sdk_level_no
            )
        elif STATE.intercept is not None:
            uninstall_intercept()
            STATE.intercept = None
        STATE.settings = settings
        STATE.ready = True
        return settings


def _install(json_sink: JsonSink) -> None:
    """Replace our loguru handler (and loguru's default stderr one, the first time)."""
    core_handlers = _loguru_logger._core.handlers  # type: ignore[attr-defined]
    if STATE.handler_id is None and _LOGURU_DEFAULT_HANDLER_ID in core_handlers:
        _loguru_logger.remove(_LOGURU_DEFAULT_HANDLER_ID)
    if STATE.handler_id is not None and STATE.handler_id in core_handlers:
        _loguru_logger.remove(STATE.handler_id)
    STATE.sink = json_sink
    STATE.handler_id = _loguru_logger.add(
        json_sink.write_loguru_message,
        level=json_sink.accepted_level_no,
        format="{message}",
        colorize=False,
        backtrace=False,
        diagnose=False,
        catch=True,
    )


def ensure_configured() -> LoggingSettings:
    """Configure from the environment unless already configured (first log call, decorator)."""
    with _configure_lock:
        if STATE.ready and STATE.settings is not None:
            return STATE.settings
        return configure_logging()


def get_settings() -> LoggingSettings:
    """The effective settings (configuring from the environment if needed)."""
    return ensure_configured()


def reset_logging() -> None:
    """Remove our handler, the stdlib interception and every remembered argument (tests)."""
    with _configure_lock:
        handlers = _loguru_logger._core.handlers  # type: ignore[attr-defined]
        if STATE.handler_id is not None and STATE.handler_id in handlers:
            _loguru_logger.remove(STATE.handler_id)
        if STATE.intercept is not None:
            uninstall_intercept()
        STATE.reset()
        reset_sampling()
