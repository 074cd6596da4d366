"""Builds `build/<service>.zip`: the service, its workspace libraries and its locked wheels."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path

from rez_packaging.archive import write_reproducible_zip
from rez_packaging.limits import MAX_UNZIPPED_BYTES, MAX_ZIPPED_BYTES, check_limits
from rez_packaging.platforms import LAMBDA_PYTHON, target_platform
from rez_packaging.requirements import LockedClosure, locked_closure
from rez_packaging.uv_binary import uv_command

# Never shipped: caches and anything that would make two builds differ or leak a local path.
_JUNK_DIRS = frozenset({"__pycache__", "tests", ".pytest_cache", ".mypy_cache"})
_JUNK_SUFFIXES = (".pyc", ".pyo")
_JUNK_NAMES = frozenset({"direct_url.json", ".lock"})


@dataclass(frozen=True)
class BuildResult:
    """What one build produced, for the report line and the tests."""

    service: str
    zip_path: Path
    zipped_bytes: int
    unzipped_bytes: int
    distributions: int
    excluded: tuple[str, ...]


def distribution_name(package_dir: Path) -> str:
    """The `[project].name` of a workspace package."""
    with (package_dir / "pyproject.toml").open("rb") as handle:
        return str(tomllib.load(handle)["project"]["name"])


def build_service(
    workspace: Path,
    service: str,
    out_dir: Path,
    *,
    offline: bool = False,
    max_zipped: int = MAX_ZIPPED_BYTES,
    max_unzipped: int = MAX_UNZIPPED_BYTES,
) -> BuildResult:
    """Build the zip of `services/<service>` and check it against Lambda's limits."""
    package_dir = workspace / "services" / service
    if not (package_dir / "pyproject.toml").is_file():
        raise FileNotFoundError(f"no service named {service!r} (expected {package_dir})")
    closure = locked_closure(workspace, distribution_name(package_dir))
    with tempfile.TemporaryDirectory(prefix=f"rez-package-{service}-") as tmp:
        staging = Path(tmp) / "staging"
        staging.mkdir()
        install_wheels(closure, staging, Path(tmp), offline=offline)
        for member in closure.workspace_members:
            copy_sources(member, staging)
        remove_junk(staging)
        zip_path = out_dir / f"{service}.zip"
        unzipped = write_reproducible_zip(staging, zip_path)
        sizes = sizes_by_top_level(staging)
    zipped = zip_path.stat().st_size
    try:
        check_limits(
            zip_path.name, zipped, unzipped, sizes, max_zipped=max_zipped, max_unzipped=max_unzipped
        )
    except Exception:
        zip_path.unlink()
        raise
    return BuildResult(
        service=service,
        zip_path=zip_path,
        zipped_bytes=zipped,
        unzipped_bytes=unzipped,
        distributions=len(closure.third_party),
        excluded=closure.excluded,
    )


def install_wheels(closure: LockedClosure, target: Path, scratch: Path, *, offline: bool) -> None:
    """Install the pinned wheels for the Lambda platform (or the harness's host), never building
    from source."""
    if not closure.third_party:
        return
    requirements = scratch / "requirements.txt"
    requirements.write_text("\n".join(closure.third_party) + "\n")
    command = [
        *uv_command(),
        "pip",
        "install",
        "--quiet",
        "--no-deps",
        "--target",
        str(target),
        "--python",
        sys.executable,
        *(["--python-platform", chosen] if (chosen := target_platform()) else []),
        "--python-version",
        LAMBDA_PYTHON,
        "--only-binary",
        ":all:",
        "--no-compile",
        "-r",
        str(requirements),
    ]
    if offline:
        command.append("--offline")
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise RuntimeError(f"installing the locked wheels failed:\n{completed.stderr.strip()}")


def copy_sources(member: Path, staging: Path) -> None:
    """Copy a workspace package's importable code (its `src/` layout) into the staging tree."""
    source_root = member / "src"
    if not source_root.is_dir():
        raise FileNotFoundError(f"{member} has no src/ directory")
    for entry in sorted(source_root.iterdir()):
        if entry.name.endswith(".egg-info") or entry.name in _JUNK_DIRS:
            continue
        destination = staging / entry.name
        if entry.is_dir():
            shutil.copytree(entry, destination, dirs_exist_ok=True)
        elif entry.suffix == ".py":
            shutil.copy2(entry, destination)


def remove_junk(staging: Path) -> None:
    """Drop caches, console-script shims (they embed a local interpreter path) and install notes."""
    shutil.rmtree(staging / "bin", ignore_errors=True)
    for path in sorted(staging.rglob("*"), reverse=True):
        if path.is_dir() and path.name in _JUNK_DIRS:
            shutil.rmtree(path, ignore_errors=True)
        elif path.is_file() and (path.suffix in _JUNK_SUFFIXES or path.name in _JUNK_NAMES):
            path.unlink()


def sizes_by_top_level(staging: Path) -> dict[str, int]:
    """Unzipped bytes per top-level entry (a package or a dist-info), to name the biggest."""
    sizes: dict[str, int] = {}
    for path in staging.rglob("*"):
        if path.is_file():
            top = path.relative_to(staging).parts[0]
            sizes[top] = sizes.get(top, 0) + path.stat().st_size
    return sizes
