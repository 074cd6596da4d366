"""Lambda authorizer pieces without the harness: policy, identity, cache, answer, chain handler."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest
from localstack.services.apigateway.next_gen.execute_api.gateway_response import (
    AccessDeniedError,
    AuthorizerConfigurationError,
    UnauthorizedError,
)
from werkzeug.datastructures import Headers

from rez_localstack.apigw_authorizer.cache import AuthorizerResult, ResultCache
from rez_localstack.apigw_authorizer.events import AuthorizerOutputError, parse_output, token_event
from rez_localstack.apigw_authorizer.handler import LambdaAuthorizerHandler
from rez_localstack.apigw_authorizer.identity import (
    MissingIdentityError,
    RequestView,
    request_identity,
    token_identity,
)
from rez_localstack.apigw_authorizer.invoke import InvocationResult, function_arn_from_uri
from rez_localstack.apigw_authorizer.policy import (
    Decision,
    PolicyError,
    evaluate_policy,
    method_arn,
)

ARN = "arn:aws:execute-api:us-east-1:000000000000:abc123/dev/GET/items/42"


def policy(
    *statements: tuple[str, str | list[str]], action: str | list[str] = "execute-api:Invoke"
) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": effect, "Action": action, "Resource": resource}
            for effect, resource in statements
        ],
    }


# ---------------------------------------------------------------- policy


@pytest.mark.parametrize(
    ("resource", "decision"),
    [
        (ARN, Decision.ALLOW),
        ("arn:aws:execute-api:us-east-1:000000000000:abc123/*", Decision.ALLOW),
        ("arn:aws:execute-api:*:*:abc123/*/GET/items/*", Decision.ALLOW),
        ("arn:aws:execute-api:us-east-1:000000000000:abc123/dev/GET/items/4?", Decision.ALLOW),
        (
            "arn:aws:execute-api:us-east-1:000000000000:abc123/dev/GET/items/?",
            Decision.IMPLICIT_DENY,
        ),
        ("arn:aws:execute-api:us-east-1:000000000000:abc123/dev/POST/*", Decision.IMPLICIT_DENY),
        ("arn:aws:execute-api:us-east-1:000000000000:other/*", Decision.IMPLICIT_DENY),
        ("*", Decision.ALLOW),
    ],
)
def test_allow_statement_matches_with_wildcards(resource: str, decision: Decision) -> None:
    assert evaluate_policy(policy(("Allow", resource)), ARN) is decision


def test_explicit_deny_wins_over_any_allow() -> None:
    document = policy(("Allow", "*"), ("Deny", "arn:aws:execute-api:*:*:abc123/*/GET/items/*"))
    assert evaluate_policy(document, ARN) is Decision.EXPLICIT_DENY
    other = ARN.replace("/GET/", "/POST/")
    assert evaluate_policy(document, other) is Decision.ALLOW


def test_actions_and_single_statement_objects() -> None:
    assert evaluate_policy(policy(("Allow", ARN), action="execute-api:*"), ARN) is Decision.ALLOW
    assert (
        evaluate_policy(policy(("Allow", ARN), action=["s3:GetObject"]), ARN)
        is Decision.IMPLICIT_DENY
    )
    single = {"Statement": {"Effect": "Allow", "Action": "*", "Resource": [ARN]}}
    assert evaluate_policy(single, ARN) is Decision.ALLOW


@pytest.mark.parametrize(
    "document",
    [
        {},
        {"Statement": "Allow"},
        {"Statement": [{"Effect": "Maybe", "Action": "*", "Resource": "*"}]},
        {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": 5}]},
    ],
)
def test_malformed_policies_are_errors(document: dict[str, Any]) -> None:
    with pytest.raises(PolicyError):
        evaluate_policy(document, ARN)


def test_method_arn_shape() -> None:
    assert (
        method_arn(
            partition="aws",
            region="us-east-1",
            account_id="000000000000",
            api_id="abc123",
            stage="dev",
            http_method="get",
            path="/items/42",
        )
        == ARN
    )
    assert method_arn(
        partition="aws",
        region="r",
        account_id="a",
        api_id="i",
        stage="s",
        http_method="GET",
        path="/",
    ).endswith("i/s/GET/")


# ---------------------------------------------------------------- identity


def request_view(
    headers: dict[str, str] | None = None, query: dict[str, str] | None = None
) -> RequestView:
    return RequestView(
        headers=Headers(headers or {}),
        query=query or {},
        stage_variables={"env": "dev"},
        context={"stage": "dev"},
    )


def test_token_comes_from_the_header_whatever_its_case_and_must_match_the_expression() -> None:
    view = request_view({"authorization": "Bearer abc"})
    assert (
        token_identity("method.request.header.Authorization", "^Bearer [a-z]+$", view)
        == "Bearer abc"
    )
    with pytest.raises(MissingIdentityError):
        token_identity("method.request.header.Authorization", "^Basic .*$", view)
    with pytest.raises(MissingIdentityError):
        token_identity("method.request.header.Authorization", None, request_view())


def test_request_identity_reads_every_source_and_requires_each() -> None:
    view = request_view({"X-Token": "t"}, {"tenant": "acme"})
    sources = (
        "method.request.header.X-Token, method.request.querystring.tenant,"
        " stageVariables.env, context.stage"
    )
    assert request_identity(sources, view) == ("t", "acme", "dev", "dev")
    with pytest.raises(MissingIdentityError):
        request_identity("method.request.querystring.missing", view)
    assert request_identity(None, view) == ()


# ---------------------------------------------------------------- cache and answer


def test_cache_keeps_results_for_their_ttl_and_not_at_all_with_zero() -> None:
    now = [100.0]
    cache = ResultCache(monotonic=lambda: now[0])
    result = AuthorizerResult("p", {}, {})
    cache.put("a", result, 10)
    cache.put("b", result, 0)
    assert cache.get("a") is result and cache.get("b") is None
    now[0] = 110.0
    assert cache.get("a") is None


def test_answer_context_values_become_strings_and_bad_answers_are_errors() -> None:
    result = parse_output(
        json.dumps(
            {
                "principalId": 7,
                "policyDocument": {"Statement": []},
                "context": {"n": 1, "ok": False, "s": "x", "none": None},
            }
        ).encode()
    )
    assert (result.principal_id, result.context) == ("7", {"n": "1", "ok": "false", "s": "x"})
    for bad in [
        b"null",
        b"[]",
        b"{",
        json.dumps({"policyDocument": {}}).encode(),
        json.dumps({"principalId": "p"}).encode(),
        json.dumps(
            {"principalId": "p", "policyDocument": {}, "context": {"nested": {"a": 1}}}
        ).encode(),
    ]:
        with pytest.raises(AuthorizerOutputError):
            parse_output(bad)


def test_function_arn_is_read_from_the_authorizer_uri() -> None:
    fn = "arn:aws:lambda:us-east-1:000000000000:function:auth"
    assert (
        function_arn_from_uri(
            f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{fn}/invocations"
        )
        == fn
    )
    assert token_event("t", ARN) == {"type": "TOKEN", "authorizationToken": "t", "methodArn": ARN}


# ---------------------------------------------------------------- the chain handler


class FakeLambda:
    def __init__(self, answers: list[InvocationResult]) -> None:
        self.answers = answers
        self.events: list[dict[str, Any]] = []

    def __call__(self, function_arn: str, event: bytes, source_arn: str) -> InvocationResult:
        self.events.append(json.loads(event))
        return self.answers.pop(0)


def allowing(principal: str = "alice") -> InvocationResult:
    body = {
        "principalId": principal,
        "policyDocument": policy(("Allow", "*")),
        "context": {"tenant": "acme"},
    }
    return InvocationResult(json.dumps(body).encode(), function_error=False)


def invocation_context(
    authorizer: dict[str, Any], headers: dict[str, str], authorization_type: str = "CUSTOM"
) -> Any:
    authorizer = {
        "id": "az1",
        "authorizerUri": (
            "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
            "arn:aws:lambda:us-east-1:000000000000:function:auth/invocations"
        ),
        **authorizer,
    }
    return SimpleNamespace(
        resource_method={"authorizationType": authorization_type, "authorizerId": "az1"},
        deployment=SimpleNamespace(rest_api=SimpleNamespace(authorizers={"az1": authorizer})),
        region="us-east-1",
        account_id="000000000000",
        api_id="abc123",
        stage="dev",
        request=SimpleNamespace(method="GET"),
        resource={"path": "/items/{id}"},
        invocation_request={
            "path": "/items/42",
            "headers": Headers(headers),
            "query_string_parameters": {},
            "multi_value_query_string_parameters": {},
            "path_parameters": {"id": "42"},
        },
        stage_variables=None,
        context_variables={"requestId": "r1"},
    )


def test_allowed_request_gets_principal_and_context_and_is_cached_by_token() -> None:
    fake = FakeLambda([allowing(), allowing("bob")])
    handler = LambdaAuthorizerHandler(invoke=fake)
    first = invocation_context(
        {"type": "TOKEN", "identitySource": "method.request.header.Authorization"},
        {"Authorization": "t1"},
    )
    handler(None, first, None)
    assert first.context_variables["authorizer"]["principalId"] == "alice"
    assert first.context_variables["authorizer"]["tenant"] == "acme"
    assert fake.events == [{"type": "TOKEN", "authorizationToken": "t1", "methodArn": ARN}]
    again = invocation_context({"type": "TOKEN"}, {"Authorization": "t1"})
    handler(None, again, None)
    assert again.context_variables["authorizer"]["principalId"] == "alice" and len(fake.events) == 1
    other = invocation_context({"type": "TOKEN"}, {"Authorization": "t2"})
    handler(None, other, None)
    assert other.context_variables["authorizer"]["principalId"] == "bob"


def test_request_authorizer_without_identity_source_is_called_every_time() -> None:
    fake = FakeLambda([allowing(), allowing()])
    handler = LambdaAuthorizerHandler(invoke=fake)
    for _ in range(2):
        handler(
            None,
            invocation_context(
                {"type": "REQUEST", "authorizerResultTtlInSeconds": 300}, {"X-Any": "1"}
            ),
            None,
        )
    assert [e["type"] for e in fake.events] == ["REQUEST", "REQUEST"]
    assert (
        fake.events[0]["pathParameters"] == {"id": "42"}
        and fake.events[0]["resource"] == "/items/{id}"
    )
    assert fake.events[0]["headers"]["X-Any"] == "1"


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (
            InvocationResult(b'{"errorMessage": "Unauthorized", "errorType": "Exception"}', True),
            UnauthorizedError,
        ),
        (
            InvocationResult(b'{"errorMessage": "boom", "errorType": "RuntimeError"}', True),
            AuthorizerConfigurationError,
        ),
        (InvocationResult(b'{"principalId": "p"}', False), AuthorizerConfigurationError),
        (
            InvocationResult(
                json.dumps({"principalId": "p", "policyDocument": policy(("Deny", "*"))}).encode(),
                False,
            ),
            AccessDeniedError,
        ),
    ],
)
def test_authorizer_outcomes_map_to_gateway_errors(
    answer: InvocationResult, error: type[Exception]
) -> None:
    handler = LambdaAuthorizerHandler(invoke=FakeLambda([answer]))
    with pytest.raises(error):
        handler(
            None,
            invocation_context(
                {"type": "TOKEN", "authorizerResultTtlInSeconds": 0}, {"Authorization": "t"}
            ),
            None,
        )


def test_missing_token_is_401_without_calling_the_function_and_open_methods_pass() -> None:
    fake = FakeLambda([])
    handler = LambdaAuthorizerHandler(invoke=fake)
    with pytest.raises(UnauthorizedError):
        handler(None, invocation_context({"type": "TOKEN"}, {}), None)
    open_method = invocation_context({"type": "TOKEN"}, {}, authorization_type="NONE")
    handler(None, open_method, None)
    assert fake.events == [] and "authorizer" not in open_method.context_variables
