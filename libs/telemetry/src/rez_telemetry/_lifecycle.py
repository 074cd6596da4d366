"""Invocation lifecycle hooks: how metrics, tracing and others join `@lambda_handler`.

The handler decorator knows nothing about metrics flushing or invocation spans; those packages
`register()` a hook when they are imported (the decorator loads them when it wraps a handler).
Start hooks run in registration order, end hooks in reverse (like nested context managers), and
every call is guarded: a failing hook is logged at ERROR and never masks the handler's result or
exception.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from rez_telemetry.context import CorrelationInfo
from rez_telemetry.logging import logger

__all__ = [
    "InvocationHook",
    "clear",
    "hooks",
    "register",
    "run_end_hooks",
    "run_start_hooks",
    "unregister",
]


@runtime_checkable
class InvocationHook(Protocol):
    """What a hook implements; both methods are called once per handler invocation."""

    def on_invocation_start(self, event: Any, context: Any, info: CorrelationInfo) -> None:
        """Called after the correlation context is set, before the handler runs."""

    def on_invocation_end(self, error: BaseException | None) -> None:
        """Called after the handler returned (error None) or raised (the exception)."""


_hooks: list[InvocationHook] = []


def register(hook: InvocationHook) -> InvocationHook:
    """Add a hook once (registering the same object again is a no-op); returns it."""
    if not any(existing is hook for existing in _hooks):
        _hooks.append(hook)
    return hook


def unregister(hook: InvocationHook) -> None:
    """Remove a hook if present."""
    _hooks[:] = [existing for existing in _hooks if existing is not hook]


def clear() -> None:
    """Remove every hook (tests)."""
    _hooks.clear()


def hooks() -> tuple[InvocationHook, ...]:
    """The registered hooks, in registration order."""
    return tuple(_hooks)


def _report_failure(hook: InvocationHook, phase: str) -> None:
    logger.opt(exception=True).error(
        "Lifecycle hook failed", hook=type(hook).__qualname__, phase=phase
    )


def run_start_hooks(event: Any, context: Any, info: CorrelationInfo) -> None:
    """Call every hook's `on_invocation_start`, in registration order, each guarded."""
    for hook in tuple(_hooks):
        try:
            hook.on_invocation_start(event, context, info)
        except Exception:
            _report_failure(hook, "on_invocation_start")


def run_end_hooks(error: BaseException | None) -> None:
    """Call every hook's `on_invocation_end`, in reverse registration order, each guarded."""
    for hook in reversed(tuple(_hooks)):
        try:
            hook.on_invocation_end(error)
        except Exception:
            _report_failure(hook, "on_invocation_end")
