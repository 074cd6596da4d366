"""The notifier end to end in-process: handler → service → moto tables → ntfy (respx)."""

from __future__ import annotations

import httpx
import pytest

from rez_messages import MessageNotFoundError
from rez_notifier.errors import (
    InvalidNotificationRequestError,
    NtfyRateLimitedError,
)
from rez_notifier.handler import handler
from rez_telemetry.logging import configure_logging


def test_a_message_is_sent_and_its_ntfy_id_recorded(
    wire,
    settings,
    store_message,
    repository,
    publish,
    responses,
    invoke_event,
    lambda_context,
    logs,
    emitted_metrics,
) -> None:
    # GIVEN a stored message and ntfy accepting it
    store_message()
    wire(settings)
    publish.return_value = responses.ok("sPs71M8A2T")
    # WHEN the processor invokes the notifier
    answer = handler(invoke_event, lambda_context)
    # THEN the answer names ntfy's id, and the message records it
    assert answer == {"status": "sent", "notification_id": "sPs71M8A2T"}
    assert repository.get(invoke_event["message_id"]).notification_id == "sPs71M8A2T"
    # AND ntfy got the mapped message
    request = publish.calls.last.request
    assert request.headers["X-Title"] == "Hello"
    assert request.headers["X-Priority"] == "4"
    assert request.headers["X-Tags"] == "wave"
    assert request.headers["X-Correlation-ID"] == invoke_event["correlation_id"]
    assert request.content.decode().endswith(f"correlation_id: {invoke_event['correlation_id']}")
    assert "Authorization" not in request.headers
    # AND the log events of docs/observability.md were written with the correlation on every line
    [sending] = logs("Sending notification to ntfy.sh")
    assert sending["attempt"] == 1
    [sent] = logs("Notification sent successfully")
    assert sent["notification_id"] == "sPs71M8A2T"
    assert sent["duration_ms"] >= 0
    invocation = [e for e in logs() if e.get("function_request_id") == "req-0001"]
    assert len(invocation) > 3
    for event in invocation:
        assert event.get("correlation_id") == invoke_event["correlation_id"], event
    assert sent["message_id"] == invoke_event["message_id"]
    # AND the metrics say so
    emitted = emitted_metrics()
    assert ("NotificationsSent", {"Stage": "test", "Status": "success"}, [1.0]) in emitted
    assert [name for name, _, _ in emitted].count("NotificationDuration") == 1
    assert (
        "CircuitBreakerState",
        {"Service": "ntfy-sh", "Stage": "test", "State": "closed"},
        [0.0],
    ) in emitted


def test_an_already_notified_message_is_not_sent_again(
    wire, settings, store_message, repository, publish, responses, invoke_event, lambda_context
) -> None:
    # GIVEN a message sent once already
    store_message()
    wire(settings)
    publish.return_value = responses.ok("first-id")
    handler(invoke_event, lambda_context)
    # WHEN the processor asks again (a duplicate SQS delivery)
    answer = handler(invoke_event, lambda_context)
    # THEN ntfy is not called again and the first id is returned
    assert answer == {"status": "already_sent", "notification_id": "first-id"}
    assert publish.call_count == 1


def test_a_5xx_is_retried_and_each_attempt_logged(
    wire,
    settings,
    store_message,
    publish,
    responses,
    invoke_event,
    lambda_context,
    logs,
    breaker_store,
) -> None:
    # GIVEN ntfy failing once with 503, then accepting
    store_message()
    wire(settings)
    publish.side_effect = [responses.error(503, "service unavailable"), responses.ok("id-2")]
    # WHEN notified
    answer = handler(invoke_event, lambda_context)
    # THEN it was sent on the second attempt, and both attempts are in the log
    assert answer == {"status": "sent", "notification_id": "id-2"}
    assert [e["attempt"] for e in logs("Sending notification to ntfy.sh")] == [1, 2]
    [retrying] = logs("Retrying")
    assert retrying["reason"] == "HTTP 503"
    # AND the invocation, a success, leaves no failure on the breaker
    assert breaker_store.load("ntfy-sh").failure_count == 0


def test_a_429_backs_off_at_least_ntfys_refill_interval(
    wire, settings, store_message, publish, responses, invoke_event, lambda_context, clock
) -> None:
    # GIVEN ntfy rate limiting once (without Retry-After, as ntfy does)
    store_message()
    wire(settings)
    publish.side_effect = [responses.error(429, "limit reached"), responses.ok("id-3")]
    # WHEN notified
    answer = handler(invoke_event, lambda_context)
    # THEN the retry waited at least 5 s (ntfy.sh refills one request per 5 s)
    assert answer["notification_id"] == "id-3"
    assert len(clock.sleeps) == 1
    assert clock.sleeps[0] >= 5.0


