"""One harness per test session, on its own free ports (never 4566: someone's `make up` may run).

Factory fixtures create resources with short unique names and delete them on teardown, in the
style of LocalStack's ``testing/pytest/fixtures.py``.
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import socket
import time
import uuid
import zipfile
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest

from rez_localstack import launcher

REGION = "us-east-1"
ROLE = "arn:aws:iam::000000000000:role/lambda-role"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def short_uid() -> str:
    return uuid.uuid4().hex[:8]


def build_zip(files: dict[str, str]) -> bytes:
    """A function package from inline sources (name -> code)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, source in files.items():
            archive.writestr(name, source)
    return buffer.getvalue()


def wait_until(check: Callable[[], Any], timeout: float = 30, interval: float = 0.2) -> Any:
    """Poll ``check`` until it returns something truthy; fail with the last value otherwise."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s; last value: {last!r}")


@pytest.fixture(scope="session")
def harness(request: pytest.FixtureRequest) -> Iterator[launcher.Handle]:
    # Warm Lambda environments over the cap go after 1 s idle (not 20): the cap is tested
    # without waiting.
    with pytest.MonkeyPatch.context() as env:
        env.setenv("REZ_LAMBDA_WARM_GRACE_SECONDS", "1")
        handle = launcher.start(port=free_port(), with_mock_ntfy=True, ntfy_port=free_port())
    try:
        yield handle
    finally:
        launcher.stop(handle)
        if handle.state_dir and not request.session.testsfailed:
            shutil.rmtree(handle.state_dir, ignore_errors=True)  # kept (with logs) on failure


@pytest.fixture(scope="session")
def client(harness: launcher.Handle) -> Callable[[str], Any]:
    session = boto3.session.Session(
        aws_access_key_id="test", aws_secret_access_key="test", region_name=REGION
    )
    cache: dict[str, Any] = {}

    def make(service: str) -> Any:
        if service not in cache:
            cache[service] = session.client(service, endpoint_url=harness.endpoint)
        return cache[service]

    return make


@pytest.fixture
def create_function(client: Callable[[str], Any]) -> Iterator[Callable[..., str]]:
    """Create a zip function from inline sources and wait until it is Active."""
    lam = client("lambda")
    created: list[str] = []

    def create(
        files: dict[str, str],
        handler: str = "app.handler",
        runtime: str = "python3.13",
        timeout: int = 10,
        env: dict[str, str] | None = None,
        wait: bool = True,
    ) -> str:
        name = f"fn-{short_uid()}"
        lam.create_function(
            FunctionName=name,
            Runtime=runtime,
            Role=ROLE,
            Handler=handler,
            Code={"ZipFile": build_zip(files)},
            Timeout=timeout,
            Environment={"Variables": env or {}},
        )
        created.append(name)
        if wait:
            wait_until(
                lambda: (
                    lam.get_function(FunctionName=name)["Configuration"]["State"]
                    in ("Active", "Failed")
                ),
                timeout=30,
                interval=0.1,
            )
        return name

    yield create
    for name in created:
        with contextlib.suppress(lam.exceptions.ResourceNotFoundException):
            lam.delete_function(FunctionName=name)


@pytest.fixture
def sqs_queue(client: Callable[[str], Any]) -> Iterator[Callable[..., str]]:
    sqs = client("sqs")
    urls: list[str] = []

    def create(**attributes: str) -> str:
        url = str(sqs.create_queue(QueueName=f"q-{short_uid()}", Attributes=attributes)["QueueUrl"])
        urls.append(url)
        return url

    yield create
    for url in urls:
        sqs.delete_queue(QueueUrl=url)


def queue_arn(sqs: Any, url: str) -> str:
    return str(
        sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
    )


def invoke_json(
    lam: Any, name: str, event: Any = None, **kwargs: Any
) -> tuple[dict[str, Any], Any]:
    response = lam.invoke(FunctionName=name, Payload=json.dumps(event or {}).encode(), **kwargs)
    return response, json.loads(response["Payload"].read() or b"null")
