"""A REST API stage with X-Ray tracing decides ``Sampled`` with the X-Ray sampling rules.

One API with a Lambda proxy integration that echoes the ``X-Amzn-Trace-Id`` it was given, on two
stages of one deployment: ``traced`` (``tracingEnabled``) and ``plain``. Every rule a test creates
names this API, so rules of other tests never decide here (and these never decide there).
"""

from __future__ import annotations

import contextlib
import json
import re
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.conftest import REGION, ROLE, build_zip, short_uid, wait_until

ECHO = """
import json
import os


def handler(event, context):
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    return {
        "statusCode": 200,
        "body": json.dumps({
            "header": headers.get("x-amzn-trace-id"),
            "env": os.environ.get("_X_AMZN_TRACE_ID"),
        }),
    }
"""
ROOT = "1-67891233-abcdef012345678912345678"
PARENT = "53995c3f42cd8ad8"
TRACE = re.compile(r"^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=([01])$")


@dataclass
class TracedApi:
    api_id: str
    name: str
    endpoint: str

    def call(
        self, stage: str, method: str = "GET", headers: dict[str, str] | None = None
    ) -> tuple[str, str | None]:
        """(the X-Amzn-Trace-Id the Lambda got, the one the response carries)."""
        request = urllib.request.Request(
            f"{self.endpoint}/_aws/execute-api/{self.api_id}/{stage}/echo",
            method=method,
            data=b"{}" if method == "POST" else None,
            headers=headers or {},
        )
        with urllib.request.urlopen(request) as answer:
            body = json.loads(answer.read())
            return body["header"], answer.headers.get("X-Amzn-Trace-Id")

    def lambda_env(self, stage: str, headers: dict[str, str]) -> str:
        """The ``_X_AMZN_TRACE_ID`` the function got."""
        request = urllib.request.Request(
            f"{self.endpoint}/_aws/execute-api/{self.api_id}/{stage}/echo", headers=headers
        )
        with urllib.request.urlopen(request) as answer:
            return str(json.loads(answer.read())["env"])

    def sampled(
        self, stage: str, method: str = "GET", headers: dict[str, str] | None = None
    ) -> str:
        """The ``Sampled`` flag the Lambda got (also checking the header's shape)."""
        seen, returned = self.call(stage, method, headers)
        match = TRACE.match(seen)
        assert match, seen
        assert returned == seen  # one decision per request, also in the response
        return match.group(1)

    def stage_arn(self, stage: str) -> str:
        return f"arn:aws:apigateway:{REGION}::/restapis/{self.api_id}/stages/{stage}"


@pytest.fixture(scope="module")
def traced_api(client: Callable[[str], Any], harness: Any) -> Iterator[TracedApi]:
    lam, apigateway = client("lambda"), client("apigateway")
    suffix = short_uid()
    function = f"trace-echo-{suffix}"
    arn = lam.create_function(
        FunctionName=function,
        Runtime="python3.13",
        Role=ROLE,
        Handler="app.handler",
        Code={"ZipFile": build_zip({"app.py": ECHO})},
    )["FunctionArn"]
    wait_until(
        lambda: lam.get_function(FunctionName=function)["Configuration"]["State"] == "Active"
    )
    name = f"traced-{suffix}"
    api_id = apigateway.create_rest_api(name=name)["id"]
    root = next(r["id"] for r in apigateway.get_resources(restApiId=api_id)["items"])
    echo = apigateway.create_resource(restApiId=api_id, parentId=root, pathPart="echo")["id"]
    apigateway.put_method(
        restApiId=api_id, resourceId=echo, httpMethod="ANY", authorizationType="NONE"
    )
    apigateway.put_integration(
        restApiId=api_id,
        resourceId=echo,
        httpMethod="ANY",
        type="AWS_PROXY",
        integrationHttpMethod="POST",
        uri=f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{arn}/invocations",
    )
    deployment = apigateway.create_deployment(restApiId=api_id)["id"]
    apigateway.create_stage(
        restApiId=api_id, stageName="traced", deploymentId=deployment, tracingEnabled=True
    )
    apigateway.create_stage(restApiId=api_id, stageName="plain", deploymentId=deployment)
    assert apigateway.get_stage(restApiId=api_id, stageName="traced")["tracingEnabled"] is True
    yield TracedApi(api_id, name, harness.endpoint)
    apigateway.delete_rest_api(restApiId=api_id)
    lam.delete_function(FunctionName=function)


@pytest.fixture
def sampling_rule(client: Callable[[str], Any]) -> Iterator[Callable[..., str]]:
    """Create an X-Ray sampling rule (everything ``*`` unless given); deleted afterwards."""
    xray = client("xray")
    created: list[str] = []

    def create(**fields: Any) -> str:
        rule = {
            "RuleName": f"apigw-{short_uid()}",
            "ResourceARN": "*",
            "Priority": 1,
            "FixedRate": 1.0,
            "ReservoirSize": 0,
            "ServiceName": "*",
            "ServiceType": "*",
            "Host": "*",
            "HTTPMethod": "*",
            "URLPath": "*",
            "Version": 1,
            **fields,
        }
        xray.create_sampling_rule(SamplingRule=rule)
        created.append(rule["RuleName"])
        return str(rule["RuleName"])

    yield create
    for name in created:
        with contextlib.suppress(xray.exceptions.InvalidRequestException):
            xray.delete_sampling_rule(RuleName=name)