def test_429s_until_the_budget_is_spent_fail_and_count_on_the_breaker(
    wire,
    settings,
    store_message,
    publish,
    responses,
    invoke_event,
    lambda_context,
    logs,
    breaker_store,
    emitted_metrics,
) -> None:
    # GIVEN ntfy answering 429 every time
    store_message()
    wire(settings)
    publish.side_effect = lambda request: responses.error(429, "limit reached")
    # WHEN notified
    with pytest.raises(NtfyRateLimitedError, match="ntfy answered 429: limit reached"):
        handler(invoke_event, lambda_context)
    # THEN it was retried, then reported as a failed notification and a breaker failure
    assert publish.call_count > 1
    [failed] = logs("Notification failed")
    assert failed["level"] == "ERROR"
    assert failed["error"].startswith("ntfy answered 429")
    assert breaker_store.load("ntfy-sh").failure_count == 1
    assert ("NotificationsSent", {"Stage": "test", "Status": "failure"}, [1.0]) in (
        emitted_metrics()
    )


@pytest.mark.parametrize("status", [400, 401, 403, 413])
def test_a_4xx_is_permanent_not_retried_and_not_a_breaker_failure(
    status,
    wire,
    settings,
    store_message,
    publish,
    responses,
    invoke_event,
    lambda_context,
    logs,
    breaker_store,
    repository,
) -> None:
    # GIVEN ntfy refusing the message
    store_message()
    wire(settings)
    publish.return_value = responses.error(status, "refused")
    # WHEN notified
    answer = handler(invoke_event, lambda_context)
    # THEN answered (an expected outcome, not a function error): not sent, rejected by ntfy
    assert answer == {
        "status": "not_sent",
        "reason": "rejected",
        "retry_after_seconds": None,
        "detail": f"ntfy answered {status}: refused (ntfy code {status * 100 + 1})",
    }
    # AND one attempt only, the failure logged with ntfy's reason, the breaker untouched
    assert publish.call_count == 1
    [failed] = logs("Notification failed")
    assert failed["error"] == f"ntfy answered {status}: refused (ntfy code {status * 100 + 1})"
    assert failed["retryable"] is False
    assert breaker_store.load("ntfy-sh").failure_count == 0
    assert repository.get(invoke_event["message_id"]).notification_id is None


def test_an_open_circuit_fails_fast_without_calling_ntfy(
    wire,
    settings,
    store_message,
    publish,
    invoke_event,
    lambda_context,
    breaker_store,
    clock,
    emitted_metrics,
) -> None:
    # GIVEN a circuit another instance opened a moment ago
    store_message()
    wire(settings)
    breaker_store.add_failure("ntfy-sh", clock.now, None)
    assert breaker_store.open("ntfy-sh", clock.now, clock.now + 30)
    # WHEN notified
    answer = handler(invoke_event, lambda_context)
    # THEN answered not sent, with the breaker's remaining open time, and ntfy was not called
    assert (answer["status"], answer["reason"]) == ("not_sent", "circuit_open")
    assert answer["retry_after_seconds"] == pytest.approx(30.0)
    assert publish.call_count == 0
    assert (
        "CircuitBreakerState",
        {"Service": "ntfy-sh", "Stage": "test", "State": "open"},
        [1.0],
    ) in emitted_metrics()


def test_repeated_failures_open_the_breaker_for_every_instance(
    wire,
    settings,
    store_message,
    publish,
    responses,
    invoke_event,
    lambda_context,
    logs,
    emitted_metrics,
) -> None:
    # GIVEN ntfy down (connection refused) and five failed invocations
    store_message()
    wire(settings)
    publish.side_effect = httpx.ConnectError("connection refused")
    for _ in range(5):
        with pytest.raises(ConnectionError):
            handler(invoke_event, lambda_context)
    calls_before = publish.call_count
    # THEN the fifth opened the circuit (logged, CircuitBreakerState = 1)
    [opened] = logs("Circuit breaker opened")
    assert opened["service"] == "ntfy-sh"
    assert opened["failure_count"] == 5
    assert (
        "CircuitBreakerState",
        {"Service": "ntfy-sh", "Stage": "test", "State": "open"},
        [1.0],
    ) in emitted_metrics()
    # AND a new instance (fresh wiring over the same table) now fails fast
    wire(settings)
    assert handler(invoke_event, lambda_context)["reason"] == "circuit_open"
    assert publish.call_count == calls_before


