"""Start and stop the local AWS through its launcher, which runs in the harness's own venv.

LocalStack's pins must never constrain the services, so the harness lives in `localstack/` with
its own lock; this module drives its CLI (`python -m rez_localstack.launcher`), whose stdout is
one JSON object.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_NTFY_URL = "http://127.0.0.1:8090"


class HarnessError(RuntimeError):
    """The launcher failed; the message carries its diagnostics (the log's tail)."""


@dataclass(frozen=True)
class Harness:
    """Where the local AWS and the mock ntfy answer, and whether we started them."""

    endpoint: str
    ntfy: str
    port: int | None
    started: bool


def repository_root() -> Path:
    """The checkout this package lives in (the folder holding `localstack/`)."""
    for candidate in Path(__file__).resolve().parents:
        if (candidate / "localstack" / "pyproject.toml").is_file():
            return candidate
    raise HarnessError("cannot find the repository's localstack/ folder")


def _uv() -> list[str]:
    found = shutil.which("uv")
    return [found] if found else [sys.executable, "-m", "uv"]


def launcher(*args: str, root: Path | None = None) -> dict[str, Any]:
    """Run the launcher CLI and return its JSON answer."""
    base = root or repository_root()
    command = [
        *_uv(),
        *("run", "--project", str(base / "localstack"), "--frozen", "--quiet"),
        *("python", "-m", "rez_localstack.launcher", *args),
    ]
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    completed = subprocess.run(
        command, capture_output=True, text=True, check=False, cwd=base, env=env
    )
    if completed.returncode != 0:
        raise HarnessError(f"launcher {args[0]} failed:\n{completed.stderr.strip()[-4000:]}")
    lines = completed.stdout.strip().splitlines()
    if not lines:
        raise HarnessError(f"launcher {args[0]} printed nothing:\n{completed.stderr[-2000:]}")
    return dict(json.loads(lines[-1]))


def start(port: int | None = None, ntfy_port: int | None = None) -> Harness:
    """The named harness (LOCALSTACK_ENDPOINT), else ours on `port` (started when not running)."""
    named = os.environ.get("LOCALSTACK_ENDPOINT")
    if named:
        ntfy = os.environ.get("MOCK_NTFY_URL", DEFAULT_NTFY_URL)
        return Harness(named.rstrip("/"), ntfy.rstrip("/"), None, started=False)
    args = ["up"]
    if port is not None:
        args += ["--port", str(port)]
    if ntfy_port is not None:
        args += ["--ntfy-port", str(ntfy_port)]
    handle = launcher(*args)
    return Harness(
        endpoint=str(handle["endpoint"]),
        ntfy=str(handle.get("ntfy") or DEFAULT_NTFY_URL),
        port=int(handle["port"]) if handle.get("port") else None,
        started=bool(handle.get("started")),
    )


def stop(harness: Harness) -> None:
    """Stop what `start` started (nothing when the harness was someone else's)."""
    if harness.port is not None and harness.started:
        launcher("down", "--port", str(harness.port))