def test_traced_stage_samples_every_request_with_a_full_rate_rule(
    traced_api: TracedApi, sampling_rule: Callable[..., str]
) -> None:
    # every matcher API Gateway fills in, against this stage and GET /traced/echo only
    sampling_rule(
        Priority=1,
        FixedRate=1.0,
        ReservoirSize=0,
        ServiceName=f"{traced_api.name}/traced",
        ServiceType="AWS::ApiGateway::Stage",
        Host="127.0.0.1:*",
        HTTPMethod="GET",
        URLPath="/traced/echo",
        ResourceARN=traced_api.stage_arn("traced"),
    )
    # anything else on this API: never
    sampling_rule(Priority=2, FixedRate=0.0, ReservoirSize=0, ServiceName=f"{traced_api.name}/*")
    assert [traced_api.sampled("traced") for _ in range(5)] == ["1"] * 5
    assert traced_api.sampled("traced", method="POST") == "0"


def test_zero_rate_rule_without_reservoir_samples_nothing(
    traced_api: TracedApi, sampling_rule: Callable[..., str]
) -> None:
    sampling_rule(FixedRate=0.0, ReservoirSize=0, ServiceName=f"{traced_api.name}/traced")
    assert [traced_api.sampled("traced") for _ in range(5)] == ["0"] * 5


def test_rule_updates_apply_to_the_next_request(
    traced_api: TracedApi, sampling_rule: Callable[..., str], client: Callable[[str], Any]
) -> None:
    name = sampling_rule(FixedRate=0.0, ServiceName=f"{traced_api.name}/traced")
    assert traced_api.sampled("traced") == "0"
    client("xray").update_sampling_rule(SamplingRuleUpdate={"RuleName": name, "FixedRate": 1.0})
    assert traced_api.sampled("traced") == "1"


def test_an_incoming_unsampled_decision_is_kept(
    traced_api: TracedApi, sampling_rule: Callable[..., str]
) -> None:
    sampling_rule(FixedRate=1.0, ServiceName=f"{traced_api.name}/traced")
    header = f"Root={ROOT};Parent={PARENT};Sampled=0"
    assert traced_api.call("traced", headers={"X-Amzn-Trace-Id": header}) == (header, header)


def test_an_incoming_sampled_decision_is_kept_under_the_stage_segment(
    traced_api: TracedApi, sampling_rule: Callable[..., str], client: Callable[[str], Any]
) -> None:
    # A sampled request gets the stage's segment: the integration's parent is the stage's
    # integration subsegment, no longer the caller's (which is the stage segment's parent).
    sampling_rule(FixedRate=0.0, ServiceName=f"{traced_api.name}/traced")
    header = f"Root={ROOT};Parent={PARENT};Sampled=1"
    got, returned = traced_api.call("traced", headers={"X-Amzn-Trace-Id": header})
    assert got == returned
    match = TRACE.match(got)
    assert match is not None and match.group(1) == "1"
    assert got.startswith(f"Root={ROOT};Parent=") and PARENT not in got
    # AND the function continues the stage's trace (API Gateway's Invoke carries its header)
    env = traced_api.lambda_env("traced", {"X-Amzn-Trace-Id": header})
    assert env.startswith(f"Root={ROOT};Parent=") and env.endswith("Sampled=1")
    # AND the stage recorded its segment under the caller's parent
    documents = [
        json.loads(segment["Document"])
        for trace in client("xray").batch_get_traces(TraceIds=[ROOT])["Traces"]
        for segment in trace["Segments"]
    ]
    stages = [d for d in documents if d.get("origin") == "AWS::ApiGateway::Stage"]
    assert stages
    assert {d["parent_id"] for d in stages} == {PARENT}
    assert stages[0]["name"] == f"{traced_api.name}/traced"
    assert stages[0]["http"]["response"]["status"] == 200


def test_an_incoming_trace_without_a_decision_gets_the_rules_decision(
    traced_api: TracedApi, sampling_rule: Callable[..., str]
) -> None:
    sampling_rule(FixedRate=1.0, ServiceName=f"{traced_api.name}/traced")
    asked = traced_api.call("traced", headers={"X-Amzn-Trace-Id": f"Root={ROOT};Sampled=?"})[0]
    assert asked.startswith(f"Root={ROOT};Parent=") and asked.endswith(";Sampled=1")
    root_only = traced_api.call("traced", headers={"X-Amzn-Trace-Id": f"Root={ROOT}"})[0]
    assert root_only.startswith(f"Root={ROOT};Parent=") and root_only.endswith(";Sampled=1")


def test_stage_without_tracing_keeps_localstack_behaviour(
    traced_api: TracedApi, sampling_rule: Callable[..., str]
) -> None:
    sampling_rule(FixedRate=1.0, ServiceName=f"{traced_api.name}/*")
    assert traced_api.sampled("traced") == "1"  # the rule does apply to the traced stage
    assert [traced_api.sampled("plain") for _ in range(3)] == ["0"] * 3
    # LocalStack's: a parent without a decision counts as sampled
    with_parent = f"Root={ROOT};Parent={PARENT}"
    assert traced_api.call("plain", headers={"X-Amzn-Trace-Id": with_parent})[0] == (
        f"{with_parent};Sampled=1"
    )
