"""The scheduler use case with the in-memory repository and publisher fakes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from rez_messages import (
    InMemoryMessageRepository,
    InMemoryPublisher,
    InvalidPayloadError,
    MessageStatus,
    MessageType,
)
from rez_scheduler.schedule_input import ScheduleOverrides
from rez_scheduler.service import (
    DEFAULT_BODY,
    DEFAULT_TITLE,
    PublishFailedError,
    create_scheduled_message,
)
from rez_telemetry.resilience import retry_policy

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


class BrokenRepository(InMemoryMessageRepository):
    """Stores, but cannot record a failure (DynamoDB went away between the two calls)."""

    def mark_failed(self, message_id, *, error):
        raise ConnectionError("dynamodb unreachable")


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def run(sleeps):
    def run(overrides=None, *, repository=None, publisher=None):
        repository = repository or InMemoryMessageRepository()
        publisher = publisher or InMemoryPublisher()
        result = create_scheduled_message(
            overrides or ScheduleOverrides(),
            repository=repository,
            publisher=publisher,
            stage="dev",
            retention=timedelta(days=7),
            retry=retry_policy(max_attempts=3, sleep=sleeps.append),
            now=NOW,
        )
        return result, repository, publisher

    return run


def test_creates_stores_and_publishes_a_scheduled_hello(run):
    # GIVEN no overrides / WHEN the schedule fires
    result, repository, publisher = run()
    # THEN one scheduled_hello is stored as created and published once
    stored = repository.get(result.message_id)
    assert stored.message_type is MessageType.SCHEDULED_HELLO
    assert stored.status is MessageStatus.CREATED
    assert stored.created_by == "scheduler"
    assert (stored.payload.title, stored.payload.body) == (DEFAULT_TITLE, DEFAULT_BODY)
    assert stored.expires_at == int((NOW + timedelta(days=7)).timestamp())
    assert publisher.published == [stored]
    # AND the answer names the message, its correlation and its status
    assert result.as_dict() == {
        "message_id": stored.message_id,
        "correlation_id": stored.correlation_id,
        "status": "created",
    }


def test_each_firing_starts_a_new_correlation(run):
    # GIVEN two firings / WHEN each creates a message / THEN each journey has its own id
    first, _, _ = run()
    second, _, _ = run()
    assert first.correlation_id != second.correlation_id


def test_overrides_replace_the_defaults(run):
    # GIVEN a custom title, body, priority name and tags
    overrides = ScheduleOverrides(title="T", body="B", priority="urgent", tags=["x"])
    # WHEN the schedule fires / THEN the stored payload has them
    result, repository, _ = run(overrides)
    payload = repository.get(result.message_id).payload
    assert (payload.title, payload.body, payload.priority, payload.tags) == ("T", "B", 5, ("x",))


def test_invalid_override_stores_and_publishes_nothing(run):
    # GIVEN a priority out of range
    repository, publisher = InMemoryMessageRepository(), InMemoryPublisher()
    # WHEN the schedule fires / THEN refused by field, and nothing was stored or sent
    with pytest.raises(InvalidPayloadError) as caught:
        run(ScheduleOverrides(priority=9), repository=repository, publisher=publisher)
    assert caught.value.field == "priority"
    assert repository.list_all().items == ()
    assert publisher.published == []


def test_transient_publish_failure_is_retried(run, sleeps):
    # GIVEN SNS failing twice with a connection error, then working
    publisher = InMemoryPublisher(failures=[ConnectionError("reset"), TimeoutError("slow")])
    # WHEN the schedule fires
    result, repository, _ = run(publisher=publisher)
    # THEN the third attempt publishes, after two backoff sleeps, and the message stays created
    assert [m.message_id for m in publisher.published] == [result.message_id]
    assert len(sleeps) == 2
    assert repository.get(result.message_id).status is MessageStatus.CREATED


def test_publish_failure_after_retries_marks_the_message_failed(run, telemetry):
    # GIVEN SNS down for every attempt
    publisher = InMemoryPublisher(failures=[ConnectionError("down")] * 3)
    repository = InMemoryMessageRepository()
    # WHEN the schedule fires / THEN the call fails, naming the message
    with pytest.raises(PublishFailedError) as caught:
        run(repository=repository, publisher=publisher)
    # AND the stored message is failed with the reason, never left `created`
    stored = repository.get(caught.value.message_id)
    assert stored.status is MessageStatus.FAILED
    assert stored.error == "publish to SNS failed: ConnectionError: down"
    assert telemetry.log("Message publish failed")["level"] == "ERROR"
    status_line = telemetry.log("Message status updated")
    assert (status_line["old_status"], status_line["new_status"]) == ("created", "failed")


def test_non_retryable_publish_error_is_not_retried(run, sleeps):
    # GIVEN an error that retrying cannot fix
    publisher = InMemoryPublisher(failures=[ValueError("bad topic")])
    # WHEN the schedule fires / THEN one attempt only
    with pytest.raises(PublishFailedError, match="ValueError: bad topic"):
        run(publisher=publisher)
    assert sleeps == []


def test_failure_to_mark_failed_is_logged_and_the_publish_error_raised(run, telemetry):
    # GIVEN SNS down and DynamoDB gone when recording the failure
    publisher = InMemoryPublisher(failures=[ValueError("bad topic")])
    # WHEN the schedule fires / THEN the publish failure is what the caller sees
    with pytest.raises(PublishFailedError):
        run(repository=BrokenRepository(), publisher=publisher)
    # AND the line that explains the stuck `created` message is there
    line = telemetry.log("Could not mark unpublished message failed")
    assert line["mark_error"] == "ConnectionError: dynamodb unreachable"
    assert line["error"] == "publish to SNS failed: ValueError: bad topic"
