"""One POST to ntfy: the answer becomes a notification id or an error that says what to do."""

from __future__ import annotations

import httpx
import pytest
import respx

from rez_notifier.errors import (
    NtfyRateLimitedError,
    NtfyRejectedError,
    NtfyResponseError,
    NtfyUnavailableError,
)
from rez_notifier.ntfy_client import NtfyClient
from rez_notifier.publication import build_publication

NTFY = "https://ntfy.example.test"
TOPIC = "rez-agent-test"


def _publication():
    return build_publication(
        message_id="550e8400-e29b-41d4-a716-446655440000",
        correlation_id="corr-1",
        title="Hi",
        body="Body",
        priority=3,
        tags=("a",),
    )


@pytest.fixture
def http():
    with httpx.Client() as client:
        yield client


@respx.mock
def test_a_published_message_returns_ntfys_id(http: httpx.Client) -> None:
    # GIVEN ntfy accepting the message
    route = respx.post(f"{NTFY}/{TOPIC}").respond(
        200, json={"id": "sPs71M8A2T", "time": 1700000000, "event": "message", "topic": TOPIC}
    )
    client = NtfyClient(http, base_url=NTFY + "/", topic=TOPIC)
    # WHEN the message is published
    notification_id = client.publish(_publication())
    # THEN ntfy's id comes back, and the request carried body and headers
    assert notification_id == "sPs71M8A2T"
    sent = route.calls.last.request
    assert sent.content == b"Body\n\ncorrelation_id: corr-1"
    assert sent.headers["X-Title"] == "Hi"
    assert sent.headers["X-Correlation-ID"] == "corr-1"
    assert "Authorization" not in sent.headers


@respx.mock
def test_a_token_is_sent_as_bearer(http: httpx.Client) -> None:
    route = respx.post(f"{NTFY}/{TOPIC}").respond(200, json={"id": "x1"})
    client = NtfyClient(http, base_url=NTFY, topic=TOPIC, token_provider=lambda: "tk_secret")
    client.publish(_publication())
    assert route.calls.last.request.headers["Authorization"] == "Bearer tk_secret"


@respx.mock
@pytest.mark.parametrize(
    ("status", "error_type", "retryable", "breaker_failure"),
    [
        (429, NtfyRateLimitedError, True, True),
        (500, NtfyUnavailableError, True, True),
        (503, NtfyUnavailableError, True, True),
        (400, NtfyRejectedError, False, False),
        (403, NtfyRejectedError, False, False),
        (413, NtfyRejectedError, False, False),
        (301, NtfyRejectedError, False, False),
    ],
)
def test_failures_are_classified(
    http: httpx.Client, status: int, error_type: type, retryable: bool, breaker_failure: bool
) -> None:
    # GIVEN ntfy answering an error in its JSON shape
    respx.post(f"{NTFY}/{TOPIC}").respond(
        status, json={"code": status * 100 + 1, "http": status, "error": "nope"}
    )
    client = NtfyClient(http, base_url=NTFY, topic=TOPIC)
    # WHEN publishing
    with pytest.raises(error_type) as caught:
        client.publish(_publication())
    # THEN the error says what happened and how to treat it
    assert caught.value.status_code == status
    assert f"ntfy answered {status}: nope (ntfy code {status * 100 + 1})" == str(caught.value)
    assert (caught.value.retryable, caught.value.breaker_failure) == (retryable, breaker_failure)


@respx.mock
@pytest.mark.parametrize("failure", [httpx.ConnectError("refused"), httpx.ReadTimeout("slow")])
def test_transport_failures_are_retryable(http: httpx.Client, failure: Exception) -> None:
    respx.post(f"{NTFY}/{TOPIC}").mock(side_effect=failure)
    client = NtfyClient(http, base_url=NTFY, topic=TOPIC)
    with pytest.raises(NtfyUnavailableError) as caught:
        client.publish(_publication())
    assert caught.value.retryable is True
    assert caught.value.status_code is None


@respx.mock
@pytest.mark.parametrize("answer", [{"json": {"event": "message"}}, {"text": "<html>ok</html>"}])
def test_success_without_an_id_is_not_retried(http: httpx.Client, answer: dict) -> None:
    # GIVEN a 200 that does not say which message ntfy stored (a proxy page, say)
    respx.post(f"{NTFY}/{TOPIC}").respond(200, **answer)
    client = NtfyClient(http, base_url=NTFY, topic=TOPIC)
    # THEN it is a permanent error: a retry could notify twice
    with pytest.raises(NtfyResponseError) as caught:
        client.publish(_publication())
    assert caught.value.retryable is False
