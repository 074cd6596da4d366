"""The deploy logic against moto: change sets, no-op redeploys, content-addressed code, failures."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from rez_deploy.artifacts import artifacts_bucket_name, ensure_bucket, upload_code
from rez_deploy.catalog import STACKS
from rez_deploy.changesets import DeployError, StackRequest, Waiter, deploy_stack
from rez_deploy.cli import main
from rez_deploy.deploy import deploy_service

QUEUE_TEMPLATE = """\
Parameters:
  Name: {Type: String}
Resources:
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: !Ref Name
"""
FAST = Waiter(poll_seconds=0.01, timeout_seconds=5)


@pytest.fixture
def cfn(aws_credentials):
    with mock_aws():
        yield boto3.client("cloudformation", region_name="us-east-1")


def test_first_deploy_creates_the_stack_through_a_change_set(cfn):
    result = deploy_stack(cfn, StackRequest("s1", {"Name": "q-one"}, QUEUE_TEMPLATE), FAST)
    assert result.action == "created"
    assert cfn.describe_stacks(StackName="s1")["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"
    assert boto3.client("sqs", region_name="us-east-1").get_queue_url(QueueName="q-one")


def test_unchanged_redeploy_is_a_no_op_and_leaves_no_change_set(cfn):
    request = StackRequest("s2", {"Name": "q-two"}, QUEUE_TEMPLATE)
    deploy_stack(cfn, request, FAST)
    again = deploy_stack(cfn, request, FAST)
    assert again.action == "unchanged"
    pending = [
        summary
        for summary in cfn.list_change_sets(StackName="s2")["Summaries"]
        if summary.get("ExecutionStatus") != "EXECUTE_COMPLETE"
    ]
    assert pending == []  # the no-op's change set was discarded


def test_changed_parameter_updates_the_stack(cfn):
    deploy_stack(cfn, StackRequest("s3", {"Name": "q-three"}, QUEUE_TEMPLATE), FAST)
    result = deploy_stack(cfn, StackRequest("s3", {"Name": "q-three-b"}, QUEUE_TEMPLATE), FAST)
    assert result.action == "updated"
    (stack,) = cfn.describe_stacks(StackName="s3")["Stacks"]
    assert stack["StackStatus"] == "UPDATE_COMPLETE"
    assert stack["Parameters"] == [{"ParameterKey": "Name", "ParameterValue": "q-three-b"}]


def test_a_change_set_that_cannot_execute_fails_with_cloudformations_reason(cfn):
    template = (
        "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n"
        "      QueueName: !ImportValue nope\n"
    )
    with pytest.raises(DeployError) as raised:
        deploy_stack(cfn, StackRequest("s4", {}, template), FAST)
    assert raised.value.stack_name == "s4"
    assert "No export named nope found" in raised.value.reason


def test_a_failed_stack_reports_the_first_failed_resource_not_the_rollback():
    # GIVEN CloudFormation's real answers for a create that fails on one resource
    cfn = boto3.client(
        "cloudformation", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    now = dt.datetime.now(dt.UTC)
    stack_id = "arn:aws:cloudformation:us-east-1:123456789012:stack/s5/1"
    change_set_id = "arn:aws:cloudformation:us-east-1:123456789012:changeSet/c/1"

    def stack(status: str) -> dict:
        return {
            "Stacks": [
                {"StackName": "s5", "StackId": stack_id, "StackStatus": status, "CreationTime": now}
            ]
        }

    def event(logical: str, kind: str, status: str, reason: str, seconds: int) -> dict:
        return {
            "StackId": stack_id,
            "EventId": f"{logical}-{status}",
            "StackName": "s5",
            "LogicalResourceId": logical,
            "ResourceType": kind,
            "ResourceStatus": status,
            "ResourceStatusReason": reason,
            "Timestamp": now + dt.timedelta(seconds=seconds),
        }

    events = [  # newest first, as DescribeStackEvents answers
        event("s5", "AWS::CloudFormation::Stack", "ROLLBACK_COMPLETE", "", 9),
        event("Topic", "AWS::SNS::Topic", "DELETE_COMPLETE", "", 8),
        event(
            "s5",
            "AWS::CloudFormation::Stack",
            "ROLLBACK_IN_PROGRESS",
            "The following resource(s) failed to create: [Topic, Table]. "
            "Rollback requested by user.",
            7,
        ),
        event("Topic", "AWS::SNS::Topic", "CREATE_FAILED", "Resource creation cancelled", 6),
        event(
            "Table",
            "AWS::DynamoDB::Table",
            "CREATE_FAILED",
            'Resource handler returned message: "Table already exists: rez-agent-messages-dev"',
            5,
        ),
        event("Table", "AWS::DynamoDB::Table", "CREATE_IN_PROGRESS", "", 2),
        event("s5", "AWS::CloudFormation::Stack", "CREATE_IN_PROGRESS", "User Initiated", 1),
    ]
    review = event("s5", "AWS::CloudFormation::Stack", "REVIEW_IN_PROGRESS", "User Initiated", 0)
    stubber = Stubber(cfn)
    stubber.add_client_error(
        "describe_stacks",
        service_error_code="ValidationError",
        service_message="Stack with id s5 does not exist",
    )
    stubber.add_response("create_change_set", {"Id": change_set_id, "StackId": stack_id})
    stubber.add_response(
        "describe_change_set",
        {
            "ChangeSetId": change_set_id,
            "Status": "CREATE_COMPLETE",
            "ExecutionStatus": "AVAILABLE",
            "Changes": [],
        },
    )
    stubber.add_response("describe_stacks", stack("REVIEW_IN_PROGRESS"))
    stubber.add_response("describe_stack_events", {"StackEvents": [review]})  # before executing
    stubber.add_response("execute_change_set", {})
    stubber.add_response("describe_stack_events", {"StackEvents": [*events[-2:], review]})
    stubber.add_response("describe_stacks", stack("CREATE_IN_PROGRESS"))
    stubber.add_response("describe_stack_events", {"StackEvents": [*events, review]})
    stubber.add_response("describe_stacks", stack("ROLLBACK_COMPLETE"))
    stubber.add_response("describe_stack_events", {"StackEvents": [*events, review]})
    stubber.add_response("describe_stack_events", {"StackEvents": events})
    printed: list[str] = []
    # WHEN deploying THEN the error carries the table's reason, not the cancellation or summary
    with stubber, pytest.raises(DeployError) as raised:
        deploy_stack(cfn, StackRequest("s5", {}, "Resources: {}"), FAST, out=printed.append)
    assert raised.value.reason == (
        "ROLLBACK_COMPLETE: Table (AWS::DynamoDB::Table) CREATE_FAILED: Resource handler returned "
        'message: "Table already exists: rez-agent-messages-dev"'
    )
    # AND every event of this operation was printed once, oldest first, as it appeared
    streamed = printed[: printed.index("s5: failed because of")]
    assert [line.split()[1:3] for line in streamed] == [
        [e["LogicalResourceId"], e["ResourceType"]] for e in reversed(events)
    ]
    assert "REVIEW_IN_PROGRESS" not in "\n".join(printed)  # an earlier operation's event
    # AND after them, what explains the failure and the state the stack is left in
    tail = printed[len(streamed) :]
    assert tail[0] == "s5: failed because of"
    assert "Table  AWS::DynamoDB::Table  CREATE_FAILED  Resource handler" in tail[1]
    assert len(tail) == 3  # the cancelled Topic is not a cause
    assert tail[2].startswith("s5: rolled back (ROLLBACK_COMPLETE): nothing remains")


def write_zip(path: Path, content: str) -> Path:
    """A deterministic zip (fixed timestamp): same content, same bytes, same sha256."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("handler.py", date_time=(2020, 1, 1, 0, 0, 0)), content)
    path.write_bytes(buffer.getvalue())
    return path


