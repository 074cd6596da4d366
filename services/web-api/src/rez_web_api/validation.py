"""Turning request input into commands, with a precise 4xx for everything else.

The rules mirror `openapi.yaml` (the agreement test checks both ways). JSON is parsed strictly:
duplicate keys, `NaN`/`Infinity` and lone surrogates are refused rather than silently accepted,
because each would otherwise be stored as something the client did not mean (or crash later).
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from typing import Any, Final

from rez_messages import InvalidPayloadError, MessageStatus, Payload
from rez_messages.repository import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, validate_idempotency_key
from rez_messages.validation import json_type, payload_problems
from rez_web_api.problems import ProblemError, bad_request, not_found

MAX_REQUEST_BYTES: Final = 16 * 1024
CREATE_FIELDS: Final = ("message", "title", "priority", "tags")
LIST_PARAMETERS: Final = ("status", "limit", "cursor")
MAX_CURSOR_CHARS: Final = 2048
_JSON_MEDIA: Final = re.compile(r"^application/(?:[\w.+-]+\+)?json$")
#: The model's field names, as the API calls them.
_API_FIELD: Final = {"body": "message"}


@dataclass(frozen=True, slots=True)
class FieldError:
    """One invalid field of a request body or query."""

    field: str
    detail: str

    def as_json(self) -> dict[str, str]:
        """The member of the problem's `errors` list."""
        return {"field": self.field, "detail": self.detail}


def invalid(errors: list[FieldError]) -> ProblemError:
    """400 listing every invalid field; the detail is the first one, in words."""
    summary = "; ".join(f"{error.field}: {error.detail}" for error in errors)
    return bad_request(
        "validation-error",
        summary,
        errors=[error.as_json() for error in errors],
    )


@dataclass(frozen=True, slots=True)
class CreateMessage:
    """A validated `POST /api/messages`."""

    payload: Payload
    idempotency_key: str | None


@dataclass(frozen=True, slots=True)
class ListMessages:
    """A validated `GET /api/messages` query."""

    status: MessageStatus | None
    limit: int
    cursor: str | None


def check_content_type(content_type: str | None) -> None:
    """415 unless the body is declared as JSON (an absent Content-Type is taken as JSON)."""
    if content_type is None:
        return
    media = content_type.split(";", 1)[0].strip().lower()
    if not _JSON_MEDIA.fullmatch(media):
        raise ProblemError(
            415,
            "unsupported-media-type",
            f"Content-Type {media or '(empty)'!r} is not supported; send application/json",
        )


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document: dict[str, Any] = {}
    for key, value in pairs:
        if key in document:
            raise ValueError(f"duplicate field {key!r}")
        document[key] = value
    return document


def parse_json_object(raw: bytes | None) -> dict[str, Any]:
    """The body as a JSON object; 413 when too large, 400 naming what is wrong otherwise."""
    if raw is None or not raw.strip():
        raise bad_request("malformed-body", "the request body is empty; send a JSON object")
    if len(raw) > MAX_REQUEST_BYTES:
        raise ProblemError(
            413,
            "body-too-large",
            f"the request body is {len(raw)} bytes; at most {MAX_REQUEST_BYTES} are accepted",
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise bad_request("malformed-body", f"the body is not UTF-8 (byte {error.start})") from None
    try:
        document = json.loads(
            text, object_pairs_hook=_no_duplicates, parse_constant=_reject_constant
        )
    except json.JSONDecodeError as error:
        raise bad_request(
            "malformed-body",
            f"the body is not valid JSON: {error.msg} at line {error.lineno} column {error.colno}",
        ) from None
    except (ValueError, RecursionError) as error:
        raise bad_request("malformed-body", f"the body is not valid JSON: {error}") from None
    if not isinstance(document, dict):
        raise bad_request(
            "malformed-body",
            f"the body must be a JSON object, not {json_type(document)}",
        )
    return document


def parse_create_message(raw: bytes | None, idempotency_key: str | None) -> CreateMessage:
    """Validate a create request: every field checked, every problem reported at once."""
    key = parse_idempotency_key(idempotency_key)
    document = parse_json_object(raw)
    errors = [
        FieldError(name, f"unknown field; allowed fields are {', '.join(CREATE_FIELDS)}")
        for name in document
        if name not in CREATE_FIELDS
    ]
    if "message" not in document:
        errors.append(FieldError("message", "is required"))
    problems = payload_problems(
        document.get("message", "-"),  # a missing message is reported once, just above
        title=document.get("title"),
        priority=document.get("priority"),
        tags=document.get("tags"),
    )
    errors += [FieldError(_API_FIELD.get(p.field, p.field), p.detail) for p in problems]
    if errors:
        raise invalid(errors)
    payload = Payload.create(
        body=document["message"],
        title=document.get("title"),
        priority=document.get("priority"),
        tags=document.get("tags"),
    )
    return CreateMessage(payload=payload, idempotency_key=key)


def parse_idempotency_key(value: str | None) -> str | None:
    """The `Idempotency-Key` header: 1-255 printable ASCII characters without spaces."""
    if value is None:
        return None
    try:
        return validate_idempotency_key(value)
    except InvalidPayloadError as error:
        raise bad_request("invalid-header", f"Idempotency-Key {error.reason}") from None


def parse_list_query(query: dict[str, str], multi: dict[str, list[str]]) -> ListMessages:
    """Validate `status`, `limit` and `cursor`; unknown or repeated parameters are refused."""
    errors = [
        FieldError(name, f"unknown parameter; allowed are {', '.join(LIST_PARAMETERS)}")
        for name in query
        if name not in LIST_PARAMETERS
    ]
    errors += [
        FieldError(name, "must be given once")
        for name, values in multi.items()
        if name in LIST_PARAMETERS and len(values) > 1
    ]
    status: MessageStatus | None = None
    if "status" in query:
        try:
            status = MessageStatus(query["status"])
        except ValueError:
            allowed = ", ".join(str(s) for s in MessageStatus)
            errors.append(FieldError("status", f"must be one of {allowed}"))
    limit = DEFAULT_PAGE_SIZE
    if "limit" in query:
        text = query["limit"]
        if not (text.isascii() and text.isdigit() and len(text) <= 3) or not (
            1 <= int(text) <= MAX_PAGE_SIZE
        ):
            errors.append(FieldError("limit", f"must be an integer from 1 to {MAX_PAGE_SIZE}"))
        else:
            limit = int(text)
    cursor = query.get("cursor")
    if cursor is not None and not 1 <= len(cursor) <= MAX_CURSOR_CHARS:
        errors.append(FieldError("cursor", "must be a cursor returned by a previous page"))
    if errors:
        raise invalid(errors)
    return ListMessages(status=status, limit=limit, cursor=cursor)


def parse_message_id(value: str) -> str:
    """A message id is a UUID; anything else cannot exist (404, without asking the table)."""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise not_found(f"no message with id {value[:64]!r}") from None
