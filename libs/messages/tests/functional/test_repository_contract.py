"""One contract, two adapters: the in-memory fake and DynamoDB (moto) must behave the same."""

from __future__ import annotations

import pytest

from rez_messages import (
    IdempotencyConflictError,
    InvalidCursorError,
    InvalidPayloadError,
    MessageAlreadyExistsError,
    MessageNotFoundError,
    MessageStatus,
    StatusConflictError,
)
from rez_messages.model import MessageType

UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"


def test_add_then_get_returns_the_same_message(repository, make_message):
    # GIVEN a new message / WHEN stored and read back
    message = make_message()
    repository.add(message)
    # THEN every field survives the round trip
    assert repository.get(message.message_id) == message


def test_add_refuses_an_existing_id(repository, make_message):
    # GIVEN a stored message / WHEN stored again / THEN refused, the first one kept
    message = make_message("first")
    repository.add(message)
    from dataclasses import replace

    with pytest.raises(MessageAlreadyExistsError):
        repository.add(replace(message, correlation_id="other"))
    assert repository.get(message.message_id).correlation_id == message.correlation_id


def test_get_of_unknown_id_raises_not_found(repository):
    # GIVEN nothing stored / WHEN read / THEN not found, naming the id
    with pytest.raises(MessageNotFoundError, match=UNKNOWN_ID):
        repository.get(UNKNOWN_ID)


def test_processing_then_completed_records_attempt_and_notification(repository, make_message):
    # GIVEN a created message
    message = make_message()
    repository.add(message)
    # WHEN it is taken for processing and completed
    processing = repository.mark_processing(message.message_id)
    completed = repository.mark_completed(message.message_id, notification_id="ntfy-42")
    # THEN one attempt is counted, updated_at moves, the notification id is stored
    assert (processing.status, processing.attempts) == ("processing", 1)
    assert processing.updated_at > message.updated_at
    assert completed.status == "completed"
    assert completed.notification_id == "ntfy-42"
    assert repository.get(message.message_id) == completed


def test_completed_without_notification_id(repository, make_message):
    # GIVEN a message being processed / WHEN completed with no id / THEN none is stored
    message = make_message()
    repository.add(message)
    repository.mark_processing(message.message_id)
    assert (
        repository.mark_completed(message.message_id, notification_id=None).notification_id is None
    )


def test_duplicate_delivery_is_detected_with_current_status(repository, make_message):
    # GIVEN a message already taken for processing
    message = make_message()
    repository.add(message)
    repository.mark_processing(message.message_id)
    # WHEN a second delivery tries to take it / THEN the conflict tells the stored status
    with pytest.raises(StatusConflictError) as caught:
        repository.mark_processing(message.message_id)
    assert (caught.value.current, caught.value.attempts) == ("processing", 1)
    # AND once completed, the same holds with `completed`
    repository.mark_completed(message.message_id, notification_id="n")
    with pytest.raises(StatusConflictError) as caught:
        repository.mark_processing(message.message_id, retry_if_attempts_below=9)
    assert caught.value.current == "completed"


def test_retry_takes_over_a_stuck_processing_only_below_the_bound(repository, make_message):
    # GIVEN a message left in processing by an attempt that crashed (attempts = 1)
    message = make_message()
    repository.add(message)
    repository.mark_processing(message.message_id)
    # WHEN the same attempt number arrives again / THEN it is a duplicate
    with pytest.raises(StatusConflictError):
        repository.mark_processing(message.message_id, retry_if_attempts_below=1)
    # WHEN a later delivery (receive count 2) arrives / THEN it takes over and counts an attempt
    taken = repository.mark_processing(message.message_id, retry_if_attempts_below=2)
    assert (taken.status, taken.attempts) == ("processing", 2)


def test_mark_processing_of_unknown_message_raises_not_found(repository):
    # GIVEN no such message / WHEN taken for processing / THEN not found
    with pytest.raises(MessageNotFoundError):
        repository.mark_processing(UNKNOWN_ID)


