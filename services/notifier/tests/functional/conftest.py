"""Functional fixtures: the real wiring (`bootstrap.build`) over moto, respx for ntfy, and
captured log lines and metrics. Global state (logging, metrics, the cached notifier, cold
start) is reset around every test."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import boto3
import httpx
import pytest
import respx

from rez_messages import MessageType, Payload, new_message
from rez_messages.dynamodb import DynamoDBMessageRepository
from rez_notifier import bootstrap
from rez_notifier.config import NotifierSettings
from rez_telemetry import metrics
from rez_telemetry.cold_start import reset_cold_start
from rez_telemetry.logging import configure_logging, reset_logging
from rez_telemetry.resilience import DynamoDBStateStore
from rez_telemetry.tracing import tracer

NTFY_URL = "https://ntfy.test"
TOPIC = "rez-agent-test"
MESSAGE_ID = "550e8400-e29b-41d4-a716-446655440000"
CORRELATION_ID = "660e9500-f39c-52e5-b827-557766551111"
TOKEN = "tk_4hn8ps3qvbt0zyj6x1e2m7r5wu9c"
SECRET_NAME = "rez-agent/test/ntfy-token"


@pytest.fixture(autouse=True)
def _reset_global_state(monkeypatch: pytest.MonkeyPatch):
    """Each test starts with no cached notifier, fresh logging/metrics, and a cold start."""
    monkeypatch.setenv("STAGE", "test")
    monkeypatch.setenv("TRACING_BACKEND", "off")
    bootstrap.reset()
    reset_logging()
    metrics.reset()
    tracer.reset()
    reset_cold_start()
    yield
    bootstrap.reset()
    reset_logging()
    metrics.reset()
    tracer.reset()


@pytest.fixture
def log_lines() -> list[str]:
    """Every log line written, raw (as CloudWatch would store it), DEBUG and up."""
    lines: list[str] = []
    configure_logging(service="notifier", stage="test", level="DEBUG", sink=lines.append)
    return lines


@pytest.fixture
def logs(log_lines: list[str]):
    """The log lines parsed; `logs("Some message")` lists the events with that message."""

    def events(message: str | None = None) -> list[dict]:
        parsed = [json.loads(line) for line in log_lines]
        return [e for e in parsed if message is None or e.get("message") == message]

    return events


@pytest.fixture
def emitted_metrics():
    """Metrics flushed as EMF; `emitted_metrics()` lists (name, dimensions, values)."""
    lines: list[str] = []
    metrics.configure(backend="emf", write=lines.append)

    def read() -> list[tuple[str, dict[str, str], list[float]]]:
        found = []
        for chunk in lines:
            for line in chunk.splitlines():
                document = json.loads(line)
                directive = document["_aws"]["CloudWatchMetrics"][0]
                dimensions = {name: document[name] for name in directive["Dimensions"][0]}
                for metric in directive["Metrics"]:
                    value = document[metric["Name"]]
                    values = value if isinstance(value, list) else [value]
                    found.append((metric["Name"], dimensions, values))
        return found

    return read


@pytest.fixture
def repository(dynamodb, table_names):
    return DynamoDBMessageRepository(table_names.messages, dynamodb)


@pytest.fixture
def store_message(repository):
    """Store a message as the scheduler/web-api would; returns it."""

    def store(body: str = "Hello from rez_agent", **fields):
        payload = Payload.create(
            body,
            title=fields.pop("title", "Hello"),
            priority=fields.pop("priority", "high"),
            tags=fields.pop("tags", ["wave"]),
        )
        message = new_message(
            message_type=MessageType.SCHEDULED_HELLO,
            payload=payload,
            created_by="scheduler",
            stage="test",
            correlation_id=fields.pop("correlation_id", CORRELATION_ID),
            now=datetime.now(UTC),
            retention=timedelta(days=1),
            message_id=fields.pop("message_id", MESSAGE_ID),
        )
        repository.add(message)
        return message

    return store


@pytest.fixture
def settings(table_names) -> NotifierSettings:
    """ntfy.sh-like settings, rate limit off (tests that want it turn it on)."""
    return NotifierSettings(
        messages_table=table_names.messages,
        circuit_breaker_table=table_names.breaker,
        ntfy_topic=TOPIC,
        ntfy_url=NTFY_URL,
        ntfy_rate_per_second=0,
    )


@pytest.fixture
def ntfy():
    """A respx router standing in for ntfy (no network); unmatched requests fail the test."""
    with respx.mock(base_url=NTFY_URL, assert_all_called=False) as router:
        yield router


@pytest.fixture
def wire(dynamodb, clock):
    """Build the notifier as bootstrap does, over moto, and make the handler use it."""

    def build(settings: NotifierSettings, **overrides):
        notifier = bootstrap.build(
            settings,
            dynamodb=overrides.pop("dynamodb", dynamodb),
            secretsmanager=overrides.pop("secretsmanager", None),
            clock=clock,
            sleep=clock.sleep,
        )
        bootstrap.override(notifier)
        return notifier

    return build


@pytest.fixture
def breaker_store(dynamodb, table_names) -> DynamoDBStateStore:
    """Direct access to the shared circuit state (to open it, or read counts)."""
    return DynamoDBStateStore(table_names.breaker, dynamodb)


@pytest.fixture
def secrets(aws):
    client = boto3.client("secretsmanager")
    client.create_secret(Name=SECRET_NAME, SecretString=TOKEN)
    return client


@pytest.fixture
def lambda_context():
    """What the Lambda runtime passes: request id, function name, remaining time."""
    return SimpleNamespace(
        aws_request_id="req-0001",
        function_name="rez-agent-notification-service-test",
        memory_limit_in_mb=256,
        invoked_function_arn=(
            "arn:aws:lambda:eu-west-1:123456789012:function:rez-agent-notification-service-test"
        ),
        get_remaining_time_in_millis=lambda: 30_000,
    )


@pytest.fixture
def publish(ntfy):
    """The respx route of `POST /<topic>`; set `.side_effect` or `.return_value` per test."""
    return ntfy.post(f"/{TOPIC}")


@pytest.fixture
def invoke_event() -> dict:
    """The processor's real invoke payload (tests/events/notifier_invoke.json)."""
    path = Path(__file__).parent.parent / "events" / "notifier_invoke.json"
    return json.loads(path.read_text())


@pytest.fixture
def ntfy_token() -> str:
    return TOKEN


@pytest.fixture
def token_secret_name() -> str:
    return SECRET_NAME


def ntfy_ok(notification_id: str = "sPs71M8A2T") -> httpx.Response:
    """ntfy's answer to a publish."""
    return httpx.Response(
        200,
        json={
            "id": notification_id,
            "time": 1700000000,
            "expires": 1700043200,
            "event": "message",
            "topic": TOPIC,
            "message": "…",
        },
    )


def ntfy_error(status: int, error: str) -> httpx.Response:
    """ntfy's JSON error answer (`{"code", "http", "error", "link"}`); no Retry-After, ever."""
    return httpx.Response(
        status,
        json={"code": status * 100 + 1, "http": status, "error": error, "link": ""},
    )


@pytest.fixture
def responses():
    """Builders of ntfy answers: `responses.ok(id)`, `responses.error(status, text)`."""
    return SimpleNamespace(ok=ntfy_ok, error=ntfy_error)