def test_a_body_over_ntfys_limit_is_truncated_and_the_log_says_so(
    wire, settings, store_message, publish, responses, invoke_event, lambda_context, logs
) -> None:
    # GIVEN a message whose body fills the model's 4,096 bytes (the footer pushes it over)
    store_message(body="é" * 2048)
    wire(settings)
    publish.return_value = responses.ok()
    # WHEN notified
    handler(invoke_event, lambda_context)
    # THEN ntfy received at most 4,096 bytes, valid UTF-8, with the marker and the footer
    content = publish.calls.last.request.content
    assert len(content) <= 4096
    text = content.decode("utf-8")
    assert "… [truncated]\n\ncorrelation_id: " in text
    [truncated] = logs("Notification body truncated")
    assert truncated["original_bytes"] == 4096
    assert truncated["sent_bytes"] == len(content)
    assert truncated["limit_bytes"] == 4096


def test_the_token_is_sent_as_bearer_and_never_logged(
    wire,
    settings,
    store_message,
    publish,
    responses,
    invoke_event,
    lambda_context,
    log_lines,
    secrets,
    ntfy_token,
    token_secret_name,
) -> None:
    # GIVEN a token in Secrets Manager, and ntfy refusing once then accepting
    from dataclasses import replace

    store_message()
    wire(replace(settings, ntfy_token_secret=token_secret_name), secretsmanager=secrets)
    publish.side_effect = [responses.error(503, "busy"), responses.ok("id-auth")]
    log_lines.clear()  # the test's own CreateSecret call is not the notifier's doing
    # WHEN notified at DEBUG, the AWS SDK's DEBUG lines (response bodies) opted in too
    configure_logging(aws_sdk_level="DEBUG")
    handler(invoke_event, lambda_context)
    # THEN every attempt carried the bearer token
    for call in publish.calls:
        assert call.request.headers["Authorization"] == f"Bearer {ntfy_token}"
    # AND no log line contains it, though the secret was read during this invocation
    assert any("GetSecretValue" in line for line in log_lines)
    assert not [line for line in log_lines if ntfy_token in line]


def test_the_shared_rate_limit_turns_a_burst_into_delay(
    wire, settings, store_message, publish, responses, lambda_context, clock
) -> None:
    # GIVEN a bucket of 1 refilled every 5 s, and two messages arriving together
    from dataclasses import replace

    first = store_message(message_id="11111111-1111-4111-8111-111111111111")
    second = store_message(message_id="22222222-2222-4222-8222-222222222222")
    wire(replace(settings, ntfy_rate_per_second=0.2, ntfy_burst=1))
    publish.side_effect = [responses.ok("a"), responses.ok("b")]
    # WHEN both are notified at the same moment
    for message in (first, second):
        handler(
            {"message_id": message.message_id, "correlation_id": message.correlation_id},
            lambda_context,
        )
    # THEN the second waited for the next token instead of provoking a 429
    assert clock.sleeps == pytest.approx([5.0])
    assert publish.call_count == 2


def test_a_rate_limit_wait_past_the_timeout_fails_retryably_without_sending(
    wire,
    settings,
    store_message,
    publish,
    responses,
    invoke_event,
    lambda_context,
    breaker_store,
) -> None:
    # GIVEN an empty bucket whose next token is 300 s away (rate 1/300 s)
    from dataclasses import replace

    store_message()
    store_message(message_id="33333333-3333-4333-8333-333333333333")
    wire(replace(settings, ntfy_rate_per_second=1 / 300, ntfy_burst=1))
    publish.return_value = responses.ok()
    handler(
        {
            "message_id": "33333333-3333-4333-8333-333333333333",
            "correlation_id": invoke_event["correlation_id"],
        },
        lambda_context,
    )
    # WHEN another message comes with 30 s left in the invocation
    answer = handler(invoke_event, lambda_context)
    # THEN answered not sent (rate limited) with the wait for the next token
    assert (answer["status"], answer["reason"]) == ("not_sent", "rate_limited")
    assert answer["retry_after_seconds"] == pytest.approx(300.0)
    # AND nothing was sent for it, and ntfy's health was not blamed
    assert publish.call_count == 1
    assert breaker_store.load("ntfy-sh").failure_count == 0


@pytest.mark.parametrize(
    ("event", "problem"),
    [
        ({}, "message_id: missing"),
        ({"message_id": "x", "correlation_id": "c-1"}, "message_id: must be a UUID"),
        ([], "payload: must be a JSON object, got list"),
    ],
)
def test_a_bad_payload_is_refused_before_any_call(
    event, problem, wire, settings, publish, lambda_context, logs
) -> None:
    wire(settings)
    with pytest.raises(InvalidNotificationRequestError, match=problem):
        handler(event, lambda_context)
    assert publish.call_count == 0
    [failed] = logs("Invocation failed")
    assert failed["error_type"] == "InvalidNotificationRequestError"


def test_an_unknown_message_is_reported_by_id(
    wire, settings, publish, invoke_event, lambda_context
) -> None:
    wire(settings)
    with pytest.raises(MessageNotFoundError, match=invoke_event["message_id"]):
        handler(invoke_event, lambda_context)
    assert publish.call_count == 0