def test_failed_from_created_and_from_processing_records_error(repository, make_message):
    # GIVEN one message never published and one being processed
    unpublished, processing = make_message("a"), make_message("b")
    repository.add(unpublished)
    repository.add(processing)
    repository.mark_processing(processing.message_id)
    # WHEN both fail / THEN the reasons are stored
    assert repository.mark_failed(unpublished.message_id, error="SNS down").error == "SNS down"
    failed = repository.mark_failed(processing.message_id, error="x" * 5000)
    assert failed.status == "failed"
    assert len(failed.error or "") == 1000


@pytest.mark.parametrize("final", ["completed", "failed"])
def test_final_statuses_refuse_every_change_but_a_redrive_of_failed(
    repository, make_message, final
):
    # GIVEN a completed or failed message
    message = make_message()
    repository.add(message)
    repository.mark_processing(message.message_id)
    if final == "completed":
        repository.mark_completed(message.message_id, notification_id="n")
    else:
        repository.mark_failed(message.message_id, error="boom")
    # WHEN any other transition is tried / THEN refused with the stored status, record unchanged
    before = repository.get(message.message_id)
    attempts = [
        lambda: repository.mark_completed(message.message_id, notification_id="other"),
        lambda: repository.mark_failed(message.message_id, error="late"),
        lambda: repository.mark_processing(message.message_id, retry_if_attempts_below=99),
    ]
    if final == "completed":
        attempts.append(lambda: repository.redrive(message.message_id))
    for attempt in attempts:
        with pytest.raises(StatusConflictError) as caught:
            attempt()
        assert caught.value.current == final
    assert repository.get(message.message_id) == before


def test_completed_requires_processing(repository, make_message):
    # GIVEN a created message / WHEN completed directly / THEN refused
    message = make_message()
    repository.add(message)
    with pytest.raises(StatusConflictError) as caught:
        repository.mark_completed(message.message_id, notification_id="n")
    assert (caught.value.current, caught.value.target) == ("created", "completed")


def test_list_by_status_is_newest_first_and_paginates(repository, make_message):
    # GIVEN five created messages and one processing
    created = [make_message(f"m{i}") for i in range(5)]
    for message in created:
        repository.add(message)
    other = make_message("other")
    repository.add(other)
    repository.mark_processing(other.message_id)
    # WHEN listed two at a time
    pages, cursor = [], None
    while True:
        page = repository.list_by_status("created", limit=2, cursor=cursor)
        pages.append([m.message_id for m in page.items])
        cursor = page.cursor
        if cursor is None:
            break
    # THEN every created message comes once, newest first, in pages of 2, 2, 1
    expected = [m.message_id for m in reversed(created)]
    assert pages == [expected[0:2], expected[2:4], expected[4:5]]


def test_list_by_status_last_full_page_has_no_cursor(repository, make_message):
    # GIVEN exactly two messages / WHEN listed two per page / THEN one page, no cursor
    for i in range(2):
        repository.add(make_message(f"m{i}"))
    page = repository.list_by_status(MessageStatus.CREATED, limit=2)
    assert len(page.items) == 2
    assert page.cursor is None


def test_list_all_merges_statuses_newest_first(repository, make_message):
    # GIVEN seven messages spread over the four statuses
    messages = [make_message(f"m{i}") for i in range(7)]
    for message in messages:
        repository.add(message)
    for index in (1, 3, 5):
        repository.mark_processing(messages[index].message_id)
    repository.mark_completed(messages[3].message_id, notification_id="n")
    repository.mark_failed(messages[6].message_id, error="e")
    # WHEN listed three at a time
    seen, cursor, pages = [], None, 0
    while True:
        page = repository.list_all(limit=3, cursor=cursor)
        seen.extend(m.message_id for m in page.items)
        pages += 1
        cursor = page.cursor
        if cursor is None:
            break
    # THEN every message comes exactly once, newest first, in three pages
    assert seen == [m.message_id for m in reversed(messages)]
    assert pages == 3


