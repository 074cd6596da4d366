"""Tracing settings from the environment, read when used; an explicit argument always wins."""

from __future__ import annotations

import importlib.util
from typing import Final, Literal, cast

from rez_telemetry import _env
from rez_telemetry.logging.state import STATE

BackendName = Literal["xray", "otel", "off"]
BACKENDS: Final[tuple[BackendName, ...]] = ("xray", "otel", "off")


def xray_available() -> bool:
    """In Lambda with active tracing (trace id and daemon address set) and the SDK installed."""
    return (
        _env.read(_env.AWS_LAMBDA_FUNCTION_NAME) is not None
        and _env.read(_env.XRAY_TRACE_ID) is not None
        and _env.read(_env.AWS_XRAY_DAEMON_ADDRESS) is not None
        and importlib.util.find_spec("aws_xray_sdk") is not None
    )


def otel_requested() -> bool:
    """A span export file, stdout export, or standard OTel exporter settings are present."""
    if _env.read_bool(_env.OTEL_SDK_DISABLED) is True:
        return False
    names = (_env.TRACE_EXPORT_FILE, _env.TRACE_EXPORT_STDOUT, *_env.OTEL_EXPORTER_SIGNALS)
    return any(_env.read(name) is not None for name in names)


def resolve_backend(explicit: str | None = None) -> BackendName:
    """`explicit`, else off when POWERTOOLS_TRACE_DISABLED is true, else TRACING_BACKEND, else
    xray (Lambda + active tracing), otel, or off."""
    if not explicit and _env.trace_disabled():
        return "off"
    choice = (explicit or _env.read(_env.TRACING_BACKEND) or "").lower()
    if choice:
        if choice not in BACKENDS:
            raise ValueError(f"{_env.TRACING_BACKEND} must be one of {BACKENDS}, got {choice!r}")
        return cast("BackendName", choice)
    if xray_available():
        return "xray"
    if otel_requested():
        return "otel"
    return "off"


def export_file() -> str | None:
    """Where the OTel back end appends finished spans as JSON lines."""
    return _env.read(_env.TRACE_EXPORT_FILE)


def xray_export_address() -> str | None:
    """Lambda's X-Ray endpoint the OTel back end sends spans to (OTLP over UDP, as ADOT does):
    `AWS_XRAY_DAEMON_ADDRESS` inside Lambda, unless `TRACE_EXPORT_XRAY=false`."""
    if _env.read_bool(_env.TRACE_EXPORT_XRAY) is False:
        return None
    if _env.read(_env.AWS_LAMBDA_FUNCTION_NAME) is None:
        return None
    return _env.read(_env.AWS_XRAY_DAEMON_ADDRESS)


def lambda_trace_header() -> str | None:
    """`_X_AMZN_TRACE_ID`: the trace Lambda continues (its function segment as parent)."""
    return _env.read(_env.XRAY_TRACE_ID)


def export_stdout() -> bool | None:
    """Whether finished spans are also printed on stdout (`{"span": {...}}` lines)."""
    return _env.read_bool(_env.TRACE_EXPORT_STDOUT)


def service_name(explicit: str | None = None) -> str:
    """`service` of every span: explicit, POWERTOOLS_SERVICE_NAME or SERVICE_NAME, the logging
    service, OTEL_SERVICE_NAME, the function name, or `unknown`."""
    return (
        explicit
        or _env.service_name()
        or _logging_service()
        or _env.read(_env.OTEL_SERVICE_NAME)
        or _env.read(_env.AWS_LAMBDA_FUNCTION_NAME)
        or "unknown"
    )


def _logging_service() -> str | None:
    """The service `@lambda_handler(service=...)` / `configure_logging` settled on, if any."""
    settings = STATE.settings
    if settings is None or settings.service == "unknown":
        return None
    return settings.service
