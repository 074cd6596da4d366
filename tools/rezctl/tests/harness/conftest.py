"""The deployed system on the local harness, started for this module and stopped after it.

The harness is the one LOCALSTACK_ENDPOINT names, else one started through the launcher on free
ports (never 4566, someone's `make up` may run there); every stack is deployed with
`rez_deploy.deploy_all`, the notifier pointed at the mock ntfy and OpenTelemetry spans written
into the function logs.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from rez_demo.local_parameters import ALARM_TEST_PARAMETERS, DEMO_TOPIC, local_parameters
from rezctl.target import Target

ROOT = Path(__file__).resolve().parents[4]
STAGE = "dev"
TOPIC = DEMO_TOPIC


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _uv() -> list[str]:
    found = shutil.which("uv")
    return [found] if found else [sys.executable, "-m", "uv"]


@pytest.fixture(scope="session")
def harness() -> Iterator[dict[str, Any]]:
    """The harness LOCALSTACK_ENDPOINT names (as `make test` shares one), else our own."""
    from rez_demo import harness as local_aws

    started = local_aws.start(port=_free_port(), ntfy_port=_free_port())
    try:
        yield {"endpoint": started.endpoint, "ntfy": started.ntfy}
    finally:
        local_aws.stop(started)


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

    # the monitoring stack as the end-to-end suite deploys it, which shares this harness
    parameters = {**local_parameters(harness["ntfy"]), "monitoring": ALARM_TEST_PARAMETERS}
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
