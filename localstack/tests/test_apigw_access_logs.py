"""API Gateway access logs: a stage with ``accessLogSettings`` writes one rendered line per request.

AWS: https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-logging.html (access
logging writes the stage's ``format`` with ``$context`` variables substituted, one line per request,
to the ``destinationArn`` log group; a variable without a value is written as ``-``).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rez_localstack.apigw_access_logs.handler import AccessLogHandler, access_variables
from rez_localstack.apigw_access_logs.render import MISSING, render
from tests.conftest import short_uid, wait_until

TEMPLATE = Path(__file__).parent / "templates" / "authorizer_api.yaml"
FORMAT = (
    '{"requestId":"$context.requestId","caller":"$context.authorizer.principalId",'
    '"status":"$context.status","path":"$context.resourcePath",'
    '"error":"$context.error.message","trace":"$context.xrayTraceId"}'
)


def test_render_substitutes_nested_variables_and_writes_a_dash_for_missing_ones():
    variables = {"requestId": "r-1", "authorizer": {"principalId": "ada"}, "status": "200"}
    line = render(FORMAT, variables)
    assert json.loads(line) == {
        "requestId": "r-1",
        "caller": "ada",
        "status": "200",
        "path": MISSING,
        "error": MISSING,
        "trace": MISSING,
    }
    # a longer name is never cut by a shorter one sharing its prefix
    assert render("$context.requestIdX $context.requestId", {"requestId": "r"}) == "- r"


class _Invocation:
    def __init__(self, settings: dict[str, Any] | None) -> None:
        self.context_variables = {"requestId": "r-2", "authorizer": {"principalId": "bob"}}
        self.stage_configuration = {"accessLogSettings": settings} if settings else {}
        self.trace_id = "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1"
        self.account_id, self.region = "000000000000", "us-east-1"


class _Response:
    status_code = 401

    @staticmethod
    def get_data() -> bytes:
        return b'{"message":"Unauthorized"}'


class _Request:
    def __init__(self, invocation: _Invocation) -> None:
        self.environ: dict[str, Any] = {"rez.apigw.invocation": invocation}


class _Context:
    def __init__(self, invocation: _Invocation) -> None:
        self.request = _Request(invocation)


def test_a_stage_without_access_log_settings_writes_nothing_and_with_them_one_line():
    written: list[tuple[str, str, str, str]] = []
    handler = AccessLogHandler(write=lambda *job: written.append(job), background=False)

    handler(None, _Context(_Invocation(None)), _Response())
    assert written == []

    arn = "arn:aws:logs:us-east-1:000000000000:log-group:/access"
    handler(None, _Context(_Invocation({"destinationArn": arn, "format": FORMAT})), _Response())
    ((account, region, destination, line),) = written
    assert (account, region, destination) == ("000000000000", "us-east-1", arn)
    assert json.loads(line)["status"] == "401"
    assert json.loads(line)["trace"] == "1-5759e988-bd862e3fe1be46a994272793"


def test_access_variables_add_the_outcome_to_the_request_context():
    variables = access_variables(_Invocation(None), 202, 17, 35)
    assert (variables["status"], variables["responseLength"], variables["responseLatency"]) == (
        "202",
        "17",
        "35",
    )
    assert variables["authorizer"]["principalId"] == "bob"


def test_a_deployed_stage_writes_allowed_and_refused_requests_to_its_log_group(
    client: Callable[[str], Any], harness: Any
) -> None:
    # GIVEN a REST API behind a Lambda authorizer whose stage logs access to a log group
    cfn, apigw, logs = client("cloudformation"), client("apigateway"), client("logs")
    suffix = short_uid()
    stack_id = cfn.create_stack(
        StackName=f"access-{suffix}",
        TemplateBody=TEMPLATE.read_text(),
        Parameters=[{"ParameterKey": "Suffix", "ParameterValue": suffix}],
    )["StackId"]
    stack = wait_until(
        lambda: (
            (s := cfn.describe_stacks(StackName=stack_id)["Stacks"][0])["StackStatus"].endswith(
                "COMPLETE"
            )
            and s
        ),
        timeout=120,
    )
    api_id = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}["ApiId"]
    group = f"/aws/apigateway/access-{suffix}"
    logs.create_log_group(logGroupName=group)
    arn = f"arn:aws:logs:us-east-1:000000000000:log-group:{group}"
    apigw.update_stage(
        restApiId=api_id,
        stageName="dev",
        patchOperations=[
            {"op": "replace", "path": "/accessLogSettings/destinationArn", "value": arn},
            {"op": "replace", "path": "/accessLogSettings/format", "value": FORMAT},
        ],
    )

    # WHEN an allowed and a refused caller call it
    def call(token: str) -> int:
        url = f"{harness.endpoint}/_aws/execute-api/{api_id}/dev/items"
        request = urllib.request.Request(url, headers={"Authorization": token})
        try:
            with urllib.request.urlopen(request) as answer:
                return int(answer.status)
        except urllib.error.HTTPError as error:
            return error.code

    assert call("allow-1") == 200
    assert call("unauthorized-1") == 401

    # THEN each request is one JSON line with its status and, when allowed, its caller
    def lines() -> list[dict[str, str]]:
        events = logs.filter_log_events(logGroupName=group)["events"]
        return [json.loads(event["message"]) for event in events]

    logged = wait_until(lambda: len(found := lines()) >= 2 and found, timeout=20)
    by_status = {line["status"]: line for line in logged}
    assert by_status["200"]["caller"] == "user-allow-1"
    assert by_status["200"]["path"] == "/items"
    assert by_status["401"]["caller"] == MISSING
    assert by_status["200"]["requestId"] != by_status["401"]["requestId"]
    cfn.delete_stack(StackName=stack_id)
