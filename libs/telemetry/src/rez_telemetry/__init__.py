"""Shared telemetry for rez_agent services: logging, correlation, metrics, tracing.

`logger`, `lambda_handler` and `correlation` load with the package; `metrics` and `tracer` load
on first access (their SDKs are heavy), so importing rez_telemetry stays cheap.
"""

import sys
from types import ModuleType
from typing import TYPE_CHECKING, Any

from rez_telemetry import correlation
from rez_telemetry._lazy import lazy_getattr
from rez_telemetry.handler import lambda_handler
from rez_telemetry.logging import configure_logging, log_sampled, logger

if TYPE_CHECKING:
    from rez_telemetry.metrics import metrics
    from rez_telemetry.tracing import tracer

__all__ = [
    "configure_logging",
    "correlation",
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
