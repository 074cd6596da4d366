"""Lazy attributes for package `__getattr__`: heavy modules load on first access, not on import."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_getattr"]


def lazy_getattr(
    package: str, attributes: Mapping[str, tuple[str, str]], namespace: dict[str, Any]
) -> Callable[[str], Any]:
    """Build a module `__getattr__` resolving `name -> (module, attribute)` on first access.

    The resolved value is cached in the package namespace, so later lookups cost nothing.
    """

    def __getattr__(name: str) -> Any:  # noqa: N807 - module-level hook name
        try:
            module_name, attribute = attributes[name]
        except KeyError:
            raise AttributeError(f"module {package!r} has no attribute {name!r}") from None
        value = getattr(importlib.import_module(module_name), attribute)
        namespace[name] = value
        return value

    return __getattr__
