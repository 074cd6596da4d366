"""The loguru internals the fast logging path relies on, and the pin that keeps them there.

`RezLogger` overrides `Logger._log` and reads `_core`, `_options`, loguru's context variable and
`loguru._recattrs`: none of it is public API, so a loguru release may change it. The dependency
is pinned below the next minor release; these tests fail first if either moves.
"""

from __future__ import annotations

import inspect
import tomllib
from importlib.metadata import version
from pathlib import Path

import loguru
import loguru._logger
import loguru._recattrs

PYPROJECT = Path(__file__).parents[2] / "pyproject.toml"


def _loguru_requirement() -> str:
    dependencies = tomllib.loads(PYPROJECT.read_text())["project"]["dependencies"]
    [requirement] = [d for d in dependencies if d.replace(" ", "").startswith("loguru")]
    return requirement.replace(" ", "")


def test_loguru_is_pinned_below_the_next_minor_release():
    # GIVEN the package's declared dependency
    requirement = _loguru_requirement()
    # THEN it has a floor and a ceiling (internals may change in 0.8)
    assert requirement == "loguru>=0.7.2,<0.8"
    # AND the installed loguru satisfies it
    major, minor, *_ = (int(part) for part in version("loguru").split(".")[:3])
    assert (major, minor) == (0, 7)


def test_the_logger_internals_we_override_are_there():
    # GIVEN loguru's Logger class and its shared logger
    log_parameters = list(inspect.signature(loguru._logger.Logger._log).parameters)
    options = loguru.logger._options  # type: ignore[attr-defined]
    core = loguru.logger._core  # type: ignore[attr-defined]
    # THEN `_log` has the signature RezLogger overrides
    assert log_parameters == [
        "self",
        "level",
        "from_decorator",
        "options",
        "message",
        "args",
        "kwargs",
    ]
    # AND options are the 9-tuple RezLogger unpacks (exception .. extra), extra last
    assert len(options) == 9
    assert isinstance(options[-1], dict)
    # AND the core has what the fast path reads
    for attribute in ("handlers", "levels_lookup", "min_level", "patcher", "activation_list"):
        assert hasattr(core, attribute), attribute
    _id, name, number, _icon = core.levels_lookup["INFO"]
    assert (name, number) == ("INFO", 20)
    # AND the module-level names imported by rez_logger exist
    assert hasattr(loguru._logger, "context")
    assert hasattr(loguru._logger, "start_time")


def test_the_record_attribute_types_are_there():
    for name in ("RecordException", "RecordFile", "RecordLevel", "RecordProcess", "RecordThread"):
        assert hasattr(loguru._recattrs, name), name