def test_list_all_of_empty_table(repository):
    # GIVEN an empty table / WHEN listed / THEN no items and no cursor
    page = repository.list_all()
    assert (page.items, page.cursor) == ((), None)


def test_cursors_are_checked(repository, make_message):
    # GIVEN a cursor for `created`
    for i in range(3):
        repository.add(make_message(f"m{i}"))
    cursor = repository.list_by_status("created", limit=1).cursor
    assert cursor is not None
    # WHEN used for another status, or for list_all, or garbled / THEN refused precisely
    with pytest.raises(InvalidCursorError, match="issued for status 'created'"):
        repository.list_by_status("failed", cursor=cursor)
    with pytest.raises(InvalidCursorError, match="another listing"):
        repository.list_all(cursor=cursor)
    with pytest.raises(InvalidCursorError):
        repository.list_by_status("created", cursor="not-a-cursor!")


@pytest.mark.parametrize("limit", [0, 101, True])
def test_limit_is_bounded(repository, limit):
    # GIVEN a page size outside 1-100 / WHEN listed / THEN refused with the bounds
    with pytest.raises(ValueError, match="limit must be an integer between 1 and 100"):
        repository.list_all(limit=limit)


def test_unknown_status_is_refused(repository):
    # GIVEN a status the machine does not know / WHEN listed / THEN refused by value
    with pytest.raises(ValueError, match="'lost'"):
        repository.list_by_status("lost")


def test_create_idempotent_returns_the_first_message_on_retry(repository, make_message):
    # GIVEN a POST that created a message under a key
    first = make_message("same body")
    result = repository.create_idempotent(first, "key-1")
    assert result.created is True
    # WHEN the client retries (a new id, same payload) under the same key
    retry = make_message("same body")
    again = repository.create_idempotent(retry, "key-1")
    # THEN it gets the first message back and nothing new is stored
    assert again.created is False
    assert again.message == first
    with pytest.raises(MessageNotFoundError):
        repository.get(retry.message_id)
    assert [m.message_id for m in repository.list_all().items] == [first.message_id]


def test_create_idempotent_refuses_key_reuse_with_another_payload(repository, make_message):
    # GIVEN a key already used
    repository.create_idempotent(make_message("one"), "key-2")
    # WHEN reused for a different body / THEN a conflict naming the key
    with pytest.raises(IdempotencyConflictError, match="key-2"):
        repository.create_idempotent(make_message("two"), "key-2")


def test_create_idempotent_with_distinct_keys_creates_two(repository, make_message):
    # GIVEN two keys / WHEN the same payload is posted under each / THEN two messages
    a, b = make_message("x"), make_message("x")
    assert repository.create_idempotent(a, "k-a").created
    assert repository.create_idempotent(b, "k-b").created
    assert {m.message_id for m in repository.list_all().items} == {a.message_id, b.message_id}


def test_create_idempotent_refuses_an_existing_message_id(repository, make_message):
    # GIVEN a message stored without a key / WHEN the same id is created under a key
    message = make_message()
    repository.add(message)
    # THEN refused as an existing message
    with pytest.raises(MessageAlreadyExistsError):
        repository.create_idempotent(message, "fresh-key")


@pytest.mark.parametrize("key", ["", "has space", "x" * 256, 7])
def test_idempotency_key_is_validated(repository, make_message, key):
    # GIVEN a malformed key / WHEN used / THEN refused, naming idempotency_key
    with pytest.raises(InvalidPayloadError) as caught:
        repository.create_idempotent(make_message(), key)
    assert caught.value.field == "idempotency_key"


def test_scheduled_messages_keep_their_type(repository, make_message):
    # GIVEN a scheduled message / WHEN stored and read / THEN its type survives
    message = make_message(message_type=MessageType.SCHEDULED_HELLO, created_by="scheduler")
    repository.add(message)
    assert repository.get(message.message_id).message_type is MessageType.SCHEDULED_HELLO


