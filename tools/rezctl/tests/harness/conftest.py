"""The deployed system on the local harness, started for this module and stopped after it.

The harness is started through the launcher CLI on free ports (never 4566, someone's `make up`
may run there), every stack is deployed with `rez_deploy.deploy_all` with the notifier pointed
at the mock ntfy and OpenTelemetry spans written into the function logs.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from rezctl.target import Target

ROOT = Path(__file__).resolve().parents[4]
STAGE = "dev"
TOPIC = "rezctl-harness"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _uv() -> list[str]:
    found = shutil.which("uv")
    return [found] if found else [sys.executable, "-m", "uv"]


def _launcher(*args: str) -> dict[str, Any]:
    completed = subprocess.run(
        [*_uv(), "run", "--project", str(ROOT / "localstack"), "--frozen", "--quiet",
         "python", "-m", "rez_localstack.launcher", *args],
        capture_output=True, text=True, check=False, cwd=ROOT,
    )  # fmt: skip
    if completed.returncode != 0:
        raise RuntimeError(f"launcher {args[0]} failed:\n{completed.stderr[-4000:]}")
    return dict(json.loads(completed.stdout.strip().splitlines()[-1]))


@pytest.fixture(scope="session")
def harness() -> Iterator[dict[str, Any]]:
    port = _free_port()
    handle = _launcher("up", "--port", str(port), "--ntfy-port", str(_free_port()))
    try:
        yield handle
    finally:
        _launcher("down", "--port", str(port))


@pytest.fixture(scope="session")
def deployed(harness: dict[str, Any]) -> Iterator[Target]:
    """Every stack of dev, deployed; the Target rezctl uses for it.

    The zips are built into a folder of this session (not the shared `build/`, which another
    package's tests or `make demo` may be rewriting at the same moment). It is under the
    workspace because rez_packaging's summary cannot print a path outside it.
    """
    from rez_deploy import deploy_all

    build = ROOT / "build" / f"rezctl-harness-{os.getpid()}"

    def package(_services: Sequence[str]) -> None:
        subprocess.run(
            [*_uv(), "run", "--frozen", "--quiet", "--package", "rez-packaging",
             "python", "-m", "rez_packaging", "--all", "--out", str(build)],
            cwd=ROOT, check=True, capture_output=True,
        )  # fmt: skip

    parameters = {
        "common": {"TracingBackend": "otel"},
        "notifier": {"NtfyUrl": harness["ntfy"], "NtfyTopic": TOPIC, "NtfyRatePerSecond": "0"},
    }
    deploy_all(
        STAGE,
        harness["endpoint"],
        parameters=parameters,
        build_dir=build,
        packager=package,
        out=lambda _line: None,
    )
    try:
        yield Target.resolve(stage=STAGE, endpoint=harness["endpoint"], region="us-east-1")
    finally:
        shutil.rmtree(build, ignore_errors=True)
