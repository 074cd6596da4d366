"""`rezctl send`: through the API Gateway URL of the deployed stack, with a minted token."""

from __future__ import annotations

import io
import json

import httpx
import jwt
import pytest
from support import client

from rezctl.api import ApiError, send_message
from rezctl.cli import main
from rezctl.stacks import api_base_url
from rezctl.target import Target

MESSAGE_ID = "0b6a4f0e-6a3c-4a0e-9a55-4f1c8f0d2b11"


def deploy_web_api_stack(outputs: dict[str, str]) -> None:
    template = {
        "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
        "Outputs": {key: {"Value": value} for key, value in outputs.items()},
    }
    client("cloudformation").create_stack(
        StackName="rez-agent-dev-web-api", TemplateBody=json.dumps(template)
    )


def accepting(seen: list[httpx.Request]) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(
            202,
            json={"message_id": MESSAGE_ID, "correlation_id": "corr-1", "status": "created"},
            headers={"X-Correlation-ID": "corr-1", "Location": f"/api/messages/{MESSAGE_ID}"},
        )

    return httpx.MockTransport(handle)


def test_harness_url_is_the_path_form_of_the_stacks_rest_api(moto_aws: None):
    deploy_web_api_stack({"RestApiId": "abc123", "ApiStageName": "dev", "ApiUrl": "https://x/"})
    target = Target.resolve(stage="dev", endpoint="http://127.0.0.1:4566/")
    target.with_client("cloudformation", client("cloudformation"))
    assert api_base_url(target) == "http://127.0.0.1:4566/restapis/abc123/dev/_user_request_/api"


def test_aws_url_is_the_api_url_output(target: Target):
    deploy_web_api_stack(
        {
            "RestApiId": "abc123",
            "ApiStageName": "dev",
            "ApiUrl": "https://abc123.execute-api.us-east-1.amazonaws.com/dev/api/",
        }
    )
    assert api_base_url(target) == "https://abc123.execute-api.us-east-1.amazonaws.com/dev/api"


def test_send_posts_the_message_with_a_minted_token(target: Target, authorizer: dict[str, str]):
    # GIVEN a deployed API
    deploy_web_api_stack({"ApiUrl": "https://api.example/dev/api/"})
    seen: list[httpx.Request] = []
    # WHEN a message is sent without a token
    sent = send_message(
        "hello",
        target=target,
        title="Hi",
        priority="high",
        tags=["a", "b"],
        correlation_id="corr-1",
        http=httpx.Client(transport=accepting(seen)),
    )
    # THEN it went to /api/messages with the body, correlation id and a verifiable token
    request = seen[0]
    assert str(request.url) == "https://api.example/dev/api/messages"
    assert json.loads(request.content) == {
        "message": "hello",
        "title": "Hi",
        "priority": "high",
        "tags": ["a", "b"],
    }
    assert request.headers["X-Correlation-ID"] == "corr-1"
    bearer = request.headers["Authorization"].removeprefix("Bearer ")
    claims = jwt.decode(
        bearer,
        authorizer["secret"],
        algorithms=["HS256"],
        audience=authorizer["audience"],
        issuer=authorizer["issuer"],
    )
    assert "messages:write" in claims["scope"].split()
    assert (sent.message_id, sent.correlation_id) == (MESSAGE_ID, "corr-1")
    assert sent.location == f"/api/messages/{MESSAGE_ID}"


def test_a_given_token_is_used_as_is_and_nothing_is_read_from_aws(moto_aws: None):
    seen: list[httpx.Request] = []
    send_message(
        "hello",
        target=Target.resolve(stage="prod"),
        token="given.token.value",
        base_url="https://api.example/prod/api",
        http=httpx.Client(transport=accepting(seen)),
    )
    assert seen[0].headers["Authorization"] == "Bearer given.token.value"


def test_an_api_problem_becomes_api_error_with_its_status():
    def refuse(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            400, json={"type": "urn:rez-agent:problem:validation", "detail": "message: too long"}
        )

    with pytest.raises(ApiError) as raised:
        send_message(
            "x",
            token="t",
            base_url="https://api.example/dev/api",
            http=httpx.Client(transport=httpx.MockTransport(refuse)),
        )
    assert raised.value.status == 400
    assert "too long" in str(raised.value)


def test_cli_send_prints_ids_and_exits_3_when_the_api_refuses(
    monkeypatch: pytest.MonkeyPatch, moto_aws: None
):
    deploy_web_api_stack({"ApiUrl": "https://api.example/dev/api/"})
    original = httpx.Client

    def unauthorized(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"message": "Unauthorized"})

    monkeypatch.setattr(
        "rezctl.api.httpx.Client",
        lambda **kw: original(transport=httpx.MockTransport(unauthorized)),
    )
    err = io.StringIO()
    code = main(["send", "hi", "--token", "bad"], stdout=io.StringIO(), stderr=err)
    assert code == 3
    assert "401" in err.getvalue()


def test_cli_send_json_output(monkeypatch: pytest.MonkeyPatch, moto_aws: None):
    deploy_web_api_stack({"ApiUrl": "https://api.example/dev/api/"})
    original = httpx.Client
    seen: list[httpx.Request] = []
    monkeypatch.setattr("rezctl.api.httpx.Client", lambda **kw: original(transport=accepting(seen)))
    out = io.StringIO()
    code = main(["send", "hi", "--token", "t", "--json"], stdout=out, stderr=io.StringIO())
    assert code == 0
    assert json.loads(out.getvalue())["message_id"] == MESSAGE_ID