def test_code_upload_is_keyed_by_sha256_and_skipped_when_present(aws_credentials, tmp_path):
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        bucket = artifacts_bucket_name("123456789012", "us-east-1")
        assert ensure_bucket(s3, bucket, "us-east-1") is True
        assert ensure_bucket(s3, bucket, "us-east-1") is False
        archive = write_zip(tmp_path / "scheduler.zip", "v1")
        key = upload_code(s3, bucket, "scheduler", archive)
        assert key.startswith("scheduler/")
        assert key.endswith(".zip")
        first = s3.head_object(Bucket=bucket, Key=key)["LastModified"]
        assert upload_code(s3, bucket, "scheduler", archive) == key
        assert s3.head_object(Bucket=bucket, Key=key)["LastModified"] == first
        assert upload_code(s3, bucket, "scheduler", write_zip(archive, "v2")) != key


def tiny_templates(directory: Path) -> Path:
    """infra/cloudformation with one small template per stack; the code key lands in SSM."""
    templates = directory / "infra" / "cloudformation"
    templates.mkdir(parents=True)
    for name, spec in STACKS.items():
        body = "Parameters:\n  Stage: {Type: String}\n"
        if spec.has_code:
            body += "  CodeBucket: {Type: String}\n  CodeKey: {Type: String}\n"
            body += (
                "Resources:\n  Code:\n    Type: AWS::SSM::Parameter\n    Properties:\n"
                f"      Name: !Sub /{name}/${{Stage}}/code\n      Type: String\n"
                "      Value: !Ref CodeKey\n"
            )
        else:
            body += (
                "Resources:\n  Marker:\n    Type: AWS::SSM::Parameter\n    Properties:\n"
                f"      Name: !Sub /{name}/${{Stage}}/marker\n"
                "      Type: String\n      Value: here\n"
            )
        (templates / f"{name}.yaml").write_text(body)
    return templates


