"""Fixtures shared by the notifier's tests: fake AWS credentials, moto tables, a manual clock."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace

import boto3
import pytest
from moto import mock_aws

from rez_messages.testing import create_messages_table

REGION = "eu-west-1"
MESSAGES_TABLE = "rez-agent-messages-test"
BREAKER_TABLE = "rez-agent-circuit-breaker-test"


@pytest.fixture(autouse=True)
def _aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test may reach a real AWS account or a developer's profile."""
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")


@pytest.fixture
def table_names() -> SimpleNamespace:
    """The test stage's table names: `messages` and `breaker` (circuit state + rate limit)."""
    return SimpleNamespace(messages=MESSAGES_TABLE, breaker=BREAKER_TABLE)


@pytest.fixture
def aws() -> Iterator[None]:
    """Every boto3 call inside the test goes to moto."""
    with mock_aws():
        yield


@pytest.fixture
def dynamodb(aws: None):
    """A DynamoDB client with the breaker/rate-limit table (PK `pk`) and the messages table."""
    client = boto3.client("dynamodb", region_name=REGION)
    client.create_table(
        TableName=BREAKER_TABLE,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    create_messages_table(client, MESSAGES_TABLE)
    return client


class ManualClock:
    """A wall clock that only moves when told to; `sleep` moves it and records the wait."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()
