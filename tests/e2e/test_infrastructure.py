"""Deployed: every resource of docs/observability.md exists with its names and settings.

Read back through the AWS APIs (boto3 against the harness) after the session deployed every stack
with the real templates and zips, so a template the local AWS ignores in part, or a harness that
drops a property, fails here rather than in production. Names, handlers and queries come from the
templates and docs/contracts.md where they are written; docs/observability.md's numbers
(thresholds, periods, retention, sampling) are literals below, as the specification.
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Callable
from typing import Any

import pytest

from e2e_support import REGION, ROOT, STAGE
from rez_demo.local_parameters import ALARM_TEST_PARAMETERS
from rez_deploy.catalog import STACKS
from rez_deploy.parameters import load_stage_file, parameters_file
from rez_deploy.templates import load_template, resources_of_type, sub_text, template_dir

Aws = Callable[[str], Any]

# docs/contracts.md: function per service (SERVICE_NAME), its import package, and the variables
# its deployment must set beyond the ones every service reads.
COMMON_VARIABLES = {
    "STAGE",
    "SERVICE_NAME",
    "LOG_SAMPLE_RATE",
    "METRICS_BACKEND",
    "TRACING_BACKEND",
}
FUNCTIONS: dict[str, tuple[str, str, set[str]]] = {
    "scheduler": (f"rez-agent-scheduler-{STAGE}", "rez_scheduler", {"MESSAGES_TABLE", "TOPIC_ARN"}),
    "web-api": (f"rez-agent-web-api-{STAGE}", "rez_web_api", {"MESSAGES_TABLE", "TOPIC_ARN"}),
    "authorizer": (
        f"rez-agent-jwt-authorizer-{STAGE}",
        "rez_authorizer",
        {"JWT_SECRET_NAME", "JWT_ALGORITHMS", "JWT_ISSUER", "JWT_AUDIENCE", "JWT_WRITE_SCOPE"},
    ),
    "processor": (
        f"rez-agent-message-processor-{STAGE}",
        "rez_processor",
        {"MESSAGES_TABLE", "NOTIFIER_FUNCTION_NAME", "MAX_RECEIVE_COUNT"},
    ),
    "notifier": (
        f"rez-agent-notification-service-{STAGE}",
        "rez_notifier",
        {
            "MESSAGES_TABLE",
            "CIRCUIT_BREAKER_TABLE",
            "NTFY_URL",
            "NTFY_TOPIC",
            "NTFY_TOKEN_SECRET",
            "NTFY_RATE_PER_SECOND",
            "NTFY_BURST",
        },
    ),
}
FUNCTION_NAMES = {name for name, _, _ in FUNCTIONS.values()}

# docs/observability.md, Logs: retention 7 days in dev.
DEV_LOG_RETENTION_DAYS = 7

# The saved queries of docs/observability.md, verbatim.
SAVED_QUERIES = [
    "fields @timestamp, @message, level, message_id, correlation_id\n"
    '| filter correlation_id = "660e9500-f39c-52e5-b827-557766551111"\n'
    "| sort @timestamp asc",
    "fields message_id, @message\n"
    '| filter level = "ERROR"\n'
    "| stats count() as error_count by message_id\n"
    "| sort error_count desc",
    "fields duration_ms\n"
    '| filter path = "/api/messages" and method = "POST"\n'
    "| stats avg(duration_ms) as avg_duration_ms, max(duration_ms) as max_duration_ms",
    "fields @timestamp, message_id, error\n"
    '| filter @message like "Notification failed"\n'
    "| sort @timestamp desc",
]

MESSAGES_TABLE = f"rez-agent-messages-{STAGE}"
BREAKER_TABLE = f"rez-agent-circuit-breaker-{STAGE}"
QUEUE = f"rez-agent-message-queue-{STAGE}"
DLQ = f"rez-agent-message-dlq-{STAGE}"


def render(value: Any) -> str:
    """A template string (plain or `Fn::Sub`) with this deployment's Stage and Region."""
    return sub_text(value).replace("${Stage}", STAGE).replace("${AWS::Region}", REGION)


