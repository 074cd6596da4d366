"""Shared telemetry for rez_agent services: logging, correlation, metrics, tracing.

`logger`, `lambda_handler` and `correlation` load with the package; `metrics` and `tracer` load
on first access (their SDKs are heavy), so importing rez_telemetry stays cheap. Type checkers
see them as what they are (`MetricsRecorder`, `Tracer`), never as modules.
"""

import sys
from types import ModuleType
from typing import TYPE_CHECKING, Any

from rez_telemetry import correlation
from rez_telemetry._lazy import lazy_getattr
from rez_telemetry.handler import handled, is_handled, lambda_handler
from rez_telemetry.logging import configure_logging, log_sampled, logger

if TYPE_CHECKING:
    # Declared, not imported by name: `metrics` is also a subpackage, and a checker resolving
    # `from rez_telemetry import metrics` to the module would reject `metrics.record_count`.
    from rez_telemetry.metrics.recorder import MetricsRecorder
    from rez_telemetry.tracing.facade import Tracer

    metrics: MetricsRecorder
    tracer: Tracer

__all__ = [
    "configure_logging",
    "correlation",
    "handled",
    "is_handled",
    "lambda_handler",
    "log_sampled",
    "logger",
    "metrics",
    "tracer",
]

_LAZY = {
    "metrics": ("rez_telemetry.metrics", "metrics"),
    "tracer": ("rez_telemetry.tracing", "tracer"),
}

__getattr__ = lazy_getattr(__name__, _LAZY, globals())


class _Package(ModuleType):
    """Keeps `rez_telemetry.metrics` the metrics *object* after the `metrics` subpackage loads.

    Importing a submodule binds it on its parent (`rez_telemetry.metrics = <module>`), which
    would shadow the lazy `metrics` object; this swaps the module for its same-named attribute.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _LAZY and isinstance(value, ModuleType):
            module_name, attribute = _LAZY[name]
            if value.__name__ == module_name and hasattr(value, attribute):
                value = getattr(value, attribute)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
