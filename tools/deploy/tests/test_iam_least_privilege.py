"""Every execution role allows exactly what its code calls, plus what Lambda itself needs.

"What the code calls" comes from scanning the service's source (`iam_scan.py`, beside), so a new
boto3 call without a matching permission fails here, and so does a permission nothing uses.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from iam_scan import service_actions, source_actions

REPO_ROOT = Path(__file__).resolve().parents[3]
ENTRY_MODULES = {
    "scheduler": "rez_scheduler.handler",
    "web-api": "rez_web_api.handler",
    "processor": "rez_processor.handler",
    "notifier": "rez_notifier.handler",
    "authorizer": "rez_authorizer.handler",
}
# Used by the platform on the function's behalf, never by its code.
LAMBDA_PLATFORM = {"logs:CreateLogStream", "logs:PutLogEvents"}
ACTIVE_TRACING = {
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
}
EVENT_SOURCE = {
    "processor": {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"},
}
# The only actions AWS gives no resource-level permissions for.
STAR_RESOURCE_ACTIONS = ACTIVE_TRACING | {"cloudwatch:PutMetricData"}


def statements(role: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        statement
        for policy in role["Properties"]["Policies"]
        for statement in policy["PolicyDocument"]["Statement"]
    ]


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def role_actions(role: dict[str, Any]) -> set[str]:
    return {action for s in statements(role) for action in as_list(s["Action"])}


@pytest.mark.parametrize("service", sorted(ENTRY_MODULES))
def test_role_allows_exactly_what_the_service_calls(templates, service):
    called = service_actions(REPO_ROOT, ENTRY_MODULES[service])
    expected = called | LAMBDA_PLATFORM | ACTIVE_TRACING | EVENT_SOURCE.get(service, set())
    allowed = role_actions(templates[service]["Resources"]["ExecutionRole"])
    assert allowed - expected == set(), "allowed but never called"
    assert expected - allowed == set(), "called but not allowed"


@pytest.mark.parametrize("service", sorted(ENTRY_MODULES))
def test_no_wildcard_actions_and_star_resources_only_where_aws_requires(templates, service):
    for statement in statements(templates[service]["Resources"]["ExecutionRole"]):
        actions = as_list(statement["Action"])
        assert statement["Effect"] == "Allow"
        assert all("*" not in action for action in actions), actions
        if "*" in as_list(statement["Resource"]):
            assert set(actions) <= STAR_RESOURCE_ACTIONS, actions
        if "cloudwatch:PutMetricData" in actions:
            assert statement["Condition"] == {"StringEquals": {"cloudwatch:namespace": "RezAgent"}}


def test_error_log_forwarder_role_matches_its_inline_code(templates):
    resources = templates["shared"]["Resources"]
    code = resources["ErrorLogForwarderFunction"]["Properties"]["Code"]["ZipFile"]
    allowed = role_actions(resources["ErrorLogForwarderRole"])
    assert allowed == source_actions(code) | LAMBDA_PLATFORM
    (publish,) = [
        s for s in statements(resources["ErrorLogForwarderRole"]) if s["Sid"] == "PublishWarnings"
    ]
    assert publish["Resource"] == {"Ref": "AlertsWarningTopic"}


SAMPLE = """
import boto3

class Store:
    def __init__(self):
        self._seen = set()
        self._client = boto3.client("dynamodb")

    def add(self, item):
        self._client.put_item(TableName="t", Item=item)

    def remember(self, key):
        self._seen.add(key)

def handler(event, context):
    Store().remember(event["key"])
"""


def test_scan_ignores_builtin_methods_sharing_a_name_with_ours():
    # GIVEN a handler that only calls set.add WHEN scanned THEN Store.add's PutItem is not reached
    assert source_actions(SAMPLE) == set()


def test_scan_sees_a_new_call_reached_from_the_handler():
    source = SAMPLE.replace('Store().remember(event["key"])', 'Store().add(event["item"])')
    assert source_actions(source) == {"dynamodb:PutItem"}


def test_scan_reads_transaction_item_kinds():
    source = """
import boto3
client = boto3.client("dynamodb")
def handler(event, context):
    client.transact_write_items(TransactItems=[{"Put": {}}, {"ConditionCheck": {}}])
"""
    assert source_actions(source) == {"dynamodb:PutItem", "dynamodb:ConditionCheckItem"}


def test_scan_maps_invoke_to_invoke_function():
    source = """
import boto3
def handler(event, context):
    boto3.client("lambda").invoke(FunctionName="f")
"""
    assert source_actions(source) == {"lambda:InvokeFunction"}
