"""openapi.yaml and the implementation agree: routes, statuses, headers and body schemas.

Real answers of the handler (every route, every error it produces) are validated with jsonschema
against the schemas the document declares for that path, method, status and content type.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from openapi_spec_validator import validate as validate_openapi
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from rez_web_api.endpoints import ROUTER

DOC_URI = "urn:rez-agent:openapi"


def resolve(openapi: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """Follow a `$ref` to a component (responses, parameters, headers)."""
    while "$ref" in node:
        target: Any = openapi
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def validator(openapi: dict[str, Any], schema: dict[str, Any]) -> Draft202012Validator:
    """A validator for a schema of the document, its `$ref`s resolved within the document."""
    registry = Registry().with_resource(DOC_URI, Resource(openapi, specification=DRAFT202012))
    rooted = {"$id": "urn:rez-agent:check", **_rebase(schema)}
    return Draft202012Validator(rooted, registry=registry, format_checker=FormatChecker())


def _rebase(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            key: (DOC_URI + value if key == "$ref" and value.startswith("#") else _rebase(value))
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_rebase(item) for item in node]
    return node


def check_answer(openapi, template: str, method: str, answer) -> None:
    """The answer's status, headers and body are what the document says for this operation."""
    operation = openapi["paths"][template][method.lower()]
    responses = operation["responses"]
    assert str(answer.status) in responses, (
        f"{method} {template} answers undocumented {answer.status}"
    )
    response = resolve(openapi, responses[str(answer.status)])
    for name, header in response.get("headers", {}).items():
        header = resolve(openapi, header)
        if header.get("required"):
            assert name in answer.headers, f"{name} missing on {answer.status}"
        if name in answer.headers:
            validator(openapi, header["schema"]).validate(answer.headers[name])
    content_type = answer.headers["Content-Type"]
    assert content_type in response["content"], f"{content_type} not documented for {answer.status}"
    validator(openapi, response["content"][content_type]["schema"]).validate(answer.body)


def test_the_document_is_valid_openapi_3_1(openapi):
    assert openapi["openapi"].startswith("3.1")
    validate_openapi(openapi)


def test_every_route_is_documented_and_every_operation_implemented(openapi):
    implemented = {(route.method, route.template) for route in ROUTER.routes}
    documented = {
        (method.upper(), path)
        for path, item in openapi["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    }
    assert implemented == documented


def test_health_is_public_and_the_rest_needs_the_bearer_jwt(openapi):
    assert openapi["components"]["securitySchemes"]["bearerJwt"] == {
        **openapi["components"]["securitySchemes"]["bearerJwt"],
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
    }
    assert openapi["security"] == [{"bearerJwt": []}]
    assert openapi["paths"]["/api/health"]["get"]["security"] == []


def scenarios(event, call):
    """Real answers of every route and every error the function produces, with their operation."""
    created = call(event("createMessage.json"))
    message_id = created.body["message_id"]
    replay_event = event("createMessage.json", headers={"Idempotency-Key": "contract-1"})
    call(replay_event)
    yield "/api/messages", "POST", created
    yield "/api/messages", "POST", call(replay_event)
    yield (
        "/api/messages",
        "POST",
        call(
            event(
                "createMessage.json",
                headers={"Idempotency-Key": "contract-1"},
                body='{"message": "other"}',
            )
        ),
    )
    yield "/api/messages", "POST", call(event("createMessage.json", body='{"message": 1, "x": 2}'))
    yield "/api/messages", "POST", call(event("createMessage.json", body="{"))
    yield (
        "/api/messages",
        "POST",
        call(event("createMessage.json", body=json.dumps({"message": "x" * 17_000}))),
    )
    yield (
        "/api/messages",
        "POST",
        call(event("createMessage.json", headers={"Content-Type": "text/csv"})),
    )
    yield (
        "/api/messages",
        "POST",
        call(event("createMessage.json", headers={"Idempotency-Key": "has space"})),
    )
    unauthenticated = event("createMessage.json")
    del unauthenticated["requestContext"]["authorizer"]
    yield "/api/messages", "POST", call(unauthenticated)
    yield "/api/messages", "GET", call(event("listMessages.json"))
    yield (
        "/api/messages",
        "GET",
        call(event("listMessages.json", queryStringParameters={"limit": "0"})),
    )
    yield "/api/messages", "DELETE", call(event("listMessages.json", httpMethod="DELETE"))
    yield (
        "/api/messages/{message_id}",
        "GET",
        call(event("getMessage.json", path=f"/api/messages/{message_id}")),
    )
    yield (
        "/api/messages/{message_id}",
        "GET",
        call(event("getMessage.json", path=f"/api/messages/{uuid.uuid4()}")),
    )
    yield "/api/messages/{message_id}", "PUT", call(event("getMessage.json", httpMethod="PUT"))
    yield "/api/health", "GET", call(event("health.json"))
    yield "/api/health", "POST", call(event("health.json", httpMethod="POST"))


def test_real_answers_match_the_document(aws, event, call, openapi):
    seen: set[tuple[str, str, int]] = set()
    for template, method, answer in scenarios(event, call):
        documented_method = method if method.lower() in openapi["paths"][template] else "GET"
        if method != documented_method:
            # a 405 is documented on the operations the path does have
            documented_method = next(m.upper() for m in openapi["paths"][template])
        check_answer(openapi, template, documented_method, answer)
        seen.add((template, method, answer.status))
    # every status the function itself produces was exercised
    assert {status for *_, status in seen} >= {200, 202, 400, 401, 404, 405, 413, 415, 422}


def test_an_internal_error_matches_the_document(event, call, openapi, monkeypatch):
    monkeypatch.setenv("STAGE", "dev")
    monkeypatch.delenv("MESSAGES_TABLE", raising=False)
    answer = call(event("listMessages.json"))
    assert answer.status == 500
    check_answer(openapi, "/api/messages", "GET", answer)


@pytest.mark.parametrize(
    ("schema_name", "document", "valid"),
    [
        ("CreateMessageRequest", {"message": "x", "priority": "urgent", "tags": None}, True),
        ("CreateMessageRequest", {"message": "x", "tags": ["a,b"]}, False),
        ("CreateMessageRequest", {"message": "x", "colour": "red"}, False),
        ("CreateMessageRequest", {"message": ""}, False),
    ],
)
def test_request_schema_rules_match_the_validation(
    openapi, schema_name, document, valid, event, call, aws
):
    # GIVEN a body the document accepts or refuses
    schema = openapi["components"]["schemas"][schema_name]
    assert validator(openapi, schema).is_valid(document) is valid
    # THEN the implementation decides the same
    answer = call(event("createMessage.json", body=json.dumps(document)))
    assert (answer.status == 202) is valid
