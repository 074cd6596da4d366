"""CloudFormation that never pretends: new resource providers, retention, unknown types fail."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import short_uid, wait_until

TEMPLATE = (Path(__file__).parent / "templates" / "observability.yaml").read_text()


def settle(cfn: Any, stack_id: str) -> dict[str, Any]:
    return wait_until(
        lambda: (
            not (s := cfn.describe_stacks(StackName=stack_id)["Stacks"][0])["StackStatus"].endswith(
                "IN_PROGRESS"
            )
            and s
        ),
        timeout=120,
        interval=0.3,
    )


def parameters(**values: str) -> list[dict[str, str]]:
    return [{"ParameterKey": k, "ParameterValue": v} for k, v in values.items()]


def test_observability_stack_creates_updates_and_deletes_real_resources(
    client: Callable[[str], Any],
) -> None:
    cfn, logs, cloudwatch, xray = (
        client("cloudformation"),
        client("logs"),
        client("cloudwatch"),
        client("xray"),
    )
    suffix = short_uid()
    stack_id = cfn.create_stack(
        StackName=f"obs-{suffix}", TemplateBody=TEMPLATE, Parameters=parameters(Suffix=suffix)
    )["StackId"]
    stack = settle(cfn, stack_id)
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack.get("StackStatusReason")
    out = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}

    # retention applied on create
    group = logs.describe_log_groups(logGroupNamePrefix=out["LogGroupName"])["logGroups"][0]
    assert group["retentionInDays"] == 7
    # the dashboard holds the template's body
    body = json.loads(cloudwatch.get_dashboard(DashboardName=out["DashboardName"])["DashboardBody"])
    assert body["widgets"][0]["properties"]["title"] == f"Messages {suffix}"
    assert body["widgets"][0]["properties"]["metrics"] == [
        ["RezAgent", "MessagesCreated", "Stage", "dev"]
    ]
    # the saved query is served by Logs
    (saved,) = logs.describe_query_definitions(queryDefinitionNamePrefix=f"rez/{suffix}/")[
        "queryDefinitions"
    ]
    assert (saved["queryDefinitionId"], saved["logGroupNames"]) == (
        out["QueryDefinitionId"],
        [out["LogGroupName"]],
    )
    # the sampling rule is readable through X-Ray
    rules = {
        r["SamplingRule"]["RuleName"]: r["SamplingRule"]
        for r in xray.get_sampling_rules()["SamplingRuleRecords"]
    }
    assert rules[f"rez-{suffix}"]["RuleARN"] == out["SamplingRuleArn"]
    assert (rules[f"rez-{suffix}"]["FixedRate"], rules[f"rez-{suffix}"]["ServiceName"]) == (
        0.05,
        "rez-*",
    )

    cfn.update_stack(
        StackName=stack_id,
        TemplateBody=TEMPLATE,
        Parameters=parameters(Suffix=suffix, RetentionDays="30", SampledFraction="1"),
    )
    updated = settle(cfn, stack_id)
    assert updated["StackStatus"] == "UPDATE_COMPLETE", updated.get("StackStatusReason")
    assert (
        logs.describe_log_groups(logGroupNamePrefix=out["LogGroupName"])["logGroups"][0][
            "retentionInDays"
        ]
        == 30
    )
    rules = {
        r["SamplingRule"]["RuleName"]: r["SamplingRule"]
        for r in xray.get_sampling_rules()["SamplingRuleRecords"]
    }
    assert rules[f"rez-{suffix}"]["FixedRate"] == 1

    cfn.delete_stack(StackName=stack_id)
    assert settle(cfn, stack_id)["StackStatus"] == "DELETE_COMPLETE"
    assert (
        logs.describe_query_definitions(queryDefinitionNamePrefix=f"rez/{suffix}/")[
            "queryDefinitions"
        ]
        == []
    )
    assert f"rez-{suffix}" not in {
        r["SamplingRule"]["RuleName"] for r in xray.get_sampling_rules()["SamplingRuleRecords"]
    }
    assert cloudwatch.list_dashboards(DashboardNamePrefix=f"rez-{suffix}")["DashboardEntries"] == []


def test_unknown_resource_type_fails_the_stack(client: Callable[[str], Any]) -> None:
    cfn = client("cloudformation")
    template = {"Resources": {"Mystery": {"Type": "AWS::Made::Up", "Properties": {}}}}
    stack_id = cfn.create_stack(StackName=f"bad-{short_uid()}", TemplateBody=json.dumps(template))[
        "StackId"
    ]
    stack = settle(cfn, stack_id)
    assert stack["StackStatus"] in ("CREATE_FAILED", "ROLLBACK_COMPLETE", "ROLLBACK_FAILED")
    assert "AWS::Made::Up" in stack["StackStatusReason"]


def test_xray_sampling_rules_api_and_traces(client: Callable[[str], Any]) -> None:
    xray = client("xray")
    name = f"r-{short_uid()}"
    rule = {
        "RuleName": name,
        "ResourceARN": "*",
        "Priority": 5,
        "FixedRate": 0.1,
        "ReservoirSize": 2,
        "ServiceName": "*",
        "ServiceType": "*",
        "Host": "*",
        "HTTPMethod": "*",
        "URLPath": "/api/*",
        "Version": 1,
    }
    created = xray.create_sampling_rule(SamplingRule=rule)["SamplingRuleRecord"]["SamplingRule"]
    assert created["RuleARN"].endswith(f":sampling-rule/{name}")
    with pytest.raises(xray.exceptions.InvalidRequestException):
        xray.create_sampling_rule(SamplingRule=rule)
    xray.update_sampling_rule(SamplingRuleUpdate={"RuleName": name, "FixedRate": 0.5})
    records = xray.get_sampling_rules()["SamplingRuleRecords"]
    mine = next(r["SamplingRule"] for r in records if r["SamplingRule"]["RuleName"] == name)
    assert (mine["FixedRate"], mine["URLPath"]) == (0.5, "/api/*")
    assert records[-1]["SamplingRule"]["RuleName"] == "Default"
    xray.delete_sampling_rule(RuleARN=created["RuleARN"])
    assert name not in {
        r["SamplingRule"]["RuleName"] for r in xray.get_sampling_rules()["SamplingRuleRecords"]
    }

    trace_id = "1-5f84c7a1-" + short_uid() + "0123456789abcdef"[: 24 - 8]
    segment = {
        "name": "rez-web-api",
        "id": "70de5b6f19ff9a0a",
        "trace_id": trace_id,
        "start_time": 1.0e9,
        "end_time": 1.0e9 + 0.25,
    }
    xray.put_trace_segments(TraceSegmentDocuments=[json.dumps(segment)])
    traces = xray.batch_get_traces(TraceIds=[trace_id])["Traces"]
    assert [t["Id"] for t in traces] == [trace_id]
