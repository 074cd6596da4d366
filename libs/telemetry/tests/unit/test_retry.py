"""retry_policy: what is retried, backoff with full jitter, Retry-After, caps, the WARN log line."""

from __future__ import annotations

import random
from typing import Any

import httpx
import pytest
import respx

from rez_telemetry.resilience import (
    CircuitOpenError,
    classify_exception,
    classify_response,
    is_retryable,
    parse_retry_after,
    retry_policy,
)

NOW = 1_700_000_000.0
URL = "https://ntfy.example/rez-agent"


class Sleeps:
    """Records requested sleeps instead of sleeping."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def post(client: httpx.Client) -> httpx.Response:
    response = client.post(URL, content=b"hello")
    response.raise_for_status()
    return response


# -- Retry-After -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("7", 7.0),
        (" 2.5 ", 2.5),
        ("Tue, 14 Nov 2023 22:13:30 GMT", 10.0),  # NOW + 10 s
        ("Tue, 14 Nov 2023 22:00:00 GMT", 0.0),  # in the past: now
        ("-3", None),
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after_parsing(header: str | None, expected: float | None) -> None:
    # GIVEN a Retry-After value WHEN parsed at a fixed now THEN seconds to wait, or None
    assert parse_retry_after(header, now=lambda: NOW) == expected


# -- classification ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "retryable"),
    [
        (500, True),
        (502, True),
        (503, True),
        (429, True),
        (400, False),
        (401, False),
        (404, False),
        (408, False),
        (200, False),
    ],
)
def test_status_classification(status: int, retryable: bool) -> None:
    response = httpx.Response(status, request=httpx.Request("POST", URL))
    assert classify_response(response).retryable is retryable


@pytest.mark.parametrize(
    ("error", "retryable"),
    [
        (httpx.ConnectError("refused"), True),
        (httpx.ReadTimeout("slow"), True),
        (httpx.RemoteProtocolError("closed"), True),
        (httpx.UnsupportedProtocol("ftp"), False),
        (TimeoutError(), True),
        (ConnectionResetError(), True),
        (ValueError("bug"), False),
        (CircuitOpenError("ntfy", NOW + 5, NOW), False),
    ],
)
def test_exception_classification(error: BaseException, retryable: bool) -> None:
    assert classify_exception(error).retryable is retryable
    assert is_retryable(error) is retryable


def test_botocore_errors_are_classified_by_code_and_status() -> None:
    from botocore.exceptions import ClientError

    throttled = ClientError(
        {"Error": {"Code": "ThrottlingException"}, "ResponseMetadata": {"HTTPStatusCode": 400}},
        "PutItem",
    )
    internal = ClientError(
        {"Error": {"Code": "InternalServerError"}, "ResponseMetadata": {"HTTPStatusCode": 500}},
        "PutItem",
    )
    validation = ClientError(
        {"Error": {"Code": "ValidationException"}, "ResponseMetadata": {"HTTPStatusCode": 400}},
        "PutItem",
    )
    assert classify_exception(throttled).retryable
    assert classify_exception(internal).retryable
    assert not classify_exception(validation).retryable


# -- the policy --------------------------------------------------------------------------


@respx.mock
def test_retries_5xx_then_succeeds_with_full_jitter_backoff(logs: Any) -> None:
    # GIVEN ntfy failing twice with 503, then answering 200
    route = respx.post(URL).mock(
        side_effect=[httpx.Response(503), httpx.Response(503), httpx.Response(200)]
    )
    sleeps = Sleeps()
    policy = retry_policy(
        max_attempts=4,
        base=1.0,
        cap=10.0,
        sleep=sleeps,
        rng=random.Random(7),
        operation="ntfy.publish",
    )
    # WHEN the call runs under the policy
    with httpx.Client() as client:
        response = policy(post, client)
    # THEN it succeeded on the third attempt after two jittered sleeps within the backoff bounds
    assert response.status_code == 200
    assert route.call_count == 3
    assert len(sleeps.calls) == 2
    assert 0.0 <= sleeps.calls[0] <= 1.0
    assert 0.0 <= sleeps.calls[1] <= 2.0
    expected = random.Random(7)
    assert sleeps.calls == pytest.approx([expected.uniform(0, 1.0), expected.uniform(0, 2.0)])
    # AND each retry was logged at WARN with attempt, reason and sleep
    retries = [line for line in logs.lines if line["message"] == "Retrying"]
    assert [line["attempt"] for line in retries] == [1, 2]
    assert all(line["level"] == "WARNING" for line in retries)
    assert retries[0]["reason"] == "HTTP 503"
    assert retries[0]["sleep_seconds"] == pytest.approx(round(sleeps.calls[0], 3))
    assert retries[0]["operation"] == "ntfy.publish"


@respx.mock
def test_other_4xx_are_never_retried() -> None:
    # GIVEN ntfy rejecting the request with 400
    route = respx.post(URL).mock(return_value=httpx.Response(400))
    sleeps = Sleeps()
    # WHEN called under the policy
    with httpx.Client() as client, pytest.raises(httpx.HTTPStatusError):
        retry_policy(sleep=sleeps)(post, client)
    # THEN one attempt, no sleep
    assert route.call_count == 1
    assert sleeps.calls == []


@respx.mock
def test_retry_after_seconds_is_honoured() -> None:
    # GIVEN a 429 with Retry-After: 3, then success
    respx.post(URL).mock(
        side_effect=[httpx.Response(429, headers={"Retry-After": "3"}), httpx.Response(200)]
    )
    sleeps = Sleeps()
    # WHEN called
    with httpx.Client() as client:
        retry_policy(sleep=sleeps, max_delay=30)(post, client)
    # THEN the policy waited exactly what the server asked
    assert sleeps.calls == [3.0]


@respx.mock
def test_retry_after_http_date_is_honoured() -> None:
    # GIVEN a 503 whose Retry-After is an HTTP date 4 s ahead of our clock
    date = "Tue, 14 Nov 2023 22:13:24 GMT"  # NOW + 4 s
    respx.post(URL).mock(
        side_effect=[httpx.Response(503, headers={"Retry-After": date}), httpx.Response(200)]
    )
    sleeps = Sleeps()
    # WHEN called with that clock
    with httpx.Client() as client:
        retry_policy(sleep=sleeps, now=lambda: NOW)(post, client)
    # THEN it slept 4 s
    assert sleeps.calls == [4.0]


@respx.mock
def test_429_without_retry_after_waits_the_throttle_default() -> None:
    # GIVEN a 429 without Retry-After (as ntfy answers), then success
    respx.post(URL).mock(side_effect=[httpx.Response(429), httpx.Response(200)])
    sleeps = Sleeps()
    # WHEN called with tiny backoff settings
    with httpx.Client() as client:
        retry_policy(sleep=sleeps, base=0.01, cap=0.05, throttle_delay=2.5)(post, client)
    # THEN it waited the throttle default, not the tiny backoff
    assert sleeps.calls == [2.5]


@respx.mock
def test_attempts_are_capped_and_the_last_error_is_raised() -> None:
    # GIVEN a server down for good
    route = respx.post(URL).mock(return_value=httpx.Response(502))
    sleeps = Sleeps()
    # WHEN called with 3 attempts
    with httpx.Client() as client, pytest.raises(httpx.HTTPStatusError) as raised:
        retry_policy(max_attempts=3, sleep=sleeps, base=0.01)(post, client)
    # THEN three attempts, two sleeps, and the original error (not a tenacity wrapper)
    assert route.call_count == 3
    assert len(sleeps.calls) == 2
    assert raised.value.response.status_code == 502


@respx.mock
def test_total_time_budget_stops_before_a_sleep_that_would_exceed_it() -> None:
    # GIVEN a server asking for 10 s pauses, and a 15 s budget
    route = respx.post(URL).mock(return_value=httpx.Response(503, headers={"Retry-After": "10"}))
    sleeps = Sleeps()
    # WHEN called with many attempts allowed
    with httpx.Client() as client, pytest.raises(httpx.HTTPStatusError):
        retry_policy(max_attempts=10, max_delay=15, sleep=sleeps)(post, client)
    # THEN only one 10 s pause fits the budget: two attempts
    assert sleeps.calls == [10.0]
    assert route.call_count == 2


@respx.mock
def test_response_results_are_retried_and_the_last_one_returned() -> None:
    # GIVEN a caller that returns responses instead of raising
    respx.post(URL).mock(return_value=httpx.Response(503))
    sleeps = Sleeps()
    # WHEN all attempts answer 503
    with httpx.Client() as client:
        response = retry_policy(max_attempts=2, sleep=sleeps, base=0.01)(client.post, URL)
    # THEN the last response is handed back (no exception invented)
    assert response.status_code == 503
    assert len(sleeps.calls) == 1


def test_connection_errors_are_retried_and_decorator_form_works() -> None:
    # GIVEN a function failing with a connection error once
    attempts: list[int] = []
    sleeps = Sleeps()

    @retry_policy(sleep=sleeps, base=0.01).wraps
    def flaky() -> str:
        attempts.append(1)
        if len(attempts) == 1:
            raise httpx.ConnectError("refused")
        return "sent"

    # WHEN called THEN it retried once and returned
    assert flaky() == "sent"
    assert len(attempts) == 2
    assert len(sleeps.calls) == 1


def test_invalid_max_attempts_is_refused() -> None:
    with pytest.raises(ValueError, match="max_attempts"):
        retry_policy(max_attempts=0)
