"""A REST API with real Lambda authorizers, deployed by CloudFormation, called over HTTP."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import short_uid, wait_until

TEMPLATE = Path(__file__).parent / "templates" / "authorizer_api.yaml"


def stack_outputs(cfn: Any, stack_id: str) -> dict[str, str]:
    stack = wait_until(
        lambda: (
            (s := cfn.describe_stacks(StackName=stack_id)["Stacks"][0])["StackStatus"].endswith(
                ("COMPLETE", "FAILED")
            )
            and s
        ),
        timeout=120,
        interval=0.3,
    )
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack.get("StackStatusReason")
    return {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}


@pytest.fixture(scope="module")
def guarded_api(
    client: Callable[[str], Any], harness: Any
) -> Iterator[Callable[..., tuple[int, Any]]]:
    """Deploy the template once for the module; yield a GET helper on its stage."""
    cfn = client("cloudformation")
    suffix = short_uid()
    stack_id = cfn.create_stack(
        StackName=f"guarded-{suffix}",
        TemplateBody=TEMPLATE.read_text(),
        Parameters=[{"ParameterKey": "Suffix", "ParameterValue": suffix}],
    )["StackId"]
    api_id = stack_outputs(cfn, stack_id)["ApiId"]

    def get(path: str, headers: dict[str, str] | None = None) -> tuple[int, Any]:
        request = urllib.request.Request(
            f"{harness.endpoint}/_aws/execute-api/{api_id}/dev{path}", headers=headers or {}
        )
        try:
            with urllib.request.urlopen(request) as answer:
                return answer.status, json.loads(answer.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    yield get
    cfn.delete_stack(StackName=stack_id)


def test_allow_passes_principal_and_context_to_the_integration(
    guarded_api: Callable[..., tuple[int, Any]],
) -> None:
    status, body = guarded_api("/items", {"Authorization": "allow-1"})
    assert status == 200
    authorizer = body["authorizer"]
    assert authorizer["principalId"] == "user-allow-1"
    assert (authorizer["tenant"], authorizer["admin"]) == ("acme", "true")
    assert authorizer["calls"].isdigit()


def test_explicit_deny_is_403_with_aws_message(guarded_api: Callable[..., tuple[int, Any]]) -> None:
    assert guarded_api("/items", {"Authorization": "deny-1"}) == (
        403,
        {"Message": "User is not authorized to access this resource with an explicit deny"},
    )
    # an Allow on everything does not beat a Deny on GET
    assert guarded_api("/items", {"Authorization": "mixed-1"})[0] == 403


def test_policy_wildcards_are_matched_against_the_method_arn(
    guarded_api: Callable[..., tuple[int, Any]],
) -> None:
    assert guarded_api("/items", {"Authorization": "wild-1"})[0] == 200  # .../*/GET/it?ms
    assert guarded_api("/items", {"Authorization": "other-1"}) == (
        403,
        {"Message": "User is not authorized to access this resource"},
    )


def test_missing_or_invalid_token_is_401_and_authorizer_errors_are_500(
    guarded_api: Callable[..., tuple[int, Any]],
) -> None:
    unauthorized = (401, {"message": "Unauthorized"})
    assert guarded_api("/items") == unauthorized
    assert (
        guarded_api("/items", {"Authorization": "bogus"}) == unauthorized
    )  # fails identityValidationExpression
    assert (
        guarded_api("/items", {"Authorization": "unauthorized-1"}) == unauthorized
    )  # raises Exception("Unauthorized")
    assert guarded_api("/items", {"Authorization": "error-1"}) == (500, {"message": None})


def test_request_authorizer_results_are_cached_per_identity(
    guarded_api: Callable[..., tuple[int, Any]],
) -> None:
    token = f"allow-{short_uid()}"
    first = guarded_api("/cached", {"X-Token": token})
    second = guarded_api("/cached", {"X-Token": token})
    other = guarded_api("/cached", {"X-Token": f"allow-{short_uid()}"})
    assert first[0] == second[0] == other[0] == 200
    # same identity: the cached answer (same call counter); new identity: a new call
    assert second[1]["authorizer"]["calls"] == first[1]["authorizer"]["calls"]
    assert other[1]["authorizer"]["calls"] != first[1]["authorizer"]["calls"]
    assert guarded_api("/cached") == (401, {"message": "Unauthorized"})


def test_token_authorizer_with_ttl_zero_is_called_every_time(
    guarded_api: Callable[..., tuple[int, Any]],
) -> None:
    first = guarded_api("/items", {"Authorization": "allow-same"})[1]["authorizer"]["calls"]
    second = guarded_api("/items", {"Authorization": "allow-same"})[1]["authorizer"]["calls"]
    assert int(second) > int(first)


def test_the_authorizer_exists_in_api_gateway(
    client: Callable[[str], Any], guarded_api: Callable[..., tuple[int, Any]]
) -> None:
    apigateway = client("apigateway")
    apis = [a for a in apigateway.get_rest_apis()["items"] if a["name"].startswith("guarded-")]
    authorizers = {
        a["name"]: a
        for api in apis
        for a in apigateway.get_authorizers(restApiId=api["id"])["items"]
    }
    assert authorizers["token"]["type"] == "TOKEN"
    assert authorizers["token"]["authorizerResultTtlInSeconds"] == 0
    assert authorizers["request"]["identitySource"] == "method.request.header.X-Token"
