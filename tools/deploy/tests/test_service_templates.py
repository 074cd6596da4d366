"""Each service stack: its function, log group retention, environment, trigger and API wiring."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from rez_deploy.catalog import FUNCTION_NAMES
from rez_deploy.templates import (
    api_routes_fingerprint,
    deployment_logical_ids,
    import_name,
    sub_text,
)

REPO_ROOT = Path(__file__).resolve().parents[3]
SERVICES = tuple(FUNCTION_NAMES)
HANDLERS = {
    "scheduler": "rez_scheduler.handler.handler",
    "web-api": "rez_web_api.handler.handler",
    "processor": "rez_processor.handler.handler",
    "notifier": "rez_notifier.handler.handler",
    "authorizer": "rez_authorizer.handler.handler",
}
COMMON_ENV = {
    "STAGE",
    "SERVICE_NAME",
    "LOG_SAMPLE_RATE",
    "METRICS_BACKEND",
    "TRACING_BACKEND",
    "AWS_RETRY_MODE",
    "AWS_MAX_ATTEMPTS",
}
SERVICE_ENV = {
    "scheduler": {"MESSAGES_TABLE", "TOPIC_ARN"},
    "web-api": {"MESSAGES_TABLE", "TOPIC_ARN"},
    "processor": {"MESSAGES_TABLE", "NOTIFIER_FUNCTION_NAME", "MAX_RECEIVE_COUNT"},
    "notifier": {
        "MESSAGES_TABLE",
        "CIRCUIT_BREAKER_TABLE",
        "NTFY_URL",
        "NTFY_TOPIC",
        "NTFY_TOKEN_SECRET",
        "NTFY_RATE_PER_SECOND",
        "NTFY_BURST",
    },
    "authorizer": {
        "JWT_SECRET_NAME",
        "JWT_ALGORITHMS",
        "JWT_ISSUER",
        "JWT_AUDIENCE",
        "JWKS_URL",
        "JWT_WRITE_SCOPE",
        "JWT_READ_SCOPE",
        "JWT_MAX_LIFETIME_SECONDS",
    },
}


def function(template: dict[str, Any]) -> dict[str, Any]:
    return template["Resources"]["Function"]["Properties"]


def contract_variables() -> set[str]:
    """The variable names in docs/contracts.md's environment table."""
    text = (REPO_ROOT / "docs" / "contracts.md").read_text(encoding="utf-8")
    section = text.split("## Environment variables", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"`([A-Z][A-Z0-9_]+)`", section))


@pytest.mark.parametrize("service", SERVICES)
def test_function_is_the_contracts_one(templates, service):
    properties = function(templates[service])
    assert sub_text(properties["FunctionName"]) == f"{FUNCTION_NAMES[service]}-${{Stage}}"
    assert properties["Runtime"] == "python3.13"
    assert properties["Handler"] == HANDLERS[service]
    assert properties["TracingConfig"] == {"Mode": "Active"}
    assert properties["Code"] == {"S3Bucket": {"Ref": "CodeBucket"}, "S3Key": {"Ref": "CodeKey"}}
    assert properties["MemorySize"] == {"Ref": "MemorySize"}
    assert properties["Timeout"] == {"Ref": "TimeoutSeconds"}
    assert templates[service]["Resources"]["Function"]["DependsOn"] == "LogGroup"


@pytest.mark.parametrize("service", SERVICES)
def test_lambda_filters_json_logs_at_the_stages_levels(templates, service):
    # Lambda's advanced logging controls: JSON lines filtered by `level`; the application level
    # reaches the code as AWS_LAMBDA_LOG_LEVEL, which rez_telemetry logs at
    # (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-log-level.html)
    assert function(templates[service])["LoggingConfig"] == {
        "LogFormat": "JSON",
        "ApplicationLogLevel": {"Ref": "ApplicationLogLevel"},
        "SystemLogLevel": {"Ref": "SystemLogLevel"},
    }
    # AND no second level set by hand beside it
    assert "LOG_LEVEL" not in function(templates[service])["Environment"]["Variables"]


@pytest.mark.parametrize(
    ("stage", "application", "system"),
    [("dev", "DEBUG", "INFO"), ("stage", "INFO", "INFO"), ("prod", "INFO", "WARN")],
)
def test_each_stage_sets_its_log_levels(stage, application, system):
    common = yaml.safe_load((REPO_ROOT / "infra" / "parameters" / f"{stage}.yaml").read_text())
    assert common["common"]["ApplicationLogLevel"] == application
    assert common["common"]["SystemLogLevel"] == system


@pytest.mark.parametrize("service", SERVICES)
def test_log_group_retention_is_7_14_30_days_by_stage(templates, service):
    template = templates[service]
    log_group = template["Resources"]["LogGroup"]["Properties"]
    assert (
        sub_text(log_group["LogGroupName"]) == f"/aws/lambda/{FUNCTION_NAMES[service]}-${{Stage}}"
    )
    assert log_group["RetentionInDays"] == {
        "Fn::FindInMap": ["StageSettings", {"Ref": "Stage"}, "LogRetentionDays"]
    }
    days = {
        stage: row["LogRetentionDays"]
        for stage, row in template["Mappings"]["StageSettings"].items()
    }
    assert days == {"dev": 7, "stage": 14, "prod": 30}


def test_the_error_forwarder_log_group_keeps_the_same_retention(templates):
    days = templates["shared"]["Mappings"]["StageSettings"]
    assert {stage: row["LogRetentionDays"] for stage, row in days.items()} == {
        "dev": 7,
        "stage": 14,
        "prod": 30,
    }


