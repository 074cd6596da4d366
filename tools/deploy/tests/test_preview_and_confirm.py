"""Change set previews, the prod confirmation's refusals, and the code-only drift check (moto)."""

from __future__ import annotations

import io

import boto3
import pytest
from moto import mock_aws

from rez_deploy.changesets import StackRequest, Waiter, deploy_stack
from rez_deploy.cli import main
from rez_deploy.code_only import DriftError, check_no_drift
from rez_deploy.preview import parameter_changes, preview_of

TEMPLATE = """\
Parameters:
  Name: {Type: String}
  CodeKey: {Type: String, Default: a}
Resources:
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: !Ref Name
"""
FAST = Waiter(poll_seconds=0.01, timeout_seconds=5)


def test_a_preview_lists_actions_replacements_and_parameter_changes():
    change_set = {
        "Changes": [
            {"Type": "Resource", "ResourceChange": {"Action": "Remove", "LogicalResourceId": "Old",
             "ResourceType": "AWS::SNS::Topic"}},
            {"Type": "Resource", "ResourceChange": {
                "Action": "Modify", "LogicalResourceId": "Queue", "ResourceType": "AWS::SQS::Queue",
                "Replacement": "True",
                "Details": [{"Target": {"Attribute": "Properties", "Name": "QueueName",
                                        "RequiresRecreation": "Always"}}]}},
            {"Type": "Resource", "ResourceChange": {"Action": "Add", "LogicalResourceId": "New",
             "ResourceType": "AWS::SQS::Queue"}},
        ]
    }  # fmt: skip
    stack = {
        "StackStatus": "UPDATE_COMPLETE",
        "Parameters": [
            {"ParameterKey": "Name", "ParameterValue": "q1"},
            {"ParameterKey": "Secret", "ParameterValue": "****"},
            {"ParameterKey": "Same", "ParameterValue": "x"},
        ],
    }
    preview = preview_of("s", change_set, stack, {"Name": "q2", "Secret": "hunter2", "Same": "x"})
    assert preview.lines() == [
        "s: change set to update the stack (1 to add, 1 to modify, 1 to remove, 1 replaced)",
        "  + New (AWS::SQS::Queue)",
        "  ~ Queue (AWS::SQS::Queue) replacement: True [QueueName]",
        "  - Old (AWS::SNS::Topic)",
        "  parameters:",
        "    Name: 'q1' -> 'q2'",
    ]  # a NoEcho value (answered as ****) is never printed nor compared
    assert "hunter2" not in "\n".join(preview.lines())


def test_a_new_stack_shows_every_parameter():
    assert [c.describe() for c in parameter_changes(None, {"B": "2", "A": "1"})] == [
        "A = '1'",
        "B = '2'",
    ]


@pytest.fixture
def cfn(aws_credentials):
    with mock_aws():
        yield boto3.client("cloudformation", region_name="us-east-1")


def test_dry_run_previews_a_changed_parameter_and_applies_nothing(cfn):
    deploy_stack(cfn, StackRequest("p1", {"Name": "q-one"}, TEMPLATE), FAST)
    printed: list[str] = []
    result = deploy_stack(
        cfn, StackRequest("p1", {"Name": "q-two"}, TEMPLATE), FAST, out=printed.append,
        dry_run=True,
    )  # fmt: skip
    assert result.action == "previewed"
    assert "    Name: 'q-one' -> 'q-two'" in printed
    (stack,) = cfn.describe_stacks(StackName="p1")["Stacks"]
    assert stack["Parameters"][0]["ParameterValue"] == "q-one"
    pending = [
        s
        for s in cfn.list_change_sets(StackName="p1")["Summaries"]
        if s.get("ExecutionStatus") == "AVAILABLE"
    ]
    assert pending == []


def test_a_declined_change_set_is_not_executed(cfn):
    deploy_stack(cfn, StackRequest("p2", {"Name": "q-a"}, TEMPLATE), FAST)
    shown: list[object] = []

    def decline(preview: object) -> bool:
        shown.append(preview)
        return False

    result = deploy_stack(cfn, StackRequest("p2", {"Name": "q-b"}, TEMPLATE), FAST, confirm=decline)
    assert result.action == "declined"
    assert len(shown) == 1
    (stack,) = cfn.describe_stacks(StackName="p2")["Stacks"]
    assert stack["Parameters"][0]["ParameterValue"] == "q-a"


def test_prod_without_a_terminal_is_refused_before_any_aws_call(capsys):
    # no credentials, no moto: a refusal must not need AWS at all
    code = main(["--stage", "prod", "--all", "--skip-package"], stdin=io.StringIO())
    assert code == 2
    err = capsys.readouterr().err
    assert "no terminal to ask on" in err
    assert "--yes" in err


def test_code_only_needs_one_service():
    with pytest.raises(SystemExit) as raised:
        main(["--stage", "dev", "--all", "--code-only"], stdin=io.StringIO())
    assert raised.value.code == 2


def test_drift_is_refused_and_the_code_key_is_not_drift(cfn):
    deploy_stack(cfn, StackRequest("p3", {"Name": "q-c", "CodeKey": "k1"}, TEMPLATE), FAST)
    stack = check_no_drift(cfn, "p3", TEMPLATE, {"Name": "q-c", "CodeKey": "k2"})
    assert stack["StackName"] == "p3"
    with pytest.raises(DriftError, match=r"Name: deployed 'q-c', this checkout 'q-d'"):
        check_no_drift(cfn, "p3", TEMPLATE, {"Name": "q-d", "CodeKey": "k1"})
    with pytest.raises(DriftError, match="deployed template differs"):
        check_no_drift(cfn, "p3", TEMPLATE + "\n# changed\n", {"Name": "q-c"})
    with pytest.raises(DriftError, match="not deployed"):
        check_no_drift(cfn, "nope", TEMPLATE, {})
