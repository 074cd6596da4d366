"""An authorizer's identity sources, read from the request (missing ones mean 401)."""

import re
from collections.abc import Mapping
from dataclasses import dataclass


class MissingIdentityError(LookupError):
    """A required identity source is absent or fails ``identityValidationExpression``."""


@dataclass(frozen=True, slots=True)
class RequestView:
    """The parts of a request an identity source can name."""

    headers: Mapping[str, str]
    """Case-insensitive header lookup (werkzeug ``Headers`` or a lowercased dict)."""
    query: Mapping[str, str]
    stage_variables: Mapping[str, str]
    context: Mapping[str, object]


def identity_sources(expression: str | None) -> list[str]:
    """``"method.request.header.Authorization, method.request.querystring.q"`` split."""
    return [part.strip() for part in (expression or "").split(",") if part.strip()]


def read_source(source: str, request: RequestView) -> str | None:
    """The value an identity source names, or ``None`` when absent or empty."""
    value: object = None
    if source.startswith("method.request.header."):
        value = _header(request.headers, source.removeprefix("method.request.header."))
    elif source.startswith("method.request.querystring."):
        value = request.query.get(source.removeprefix("method.request.querystring."))
    elif source.startswith("stageVariables."):
        value = request.stage_variables.get(source.removeprefix("stageVariables."))
    elif source.startswith("context."):
        value = request.context.get(source.removeprefix("context."))
    if value is None or value == "":
        return None
    return str(value)


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is None:
        value = headers.get(name.lower())
    return value


def token_identity(
    source_expression: str | None, validation_expression: str | None, request: RequestView
) -> str:
    """The TOKEN authorizer's token; raise ``MissingIdentityError`` for a 401."""
    sources = identity_sources(source_expression) or ["method.request.header.Authorization"]
    token = read_source(sources[0], request)
    if token is None:
        raise MissingIdentityError(sources[0])
    if validation_expression and re.fullmatch(validation_expression, token) is None:
        raise MissingIdentityError("token does not match identityValidationExpression")
    return token


def request_identity(source_expression: str | None, request: RequestView) -> tuple[str, ...]:
    """The REQUEST authorizer's identity values (empty when no source is configured)."""
    values: list[str] = []
    for source in identity_sources(source_expression):
        value = read_source(source, request)
        if value is None:
            raise MissingIdentityError(source)
        values.append(value)
    return tuple(values)
