"""Standard-library `logging` (boto3, httpx, ...) routed into the same JSON sink.

The stdlib record already knows its file, line and function, so no frame walk is needed (the
usual loguru recipe walks frames and calls `opt(depth=...)` on every record).
"""

from __future__ import annotations

import logging

from rez_telemetry.logging.dispatch import dispatch

__all__ = [
    "AWS_SDK_LIBRARIES",
    "NOISY_LIBRARIES",
    "TRACING_LIBRARIES",
    "InterceptHandler",
    "install_intercept",
    "uninstall_intercept",
]

AWS_SDK_LIBRARIES = ("boto3", "botocore", "s3transfer", "urllib3", "httpx", "httpcore")
"""Their DEBUG lines dump whole requests and responses (a secret's value, signed headers), so
they get their own level (`LOG_LEVEL_AWS_SDK`), never DEBUG because `LOG_LEVEL` is."""
TRACING_LIBRARIES = ("aws_xray_sdk", "opentelemetry")
NOISY_LIBRARIES = AWS_SDK_LIBRARIES + TRACING_LIBRARIES
_LOGURU_LEVELS = ((50, "CRITICAL"), (40, "ERROR"), (30, "WARNING"), (20, "INFO"), (10, "DEBUG"))


def _level_name(levelno: int) -> str:
    for threshold, name in _LOGURU_LEVELS:
        if levelno >= threshold:
            return name
    return "TRACE"


class InterceptHandler(logging.Handler):
    """A stdlib handler that writes through rez_telemetry's sink (adds a `logger` field)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
        except Exception:
            message = str(record.msg)
        exc_info = record.exc_info if record.exc_info and record.exc_info[0] else None
        dispatch(
            _level_name(record.levelno),
            message,
            {"logger": record.name},
            exc_info,
            record.pathname,
            record.lineno,
            record.funcName,
            record.module,
            record.created,
        )


_removed_handlers: list[logging.Handler] = []


def _writes_to_the_console(handler: logging.Handler) -> bool:
    """The Lambda runtime's root handler, or a plain stream handler (`basicConfig`)."""
    return type(handler).__name__.startswith("LambdaLoggerHandler") or (
        type(handler) is logging.StreamHandler
    )


_quietened: list[str] = []


def install_intercept(
    level_no: int, quiet_libraries: bool, aws_sdk_level_no: int = logging.WARNING
) -> InterceptHandler:
    """Make an InterceptHandler the root logger's only handler (idempotent).

    Handlers that would write the same records a second time (the Lambda runtime's, a
    `basicConfig` stream handler) are set aside, restored by `uninstall_intercept`; others (test
    capture handlers) stay. The AWS SDK and HTTP clients log from `aws_sdk_level_no` up; the
    tracing SDKs at WARNING and above when `quiet_libraries`.
    """
    root = logging.getLogger()
    handler: InterceptHandler | None = None
    for existing in list(root.handlers):
        if isinstance(existing, InterceptHandler) and handler is None:
            handler = existing
        elif isinstance(existing, InterceptHandler):
            root.removeHandler(existing)
        elif _writes_to_the_console(existing):
            root.removeHandler(existing)
            _removed_handlers.append(existing)
    if handler is None:
        handler = InterceptHandler()
        root.addHandler(handler)
    root.setLevel(level_no)
    tracing_level = logging.WARNING if quiet_libraries else logging.NOTSET
    for name in NOISY_LIBRARIES:
        level = aws_sdk_level_no if name in AWS_SDK_LIBRARIES else tracing_level
        logging.getLogger(name).setLevel(level)
        if name not in _quietened:
            _quietened.append(name)
    return handler


def uninstall_intercept() -> None:
    """Undo `install_intercept`: our handler out, the previous ones back, library levels reset."""
    root = logging.getLogger()
    for existing in list(root.handlers):
        if isinstance(existing, InterceptHandler):
            root.removeHandler(existing)
    while _removed_handlers:
        root.addHandler(_removed_handlers.pop(0))
    for name in _quietened:
        logging.getLogger(name).setLevel(logging.NOTSET)
    _quietened.clear()
    root.setLevel(logging.WARNING)