def _failed(repository, make_message, attempts: int = 3, error: str = "ntfy down"):
    """A stored message that failed on its `attempts`-th attempt (what reaches the DLQ)."""
    message = make_message()
    repository.add(message)
    repository.mark_processing(message.message_id)
    for below in range(2, attempts + 1):
        repository.mark_processing(message.message_id, retry_if_attempts_below=below)
    repository.mark_failed(message.message_id, error=error)
    return message


def test_redrive_restarts_a_failed_message_as_a_first_attempt(repository, make_message):
    # GIVEN a message that failed on its third attempt
    message = _failed(repository, make_message)
    before = repository.get(message.message_id)
    # WHEN the DLQ redrive delivers it again
    redriven = repository.redrive(message.message_id)
    # THEN it is processing, attempts restart at 1, one redrive is counted, the error stays
    assert (redriven.status, redriven.attempts, redriven.redrives) == ("processing", 1, 1)
    assert redriven.error == "ntfy down"
    assert redriven.updated_at > before.updated_at
    assert repository.get(message.message_id) == redriven


def test_a_redrive_can_restart_at_a_deferred_copys_attempt(repository, make_message):
    # GIVEN a failed message whose redriven record is a deferred copy (attempt_offset 3)
    message = _failed(repository, make_message)
    # WHEN redriven as attempt 4 (its receive count 1 plus the offset)
    redriven = repository.redrive(message.message_id, attempts=4)
    # THEN attempts restart there, so the same receive delivered again is a duplicate
    assert (redriven.status, redriven.attempts, redriven.redrives) == ("processing", 4, 1)
    with pytest.raises(StatusConflictError):
        repository.mark_processing(message.message_id, retry_if_attempts_below=4)
    assert repository.mark_processing(message.message_id, retry_if_attempts_below=5).attempts == 5


@pytest.mark.parametrize("attempts", [0, -1, True, 1.5])
def test_a_redrive_counts_at_least_one_attempt(repository, make_message, attempts):
    # GIVEN a failed message / WHEN redriven with a nonsense attempt count / THEN refused, unchanged
    message = _failed(repository, make_message)
    with pytest.raises(ValueError, match="at least 1 attempt"):
        repository.redrive(message.message_id, attempts=attempts)
    assert repository.get(message.message_id).status == "failed"


def test_after_a_redrive_the_retry_rule_holds_again(repository, make_message):
    # GIVEN a redriven message (attempts = 1)
    message = _failed(repository, make_message)
    repository.redrive(message.message_id)
    # WHEN its first receive arrives again / THEN a duplicate
    with pytest.raises(StatusConflictError) as caught:
        repository.mark_processing(message.message_id, retry_if_attempts_below=1)
    assert (caught.value.current, caught.value.attempts) == ("processing", 1)
    # WHEN its second receive arrives / THEN a retry that takes it over
    taken = repository.mark_processing(message.message_id, retry_if_attempts_below=2)
    assert (taken.attempts, taken.redrives) == (2, 1)


def test_redriven_message_completes_without_its_old_error(repository, make_message):
    # GIVEN a redriven message
    message = _failed(repository, make_message)
    repository.redrive(message.message_id)
    # WHEN it completes
    done = repository.mark_completed(message.message_id, notification_id="ntfy-7")
    # THEN the error is cleared, the redrive still counted
    assert (done.status, done.error, done.redrives, done.notification_id) == (
        "completed",
        None,
        1,
        "ntfy-7",
    )
    assert repository.get(message.message_id) == done


def test_a_second_redrive_counts_two(repository, make_message):
    # GIVEN a redriven message that failed again
    message = _failed(repository, make_message)
    repository.redrive(message.message_id)
    repository.mark_failed(message.message_id, error="still down")
    # WHEN redriven again / THEN two redrives, the newest error
    again = repository.redrive(message.message_id)
    assert (again.attempts, again.redrives, again.error) == (1, 2, "still down")