def by_name(pairs: list[dict[str, Any]], key: str = "Name", value: str = "Value") -> dict:
    return {pair[key]: pair[value] for pair in pairs}


def may_be_absent(value: Any) -> bool:
    """`!If [cond, x, !Ref AWS::NoValue]`: the variable exists only when the condition holds."""
    branches = value.get("Fn::If") if isinstance(value, dict) else None
    return bool(branches) and {"Ref": "AWS::NoValue"} in branches[1:]


def contracts_variables() -> dict[str, set[str]]:
    """docs/contracts.md's "Environment variables" table: variable -> who uses it."""
    text = (ROOT / "docs" / "contracts.md").read_text(encoding="utf-8")
    section = text.split("## Environment variables", 1)[1].split("\n## ", 1)[0]
    table: dict[str, set[str]] = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) < 3:
            continue
        names = [n for n in re.findall(r"`([^`]+)`", cells[0]) if re.fullmatch(r"[A-Z0-9_]+", n)]
        users = {u.strip() for u in cells[1].split("(", 1)[0].split(",")}
        for name in names:
            table[name] = users
    return table


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def templates() -> dict[str, dict[str, Any]]:
    return {name: load_template(name) for name in STACKS}


@pytest.fixture(scope="module")
def stage_file() -> dict[str, dict[str, Any]]:
    """infra/parameters/dev.yaml, the values the session deployed (overrides aside)."""
    return load_stage_file(parameters_file(template_dir(), STAGE))


@pytest.fixture(scope="module")
def configurations(system, aws: Aws) -> dict[str, dict[str, Any]]:
    """GetFunctionConfiguration of each service's function, by service."""
    return {
        service: aws("lambda").get_function_configuration(FunctionName=name)
        for service, (name, _, _) in FUNCTIONS.items()
    }


