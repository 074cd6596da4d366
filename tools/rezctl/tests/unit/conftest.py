"""moto-backed AWS for the unit tests, and the shared fixtures of a deployed-looking stage."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from moto import mock_aws

# Test modules import their helpers from support.py (pytest runs in importlib mode).
sys.path.insert(0, str(Path(__file__).parent))

from support import REGION, SECRET, STAGE, client, lambda_zip

from rezctl.target import Target


@pytest.fixture(autouse=True)
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No real credentials, no harness: every test is in moto unless it says otherwise."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.delenv("LOCALSTACK_ENDPOINT", raising=False)
    monkeypatch.delenv("REZ_STAGE", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)


@pytest.fixture
def moto_aws() -> Iterator[None]:
    with mock_aws():
        yield


@pytest.fixture
def target(moto_aws: None) -> Target:
    return Target.resolve(stage=STAGE, region=REGION)


@pytest.fixture
def authorizer(moto_aws: None) -> dict[str, str]:
    """The stage's signing secret and an authorizer function with its JWT env (as deployed)."""
    client("secretsmanager").create_secret(
        Name=f"rez-agent/{STAGE}/jwt-signing-secret", SecretString=SECRET
    )
    role = client("iam").create_role(
        RoleName="authorizer-role",
        AssumeRolePolicyDocument='{"Version":"2012-10-17","Statement":[]}',
    )["Role"]["Arn"]
    env = {"JWT_ISSUER": "rez-agent", "JWT_AUDIENCE": "rez-agent-api", "JWT_ALGORITHMS": "HS256"}
    client("lambda").create_function(
        FunctionName=f"rez-agent-jwt-authorizer-{STAGE}",
        Runtime="python3.13",
        Role=role,
        Handler="app.handler",
        Code={"ZipFile": lambda_zip()},
        Environment={"Variables": env},
    )
    return {"secret": SECRET, "issuer": env["JWT_ISSUER"], "audience": env["JWT_AUDIENCE"]}


@pytest.fixture
def messages_table(moto_aws: None) -> str:
    from rez_messages.testing import create_messages_table

    name = f"rez-agent-messages-{STAGE}"
    create_messages_table(client("dynamodb"), name)
    return name


@pytest.fixture
def breaker_table(moto_aws: None) -> str:
    name = f"rez-agent-circuit-breaker-{STAGE}"
    client("dynamodb").create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
    )
    return name
