"""Building the service zips by the repository's own entry point, `make package`.

The packaging rules (locked dependencies, manylinux wheels, no boto3) live in tools/packaging;
this module only asks for the zips and says where they land.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path

from rez_packaging.platforms import HOST, PLATFORM_ENV

Packager = Callable[[Sequence[str]], None]


def zip_path(build_dir: Path, service: str) -> Path:
    """`build/<service>.zip`."""
    return build_dir / f"{service}.zip"


def make_packager(repo_root: Path, *, for_host: bool = False) -> Packager:
    """A packager running `make package SERVICE=<name>` (or all of them) in `repo_root`.

    `for_host` builds the compiled wheels for this machine rather than Lambda's: the local
    harness runs the zips as host processes (see rez_packaging.platforms).
    """
    env = {**os.environ, PLATFORM_ENV: HOST} if for_host else None

    def package(services: Sequence[str]) -> None:
        make = shutil.which("make")
        if make is None:
            raise RuntimeError("`make` is not installed: build the zips, then use --skip-package")
        targets = [[f"SERVICE={name}"] for name in services] if len(services) == 1 else [[]]
        for variables in targets:
            subprocess.run(
                [make, "--no-print-directory", "package", *variables],
                cwd=repo_root,
                env=env,
                check=True,
            )

    return package