@pytest.fixture(scope="module")
def queues(system, aws: Aws) -> dict[str, dict[str, str]]:
    """Every attribute of the processing queue and of its DLQ."""
    return {
        name: aws("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        for name, url in ((QUEUE, system.queue_url), (DLQ, system.dlq_url))
    }


# ---------------------------------------------------------------- functions and log groups


@pytest.mark.parametrize("service", sorted(FUNCTIONS))
def test_function_runtime_handler_and_tracing(service, configurations, templates):
    name, package, _ = FUNCTIONS[service]
    config = configurations[service]
    declared = templates[service]["Resources"]["Function"]["Properties"]
    assert config["FunctionName"] == name == render(declared["FunctionName"])
    assert config["Runtime"] == "python3.13"
    assert config["Handler"] == declared["Handler"] == f"{package}.handler.handler"
    assert config["TracingConfig"] == {"Mode": "Active"}
    assert config["State"] == "Active"
    assert config["LoggingConfig"]["LogGroup"] == f"/aws/lambda/{name}"


@pytest.mark.parametrize("service", sorted(FUNCTIONS))
def test_function_environment_names_are_the_contracts(service, configurations, templates):
    _, _, own = FUNCTIONS[service]
    variables = configurations[service]["Environment"]["Variables"]
    declared = templates[service]["Resources"]["Function"]["Properties"]["Environment"]
    always = {k for k, v in declared["Variables"].items() if not may_be_absent(v)}
    documented = {
        name
        for name, users in contracts_variables().items()
        if users & {"all", "services", service}
    }
    # every variable the template always sets, and those the contracts require, and no other
    assert COMMON_VARIABLES | own <= set(variables)
    assert always <= set(variables) <= set(declared["Variables"])
    assert set(variables) <= documented, set(variables) - documented
    assert variables["STAGE"] == STAGE
    assert variables["SERVICE_NAME"] == service


def test_function_environment_wiring(configurations, system, queues):
    env = {service: c["Environment"]["Variables"] for service, c in configurations.items()}
    topic = system.outputs["shared"]["MessagesTopicArn"]
    for service in ("scheduler", "web-api"):
        assert env[service]["TOPIC_ARN"] == topic
    for service in ("scheduler", "web-api", "processor", "notifier"):
        assert env[service]["MESSAGES_TABLE"] == MESSAGES_TABLE
    assert env["notifier"]["CIRCUIT_BREAKER_TABLE"] == BREAKER_TABLE
    assert env["processor"]["NOTIFIER_FUNCTION_NAME"] == FUNCTIONS["notifier"][0]
    redrive = json.loads(queues[QUEUE]["RedrivePolicy"])
    assert int(env["processor"]["MAX_RECEIVE_COUNT"]) == int(redrive["maxReceiveCount"])
    assert env["authorizer"]["JWT_SECRET_NAME"] == f"rez-agent/{STAGE}/jwt-signing-secret"


@pytest.mark.parametrize("service", sorted(FUNCTIONS))
def test_log_group_has_the_stages_retention(service, system, aws: Aws, templates):
    name = FUNCTIONS[service][0]
    declared = templates[service]["Resources"]["LogGroup"]["Properties"]
    group_name = render(declared["LogGroupName"])
    assert group_name == f"/aws/lambda/{name}"
    groups = aws("logs").describe_log_groups(logGroupNamePrefix=group_name)["logGroups"]
    (group,) = [g for g in groups if g["logGroupName"] == group_name]
    assert group.get("retentionInDays") == DEV_LOG_RETENTION_DAYS


# ---------------------------------------------------------------- tables


def test_messages_table(system, aws: Aws):
    ddb = aws("dynamodb")
    table = ddb.describe_table(TableName=MESSAGES_TABLE)["Table"]
    types = by_name(table["AttributeDefinitions"], "AttributeName", "AttributeType")
    assert table["KeySchema"] == [{"AttributeName": "message_id", "KeyType": "HASH"}]
    assert types["message_id"] == "S"
    indexes = {i["IndexName"]: i for i in table.get("GlobalSecondaryIndexes", [])}
    assert set(indexes) == {"status-created_at-index"}
    index = indexes["status-created_at-index"]
    assert index["KeySchema"] == [
        {"AttributeName": "status", "KeyType": "HASH"},
        {"AttributeName": "created_at", "KeyType": "RANGE"},
    ]
    assert index["Projection"]["ProjectionType"] == "ALL"  # contracts: the GSI projects ALL
    assert types["status"] == types["created_at"] == "S"
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    ttl = ddb.describe_time_to_live(TableName=MESSAGES_TABLE)["TimeToLiveDescription"]
    assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires_at"}


def test_circuit_breaker_table(system, aws: Aws):
    ddb = aws("dynamodb")
    table = ddb.describe_table(TableName=BREAKER_TABLE)["Table"]
    assert table["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}]
    types = by_name(table["AttributeDefinitions"], "AttributeName", "AttributeType")
    assert types["pk"] == "S"
    ttl = ddb.describe_time_to_live(TableName=BREAKER_TABLE)["TimeToLiveDescription"]
    assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires_at"}


# ---------------------------------------------------------------- topic, queues, mapping


def test_topic_delivers_raw_to_the_queue(system, aws: Aws, queues):
    topic = system.outputs["shared"]["MessagesTopicArn"]
    assert topic.endswith(f":rez-agent-messages-{STAGE}")
    sns = aws("sns")
    subscriptions = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    to_queue = [s for s in subscriptions if s["Endpoint"] == queues[QUEUE]["QueueArn"]]
    assert [s["Protocol"] for s in to_queue] == ["sqs"]
    attributes = sns.get_subscription_attributes(SubscriptionArn=to_queue[0]["SubscriptionArn"])
    assert attributes["Attributes"]["RawMessageDelivery"] == "true"
    assert attributes["Attributes"]["PendingConfirmation"] == "false"


def test_queue_redrives_to_the_dlq_after_three_receives(queues, stage_file):
    redrive = json.loads(queues[QUEUE]["RedrivePolicy"])
    assert redrive["deadLetterTargetArn"] == queues[DLQ]["QueueArn"]
    assert int(redrive["maxReceiveCount"]) == 3
    assert int(stage_file["shared"]["MaxReceiveCount"]) == 3


def test_queue_visibility_is_at_least_six_processor_timeouts(queues, configurations):
    timeout = configurations["processor"]["Timeout"]
    assert int(queues[QUEUE]["VisibilityTimeout"]) >= 6 * timeout
    # contracts: the notifier's waits are bounded by its own time; the processor's must exceed it
    assert timeout > configurations["notifier"]["Timeout"]


def test_processor_consumes_the_queue_in_batches_reporting_item_failures(system, aws: Aws, queues):
    mappings = aws("lambda").list_event_source_mappings(FunctionName=FUNCTIONS["processor"][0])
    (mapping,) = [
        m
        for m in mappings["EventSourceMappings"]
        if m["EventSourceArn"] == queues[QUEUE]["QueueArn"]
    ]
    assert mapping["BatchSize"] == 10
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["State"] == "Enabled"


# ---------------------------------------------------------------- schedule


def test_schedule_targets_the_scheduler_function(
    system, aws: Aws, templates, configurations, stage_file
):
    declared = templates["scheduler"]["Resources"]["Schedule"]["Properties"]
    schedule = aws("scheduler").get_schedule(Name=render(declared["Name"]))
    assert schedule["Target"]["Arn"] == configurations["scheduler"]["FunctionArn"]
    assert schedule["ScheduleExpression"] == stage_file["scheduler"]["ScheduleExpression"]
    assert schedule["State"] == stage_file["scheduler"]["ScheduleState"]
    role = aws("iam").get_role(RoleName=schedule["Target"]["RoleArn"].rsplit("/", 1)[1])["Role"]
    trusted = [s["Principal"] for s in role["AssumeRolePolicyDocument"]["Statement"]]
    assert {"Service": "scheduler.amazonaws.com"} in trusted


# ---------------------------------------------------------------- alarms

# The six alarms of docs/observability.md: (namespace, metric, dimensions, statistic, period s,
# threshold, operator, alert topic). Severity picks the topic: High -> critical (paging + chat),
# Medium and chat-only -> warning, Medium and e-mail-only -> info.
DOCUMENTED_ALARMS: dict[str, tuple[str, str, dict[str, str], str, int, float, str, str]] = {
    # 1. DLQ has messages: > 0 over 1 minute
    "dlq": (
        "AWS/SQS",
        "ApproximateNumberOfMessagesVisible",
        {"QueueName": DLQ},
        "Maximum",
        60,
        0,
        "GreaterThanThreshold",
        "AlertsCriticalTopicArn",
    ),
    # 3. processor p99 duration > 4 minutes over 5 minutes (Duration is in milliseconds)
    "p99": (
        "AWS/Lambda",
        "Duration",
        {"FunctionName": FUNCTIONS["processor"][0]},
        "p99",
        300,
        4 * 60 * 1000,
        "GreaterThanThreshold",
        "AlertsInfoTopicArn",
    ),
    # 4. circuit breaker open: = 1 over 1 minute (the series' values are 0, 0.5 and 1)
    "breaker": (
        "RezAgent",
        "CircuitBreakerState",
        {"Stage": STAGE, "Service": "ntfy-sh", "State": "open"},
        "Maximum",
        60,
        1,
        "GreaterThanOrEqualToThreshold",
        "AlertsCriticalTopicArn",
    ),
    # 5. API 5xx: > 10 in 5 minutes
    "api-5xx": (
        "RezAgent",
        "APIRequestCount",
        {"Stage": STAGE, "StatusClass": "5xx"},
        "Sum",
        300,
        10,
        "GreaterThanThreshold",
        "AlertsWarningTopicArn",
    ),
    # 6. queue backlog: oldest message > 300 s over 5 minutes
    "backlog": (
        "AWS/SQS",
        "ApproximateAgeOfOldestMessage",
        {"QueueName": QUEUE},
        "Maximum",
        300,
        300,
        "GreaterThanThreshold",
        "AlertsInfoTopicArn",
    ),
} | {
    # 2. Lambda errors: > 5 in 5 minutes, one alarm per function
    f"errors {name}": (
        "AWS/Lambda",
        "Errors",
        {"FunctionName": name},
        "Sum",
        300,
        5,
        "GreaterThanThreshold",
        "AlertsWarningTopicArn",
    )
    for name in sorted(FUNCTION_NAMES)
}


@pytest.fixture(scope="module")
def alarms(system, aws: Aws) -> list[dict[str, Any]]:
    pages = aws("cloudwatch").get_paginator("describe_alarms")
    prefix = f"rez-agent-{STAGE}-"
    return [a for page in pages.paginate(AlarmNamePrefix=prefix) for a in page["MetricAlarms"]]


def test_exactly_the_templates_alarms_are_deployed(alarms, templates):
    declared = resources_of_type(templates["monitoring"], "AWS::CloudWatch::Alarm")
    # the reconciler's own "stuck messages" alarm lives in its stack, beside the documented six
    own = resources_of_type(templates["reconciler"], "AWS::CloudWatch::Alarm")
    assert sorted(a["AlarmName"] for a in alarms) == sorted(
        render(r["Properties"]["AlarmName"]) for r in [*declared.values(), *own.values()]
    )
    assert len(alarms) == len(DOCUMENTED_ALARMS) + len(own)


# The parameter that sets each alarm's period or threshold (this suite lowers them: see
# ALARM_TEST_PARAMETERS); the template's default must be the documented value.
PERIOD_PARAMETER = {60: "MinuteAlarmPeriodSeconds", 300: "FiveMinuteAlarmPeriodSeconds"}
THRESHOLD_PARAMETER = {
    "p99": "ProcessorDurationP99ThresholdMs",
    "backlog": "QueueBacklogThresholdSeconds",
}


def watched_metric(alarm: dict[str, Any]) -> tuple[str, str, dict[str, str], str, int]:
    """(namespace, metric, dimensions, statistic, period) of a single-metric alarm, or of the
    AWS/Lambda metric a metric-math alarm subtracts from (the authorizer's Errors)."""
    if "Metrics" not in alarm:
        return (
            alarm["Namespace"],
            alarm["MetricName"],
            by_name(alarm["Dimensions"]),
            alarm.get("Statistic") or alarm["ExtendedStatistic"],
            alarm["Period"],
        )
    (base,) = [
        q["MetricStat"]
        for q in alarm["Metrics"]
        if "MetricStat" in q and q["MetricStat"]["Metric"]["Namespace"] == "AWS/Lambda"
    ]
    metric = base["Metric"]
    return (
        metric["Namespace"],
        metric["MetricName"],
        by_name(metric["Dimensions"]),
        base["Stat"],
        base["Period"],
    )


@pytest.mark.parametrize("documented_alarm", sorted(DOCUMENTED_ALARMS))
def test_documented_alarm(documented_alarm, alarms, system, templates):
    namespace, metric, dimensions, statistic, period, threshold, operator, topic = (
        DOCUMENTED_ALARMS[documented_alarm]
    )
    (alarm,) = [a for a in alarms if watched_metric(a)[:3] == (namespace, metric, dimensions)]
    parameters = templates["monitoring"]["Parameters"]
    assert watched_metric(alarm)[3] == statistic
    # the documented period is the template's default; this suite deploys it lowered
    assert int(parameters[PERIOD_PARAMETER[period]]["Default"]) == period
    assert watched_metric(alarm)[4] == int(ALARM_TEST_PARAMETERS[PERIOD_PARAMETER[period]])
    assert alarm["EvaluationPeriods"] == 1
    if documented_alarm in THRESHOLD_PARAMETER:
        name = THRESHOLD_PARAMETER[documented_alarm]
        assert float(parameters[name]["Default"]) == threshold
        assert alarm["Threshold"] == float(ALARM_TEST_PARAMETERS[name])
    else:
        assert alarm["Threshold"] == threshold
    assert alarm["ComparisonOperator"] == operator
    assert alarm["ActionsEnabled"] is True
    assert alarm["AlarmActions"] == [system.outputs["shared"][topic]]
    assert alarm.get("OKActions", []) in ([], alarm["AlarmActions"])
    # docs/observability.md: an alarm's description names its runbook
    (runbook,) = re.findall(r"docs/runbooks/[a-z0-9-]+\.md", alarm["AlarmDescription"])
    assert (ROOT / runbook).is_file(), runbook


def test_the_authorizer_alarm_counts_only_its_own_failures(alarms):
    """A TOKEN authorizer refuses a token by raising, which Lambda counts as an error: the
    alarm watches Errors minus the refused tokens the authorizer counts itself."""
    (alarm,) = [a for a in alarms if a["AlarmName"].endswith("lambda-errors-jwt-authorizer")]
    queries = {q["Id"]: q for q in alarm["Metrics"]}
    assert queries["refused"]["MetricStat"]["Metric"] == {
        "Namespace": "RezAgent",
        "MetricName": "TokensRefused",
        "Dimensions": [{"Name": "Stage", "Value": STAGE}],
    }
    (returned,) = [q for q in alarm["Metrics"] if q.get("ReturnData", True)]
    assert returned["Expression"] == "errors - FILL(refused, 0)"


# ---------------------------------------------------------------- dashboard


def widget_metrics(properties: dict[str, Any]) -> list[tuple[str, str, dict[str, str]]]:
    """(namespace, metric, dimensions) of each metric row and of each SEARCH expression; a
    SEARCH's dimensions are its schema's names with the values it pins (`Name="value"`)."""
    found = []
    for row in properties["metrics"]:
        if isinstance(row[0], dict):
            for schema, query in re.findall(r"SEARCH\('\{([^}]*)\}([^']*)'", row[0]["expression"]):
                namespace, *keys = [k.strip() for k in schema.split(",")]
                pinned = dict(re.findall(r'(\w+)="([^"]*)"', query))
                metric = pinned.pop("MetricName")
                found.append((namespace, metric, {k: pinned.get(k, "*") for k in keys}))
            continue
        plain = [item for item in row if isinstance(item, str)]
        found.append((plain[0], plain[1], dict(zip(plain[2::2], plain[3::2], strict=True))))
    return found


def stats_of(properties: dict[str, Any]) -> set[str]:
    stats = {properties["stat"]} if "stat" in properties else set()
    for row in properties["metrics"]:
        options = row[-1] if isinstance(row[-1], dict) else {}
        if "stat" in options:
            stats.add(options["stat"])
        stats.update(re.findall(r"SEARCH\('[^']*',\s*'([^']+)'", options.get("expression", "")))
    return stats


# The twelve widgets of docs/observability.md, in order: (title, view, stacked, metric,
# dimension names, statistic)
DOCUMENTED_WIDGETS = [
    ("Messages Created (24h)", "timeSeries", False, "MessagesCreated", {"MessageType"}, None),
    ("Messages Processed (24h)", "timeSeries", False, "MessagesProcessed", {"Status"}, None),
    ("Success Rate (24h)", "singleValue", None, "MessagesProcessed", {"Status"}, None),
    ("Lambda Invocations", "timeSeries", False, "Invocations", {"FunctionName"}, None),
    ("Lambda Errors", "timeSeries", True, "Errors", {"FunctionName"}, None),
    ("Lambda Duration (p99)", "timeSeries", False, "Duration", {"FunctionName"}, "p99"),
    ("SQS Queue Depth", "timeSeries", False, "ApproximateNumberOfMessagesVisible", set(), None),
    ("DLQ Message Count", "singleValue", None, "ApproximateNumberOfMessagesVisible", set(), None),
    ("API Response Time (p95)", "timeSeries", False, "APIResponseTime", {"Endpoint"}, "p95"),
    ("Notification Duration (avg)", "timeSeries", False, "NotificationDuration", set(), "Average"),
    ("Circuit Breaker State", "timeSeries", False, "CircuitBreakerState", set(), None),
    ("DynamoDB Throttles", "timeSeries", False, "ThrottledRequests", set(), None),
]


@pytest.fixture(scope="module")
def dashboard(system, aws: Aws, templates) -> dict[str, Any]:
    (declared,) = resources_of_type(templates["monitoring"], "AWS::CloudWatch::Dashboard").values()
    name = render(declared["Properties"]["DashboardName"])
    assert name == f"rez-agent-{STAGE}-overview"
    answer = aws("cloudwatch").get_dashboard(DashboardName=name)
    assert answer["DashboardName"] == name
    body = json.loads(answer["DashboardBody"])
    # what the template says, with nothing dropped or rewritten on the way
    assert body == json.loads(render(declared["Properties"]["DashboardBody"]))
    return body


def test_dashboard_has_the_documented_twelve_widgets_in_order(dashboard):
    titles = [w["properties"]["title"] for w in dashboard["widgets"]]
    assert titles == [title for title, *_ in DOCUMENTED_WIDGETS]


@pytest.mark.parametrize(
    "position", range(len(DOCUMENTED_WIDGETS)), ids=[w[0] for w in DOCUMENTED_WIDGETS]
)
def test_dashboard_widget(position, dashboard):
    title, view, stacked, metric, split_by, statistic = DOCUMENTED_WIDGETS[position]
    properties = dashboard["widgets"][position]["properties"]
    assert properties["title"] == title
    assert properties["view"] == view
    if stacked is not None:
        assert properties.get("stacked", False) is stacked
    metrics = widget_metrics(properties)
    assert {m for _, m, _ in metrics} == {metric}
    for _, _, dimensions in metrics:
        assert split_by <= set(dimensions)
        if "Stage" in dimensions:
            assert dimensions["Stage"] == STAGE
    if statistic is not None:
        assert stats_of(properties) == {statistic}
    if title.endswith("(24h)"):
        assert properties["start"] == "-PT24H"


def test_dashboard_widgets_name_this_stages_resources(dashboard):
    widgets = {w["properties"]["title"]: w["properties"] for w in dashboard["widgets"]}

    def values(title: str, dimension: str) -> set[str]:
        return {d[dimension] for _, _, d in widget_metrics(widgets[title])}

    for title in ("Lambda Invocations", "Lambda Errors", "Lambda Duration (p99)"):
        assert values(title, "FunctionName") == FUNCTION_NAMES, title
    assert values("SQS Queue Depth", "QueueName") == {QUEUE}
    assert values("DLQ Message Count", "QueueName") == {DLQ}
    assert values("Messages Processed (24h)", "Status") == {"completed", "failed"}
    rate = widgets["Success Rate (24h)"]["metrics"][-1][0]
    assert rate.get("visible", True)
    assert re.fullmatch(
        r"100 \* FILL\(completed, 0\) / \(FILL\(completed, 0\) \+ FILL\(failed, 0\)\)",
        rate["expression"],
    )
    throttles = widgets["DynamoDB Throttles"]["metrics"][0][0]["expression"]
    assert f'TableName="{MESSAGES_TABLE}"' in throttles
    assert f'TableName="{BREAKER_TABLE}"' in throttles


# ---------------------------------------------------------------- tracing


def test_dev_samples_every_request_of_every_function(system, aws: Aws, templates):
    (declared,) = [
        r["Properties"]["SamplingRule"]
        for r in resources_of_type(templates["shared"], "AWS::XRay::SamplingRule").values()
        if r.get("Condition") == "IsDev"
    ]
    records = aws("xray").get_sampling_rules()["SamplingRuleRecords"]
    rules = [record["SamplingRule"] for record in records]
    assert declared["RuleName"] in {rule["RuleName"] for rule in rules}
    for function in FUNCTION_NAMES:
        # X-Ray applies the matching rule of lowest priority number (the Default rule last)
        matching = [
            rule
            for rule in rules
            if fnmatch.fnmatchcase(function, rule["ServiceName"])
            and rule["ServiceType"] in ("*", "AWS::Lambda::Function")
        ]
        applied = min(matching, key=lambda rule: rule["Priority"])
        assert applied["RuleName"] == declared["RuleName"], function
        assert applied["FixedRate"] == 1.0, function  # docs/observability.md: dev 100 %


# ---------------------------------------------------------------- Logs Insights


def test_the_documented_four_queries_are_saved(system, aws: Aws, templates):
    declared = resources_of_type(templates["shared"], "AWS::Logs::QueryDefinition")
    names = sorted(render(r["Properties"]["Name"]) for r in declared.values())
    prefix = f"rez-agent/{STAGE}/"
    saved = aws("logs").describe_query_definitions(queryDefinitionNamePrefix=prefix)
    definitions = sorted(saved["queryDefinitions"], key=lambda d: d["name"])
    assert [d["name"] for d in definitions] == names
    assert [d["queryString"] for d in definitions] == SAVED_QUERIES
    for definition in definitions:
        assert set(definition["logGroupNames"]) == {f"/aws/lambda/{f}" for f in FUNCTION_NAMES}


# ---------------------------------------------------------------- API


@pytest.fixture(scope="module")
def rest_api(system, aws: Aws) -> tuple[str, dict[str, dict[str, Any]]]:
    """The API's id and its resources by path."""
    api_id = system.outputs["web-api"]["RestApiId"]
    items = aws("apigateway").get_resources(restApiId=api_id, limit=500)["items"]
    return api_id, {item["path"]: item for item in items}


def method(aws: Aws, rest_api, path: str, verb: str) -> dict[str, Any]:
    """The method API Gateway runs for `verb` on `path`: its own, else the resource's ANY."""
    api_id, resources = rest_api
    resource = resources[path]
    declared = resource.get("resourceMethods") or {}
    http_method = verb if verb in declared else "ANY"
    assert http_method in declared, f"{verb} {path}: no method"
    return aws("apigateway").get_method(
        restApiId=api_id, resourceId=resource["id"], httpMethod=http_method
    )


def test_the_jwt_authorizer_is_a_token_authorizer_on_the_authorizer_function(
    aws: Aws, rest_api, configurations, templates
):
    api_id, _ = rest_api
    (declared,) = resources_of_type(templates["web-api"], "AWS::ApiGateway::Authorizer").values()
    (authorizer,) = aws("apigateway").get_authorizers(restApiId=api_id)["items"]
    assert authorizer["name"] == render(declared["Properties"]["Name"])
    assert authorizer["type"] == "TOKEN"
    assert authorizer["identitySource"] == "method.request.header.Authorization"
    function_arn = configurations["authorizer"]["FunctionArn"]
    assert authorizer["authorizerUri"] == (
        f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{function_arn}/invocations"
    )


@pytest.mark.parametrize(
    ("verb", "path"),
    [("GET", "/api/messages"), ("POST", "/api/messages"), ("GET", "/api/messages/{id}")],
)
def test_message_routes_are_behind_the_authorizer(verb, path, aws: Aws, rest_api, configurations):
    api_id, _ = rest_api
    (authorizer,) = aws("apigateway").get_authorizers(restApiId=api_id)["items"]
    route = method(aws, rest_api, path, verb)
    assert route["authorizationType"] == "CUSTOM"
    assert route["authorizerId"] == authorizer["id"]
    assert configurations["web-api"]["FunctionArn"] in route["methodIntegration"]["uri"]


def test_health_is_open(aws: Aws, rest_api, configurations):
    route = method(aws, rest_api, "/api/health", "GET")
    assert route["authorizationType"] == "NONE"
    assert not route.get("authorizerId")
    assert configurations["web-api"]["FunctionArn"] in route["methodIntegration"]["uri"]


# ---------------------------------------------------------------- secrets


def test_secrets_exist(system, aws: Aws, templates):
    declared = resources_of_type(templates["shared"], "AWS::SecretsManager::Secret")
    names = {logical: render(r["Properties"]["Name"]) for logical, r in declared.items()}
    assert set(names.values()) == {
        f"rez-agent/{STAGE}/jwt-signing-secret",
        f"rez-agent/{STAGE}/ntfy-token",
    }
    secrets = aws("secretsmanager")
    for name in names.values():
        assert secrets.describe_secret(SecretId=name)["Name"] == name
    # the signing key is generated at creation; the ntfy token is set out of band
    generated = declared["JwtSigningSecret"]["Properties"]["GenerateSecretString"]
    value = secrets.get_secret_value(SecretId=names["JwtSigningSecret"])["SecretString"]
    assert len(value) == generated["PasswordLength"]
