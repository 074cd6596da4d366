"""The deployed system on the local AWS, shared by every end-to-end test of one session.

The session starts the harness (unless one is named by LOCALSTACK_ENDPOINT), deploys every stack
with the real templates and zips through `rez_deploy`, and hands the tests front-door clients:
the API Gateway URL, real JWTs signed with the stage's secret, the mock ntfy's record, boto3.
"""

from __future__ import annotations

import os
import socket
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import httpx
import jwt
import pytest

# Test modules import their helpers from e2e_support (pytest runs in importlib mode).
sys.path.insert(0, str(Path(__file__).parent))

from e2e_support import CIRCUIT_KEY, REGION, STAGE
from rez_demo import harness as local_aws
from rez_demo.harness import Harness
from rez_demo.local_parameters import ALARM_TEST_PARAMETERS, local_parameters


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def harness() -> Iterator[Harness]:
    """A running local AWS and mock ntfy: the one LOCALSTACK_ENDPOINT names, else our own
    on free ports, started and stopped through the same launcher as `make up` and `make demo`."""
    started = local_aws.start(port=_free_port(), ntfy_port=_free_port())
    try:
        yield started
    finally:
        local_aws.stop(started)


@pytest.fixture(scope="session")
def aws_env(harness: Harness) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "test")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "test")
    os.environ["AWS_DEFAULT_REGION"] = REGION
    yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)


@pytest.fixture(scope="session")
def aws(harness: Harness, aws_env: None) -> Callable[[str], Any]:
    """boto3 clients for the harness, one per service name."""
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


@dataclass(frozen=True)
class System:
    """What the deployed stacks expose."""

    api_url: str
    messages_table: str
    breaker_table: str
    queue_url: str
    dlq_url: str
    outputs: dict[str, dict[str, str]]


def _api_url(endpoint: str, outputs: dict[str, str]) -> str:
    """The harness's path form of the API URL: no DNS needed."""
    return (
        f"{endpoint}/restapis/{outputs['RestApiId']}/{outputs['ApiStageName']}/_user_request_/api"
    )


@pytest.fixture(scope="session")
def system(harness: Harness, aws: Callable[[str], Any]) -> System:
    """Every stack deployed with the real templates and zips."""
    from rez_deploy import deploy_all

    parameters = {**local_parameters(harness.ntfy), "monitoring": ALARM_TEST_PARAMETERS}
    results = deploy_all(STAGE, harness.endpoint, parameters=parameters, out=print)
    outputs = {name: dict(result.outputs) for name, result in results.items()}
    sqs = aws("sqs")
    return System(
        api_url=_api_url(harness.endpoint, outputs["web-api"]),
        messages_table=f"rez-agent-messages-{STAGE}",
        breaker_table=f"rez-agent-circuit-breaker-{STAGE}",
        queue_url=sqs.get_queue_url(QueueName=f"rez-agent-message-queue-{STAGE}")["QueueUrl"],
        dlq_url=sqs.get_queue_url(QueueName=f"rez-agent-message-dlq-{STAGE}")["QueueUrl"],
        outputs=outputs,
    )


class MockNtfy:
    """The mock ntfy's own test API: what it received, and faults to inject."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.http = httpx.Client(base_url=base, timeout=10)

    def messages(self, topic: str | None = None) -> list[dict[str, Any]]:
        params = {"topic": topic} if topic else None
        response = self.http.get("/_mock/messages", params=params)
        response.raise_for_status()
        return list(response.json())

    def requests(self) -> list[dict[str, Any]]:
        """Every request it received (with `received_at` and `outcome`), faults included."""
        response = self.http.get("/_mock/requests")
        response.raise_for_status()
        return list(response.json())

    def clear(self) -> None:
        self.http.delete("/_mock/messages").raise_for_status()

    def fault(self, **spec: Any) -> None:
        self.http.post("/_mock/faults", json=spec).raise_for_status()

    def heal(self) -> None:
        self.http.delete("/_mock/faults").raise_for_status()


@pytest.fixture(scope="session")
def ntfy_server(harness: Harness) -> MockNtfy:
    return MockNtfy(harness.ntfy)


@pytest.fixture
def ntfy(ntfy_server: MockNtfy, system: System, aws: Callable[[str], Any]) -> Iterator[MockNtfy]:
    """A clean mock and a closed circuit for each test; both healed afterwards whatever the
    test did, so one test's faults or open circuit never meet the next test's messages."""
    ntfy_server.heal()
    forget_circuit(aws, system)
    ntfy_server.clear()
    yield ntfy_server
    ntfy_server.heal()
    forget_circuit(aws, system)


def forget_circuit(aws: Callable[[str], Any], system: System) -> None:
    """Delete the ntfy circuit's item: no item reads as closed with no failures."""
    aws("dynamodb").delete_item(TableName=system.breaker_table, Key={"pk": {"S": CIRCUIT_KEY}})


@dataclass(frozen=True)
class Tokens:
    secret: str
    issuer: str | None
    audience: str | None

    def mint(
        self,
        *,
        email: str = "e2e@example.com",
        scopes: str = "messages:read messages:write",
        ttl: int = 300,
        **overrides: Any,
    ) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "sub": f"user-{uuid.uuid4().hex[:8]}",
            "email": email,
            "scope": scopes,
            "iat": now,
            "exp": now + ttl,
        }
        if self.issuer:
            claims["iss"] = self.issuer
        if self.audience:
            claims["aud"] = self.audience
        claims.update(overrides)
        return jwt.encode(claims, self.secret, algorithm="HS256")


@pytest.fixture(scope="session")
def tokens(system: System, aws: Callable[[str], Any]) -> Tokens:
    """Real HS256 JWTs signed with the stage's secret from Secrets Manager."""
    secret = aws("secretsmanager").get_secret_value(
        SecretId=f"rez-agent/{STAGE}/jwt-signing-secret"
    )["SecretString"]
    env = aws("lambda").get_function_configuration(
        FunctionName=f"rez-agent-jwt-authorizer-{STAGE}"
    )["Environment"]["Variables"]
    return Tokens(secret, env.get("JWT_ISSUER") or None, env.get("JWT_AUDIENCE") or None)


@pytest.fixture(scope="session")
def api(system: System) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=system.api_url, timeout=30) as client:
        yield client


@pytest.fixture(scope="session")
def get_message(
    aws: Callable[[str], Any], system: System
) -> Callable[[str], dict[str, Any] | None]:
    """The stored record of a message, as plain Python values."""
    from boto3.dynamodb.types import TypeDeserializer

    deserializer = TypeDeserializer()

    def get(message_id: str) -> dict[str, Any] | None:
        item = (
            aws("dynamodb")
            .get_item(
                TableName=system.messages_table,
                Key={"message_id": {"S": message_id}},
                ConsistentRead=True,
            )
            .get("Item")
        )
        if item is None:
            return None
        return {k: deserializer.deserialize(v) for k, v in item.items()}

    return get
