"""The Lambda adapter of the notifier port, against botocore's Stubber (the real API model)."""

from __future__ import annotations

import io
import json

import boto3
import pytest
from botocore.response import StreamingBody
from botocore.stub import Stubber

from rez_messages.notification import NotificationAnswer, NotificationRequest, NotSentReason
from rez_processor.notifier import LambdaNotifierClient, NotifierError, parse_notifier_response

FUNCTION = "rez-agent-notification-service-dev"
MESSAGE_ID = "3b0f6d2e-9c1a-4f7e-8a55-2d9c1e7b6a10"
TRACE = "Root=1-6756c000-0123456789abcdef01234567;Parent=53995c3f42cd8ad8;Sampled=1"


def _body(document) -> StreamingBody:
    raw = json.dumps(document).encode()
    return StreamingBody(io.BytesIO(raw), len(raw))


@pytest.fixture
def lambda_client():
    client = boto3.client("lambda", region_name="us-east-1")
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def test_invokes_synchronously_with_the_contract_payload(lambda_client):
    # GIVEN the notifier answering "sent"
    client, stubber = lambda_client
    expected_payload = json.dumps(
        {"message_id": MESSAGE_ID, "correlation_id": "corr-1", "trace_context": TRACE}
    ).encode()
    stubber.add_response(
        "invoke",
        {"StatusCode": 200, "Payload": _body({"status": "sent", "notification_id": "n-1"})},
        {
            "FunctionName": FUNCTION,
            "InvocationType": "RequestResponse",
            "Payload": expected_payload,
        },
    )
    # WHEN asked to notify / THEN the answer is read
    result = LambdaNotifierClient(FUNCTION, client).notify(
        NotificationRequest(MESSAGE_ID, "corr-1", TRACE)
    )
    assert result == NotificationAnswer.sent("n-1")


def test_not_sent_is_read_from_the_answers_fields(lambda_client):
    # GIVEN the notifier answering not_sent: circuit open, next probe in 12.5 s
    client, stubber = lambda_client
    answer = {
        "status": "not_sent",
        "reason": "circuit_open",
        "retry_after_seconds": 12.5,
        "detail": "free text, never parsed",
    }
    stubber.add_response("invoke", {"StatusCode": 200, "Payload": _body(answer)})
    # WHEN asked to notify / THEN the reason and the wait come from the fields
    result = LambdaNotifierClient(FUNCTION, client).notify(NotificationRequest(MESSAGE_ID, "c"))
    assert (result.delivered, result.reason, result.retry_after_seconds) == (
        False,
        NotSentReason.CIRCUIT_OPEN,
        12.5,
    )
    assert not result.reason.attempted


def test_function_error_becomes_notifier_error_with_type_and_message(lambda_client):
    # GIVEN the notifier failing (a function error)
    client, stubber = lambda_client
    stubber.add_response(
        "invoke",
        {
            "StatusCode": 200,
            "FunctionError": "Unhandled",
            "Payload": _body(
                {
                    "errorType": "NtfyUnavailableError",
                    "errorMessage": "ntfy answered 503",
                    "stackTrace": [],
                }
            ),
        },
    )
    # WHEN asked to notify / THEN the error carries errorType and errorMessage
    with pytest.raises(NotifierError) as caught:
        LambdaNotifierClient(FUNCTION, client).notify(NotificationRequest(MESSAGE_ID, "corr-1"))
    assert (caught.value.error_type, caught.value.error_message) == (
        "NtfyUnavailableError",
        "ntfy answered 503",
    )


@pytest.mark.parametrize(
    ("raw", "function_error", "error_type", "fragment"),
    [
        (b"not json", None, "InvalidResponse", "non-JSON (8 bytes)"),
        (b'{"status": "maybe"}', None, "InvalidResponse", "unexpected notifier answer"),
        (b"[]", None, "InvalidResponse", "unexpected notifier answer"),
        (b'{"status": "already_sent"}', None, "InvalidResponse", "needs a notification_id"),
        (b'{"status": "not_sent"}', None, "InvalidResponse", "a reason goes with not_sent"),
        (
            b'{"status": "not_sent", "reason": "circuit_open", "retry_after_seconds": "soon"}',
            None,
            "InvalidResponse",
            "is not a number",
        ),
        (b"", "Unhandled", "Unhandled", "without a message"),
        (
            b'{"errorMessage": "2026-01-01 Task timed out after 30.00 seconds"}',
            "Unhandled",
            "Unhandled",
            "Task timed out",
        ),
    ],
)
def test_unreadable_or_failed_answers_are_notifier_errors(
    raw, function_error, error_type, fragment
):
    # GIVEN an unreadable or failed answer / WHEN parsed / THEN a NotifierError saying why
    with pytest.raises(NotifierError) as caught:
        parse_notifier_response(raw, function_error)
    assert caught.value.error_type == error_type
    assert fragment in str(caught.value)
