"""The payload's bounds and the status machine, without storage."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from rez_messages import InvalidPayloadError, InvalidStatusTransitionError
from rez_messages.model import (
    MessageStatus,
    MessageType,
    Payload,
    format_timestamp,
    new_message,
    parse_priority,
    parse_timestamp,
    sources_of,
)

NOW = datetime(2026, 3, 1, 8, 30, tzinfo=UTC)


def _message():
    return new_message(
        message_type=MessageType.SCHEDULED_HELLO,
        payload=Payload.create("hi"),
        created_by="scheduler",
        stage="dev",
        correlation_id="c-1",
        now=NOW,
        retention=timedelta(days=2),
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (1, 1),
        (5, 5),
        ("min", 1),
        ("low", 2),
        ("default", 3),
        ("high", 4),
        ("max", 5),
        ("urgent", 5),
    ],
)
def test_priority_accepts_numbers_and_ntfy_names(raw, expected):
    # GIVEN a priority as a client may send it / WHEN parsed / THEN it is ntfy's 1-5 number
    assert parse_priority(raw) == expected


@pytest.mark.parametrize("raw", [0, 6, -1, "3", "7", "LOW", "loud", True, 2.5, None])
def test_priority_refuses_anything_else_naming_the_field(raw):
    # GIVEN an out-of-range or unknown priority (names are ntfy's, exactly; numbers are numbers:
    # the API's openapi.yaml says so) / WHEN parsed / THEN the error names `priority`
    with pytest.raises(InvalidPayloadError) as caught:
        parse_priority(raw)
    assert caught.value.field == "priority"


def test_payload_defaults_priority_and_normalises_an_empty_title():
    # GIVEN only a body and an empty title / WHEN created
    payload = Payload.create("body", title="")
    # THEN the priority is ntfy's default and there is no title
    assert payload == Payload(body="body", title=None, priority=3, tags=())


def test_body_is_bounded_in_utf8_bytes_not_characters():
    # GIVEN 1024 four-byte characters (4096 bytes) and one more
    at_limit = "😀" * 1024
    # WHEN / THEN the first is accepted, the second refused with its size
    assert Payload.create(at_limit).body == at_limit
    with pytest.raises(InvalidPayloadError, match="at most 4096 bytes of UTF-8, got 4100"):
        Payload.create(at_limit + "😀")


@pytest.mark.parametrize(
    ("kwargs", "field", "reason"),
    [
        ({"body": ""}, "body", "must not be empty"),
        ({"body": 42}, "body", "must be a string"),
        ({"body": "\ud800"}, "body", "invalid character (a lone surrogate)"),
        ({"body": "b", "title": "t" * 251}, "title", "at most 250 characters, got 251"),
        ({"body": "b", "title": 3}, "title", "must be a string"),
        ({"body": "b", "tags": "a,b"}, "tags", "must be an array of strings"),
        ({"body": "b", "tags": [str(i) for i in range(11)]}, "tags", "at most 10 tags, got 11"),
        ({"body": "b", "tags": ["ok", ""]}, "tags", "tag 1 must contain a non-space character"),
        (
            {"body": "b", "tags": ["a,b"]},
            "tags",
            "tag 0 must contain a non-space character and no comma",
        ),
    ],
)
def test_payload_errors_name_the_field_and_the_reason(kwargs, field, reason):
    # GIVEN an invalid field / WHEN the payload is created / THEN the error is precise
    with pytest.raises(InvalidPayloadError) as caught:
        Payload.create(**kwargs)
    assert caught.value.field == field
    assert reason in str(caught.value)


def test_title_of_250_characters_and_ten_tags_are_accepted():
    # GIVEN values at the limits / WHEN created / THEN kept as given
    payload = Payload.create("b", title="t" * 250, tags=[f"t{i}" for i in range(10)])
    assert len(payload.title or "") == 250
    assert len(payload.tags) == 10


def test_new_message_is_created_with_ttl_from_retention():
    # GIVEN a retention of 2 days / WHEN a message is created
    message = _message()
    # THEN it starts `created`, without attempts or redrives, and expires 2 days later
    assert message.status is MessageStatus.CREATED
    assert (message.attempts, message.redrives) == (0, 0)
    assert message.expires_at == int((NOW + timedelta(days=2)).timestamp())
    assert message.created_at == message.updated_at == NOW


def test_status_machine_happy_path_counts_attempt_and_records_notification():
    # GIVEN a created message
    later = NOW + timedelta(seconds=1)
    # WHEN it goes to processing then completed
    processing = _message().transition_to(MessageStatus.PROCESSING, now=later)
    done = processing.transition_to(MessageStatus.COMPLETED, now=later, notification_id="n-1")
    # THEN one attempt is counted and the notification id recorded
    assert (processing.attempts, done.status, done.notification_id) == (1, "completed", "n-1")
    assert done.updated_at == later


def test_failure_records_the_error():
    # GIVEN a message being processed / WHEN it fails / THEN the reason is kept
    failed = (
        _message()
        .transition_to(MessageStatus.PROCESSING, now=NOW)
        .transition_to(MessageStatus.FAILED, now=NOW, error="ntfy said 500")
    )
    assert (failed.status, failed.error) == ("failed", "ntfy said 500")


@pytest.mark.parametrize(
    ("path", "target"),
    [
        ([], MessageStatus.COMPLETED),
        ([], MessageStatus.CREATED),
        ([MessageStatus.PROCESSING], MessageStatus.CREATED),
        ([MessageStatus.PROCESSING, MessageStatus.COMPLETED], MessageStatus.FAILED),
        ([MessageStatus.PROCESSING, MessageStatus.COMPLETED], MessageStatus.PROCESSING),
        ([MessageStatus.FAILED], MessageStatus.COMPLETED),
        ([MessageStatus.FAILED], MessageStatus.CREATED),
        ([MessageStatus.PROCESSING, MessageStatus.FAILED], MessageStatus.FAILED),
    ],
)
def test_every_other_transition_is_refused(path, target):
    # GIVEN a message moved along an allowed path
    message = _message()
    for status in path:
        message = message.transition_to(status, now=NOW)
    # WHEN asked to move somewhere the machine forbids / THEN refused, naming both ends
    with pytest.raises(InvalidStatusTransitionError) as caught:
        message.transition_to(target, now=NOW)
    assert (caught.value.current, caught.value.target) == (message.status, target)


def test_sources_of_each_status():
    # GIVEN the machine / THEN the conditional writes require exactly these sources
    assert sources_of(MessageStatus.PROCESSING) == {MessageStatus.CREATED, MessageStatus.FAILED}
    assert sources_of(MessageStatus.COMPLETED) == {MessageStatus.PROCESSING}
    assert sources_of(MessageStatus.FAILED) == {MessageStatus.CREATED, MessageStatus.PROCESSING}


def test_retried_only_from_processing():
    # GIVEN a created message / WHEN retried / THEN refused (only a processing one can be)
    with pytest.raises(InvalidStatusTransitionError):
        _message().retried(now=NOW)
    taken = _message().transition_to(MessageStatus.PROCESSING, now=NOW).retried(now=NOW)
    assert (taken.status, taken.attempts) == ("processing", 2)


def _failed_after(attempts: int, error: str = "ntfy said 500"):
    message = _message().transition_to(MessageStatus.PROCESSING, now=NOW)
    for _ in range(attempts - 1):
        message = message.retried(now=NOW)
    return message.transition_to(MessageStatus.FAILED, now=NOW, error=error)


def test_redriven_restarts_attempts_counts_the_redrive_and_keeps_the_error():
    # GIVEN a message that failed on its third attempt
    failed = _failed_after(3)
    later = NOW + timedelta(minutes=5)
    # WHEN a DLQ redrive delivers it again
    redriven = failed.redriven(now=later)
    # THEN it is processing again, as a first attempt, with one redrive and the last error visible
    assert (redriven.status, redriven.attempts, redriven.redrives) == ("processing", 1, 1)
    assert redriven.error == "ntfy said 500"
    assert redriven.updated_at == later
    # AND transition_to(processing) from failed is the same step
    assert failed.transition_to(MessageStatus.PROCESSING, now=later) == redriven


def test_a_second_redrive_counts_two():
    # GIVEN a redriven message that failed again / WHEN redriven again / THEN two redrives
    again = (
        _failed_after(1)
        .redriven(now=NOW)
        .transition_to(MessageStatus.FAILED, now=NOW, error="still down")
        .redriven(now=NOW)
    )
    assert (again.attempts, again.redrives, again.error) == (1, 2, "still down")


@pytest.mark.parametrize("path", [[], [MessageStatus.PROCESSING]])
def test_redriven_only_from_failed(path):
    # GIVEN a created or processing message
    message = _message()
    for status in path:
        message = message.transition_to(status, now=NOW)
    # WHEN redriven / THEN refused, naming the stored status and processing
    with pytest.raises(InvalidStatusTransitionError) as caught:
        message.redriven(now=NOW)
    assert (caught.value.current, caught.value.target) == (message.status, "processing")


def test_completion_clears_the_error_of_a_redriven_message():
    # GIVEN a redriven message carrying its last error
    redriven = _failed_after(2).redriven(now=NOW)
    # WHEN it completes
    done = redriven.transition_to(MessageStatus.COMPLETED, now=NOW, notification_id="n-9")
    # THEN the error is gone, the redrive count and notification id stay
    assert (done.status, done.error, done.redrives, done.notification_id) == (
        "completed",
        None,
        1,
        "n-9",
    )


def test_completion_without_an_id_keeps_one_recorded_earlier():
    # GIVEN a processing message whose notification id the notifier already recorded
    from dataclasses import replace

    processing = replace(
        _message().transition_to(MessageStatus.PROCESSING, now=NOW), notification_id="n-1"
    )
    # WHEN completed without an id / THEN the recorded id is kept
    done = processing.transition_to(MessageStatus.COMPLETED, now=NOW, notification_id=None)
    assert done.notification_id == "n-1"


def test_timestamps_are_fixed_width_and_round_trip():
    # GIVEN a time without microseconds / WHEN formatted / THEN microseconds are still written
    text = format_timestamp(NOW)
    assert text == "2026-03-01T08:30:00.000000Z"
    assert parse_timestamp(text) == NOW
    with pytest.raises(ValueError, match="timezone-aware"):
        format_timestamp(datetime(2026, 1, 1))


def test_every_invalid_field_is_reported_at_once():
    # GIVEN a payload wrong in all four fields
    # WHEN created
    with pytest.raises(InvalidPayloadError) as caught:
        Payload.create("", title=7, priority="loud", tags=["a,b"])
    # THEN each field's problem is listed, in field order, and the first one is `field`/`reason`
    assert [field for field, _ in caught.value.problems] == ["body", "title", "priority", "tags"]
    assert (caught.value.field, caught.value.reason) == ("body", "must not be empty")
    assert "priority: unknown priority 'loud'" in str(caught.value)
