"""`RezLogger`: loguru's Logger with a fast path straight into the JSON sink.

loguru's own `_log` builds a full record (local-time datetime, thread, process, elapsed), formats
the message with the call's keyword arguments (so a `{` in a message breaks), copies the record
for each handler and formats it again. Here, when our JSON sink is the only handler and no rare
option is in play, the event goes to the sink as plain values: one frame lookup, `time.time()`,
no message formatting with kwargs (they are fields, only fields). Anything else (other loguru
handlers, `opt(record=True)`, patchers, `logger.disable`) falls back to loguru's behaviour so the
API stays loguru's.
"""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, Any, cast

from loguru import logger as _loguru_logger
from loguru._logger import Logger as _LoguruLogger
from loguru._logger import context as _loguru_context

from rez_telemetry.logging.config import ensure_configured
from rez_telemetry.logging.dispatch import dispatch
from rez_telemetry.logging.render import ExcInfo
from rez_telemetry.logging.state import STATE

if TYPE_CHECKING:
    from loguru import Logger

__all__ = ["RezLogger", "logger"]

_getframe = sys._getframe
_now = time.time


def _exc_info(exception: Any) -> ExcInfo | None:
    """loguru's `exception` option (True, an exception, or a tuple) as an exc_info tuple."""
    if isinstance(exception, BaseException):
        return (type(exception), exception, exception.__traceback__)
    exc_info = cast("ExcInfo", exception) if isinstance(exception, tuple) else sys.exc_info()
    return exc_info if exc_info[0] is not None else None


def _formatted(message: Any, args: tuple[Any, ...]) -> str:
    """`message.format(*args)` when positional args are given; the literal message otherwise."""
    text = message if type(message) is str else str(message)
    if not args:
        return text
    try:
        return text.format(*args)
    except (IndexError, KeyError, ValueError, AttributeError):
        return text


class RezLogger(_LoguruLogger):
    """loguru's Logger; keyword arguments are always fields, and the JSON path is short."""

    def _log(
        self,
        level: str | int,
        from_decorator: bool,
        options: tuple[Any, ...],
        message: Any,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> None:
        if not STATE.ready:
            ensure_configured()
        core = self._core
        try:
            level_no = core.levels_lookup[level][2]
        except (KeyError, TypeError):
            self._loguru_log(level, from_decorator, options, message, args, kwargs)
            return
        if level_no < core.min_level:
            return
        exception, depth, record, lazy, colors, raw, capture, patchers, extra = options
        if record or lazy or colors or patchers or core.patcher or core.activation_list:
            self._loguru_log(level, from_decorator, options, message, args, kwargs)
            return
        if capture:
            text = _formatted(message, args)
            fields = ({**extra, **kwargs} if extra else kwargs) if kwargs else extra
        else:
            text = _formatted(message, args) if not kwargs else _format_all(message, args, kwargs)
            fields = extra
        scoped = _loguru_context.get()
        if scoped or core.extra:
            fields = {**core.extra, **scoped, **fields}
        frame = _getframe(depth + 2)
        code = frame.f_code
        dispatch(
            level,
            text,
            fields,
            _exc_info(exception) if exception else None,
            code.co_filename,
            frame.f_lineno,
            code.co_name,
            frame.f_globals.get("__name__"),
            _now(),
            from_decorator=from_decorator,
            raw=raw,
        )

    def _loguru_log(
        self,
        level: str | int,
        from_decorator: bool,
        options: tuple[Any, ...],
        message: Any,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> None:
        """loguru's own path, one frame deeper, with braces escaped so kwargs never format."""
        exception, depth, *rest = options
        if kwargs and not args and options[6]:
            message = str(message).replace("{", "{{").replace("}", "}}")
        super()._log(level, from_decorator, (exception, depth + 1, *rest), message, args, kwargs)

    def bind(__self, **kwargs: Any) -> Logger:  # noqa: N805 - loguru's signature
        """loguru's `bind`, returning a `RezLogger`."""
        *options, extra = __self._options
        return _rez_logger(__self._core, *options, {**extra, **kwargs})

    def opt(self, **options: Any) -> Logger:
        """loguru's `opt`, returning a `RezLogger`."""
        base = super().opt(**options)
        return _rez_logger(base._core, *base._options)

    def patch(self, patcher: Any) -> Logger:
        """loguru's `patch`, returning a `RezLogger`."""
        base = super().patch(patcher)
        return _rez_logger(base._core, *base._options)


def _format_all(message: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    """`opt(capture=False)`: kwargs only format the message, as in loguru; never raises."""
    text = str(message)
    try:
        return text.format(*args, **kwargs)
    except (IndexError, KeyError, ValueError, AttributeError):
        return text


def _rez_logger(core: Any, *options: Any) -> Logger:
    """A RezLogger on a loguru core (loguru's stubs do not describe the constructor)."""
    return cast("Logger", cast("Any", RezLogger)(core, *options))


logger: Logger = _rez_logger(
    _loguru_logger._core,  # type: ignore[attr-defined]
    *_loguru_logger._options,  # type: ignore[attr-defined]
)
"""The logger every service uses: `logger.info("Scheduled message created", message_id=m)`."""
