"""Finds the uv binary: the one on PATH, else the one the `uv` wheel installed."""

from __future__ import annotations

import shutil
import sys


def uv_command() -> list[str]:
    """The argv prefix that runs uv in this environment."""
    try:
        from uv import find_uv_bin  # the PyPI `uv` package, a dependency of this one

        return [find_uv_bin()]
    except (ImportError, FileNotFoundError):
        found = shutil.which("uv")
        if found:
            return [found]
        return [sys.executable, "-m", "uv"]
