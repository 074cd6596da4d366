"""The deployed system on the local AWS for the chaos suite.

`make test` runs this suite after the end-to-end suite on the same harness (LOCALSTACK_ENDPOINT,
MOCK_NTFY_URL); alone it starts its own. Deploying is idempotent: stacks already up to date
are left as they are.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest

from rez_demo import harness as local_aws
from rez_demo.harness import Harness
from rez_demo.local_parameters import local_parameters

STAGE = "dev"
REGION = "us-east-1"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def harness() -> Iterator[Harness]:
    started = local_aws.start(port=_free_port(), ntfy_port=_free_port())
    try:
        yield started
    finally:
        local_aws.stop(started)


@pytest.fixture(scope="session")
def aws(harness: Harness) -> Callable[[str], Any]:
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "test")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "test")
    clients: dict[str, Any] = {}

    def client(name: str) -> Any:
        if name not in clients:
            clients[name] = boto3.client(
                name,
                endpoint_url=harness.endpoint,
                region_name=REGION,
                aws_access_key_id="test",
                aws_secret_access_key="test",
            )
        return clients[name]

    return client


@pytest.fixture(scope="session")
def outputs(harness: Harness, aws: Callable[[str], Any]) -> dict[str, dict[str, str]]:
    """Every stack deployed with the real templates and zips; their outputs by stack."""
    from rez_deploy import deploy_all

    results = deploy_all(STAGE, harness.endpoint, parameters=local_parameters(harness.ntfy))
    return {name: dict(result.outputs) for name, result in results.items()}
