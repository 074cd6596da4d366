"""Fixtures shared by the rez_messages tests: fake AWS credentials, moto, a stepping clock."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from rez_messages import InMemoryMessageRepository, Message, MessageRepository
from rez_messages.dynamodb import DynamoDBMessageRepository
from rez_messages.model import MessageType, Payload, new_message
from rez_messages.testing import create_messages_table

REGION = "us-east-1"
TABLE = "rez-agent-messages-test"


class SteppingClock:
    """A clock that moves 1 ms per reading: timestamps are distinct and ordered."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(milliseconds=1)
        return self.now


@pytest.fixture(autouse=True)
def _aws_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No real credentials or endpoints can leak into a test."""
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)


@pytest.fixture
def clock() -> SteppingClock:
    return SteppingClock(datetime(2026, 1, 1, 12, 0, tzinfo=UTC))


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        yield


@pytest.fixture
def table_name() -> str:
    return TABLE


@pytest.fixture
def dynamodb_client(aws: None):
    client = boto3.client("dynamodb", region_name=REGION)
    create_messages_table(client, TABLE)
    return client


@pytest.fixture(params=["memory", "dynamodb"])
def repository(request: pytest.FixtureRequest, clock: SteppingClock) -> MessageRepository:
    """Every contract test runs against the fake and against DynamoDB (moto)."""
    if request.param == "memory":
        return InMemoryMessageRepository(clock=clock)
    client = request.getfixturevalue("dynamodb_client")
    return DynamoDBMessageRepository(TABLE, client, clock=clock)


@pytest.fixture
def make_message(clock: SteppingClock):
    """Build a valid `created` message; keyword arguments override the defaults."""

    def make(
        body: str = "hello",
        *,
        message_type: MessageType = MessageType.MANUAL,
        created_by: str = "ana@example.com",
        correlation_id: str = "corr-1",
    ) -> Message:
        return new_message(
            message_type=message_type,
            payload=Payload.create(body, title="Greeting", priority="high", tags=["wave"]),
            created_by=created_by,
            stage="dev",
            correlation_id=correlation_id,
            now=clock(),
            retention=timedelta(days=7),
        )

    return make


EVENTS = Path(__file__).parent / "events"


@pytest.fixture
def load_event():
    """Read a real event shape from tests/events/."""

    def load(name: str) -> dict:
        return json.loads((EVENTS / name).read_text())

    return load
