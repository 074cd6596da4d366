"""The folder that stands in for Lambda's ``/var/runtime``: boto3 and its dependencies.

AWS's Python runtime provides boto3/botocore; a function's zip must not need to ship them and
must not see anything else. It is installed once (``uv pip install --target``) into a cache under
the git-ignored state folder and shared by every harness on this machine.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
import tempfile
from importlib import metadata
from pathlib import Path

#: Env var naming the folder inside LocalStack (read by the executor).
RUNTIME_PATH_ENV = "REZ_LAMBDA_RUNTIME_PATH"
#: Env var overriding the boto3 version the runtime folder provides.
BOTO3_VERSION_ENV = "LAMBDA_RUNTIME_BOTO3_VERSION"
_MARKER = ".rez-runtime.json"


def default_boto3_version() -> str:
    """The boto3 locked in this project: already in uv's cache, so no network is needed."""
    return os.environ.get(BOTO3_VERSION_ENV) or metadata.version("boto3")


def _uv() -> list[str]:
    """uv is a dependency of this project, so it sits beside the interpreter."""
    candidate = Path(sys.executable).parent / "uv"
    if candidate.exists():
        return [str(candidate)]
    return [sys.executable, "-m", "uv"]


def ensure_runtime_folder(cache_dir: Path, boto3_version: str | None = None) -> Path:
    """Return ``cache_dir/python`` holding boto3, installing it on first use (atomic, locked)."""
    version = boto3_version or default_boto3_version()
    target = cache_dir / "python"
    wanted = {"boto3": version}
    if version == metadata.version("boto3"):
        # Same SDK as this project's lock: pin botocore too, so the folder is reproducible.
        wanted["botocore"] = metadata.version("botocore")
    cache_dir.mkdir(parents=True, exist_ok=True)
    with open(cache_dir / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        marker = target / _MARKER
        if marker.exists() and json.loads(marker.read_text()) == wanted:
            return target
        staging = Path(tempfile.mkdtemp(dir=cache_dir, prefix=".staging-"))
        try:
            subprocess.run(
                [
                    *_uv(),
                    "pip",
                    "install",
                    "--quiet",
                    "--target",
                    str(staging),
                    "--python-version",
                    "3.12",
                    "--only-binary",
                    ":all:",
                    *(f"{name}=={pin}" for name, pin in wanted.items()),
                ],
                check=True,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            (staging / _MARKER).write_text(json.dumps(wanted))
            if target.exists():
                shutil.rmtree(target)
            staging.rename(target)
        except subprocess.CalledProcessError as exc:
            raise RuntimeError(
                f"installing the Lambda runtime folder failed:\n{exc.stdout}"
            ) from exc
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return target