def test_service_deploy_packages_uploads_and_updates_only_on_a_code_change(
    aws_credentials, tmp_path
):
    templates = tiny_templates(tmp_path)
    build = tmp_path / "build"
    build.mkdir()
    packaged: list[list[str]] = []

    def packager(services):
        packaged.append(list(services))
        write_zip(build / "scheduler.zip", "v1")

    options = {
        "templates_dir": templates,
        "build_dir": build,
        "packager": packager,
        "waiter": FAST,
        "out": lambda line: None,
    }
    with mock_aws():
        ssm = boto3.client("ssm", region_name="us-east-1")
        first = deploy_service("scheduler", "dev", **options)
        assert first.stack_name == "rez-agent-dev-scheduler"
        assert first.action == "created"
        assert packaged == [["scheduler"]]
        key = ssm.get_parameter(Name="/scheduler/dev/code")["Parameter"]["Value"]
        bucket = "rez-agent-artifacts-123456789012-us-east-1"
        assert boto3.client("s3", region_name="us-east-1").head_object(Bucket=bucket, Key=key)
        # an unchanged build: same key, no stack change
        assert deploy_service("scheduler", "dev", **options).action == "unchanged"
        # new code: new key, the stack (the function) updates
        options["packager"] = lambda services: write_zip(build / "scheduler.zip", "v2")
        assert deploy_service("scheduler", "dev", **options).action == "updated"
        assert ssm.get_parameter(Name="/scheduler/dev/code")["Parameter"]["Value"] != key
        # the other stacks were never touched
        stacks = boto3.client("cloudformation", region_name="us-east-1").describe_stacks()["Stacks"]
        assert [s["StackName"] for s in stacks] == ["rez-agent-dev-scheduler"]


def test_cli_exits_1_with_the_reason(aws_credentials, tmp_path, monkeypatch, capsys):
    templates = tiny_templates(tmp_path)
    (templates / "shared.yaml").write_text(
        "Parameters:\n  Stage: {Type: String}\nResources:\n  Q:\n    Type: AWS::SQS::Queue\n"
        "    Properties:\n      QueueName: !ImportValue missing-export\n"
    )
    monkeypatch.setenv("REZ_TEMPLATE_DIR", str(templates))
    with mock_aws():
        code = main(["--stage", "dev", "--service", "shared", "--skip-package"])
    assert code == 1
    assert "No export named missing-export found" in capsys.readouterr().err