@pytest.mark.parametrize("service", SERVICES)
def test_environment_is_exactly_the_contract_variables_the_service_reads(templates, service):
    variables = function(templates[service])["Environment"]["Variables"]
    assert set(variables) == COMMON_ENV | SERVICE_ENV[service]
    assert set(variables) <= contract_variables()
    assert variables["METRICS_BACKEND"] == "emf"
    assert variables["STAGE"] == {"Ref": "Stage"}


def test_environment_values_point_at_the_shared_resources(templates):
    scheduler = function(templates["scheduler"])["Environment"]["Variables"]
    assert import_name(scheduler["MESSAGES_TABLE"]) == "rez-agent-${Stage}-MessagesTableName"
    assert import_name(scheduler["TOPIC_ARN"]) == "rez-agent-${Stage}-MessagesTopicArn"
    processor = function(templates["processor"])["Environment"]["Variables"]
    assert (
        sub_text(processor["NOTIFIER_FUNCTION_NAME"]) == "rez-agent-notification-service-${Stage}"
    )
    assert processor["MAX_RECEIVE_COUNT"] == {"Ref": "MaxReceiveCount"}
    notifier = function(templates["notifier"])["Environment"]["Variables"]
    assert import_name(notifier["CIRCUIT_BREAKER_TABLE"]) == (
        "rez-agent-${Stage}-CircuitBreakerTableName"
    )
    authorizer = function(templates["authorizer"])["Environment"]["Variables"]
    assert import_name(authorizer["JWT_SECRET_NAME"]) == "rez-agent-${Stage}-JwtSigningSecretName"


def test_processor_consumes_the_queue_in_batches_of_ten_with_partial_failures(templates):
    processor = templates["processor"]
    mapping = processor["Resources"]["QueueEventSource"]["Properties"]
    assert import_name(mapping["EventSourceArn"]) == "rez-agent-${Stage}-MessageQueueArn"
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["BatchSize"] == {"Ref": "BatchSize"}
    assert processor["Parameters"]["BatchSize"]["Default"] == 10


def test_scheduler_schedule_invokes_only_its_function(templates):
    scheduler = templates["scheduler"]
    schedule = scheduler["Resources"]["Schedule"]["Properties"]
    assert schedule["ScheduleExpression"] == {"Ref": "ScheduleExpression"}
    assert schedule["Target"]["Arn"] == {"Fn::GetAtt": ["Function", "Arn"]}
    assert schedule["Target"]["RoleArn"] == {"Fn::GetAtt": ["ScheduleRole", "Arn"]}
    role = scheduler["Resources"]["ScheduleRole"]["Properties"]
    (statement,) = role["Policies"][0]["PolicyDocument"]["Statement"]
    assert statement["Action"] == "lambda:InvokeFunction"
    assert statement["Resource"] == {"Fn::GetAtt": ["Function", "Arn"]}
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "scheduler.amazonaws.com"}


def path_of(resources: dict[str, Any], logical_id: str) -> str:
    properties = resources[logical_id]["Properties"]
    parent = properties["ParentId"]
    prefix = "" if "Fn::GetAtt" in parent else path_of(resources, parent["Ref"])
    return f"{prefix}/{properties['PathPart']}"


def test_authorizer_guards_the_message_routes_and_not_health(templates):
    resources = templates["web-api"]["Resources"]
    methods = {
        path_of(resources, m["Properties"]["ResourceId"]["Ref"]): m["Properties"]
        for m in resources.values()
        if m["Type"] == "AWS::ApiGateway::Method"
    }
    assert set(methods) == {"/api/messages", "/api/messages/{id}", "/api/health"}
    for route in ("/api/messages", "/api/messages/{id}"):
        assert methods[route]["AuthorizationType"] == "CUSTOM"
        assert methods[route]["AuthorizerId"] == {"Ref": "JwtAuthorizer"}
    assert methods["/api/health"]["AuthorizationType"] == "NONE"
    assert "AuthorizerId" not in methods["/api/health"]
    for method in methods.values():
        assert method["Integration"]["Type"] == "AWS_PROXY"
    authorizer = resources["JwtAuthorizer"]["Properties"]
    assert authorizer["Type"] == "TOKEN"
    assert authorizer["IdentitySource"] == "method.request.header.Authorization"
    uri_variables = authorizer["AuthorizerUri"]["Fn::Sub"][1]
    assert import_name(uri_variables["AuthorizerArn"]) == "rez-agent-${Stage}-AuthorizerFunctionArn"


def test_authorizer_stack_lets_api_gateway_invoke_it(templates):
    permission = templates["authorizer"]["Resources"]["ApiGatewayInvokePermission"]["Properties"]
    assert permission["Principal"] == "apigateway.amazonaws.com"
    assert permission["Action"] == "lambda:InvokeFunction"
    assert sub_text(permission["SourceArn"]).endswith("/authorizers/*")


def test_api_deployment_id_carries_the_routes_fingerprint(templates):
    # WHEN routes change THEN this fails until the Deployment's logical ID suffix is updated
    web_api = templates["web-api"]
    (deployment,) = deployment_logical_ids(web_api)
    assert deployment == f"ApiDeployment{api_routes_fingerprint(web_api)}"
    stage = web_api["Resources"]["ApiStage"]["Properties"]
    assert stage["DeploymentId"] == {"Ref": deployment}
    assert stage["StageName"] == {"Ref": "Stage"}
    assert stage["TracingEnabled"] is True


def test_routes_fingerprint_changes_with_a_route(templates):
    import copy

    changed = copy.deepcopy(templates["web-api"])
    changed["Resources"]["HealthMethod"]["Properties"]["HttpMethod"] = "POST"
    assert api_routes_fingerprint(changed) != api_routes_fingerprint(templates["web-api"])
