"""The processor's invoke payload: accepted as the contract says, refused precisely otherwise."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rez_messages.notification import (
    InvalidNotificationRequestError,
    NotificationAnswer,
    NotificationRequest,
    NotSentReason,
)

EVENT = Path(__file__).parent.parent / "events" / "notifier_invoke.json"


def _event() -> dict:
    return json.loads(EVENT.read_text())


def test_the_real_invoke_payload_parses() -> None:
    # GIVEN the payload the processor sends
    # WHEN it is parsed
    request = NotificationRequest.from_payload(_event())
    # THEN every field is kept as sent
    assert request == NotificationRequest(
        message_id="550e8400-e29b-41d4-a716-446655440000",
        correlation_id="660e9500-f39c-52e5-b827-557766551111",
        trace_context="Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
    )


def test_trace_context_is_optional_and_unknown_keys_are_ignored() -> None:
    # GIVEN a payload without trace context but with an extra propagation field
    payload = _event()
    del payload["trace_context"]
    payload["traceparent"] = "00-abc-def-01"
    # WHEN it is parsed
    request = NotificationRequest.from_payload(payload)
    # THEN it is accepted, with no trace context
    assert request.trace_context is None


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ("not an object", "payload: must be a JSON object, got str"),
        (None, "payload: must be a JSON object, got NoneType"),
        ({}, "message_id: missing; correlation_id: missing"),
        (
            {"message_id": 42, "correlation_id": "c-1"},
            "message_id: must be a string, got int",
        ),
        (
            {"message_id": "not-a-uuid", "correlation_id": "c-1"},
            "message_id: must be a UUID, got 'not-a-uuid'",
        ),
        (
            {"message_id": "550E8400-E29B-41D4-A716-446655440000", "correlation_id": "c-1"},
            "message_id: must be a lowercase hyphenated UUID",
        ),
        (
            {"message_id": "550e8400-e29b-41d4-a716-446655440000", "correlation_id": "a b"},
            "correlation_id: must be 1-128 chars of [A-Za-z0-9._:-], got 'a b'",
        ),
        (
            {"message_id": "550e8400-e29b-41d4-a716-446655440000", "correlation_id": "x" * 129},
            "correlation_id: must be 1-128 chars",
        ),
        (
            {
                "message_id": "550e8400-e29b-41d4-a716-446655440000",
                "correlation_id": "c-1",
                "trace_context": 7,
            },
            "trace_context: must be a string, got int",
        ),
    ],
)
def test_bad_payloads_are_refused_naming_each_problem(payload: object, expected: str) -> None:
    # GIVEN a payload that breaks the contract
    # WHEN it is parsed
    with pytest.raises(InvalidNotificationRequestError) as caught:
        NotificationRequest.from_payload(payload)
    # THEN the error says which field and why
    assert expected in str(caught.value)
    assert str(caught.value).startswith("invalid notifier payload: ")


def test_every_problem_is_listed_at_once() -> None:
    # GIVEN a payload with two bad fields
    payload = {"message_id": "nope", "correlation_id": ""}
    # WHEN it is parsed
    with pytest.raises(InvalidNotificationRequestError) as caught:
        NotificationRequest.from_payload(payload)
    # THEN both are reported
    assert len(caught.value.problems) == 2


def test_the_request_round_trips_through_its_payload():
    # GIVEN a request / WHEN sent as a payload and read back / THEN the same request
    request = NotificationRequest("3b0f6d2e-9c1a-4f7e-8a55-2d9c1e7b6a10", "corr-1", "Root=1-a")
    assert NotificationRequest.from_payload(request.as_payload()) == request


@pytest.mark.parametrize(
    "answer",
    [
        NotificationAnswer.sent("n-1"),
        NotificationAnswer.already_sent("n-0"),
        NotificationAnswer.not_sent(NotSentReason.CIRCUIT_OPEN, retry_after_seconds=12.5),
        NotificationAnswer.not_sent(NotSentReason.RATE_LIMITED, retry_after_seconds=3.0),
        NotificationAnswer.not_sent(NotSentReason.REJECTED, detail="ntfy answered 400"),
    ],
)
def test_every_answer_round_trips_through_json(answer):
    # GIVEN an answer / WHEN serialised as the Lambda response and read back / THEN equal
    assert NotificationAnswer.from_answer(json.loads(json.dumps(answer.as_answer()))) == answer


def test_only_a_refusal_by_ntfy_counts_as_attempted():
    # GIVEN the reasons / THEN only `rejected` reached ntfy (the others defer the message)
    assert {reason for reason in NotSentReason if reason.attempted} == {NotSentReason.REJECTED}
