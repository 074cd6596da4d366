"""Talking to the deployed web API as a client would: through API Gateway and the authorizer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from rezctl.errors import RemoteError, UsageError
from rezctl.stacks import api_base_url
from rezctl.target import Target
from rezctl.tokens import mint_token

DEFAULT_EMAIL = "rezctl@example.com"
TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True, slots=True)
class SentMessage:
    """What the API answered to a create (202)."""

    message_id: str
    correlation_id: str
    status: str
    location: str | None
    replayed: bool

    def as_dict(self) -> dict[str, Any]:
        """For `--json`."""
        return {
            "message_id": self.message_id,
            "correlation_id": self.correlation_id,
            "status": self.status,
            "location": self.location,
            "replayed": self.replayed,
        }


class ApiError(RemoteError):
    """The API answered with an error (problem+json is kept for the caller)."""

    def __init__(self, status: int, problem: dict[str, Any] | str) -> None:
        detail = problem if isinstance(problem, str) else problem.get("detail") or problem
        super().__init__(f"API answered {status}: {detail}")
        self.status = status
        self.problem = problem


def message_request(
    text: str,
    *,
    title: str | None = None,
    priority: int | str | None = None,
    tags: Sequence[str] | None = None,
) -> dict[str, Any]:
    """The JSON body of `POST /api/messages` (CreateMessageRequest)."""
    if not text:
        raise UsageError("the message text must not be empty")
    body: dict[str, Any] = {"message": text}
    if title is not None:
        body["title"] = title
    if priority is not None:
        body["priority"] = int(priority) if str(priority).isdigit() else priority
    if tags:
        body["tags"] = list(tags)
    return body


def send_message(
    text: str,
    *,
    target: Target | None = None,
    title: str | None = None,
    priority: int | str | None = None,
    tags: Sequence[str] | None = None,
    token: str | None = None,
    email: str = DEFAULT_EMAIL,
    correlation_id: str | None = None,
    idempotency_key: str | None = None,
    base_url: str | None = None,
    http: httpx.Client | None = None,
) -> SentMessage:
    """Create a message through the API; mints a token for `email` when none is given.

    `base_url` (the `/api` base) defaults to the one the web-api stack's outputs give;
    `http` lets tests pass an `httpx.Client` with a mock transport.
    """
    where = target or Target.resolve()
    bearer = token or mint_token(email, target=where)
    url = (base_url or api_base_url(where)).rstrip("/") + "/messages"
    headers = {"Authorization": f"Bearer {bearer}", "Content-Type": "application/json"}
    if correlation_id:
        headers["X-Correlation-ID"] = correlation_id
    if idempotency_key:
        headers["Idempotency-Key"] = idempotency_key
    body = message_request(text, title=title, priority=priority, tags=tags)
    client = http or httpx.Client(timeout=TIMEOUT_SECONDS)
    try:
        response = client.post(url, json=body, headers=headers)
    except httpx.HTTPError as error:
        raise RemoteError(f"cannot reach the API at {url}: {error}") from error
    finally:
        if http is None:
            client.close()
    return _accepted(response)


def _accepted(response: httpx.Response) -> SentMessage:
    if response.status_code != 202:
        try:
            problem: dict[str, Any] | str = response.json()
        except ValueError:
            problem = response.text[:500]
        raise ApiError(response.status_code, problem)
    document = response.json()
    return SentMessage(
        message_id=str(document["message_id"]),
        correlation_id=str(
            document.get("correlation_id") or response.headers.get("X-Correlation-ID", "")
        ),
        status=str(document.get("status", "created")),
        location=response.headers.get("Location"),
        replayed=response.headers.get("Idempotent-Replayed") == "true",
    )
