"""The HTTP request and response as this API sees them, adapted from/to API Gateway's REST proxy
event (payload format 1.0) so nothing else deals with its shape.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from rez_web_api.problems import PROBLEM_CONTENT_TYPE, ProblemError, bad_request

JSON_CONTENT_TYPE: Final = "application/json"
CORRELATION_HEADER: Final = "X-Correlation-ID"


def _lower_keys(headers: object) -> dict[str, str]:
    if not isinstance(headers, Mapping):
        return {}
    return {str(k).lower(): v for k, v in headers.items() if isinstance(v, str)}


def _single_values(params: object) -> dict[str, str]:
    if not isinstance(params, Mapping):
        return {}
    return {str(k): v for k, v in params.items() if isinstance(v, str)}


@dataclass(frozen=True, slots=True)
class Caller:
    """Who the authorizer said is calling (its `context`, flattened by API Gateway)."""

    user_id: str | None
    email: str | None
    scopes: tuple[str, ...] = ()

    @property
    def display_name(self) -> str | None:
        """What `created_by` records: the email when known, else the user id."""
        return self.email or self.user_id


@dataclass(frozen=True, slots=True)
class Request:
    """One API call: method, path, lower-cased headers, query, raw body, caller."""

    method: str
    path: str
    headers: dict[str, str]
    query: dict[str, str]
    multi_query: dict[str, list[str]]
    body_text: str | None
    body_is_base64: bool
    caller: Caller

    def header(self, name: str) -> str | None:
        """A header value, case-insensitively."""
        return self.headers.get(name.lower())

    def body_bytes(self) -> bytes | None:
        """The body as sent; a body flagged base64 that is not valid base64 is a 400 problem."""
        if self.body_text is None:
            return None
        if self.body_is_base64:
            try:
                return base64.b64decode(self.body_text, validate=True)
            except (binascii.Error, ValueError):
                raise bad_request(
                    "malformed-body", "the base64-encoded body is not valid"
                ) from None
        return self.body_text.encode("utf-8", errors="surrogatepass")

    @classmethod
    def from_api_gateway(cls, event: Mapping[str, Any]) -> Request:
        """Parse a REST proxy event (never raises: the body is decoded by `body_bytes`)."""
        context = event.get("requestContext")
        context = context if isinstance(context, Mapping) else {}
        authorizer = context.get("authorizer")
        authorizer = authorizer if isinstance(authorizer, Mapping) else {}
        multi = event.get("multiValueQueryStringParameters")
        return cls(
            method=str(event.get("httpMethod") or context.get("httpMethod") or "").upper(),
            path=str(event.get("path") or "/"),
            headers=_lower_keys(event.get("headers")),
            query=_single_values(event.get("queryStringParameters")),
            multi_query={
                str(k): [x for x in v if isinstance(x, str)]
                for k, v in (multi.items() if isinstance(multi, Mapping) else ())
                if isinstance(v, list)
            },
            body_text=event.get("body") if isinstance(event.get("body"), str) else None,
            body_is_base64=bool(event.get("isBase64Encoded")),
            caller=Caller(
                user_id=_text(authorizer.get("user_id")) or _text(authorizer.get("principalId")),
                email=_text(authorizer.get("email")),
                scopes=tuple((_text(authorizer.get("scopes")) or "").split()),
            ),
        )


def _text(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


@dataclass(frozen=True, slots=True)
class Response:
    """An answer: status, a JSON document, extra headers."""

    status: int
    body: Mapping[str, Any] | None
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = JSON_CONTENT_TYPE

    @classmethod
    def problem(cls, problem: ProblemError, correlation_id: str) -> Response:
        """The problem+json answer of a `ProblemError`."""
        return cls(
            problem.status,
            problem.body(correlation_id),
            dict(problem.headers),
            PROBLEM_CONTENT_TYPE,
        )

    def to_api_gateway(self, correlation_id: str) -> dict[str, Any]:
        """The proxy integration result; every answer carries `X-Correlation-ID`."""
        headers = {
            "Content-Type": self.content_type,
            CORRELATION_HEADER: correlation_id,
            "Cache-Control": "no-store",
            **self.headers,
        }
        return {
            "statusCode": self.status,
            "headers": headers,
            "body": "" if self.body is None else json.dumps(self.body, ensure_ascii=False),
            "isBase64Encoded": False,
        }
