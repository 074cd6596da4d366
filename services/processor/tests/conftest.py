"""Processor test fixtures: clean telemetry, stored messages, SQS records, a fake notifier,
fake SQS adapters (visibility, deferral) and a pinned clock."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from rez_messages import InMemoryMessageRepository, Message, MessageRepository
from rez_messages.dynamodb import DynamoDBMessageRepository
from rez_messages.model import MessageType, Payload, new_message
from rez_messages.notification import NotificationAnswer, NotificationRequest, NotSentReason
from rez_messages.testing import create_messages_table
from rez_processor import bootstrap
from rez_processor.deferral import DeferredCopy
from rez_processor.notifier import NotifierError
from rez_processor.retry_delay import RetryDelays
from rez_processor.service import ProcessingContext
from rez_telemetry.testing import CapturedTelemetry, reset_telemetry

EVENTS = Path(__file__).parent / "events"
REGION = "us-east-1"
TABLE = "rez-agent-messages-dev"
MAX_RECEIVE_COUNT = 3
_LEAKY_ENV = (
    "AWS_PROFILE",
    "AWS_ENDPOINT_URL",
    "AWS_SESSION_TOKEN",
    "LOG_LEVEL",
    "_X_AMZN_TRACE_ID",
    "PROCESSOR_CONCURRENCY",
)


@pytest.fixture(autouse=True)
def _clean_state(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """Fake credentials, a dev stage, EMF metrics and OTel spans to a file; nothing leaks."""
    for name in _LEAKY_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("STAGE", "dev")
    monkeypatch.setenv("SERVICE_NAME", "processor")
    monkeypatch.setenv("METRICS_BACKEND", "emf")
    monkeypatch.setenv("TRACING_BACKEND", "otel")
    monkeypatch.setenv("TRACE_EXPORT_FILE", str(tmp_path / "spans.jsonl"))
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "rez-agent-message-processor-dev")
    _reset()
    yield
    _reset()


def _reset() -> None:
    bootstrap.reset()
    reset_telemetry()


Telemetry = CapturedTelemetry


@pytest.fixture
def telemetry(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> Telemetry:
    return Telemetry(capsys, tmp_path / "spans.jsonl")


@dataclass
class FakeNotifier:
    """A `NotifierClient` that records calls; `answers[message_id]` is a result or an error."""

    answers: dict[str, NotificationAnswer | Exception] = field(default_factory=dict)
    calls: list[dict[str, Any]] = field(default_factory=list)

    def notify(self, request: NotificationRequest) -> NotificationAnswer:
        self.calls.append(
            {
                "message_id": request.message_id,
                "correlation_id": request.correlation_id,
                "trace_context": request.trace_context,
            }
        )
        message_id = request.message_id
        answer = self.answers.get(message_id, NotificationAnswer.sent(f"ntfy-{message_id[:8]}"))
        if isinstance(answer, Exception):
            raise answer
        return answer

    def fail(self, message_id: str, error_type: str, error_message: str = "boom") -> None:
        """The notifier fails (a Lambda function error of type `error_type`)."""
        self.answers[message_id] = NotifierError(error_type, error_message)

    def not_sent(
        self,
        message_id: str,
        reason: NotSentReason,
        retry_after_seconds: float | None = None,
        detail: str = "not sent",
    ) -> None:
        """The notifier answers `not_sent` for `reason`."""
        self.answers[message_id] = NotificationAnswer.not_sent(
            reason, retry_after_seconds=retry_after_seconds, detail=detail
        )


@pytest.fixture
def notifier() -> FakeNotifier:
    return FakeNotifier()


@dataclass
class FakeVisibility:
    """A `MessageVisibility` that records `(sqs messageId, seconds)`; `failure` is raised if set."""

    postponed: list[tuple[str, int]] = field(default_factory=list)
    failure: Exception | None = None

    def postpone(self, record: Any, seconds: int) -> None:
        if self.failure is not None:
            raise self.failure
        self.postponed.append((record["messageId"], seconds))


@pytest.fixture
def visibility() -> FakeVisibility:
    return FakeVisibility()


@dataclass
class FakeDeferral:
    """A `MessageDeferral` that records `(sqs messageId, copy)`; `failure` is raised if set."""

    copies: list[tuple[str, DeferredCopy]] = field(default_factory=list)
    failure: Exception | None = None

    def defer(self, record: Any, copy: DeferredCopy) -> str:
        if self.failure is not None:
            raise self.failure
        self.copies.append((record["messageId"], copy))
        return f"copy-{len(self.copies)}"


@pytest.fixture
def deferral() -> FakeDeferral:
    return FakeDeferral()


@dataclass
class FakeClock:
    """Epoch seconds that move only when told (the deferral bound reads it)."""

    now: float

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


#: 2026-01-01T12:00:00Z: the wall clock the retry delays see in the unit tests.
NOW_EPOCH = datetime(2026, 1, 1, 12, 0, tzinfo=UTC).timestamp()


def top_of_jitter_delays(**overrides: Any) -> RetryDelays:
    """Retry delays pinned to the top of their jitter range (2, 4, 8 ... s)."""
    settings: dict[str, Any] = {"random": lambda: 1.0}
    return RetryDelays(**(settings | overrides))


@pytest.fixture
def repository() -> MessageRepository:
    return InMemoryMessageRepository()


@pytest.fixture
def clock() -> FakeClock:
    """The processor's wall clock in the unit tests, starting at `NOW_EPOCH`."""
    return FakeClock(NOW_EPOCH)


