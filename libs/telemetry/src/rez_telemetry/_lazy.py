"""The lazy loader: modules that pull in a heavy SDK load on first use, not on import.

Two forms, both visible to type checkers and to the import-graph check as plain imports:
- a package attribute resolved on first access (`lazy_getattr`, for `rez_telemetry.__getattr__`);
- a module stand-in (`lazy_module`) declared as
  `if TYPE_CHECKING: from pkg import mod` / `else: mod = lazy_module("pkg.mod")`,
  which imports the real module the first time one of its attributes is read.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from types import ModuleType
from typing import Any

__all__ = ["lazy_getattr", "lazy_module"]


def lazy_getattr(
    package: str, attributes: Mapping[str, tuple[str, str | None]], namespace: dict[str, Any]
) -> Callable[[str], Any]:
    """Build a module `__getattr__` resolving `name -> (module, attribute)` on first access.

    An attribute of None stands for the module itself. The resolved value is cached in the
    package namespace, so later lookups cost nothing.
    """

    def __getattr__(name: str) -> Any:  # noqa: N807 - module-level hook name
        try:
            module_name, attribute = attributes[name]
        except KeyError:
            raise AttributeError(f"module {package!r} has no attribute {name!r}") from None
        module = importlib.import_module(module_name)
        value = module if attribute is None else getattr(module, attribute)
        namespace[name] = value
        return value

    return __getattr__


class _LazyModule(ModuleType):
    """Stands for a module: imports it when one of its attributes is first read.

    Every read is forwarded to the real module (never copied), so a test that patches the module
    is seen through the stand-in.
    """

    def __getattr__(self, name: str) -> Any:
        module = self.__dict__.get("_module")
        if module is None:
            module = self.__dict__["_module"] = importlib.import_module(self.__name__)
        return getattr(module, name)


def lazy_module(name: str) -> Any:
    """A stand-in for module `name` that imports it on first attribute access."""
    return _LazyModule(name)
