"""The JSON sink: level, sampling and debug-buffer decisions, then one JSON line per event.

Events arrive as plain arguments (not loguru records): from `RezLogger` directly on the hot
path, from loguru's own handler machinery (`write_loguru_message`), or from stdlib `logging`.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from rez_telemetry.context import CORRELATION_FIELDS
from rez_telemetry.logging.buffer import DebugBuffer
from rez_telemetry.logging.invocation import INVOCATION_FIELDS
from rez_telemetry.logging.redaction import redact_text, redact_value
from rez_telemetry.logging.render import (
    ExcInfo,
    encode,
    encode_safely,
    format_timestamp,
    structure_exception,
)
from rez_telemetry.logging.sampling import debug_sampled, keep_high_volume

if TYPE_CHECKING:
    from loguru import Message

__all__ = ["HIGH_VOLUME", "JsonSink", "LineWriter"]

LineWriter = Callable[[str], None]
"""Receives one JSON line, without its newline."""

HIGH_VOLUME = "high_volume"
DEBUG_NO, WARNING_NO, ERROR_NO = 10, 30, 40
_SKIPPED_FIELDS = frozenset({HIGH_VOLUME})
_PROTECTED_FIELDS = frozenset({"timestamp", "level", "message", "source", "exception"})


class JsonSink:
    """Writes events at or above `level_no` as JSON lines through `write`, under a lock."""

    def __init__(
        self,
        *,
        service: str,
        stage: str,
        level_no: int,
        write: LineWriter,
        buffer_debug: bool = False,
        debug_sampling: bool = False,
    ) -> None:
        self.static_fields = {"service": service, "stage": stage}
        self.level_no = level_no
        self.buffer_debug = buffer_debug and level_no > DEBUG_NO
        self.debug_sampling = debug_sampling and level_no > DEBUG_NO
        """Some invocations log at DEBUG (`debug_sampled`): DEBUG lines must reach the sink."""
        self.buffer = DebugBuffer()
        self._write = write
        self._lock = threading.Lock()

    @property
    def accepted_level_no(self) -> int:
        """The lowest level that must reach this sink (DEBUG when DEBUG lines are buffered)."""
        return DEBUG_NO if self.buffer_debug or self.debug_sampling else self.level_no

    def handle(
        self,
        level_name: str,
        level_no: int,
        message: str,
        fields: Mapping[str, Any],
        exc_info: ExcInfo | None,
        file_name: str,
        line: int,
        function: str,
        created: float,
    ) -> None:
        """Decide and write one event; never raises into the caller."""
        try:
            high_volume = level_no < WARNING_NO and fields and fields.get(HIGH_VOLUME)
            if high_volume and not keep_high_volume():
                return
            corr = CORRELATION_FIELDS.get()
            inv = INVOCATION_FIELDS.get()
            event = (level_name, message, fields, exc_info, file_name, line, function, created)
            if level_no < self.level_no and not (
                self.debug_sampling and level_no >= DEBUG_NO and debug_sampled()
            ):
                if self.buffer_debug and level_no >= DEBUG_NO and self.buffer.active:
                    self.buffer.add((*event, corr, inv))
                return
            if level_no >= ERROR_NO and self.buffer_debug and len(self.buffer):
                self._flush_buffer()
            self._emit(self.render(*event, corr, inv))
        except Exception as error:  # a log call must never break the caller
            _report_sink_error(error)

    def write_loguru_message(self, message: Message) -> None:
        """Entry for loguru's own handler path (plain `loguru.logger`, `logger.catch`, ...)."""
        record = message.record
        exc = record["exception"]
        self.handle(
            record["level"].name,
            record["level"].no,
            record["message"],
            record["extra"],
            (exc.type, exc.value, exc.traceback) if exc else None,
            record["file"].name,
            record["line"],
            record["function"],
            record["time"].timestamp(),
        )

    def render(
        self,
        level_name: str,
        message: str,
        fields: Mapping[str, Any],
        exc_info: ExcInfo | None,
        file_name: str,
        line: int,
        function: str,
        created: float,
        corr: Mapping[str, Any],
        inv: Mapping[str, Any],
    ) -> str:
        """One JSON line: fixed fields first, then the context, then the call's own fields."""
        out: dict[str, Any] = {
            "timestamp": format_timestamp(created),
            "level": level_name,
            "message": redact_text(message),
        }
        out.update(self.static_fields)
        for key, value in corr.items():
            out[key] = redact_value(key, value)
        out.update(inv)
        out["source"] = f"{file_name}:{line}:{function}"
        for key, value in fields.items():
            if key in _SKIPPED_FIELDS:
                continue
            out[f"field_{key}" if key in _PROTECTED_FIELDS else key] = redact_value(key, value)
        if exc_info is not None:
            out["exception"] = structure_exception(exc_info)
        try:
            return encode(out)
        except (ValueError, TypeError, RecursionError):
            return encode_safely(out)

    def _emit(self, text: str) -> None:
        with self._lock:
            self._write(text)

    def _flush_buffer(self) -> None:
        """Write the parked DEBUG lines (oldest first) ahead of the error that called for them."""
        dropped = self.buffer.dropped
        for parked in self.buffer.drain():
            self._emit(self.render(*parked))
        if dropped:
            self.buffer.dropped = 0
            self._emit(
                encode(
                    {
                        "timestamp": format_timestamp(time.time()),
                        "level": "DEBUG",
                        "message": "Buffered debug lines dropped",
                        **self.static_fields,
                        **CORRELATION_FIELDS.get(),
                        "dropped": dropped,
                    }
                )
            )


def _report_sink_error(error: Exception) -> None:
    with contextlib.suppress(Exception):  # nowhere left to report to
        sys.stderr.write(f"rez_telemetry: a log line could not be written: {error!r}\n")
