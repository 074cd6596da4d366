"""Find the Python interpreter a Lambda runtime names (``python3.12`` -> a real python3.12).

pyenv shims are skipped on purpose: a shim resolves against the *active* pyenv version, so
``python3.12`` from a 3.13 project directory is "command not found" even though 3.12 is installed.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

_RUNTIME_RE = re.compile(r"python(3\.\d+)")


class UnsupportedRuntimeError(Exception):
    """The function's runtime cannot be served by the host-process executor."""


def python_version_of(runtime: str | None) -> str:
    """``"python3.12"`` -> ``"3.12"``; anything else is refused with a reason."""
    match = _RUNTIME_RE.fullmatch(runtime or "")
    if not match:
        raise UnsupportedRuntimeError(
            f"Runtime {runtime!r} is not supported by the host-process Lambda executor "
            "(it runs Python zip functions only: python3.x runtimes)"
        )
    return match.group(1)


def _candidates(version: str) -> list[Path]:
    """Places to look, most specific first."""
    found: list[Path] = []
    override = os.environ.get(f"REZ_LAMBDA_PYTHON_{version.replace('.', '_')}")
    if override:
        found.append(Path(override))
    if sys.version_info[:2] == tuple(int(p) for p in version.split(".")):
        found.append(Path(sys.base_prefix) / "bin" / f"python{version}")
    pyenv_root = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")
    versions = sorted(
        (pyenv_root / "versions").glob(f"{version}*"),
        key=lambda p: [int(x) if x.isdigit() else -1 for x in re.split(r"[.\-]", p.name)],
        reverse=True,
    )
    found.extend(v / "bin" / f"python{version}" for v in versions)
    shim_dir = str(pyenv_root / "shims")
    for entry in os.environ.get("PATH", "").split(os.pathsep):
        if entry and entry != shim_dir:
            found.append(Path(entry) / f"python{version}")
    found.append(Path("/usr/bin") / f"python{version}")
    return found


def _runs_as(path: Path, version: str) -> bool:
    """True when ``path`` is an executable Python of exactly ``version``."""
    if not (path.is_file() and os.access(path, os.X_OK)):
        return False
    try:
        out = subprocess.run(
            [str(path), "-I", "-S", "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return out.returncode == 0 and out.stdout.strip() == version


@functools.cache
def find_interpreter(runtime: str) -> Path:
    """The interpreter for ``runtime``, or ``UnsupportedRuntimeError`` saying where we looked."""
    version = python_version_of(runtime)
    candidates = _candidates(version)
    for candidate in candidates:
        if _runs_as(candidate, version):
            return candidate
    which = shutil.which(f"python{version}")
    raise UnsupportedRuntimeError(
        f"Runtime {runtime} cannot be served here: no python{version} interpreter found "
        f"(looked at REZ_LAMBDA_PYTHON_{version.replace('.', '_')}, pyenv versions, PATH"
        f"{'; ' + which + ' is a shim that does not run it' if which else ''}). "
        f"Install Python {version} (e.g. `pyenv install {version}`) or choose another runtime."
    )
