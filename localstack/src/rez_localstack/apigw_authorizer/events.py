"""The events API Gateway sends to a Lambda authorizer, and how it reads the answer."""

import json
from collections.abc import Iterable, Mapping
from typing import Any

from rez_localstack.apigw_authorizer.cache import AuthorizerResult


class AuthorizerOutputError(ValueError):
    """The authorizer's answer is not ``{principalId, policyDocument[, context]}``: a 500."""


def token_event(token: str, method_arn: str) -> dict[str, str]:
    """``{"type": "TOKEN", "authorizationToken": ..., "methodArn": ...}``."""
    return {"type": "TOKEN", "authorizationToken": token, "methodArn": method_arn}


def request_event(
    *,
    method_arn: str,
    resource: str,
    path: str,
    http_method: str,
    headers: Iterable[tuple[str, str]],
    query: Mapping[str, list[str]],
    path_parameters: Mapping[str, str],
    stage_variables: Mapping[str, str],
    request_context: Mapping[str, Any],
) -> dict[str, Any]:
    """The REQUEST authorizer event of a REST API (single and multi-value maps)."""
    multi_headers: dict[str, list[str]] = {}
    for name, value in headers:
        multi_headers.setdefault(name, []).append(value)
    return {
        "type": "REQUEST",
        "methodArn": method_arn,
        "resource": resource,
        "path": path,
        "httpMethod": http_method,
        "headers": {name: values[-1] for name, values in multi_headers.items()},
        "multiValueHeaders": multi_headers,
        "queryStringParameters": {name: values[-1] for name, values in query.items()},
        "multiValueQueryStringParameters": {name: list(values) for name, values in query.items()},
        "pathParameters": dict(path_parameters),
        "stageVariables": dict(stage_variables),
        "requestContext": dict(request_context),
    }


def parse_output(payload: bytes) -> AuthorizerResult:
    """Read the authorizer's JSON answer; context values become strings as in REST proxy events."""
    try:
        answer = json.loads(payload or b"null")
    except ValueError as error:
        raise AuthorizerOutputError("the authorizer did not answer JSON") from error
    if not isinstance(answer, dict):
        raise AuthorizerOutputError("the authorizer must answer a JSON object")
    principal = answer.get("principalId")
    policy = answer.get("policyDocument")
    if not isinstance(principal, str | int | float) or isinstance(principal, bool):
        raise AuthorizerOutputError("principalId is missing")
    if not isinstance(policy, dict):
        raise AuthorizerOutputError("policyDocument is missing")
    return AuthorizerResult(str(principal), policy, _context(answer.get("context")))


def _context(raw: object) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise AuthorizerOutputError("context must be an object")
    context: dict[str, str] = {}
    for key, value in raw.items():
        if isinstance(value, bool):
            context[str(key)] = "true" if value else "false"
        elif isinstance(value, str | int | float):
            context[str(key)] = str(value)
        elif value is not None:
            raise AuthorizerOutputError(f"context.{key} must be a string, number or boolean")
    return context
