"""One log event handed to loguru's handlers: ours (the JSON sink) directly, others as a record.

Shared by `RezLogger`'s fast path and the stdlib interceptor, so neither imports the other.
"""

from __future__ import annotations

import os
import threading
from datetime import UTC
from typing import Any

from loguru import logger as _loguru_logger
from loguru._datetime import datetime as _loguru_datetime
from loguru._logger import start_time as _loguru_start_time
from loguru._recattrs import (
    RecordException,
    RecordFile,
    RecordLevel,
    RecordProcess,
    RecordThread,
)

from rez_telemetry.logging.render import ExcInfo
from rez_telemetry.logging.state import STATE

__all__ = ["dispatch"]

_basenames: dict[str, str] = {}


def _basename(path: str) -> str:
    name = _basenames.get(path)
    if name is None:
        name = _basenames[path] = os.path.basename(path)
    return name


def dispatch(
    level: str | int,
    message: str,
    fields: dict[str, Any],
    exc_info: ExcInfo | None,
    path: str,
    line: int,
    function: str,
    module_name: str | None,
    created: float,
    *,
    from_decorator: bool = False,
    raw: bool = False,
) -> None:
    """Hand one event to every handler of the loguru core: ours directly, others as a record."""
    core = _loguru_logger._core  # type: ignore[attr-defined]
    level_id, level_name, level_no, level_icon = core.levels_lookup[level]
    sink, our_id = STATE.sink, STATE.handler_id
    file_name = _basename(path)
    record: dict[str, Any] | None = None
    for handler_id, handler in core.handlers.items():  # loguru replaces the dict, never mutates
        if handler_id == our_id and sink is not None:
            where = (file_name, line, function)
            sink.handle(level_name, level_no, message, fields, exc_info, *where, created)
            continue
        if record is None:
            level_attrs = (level_name, level_no, level_icon)
            record = _loguru_record(
                level_attrs, message, fields, exc_info, path, line, function, module_name, created
            )
        handler.emit(record, level_id, from_decorator, raw, None)


def _loguru_record(
    level: tuple[str, int, str],
    message: str,
    fields: dict[str, Any],
    exc_info: ExcInfo | None,
    path: str,
    line: int,
    function: str,
    module_name: str | None,
    created: float,
) -> dict[str, Any]:
    """The record shape loguru's handlers expect (only built when such a handler exists)."""
    moment = _loguru_datetime.fromtimestamp(created, tz=UTC)
    file_name = _basename(path)
    thread = threading.current_thread()
    return {
        "elapsed": moment - _loguru_start_time,
        "exception": RecordException(*exc_info) if exc_info else None,
        "extra": fields,
        "file": RecordFile(file_name, path),
        "function": function,
        "level": RecordLevel(*level),
        "line": line,
        "message": message,
        "module": os.path.splitext(file_name)[0],
        "name": module_name,
        "process": RecordProcess(os.getpid(), "MainProcess"),
        "thread": RecordThread(thread.ident, thread.name),
        "time": moment,
    }
