"""The services' configuration idiom: one error, one meaning of `STAGE`, one wiring holder.

Every service reads its settings with `Settings.from_env(environ=None)` (a frozen dataclass in
its own package; `environ` defaults to `os.environ`, read when called, never at import) and fails
with `ConfigurationError` naming the variable. Each `bootstrap` keeps its dependencies in one
`Wiring`: built lazily on first use, `override(...)` for tests, `reset()` to forget.

It depends on nothing but `rez_telemetry._env` (where every variable's name is spelled), so
every layer may import it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping

from rez_telemetry import _env
from rez_telemetry._env import STAGE, STAGES

__all__ = [
    "ConfigurationError",
    "Wiring",
    "environment",
    "optional",
    "required",
    "stage",
    "stage_or_none",
]


class ConfigurationError(RuntimeError):
    """An environment variable is missing or malformed: a deployment fault, not a request's.

    `variable` names it and `reason` says what is wrong with it.
    """

    def __init__(self, variable: str, reason: str) -> None:
        super().__init__(f"environment variable {variable}: {reason}")
        self.variable = variable
        self.reason = reason


def environment(environ: Mapping[str, str] | None) -> Mapping[str, str]:
    """`environ`, or the process environment as it is now."""
    return _env.process_environment() if environ is None else environ


def optional(name: str, environ: Mapping[str, str] | None = None) -> str | None:
    """The variable stripped, or None when unset or blank."""
    value = environment(environ).get(name)
    return (value.strip() or None) if value is not None else None


def required(name: str, environ: Mapping[str, str] | None = None) -> str:
    """The variable stripped; `ConfigurationError` when unset or blank."""
    value = environment(environ).get(name)
    if value is None or not value.strip():
        raise ConfigurationError(name, "is not set" if value is None else "is empty")
    return value.strip()


def stage_or_none(environ: Mapping[str, str] | None = None) -> str | None:
    """`STAGE`, else the stage suffix of the function name (`rez-agent-web-api-dev` -> `dev`)."""
    return _env.stage_of(environment(environ))


def stage(environ: Mapping[str, str] | None = None) -> str:
    """The stage as `stage_or_none` reads it, which must be one of `STAGES`."""
    value = stage_or_none(environ)
    if value is None:
        raise ConfigurationError(STAGE, "is not set (nor a function name ending in a stage)")
    if value not in STAGES:
        raise ConfigurationError(STAGE, f"{value!r} is not one of dev, stage, prod")
    return value


class Wiring[T]:
    """A service's dependencies: built by `build` on first use, shared by the threads after.

    A failed build is not cached, so a fixed configuration takes effect at the next invocation.
    """

    def __init__(self, build: Callable[[], T]) -> None:
        self._build = build
        self._lock = threading.Lock()
        self._current: T | None = None

    def dependencies(self) -> T:
        """The dependencies of this execution environment (built on first call, then reused)."""
        with self._lock:
            if self._current is None:
                self._current = self._build()
            return self._current

    def override(self, replacement: T) -> None:
        """Use `replacement` from now on (tests)."""
        with self._lock:
            self._current = replacement

    def reset(self) -> None:
        """Forget the dependencies; the next call rebuilds them from the environment."""
        with self._lock:
            self._current = None