@pytest.fixture
def ctx(
    repository: MessageRepository,
    notifier: FakeNotifier,
    visibility: FakeVisibility,
    deferral: FakeDeferral,
    clock: FakeClock,
) -> ProcessingContext:
    return ProcessingContext(
        repository=repository,
        notifier=notifier,
        max_receive_count=MAX_RECEIVE_COUNT,
        retry_delays=top_of_jitter_delays(),
        visibility=visibility,
        deferral=deferral,
        clock=clock,
    )


@pytest.fixture
def stored(repository: MessageRepository):
    """Store a new `created` message (the scheduler's or the API's job) and return it."""
    counter = iter(range(1, 1000))

    def store(body: str = "hello", *, correlation_id: str | None = None) -> Message:
        n = next(counter)
        message = new_message(
            message_type=MessageType.SCHEDULED_HELLO,
            payload=Payload.create(body),
            created_by="scheduler",
            stage="dev",
            correlation_id=correlation_id or f"corr-{n}",
            now=datetime(2026, 1, 1, 12, 0, tzinfo=UTC) + timedelta(seconds=n),
            retention=timedelta(days=7),
        )
        repository.add(message)
        return message

    return store


def _load(name: str) -> Any:
    return json.loads((EVENTS / name).read_text())


@pytest.fixture
def load_event():
    """A real event shape from tests/events."""
    return _load


@pytest.fixture
def sqs_record():
    """An SQS record as Lambda delivers it, carrying `message` (raw delivery or SNS envelope)."""
    counter = iter(range(1, 1000))

    def make(
        message: Message | None = None,
        *,
        receive_count: int = 1,
        enveloped: bool = False,
        body: str | None = None,
        trace_context: str | None = None,
        attempt_offset: int | None = None,
        deferred_since: float | None = None,
    ) -> dict[str, Any]:
        template = "sqs_record_sns_envelope.json" if enveloped else "sqs_record_raw.json"
        record = copy.deepcopy(_load(template)["Records"][0])
        record["messageId"] = f"sqs-{next(counter):04d}"
        record["attributes"]["ApproximateReceiveCount"] = str(receive_count)
        if enveloped:
            envelope = json.loads(record["body"])
            attributes = envelope["MessageAttributes"]
            if message is not None:
                envelope["Message"] = json.dumps({"message_id": message.message_id})
                attributes["correlation_id"]["Value"] = message.correlation_id
            if trace_context is not None:
                attributes["trace_context"]["Value"] = trace_context
            record["body"] = json.dumps(envelope)
        else:
            attributes = record["messageAttributes"]
            if message is not None:
                record["body"] = json.dumps({"message_id": message.message_id})
                attributes["correlation_id"]["stringValue"] = message.correlation_id
            if trace_context is not None:
                attributes["trace_context"]["stringValue"] = trace_context
        if body is not None:
            record["body"] = body
        deferred = {"attempt_offset": attempt_offset, "deferred_since": deferred_since}
        for name, value in deferred.items():
            if value is not None:
                record["messageAttributes"][name] = {
                    "stringValue": str(value),
                    "dataType": "Number",
                }
        return record

    return make


def batch(*records: dict[str, Any]) -> dict[str, Any]:
    return {"Records": list(records)}


@pytest.fixture
def make_batch():
    return batch


class FakeLambdaContext:
    aws_request_id = "7c1d0e2a-4b8f-4c3e-9f6a-2b1d0c9e8f77"
    function_name = "rez-agent-message-processor-dev"
    memory_limit_in_mb = 256
    invoked_function_arn = (
        "arn:aws:lambda:us-east-1:123456789012:function:rez-agent-message-processor-dev"
    )


@pytest.fixture
def lambda_context() -> FakeLambdaContext:
    return FakeLambdaContext()


@pytest.fixture
def dynamodb(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """moto DynamoDB with the real table; the processor's env vars point at it."""
    with mock_aws():
        client = boto3.client("dynamodb", region_name=REGION)
        create_messages_table(client, TABLE)
        monkeypatch.setenv("MESSAGES_TABLE", TABLE)
        monkeypatch.setenv("NOTIFIER_FUNCTION_NAME", "rez-agent-notification-service-dev")
        monkeypatch.setenv("MAX_RECEIVE_COUNT", str(MAX_RECEIVE_COUNT))
        yield client


@pytest.fixture
def dynamodb_repository(dynamodb: Any) -> DynamoDBMessageRepository:
    return DynamoDBMessageRepository(TABLE, dynamodb)