def test_never_published_failed_message_can_be_redriven(repository, make_message):
    # GIVEN a message marked failed because its publish seemed to fail (attempts = 0)
    message = make_message()
    repository.add(message)
    repository.mark_failed(message.message_id, error="publish to SNS failed")
    # WHEN a delivery redrives it / THEN it is a first attempt
    assert repository.redrive(message.message_id).attempts == 1


@pytest.mark.parametrize("stored_status", ["created", "processing", "completed"])
def test_redrive_requires_failed(repository, make_message, stored_status):
    # GIVEN a message that is not failed
    message = make_message()
    repository.add(message)
    if stored_status != "created":
        repository.mark_processing(message.message_id)
    if stored_status == "completed":
        repository.mark_completed(message.message_id, notification_id="n")
    before = repository.get(message.message_id)
    # WHEN redriven / THEN a conflict naming the stored status and attempts; nothing changes
    with pytest.raises(StatusConflictError) as caught:
        repository.redrive(message.message_id)
    assert (caught.value.current, caught.value.target) == (stored_status, "processing")
    assert caught.value.attempts == before.attempts
    assert repository.get(message.message_id) == before


def test_redrive_of_unknown_message_raises_not_found(repository):
    # GIVEN no such message / WHEN redriven / THEN not found
    with pytest.raises(MessageNotFoundError):
        repository.redrive(UNKNOWN_ID)


def test_record_notification_id_sets_it_once_without_a_status_change(repository, make_message):
    # GIVEN a message being processed
    message = make_message()
    repository.add(message)
    processing = repository.mark_processing(message.message_id)
    # WHEN the notifier records ntfy's id, then records it again (a retried answer)
    recorded = repository.record_notification_id(message.message_id, "ntfy-1")
    again = repository.record_notification_id(message.message_id, "ntfy-1")
    # THEN the id is stored, the status and attempts untouched
    assert (recorded.notification_id, recorded.status, recorded.attempts) == (
        "ntfy-1",
        "processing",
        1,
    )
    assert recorded.updated_at > processing.updated_at
    assert again.notification_id == "ntfy-1"
    assert repository.get(message.message_id).notification_id == "ntfy-1"


def test_record_notification_id_keeps_a_different_earlier_id(repository, make_message):
    # GIVEN a message whose id was recorded by a first notification
    message = make_message()
    repository.add(message)
    repository.record_notification_id(message.message_id, "ntfy-first")
    # WHEN a second notification records another id
    stored = repository.record_notification_id(message.message_id, "ntfy-second")
    # THEN the first is kept and returned, so the caller sees the message was notified twice
    assert stored.notification_id == "ntfy-first"
    assert repository.get(message.message_id).notification_id == "ntfy-first"


def test_record_notification_id_works_on_a_failed_message(repository, make_message):
    # GIVEN a message failed while its notification was still on its way
    message = _failed(repository, make_message)
    # WHEN the id is recorded / THEN stored, the message still failed (a redrive answers
    # already_sent instead of notifying twice)
    stored = repository.record_notification_id(message.message_id, "ntfy-late")
    assert (stored.status, stored.notification_id) == ("failed", "ntfy-late")


def test_record_notification_id_of_unknown_message_raises_not_found(repository, make_message):
    # GIVEN no such message, and an idempotency key record (no message itself)
    repository.create_idempotent(make_message(), "key-n")
    # WHEN an id is recorded on either / THEN not found, and no message appears
    for message_id in (UNKNOWN_ID, "idem#key-n"):
        with pytest.raises(MessageNotFoundError):
            repository.record_notification_id(message_id, "ntfy-1")
        with pytest.raises(MessageNotFoundError):
            repository.get(message_id)


def test_completion_without_an_id_keeps_the_recorded_one(repository, make_message):
    # GIVEN a message whose id the notifier recorded
    message = make_message()
    repository.add(message)
    repository.mark_processing(message.message_id)
    repository.record_notification_id(message.message_id, "ntfy-1")
    # WHEN completed without an id / THEN the recorded id stays
    done = repository.mark_completed(message.message_id, notification_id=None)
    assert done.notification_id == "ntfy-1"
