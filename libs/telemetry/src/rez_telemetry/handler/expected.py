"""Expected errors: raised on purpose, already logged, so `@lambda_handler` must not log them again.

A handler that decides to fail (the authorizer's 401, a rejected request) logs the decision at
the level it deserves, then raises. Without a mark the decorator would add an ERROR
"Invocation failed" for what is not a fault. `raise handled(error)` is that mark; the decorator
itself marks what it logged, so nested decorators log a failure once.
"""

from __future__ import annotations

import contextlib

__all__ = ["handled", "is_handled"]

_MARK = "__rez_telemetry_logged__"


def handled[E: BaseException](error: E) -> E:
    """Mark `error` as expected and already logged; returns it: `raise handled(Err(...))`.

    The exception still propagates (Lambda still reports the failure, the invocation span is
    still marked failed); only the decorator's ERROR line is skipped.
    """
    with contextlib.suppress(AttributeError, TypeError):  # a type without a __dict__
        setattr(error, _MARK, True)
    return error


def is_handled(error: BaseException) -> bool:
    """Whether `error` was marked by `handled()` (or already logged by an inner decorator)."""
    return getattr(error, _MARK, False) is True
