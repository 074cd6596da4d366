"""The four routes: each parses its input, calls a use case, shapes the answer.

Domain errors are mapped to problems here, where the route that raised them is known.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from rez_messages import (
    IdempotencyConflictError,
    InvalidCursorError,
    MessageNotFoundError,
)
from rez_telemetry import logger, tracer
from rez_web_api import bootstrap, service
from rez_web_api.api_gateway import Request, Response
from rez_web_api.problems import ProblemError, not_found
from rez_web_api.representation import accepted_json, message_json, page_json
from rez_web_api.routing import Route, Router
from rez_web_api.validation import (
    FieldError,
    check_content_type,
    invalid,
    parse_create_message,
    parse_list_query,
    parse_message_id,
)

Endpoint = Callable[[Request, dict[str, str], str], Response]
"""(request, path parameters, correlation ID) -> answer."""


def health(request: Request, params: dict[str, str], correlation_id: str) -> Response:
    """Liveness: answers without touching any dependency."""
    return Response(200, {"status": "ok", "service": "web-api"})


def create_message(request: Request, params: dict[str, str], correlation_id: str) -> Response:
    """`POST /api/messages`: 202 with the id, or the stored message on an idempotent replay."""
    check_content_type(request.header("content-type"))
    command = parse_create_message(request.body_bytes(), request.header("idempotency-key"))
    created_by = request.caller.display_name
    if created_by is None:
        raise ProblemError(
            401, "unauthenticated", "no authenticated caller: call the API through its authorizer"
        )
    deps = bootstrap.dependencies()
    try:
        outcome = service.create_manual_message(
            command,
            created_by=created_by,
            correlation_id=correlation_id,
            stage=deps.stage,
            retention=deps.retention,
            repository=deps.repository,
            publisher=deps.publisher,
            now=deps.now,
        )
    except IdempotencyConflictError as error:
        raise ProblemError(
            422,
            "idempotency-key-reused",
            f"Idempotency-Key was already used for message {error.message_id} with a different "
            "body; use a new key for a new message",
        ) from None
    message = outcome.message
    tracer.annotate(message_id=message.message_id, message_type=str(message.message_type))
    tracer.metadata(status=str(message.status), idempotent_replay=not outcome.created)
    headers = {"Location": f"/api/messages/{message.message_id}"}
    if not outcome.created:
        headers["Idempotent-Replayed"] = "true"
        logger.info(
            "Idempotent replay",
            message_id=message.message_id,
            correlation_id=message.correlation_id,
            status=str(message.status),
        )
    return Response(202, accepted_json(message), headers)


def get_message(request: Request, params: dict[str, str], correlation_id: str) -> Response:
    """`GET /api/messages/{message_id}`: the record, or 404."""
    message_id = parse_message_id(params["message_id"])
    try:
        message = service.get_message(message_id, repository=bootstrap.dependencies().repository)
    except MessageNotFoundError:
        raise not_found(f"no message with id {message_id!r}") from None
    tracer.annotate(message_id=message.message_id, message_type=str(message.message_type))
    return Response(200, message_json(message))


def list_messages(request: Request, params: dict[str, str], correlation_id: str) -> Response:
    """`GET /api/messages?status=&limit=&cursor=`: one page, newest first."""
    query = parse_list_query(request.query, request.multi_query)
    try:
        page = service.list_messages(query, repository=bootstrap.dependencies().repository)
    except InvalidCursorError as error:
        raise invalid([FieldError("cursor", error.reason)]) from None
    return Response(200, page_json(page))


ROUTER: Final = Router[Endpoint](
    [
        Route("GET", "/api/health", health),
        Route("POST", "/api/messages", create_message),
        Route("GET", "/api/messages", list_messages),
        Route("GET", "/api/messages/{message_id}", get_message),
    ]
)
