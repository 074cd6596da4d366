"""The shared stack encodes the data plane and observability settings of docs/contracts.md and
docs/observability.md."""

from __future__ import annotations

from typing import Any

from rez_deploy.templates import resources_of_type, sub_text


def resource(template: dict[str, Any], logical_id: str) -> dict[str, Any]:
    return template["Resources"][logical_id]["Properties"]


def test_messages_table_matches_the_contract(templates):
    # GIVEN the shared template WHEN reading the messages table THEN key, GSI, TTL, billing match
    table = resource(templates["shared"], "MessagesTable")
    assert sub_text(table["TableName"]) == "rez-agent-messages-${Stage}"
    assert table["KeySchema"] == [{"AttributeName": "message_id", "KeyType": "HASH"}]
    assert table["BillingMode"] == "PAY_PER_REQUEST"
    (index,) = table["GlobalSecondaryIndexes"]
    assert index["IndexName"] == "status-created_at-index"
    assert index["KeySchema"] == [
        {"AttributeName": "status", "KeyType": "HASH"},
        {"AttributeName": "created_at", "KeyType": "RANGE"},
    ]
    assert table["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    pitr = table["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"]
    assert pitr == {"Fn::If": ["IsProd", True, False]}
    assert templates["shared"]["Conditions"]["IsProd"] == {"Fn::Equals": [{"Ref": "Stage"}, "prod"]}


def test_circuit_breaker_table_has_pk_and_ttl(templates):
    table = resource(templates["shared"], "CircuitBreakerTable")
    assert sub_text(table["TableName"]) == "rez-agent-circuit-breaker-${Stage}"
    assert table["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}]
    assert table["AttributeDefinitions"] == [{"AttributeName": "pk", "AttributeType": "S"}]
    assert table["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    assert table["BillingMode"] == "PAY_PER_REQUEST"


def test_queue_redrives_to_the_dlq_after_max_receive_count(templates):
    shared = templates["shared"]
    queue = resource(shared, "MessageQueue")
    assert sub_text(queue["QueueName"]) == "rez-agent-message-queue-${Stage}"
    assert sub_text(resource(shared, "MessageDLQ")["QueueName"]) == "rez-agent-message-dlq-${Stage}"
    assert queue["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": ["MessageDLQ", "Arn"]},
        "maxReceiveCount": {"Ref": "MaxReceiveCount"},
    }
    assert shared["Parameters"]["MaxReceiveCount"]["Default"] == 3


def test_visibility_timeout_is_six_times_every_allowed_processor_timeout(templates):
    shared, processor = templates["shared"], templates["processor"]
    queue = resource(shared, "MessageQueue")
    assert queue["VisibilityTimeout"] == {
        "Fn::FindInMap": [
            "VisibilityTimeoutByProcessorTimeout",
            {"Ref": "ProcessorTimeoutSeconds"},
            "Seconds",
        ]
    }
    table = shared["Mappings"]["VisibilityTimeoutByProcessorTimeout"]
    allowed = shared["Parameters"]["ProcessorTimeoutSeconds"]["AllowedValues"]
    assert set(table) == set(allowed)
    for timeout, row in table.items():
        assert row["Seconds"] >= 6 * int(timeout)
    # the processor can only take a timeout the table knows, and defaults to the same one
    assert processor["Parameters"]["TimeoutSeconds"]["AllowedValues"] == allowed
    assert (
        processor["Parameters"]["TimeoutSeconds"]["Default"]
        == shared["Parameters"]["ProcessorTimeoutSeconds"]["Default"]
    )


def test_topic_reaches_the_queue_with_raw_delivery_and_a_policy_for_that_topic_only(templates):
    shared = templates["shared"]
    assert sub_text(resource(shared, "MessagesTopic")["TopicName"]) == "rez-agent-messages-${Stage}"
    subscription = resource(shared, "MessageQueueSubscription")
    assert subscription["Protocol"] == "sqs"
    assert subscription["RawMessageDelivery"] is True
    assert subscription["Endpoint"] == {"Fn::GetAtt": ["MessageQueue", "Arn"]}
    (statement,) = resource(shared, "MessageQueuePolicy")["PolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "sns.amazonaws.com"}
    assert statement["Action"] == "sqs:SendMessage"
    assert statement["Condition"] == {"ArnEquals": {"aws:SourceArn": {"Ref": "MessagesTopic"}}}


def test_alert_topics_and_their_optional_subscriptions(templates):
    shared = templates["shared"]
    for severity in ("critical", "warning", "info"):
        logical = f"Alerts{severity.capitalize()}Topic"
        name = f"rez-agent-alerts-{severity}-${{Stage}}"
        assert sub_text(resource(shared, logical)["TopicName"]) == name
    subscriptions = resources_of_type(shared, "AWS::SNS::Subscription")
    optional = {k: v for k, v in subscriptions.items() if k != "MessageQueueSubscription"}
    routes = {
        (v["Properties"]["TopicArn"]["Ref"], v["Properties"]["Protocol"], v["Condition"])
        for v in optional.values()
    }
    # docs/observability.md: critical -> paging + chat, warning -> chat, info -> e-mail; none by
    # default
    assert routes == {
        ("AlertsCriticalTopic", "https", "HasPagingEndpoint"),
        ("AlertsCriticalTopic", "https", "HasChatWebhook"),
        ("AlertsWarningTopic", "https", "HasChatWebhook"),
        ("AlertsInfoTopic", "email", "HasAlertEmail"),
    }
    for parameter in ("AlertEmail", "PagingEndpoint", "ChatWebhookEndpoint"):
        assert shared["Parameters"][parameter]["Default"] == ""


def test_error_log_forwarding_is_optional_and_off_by_default(templates):
    shared = templates["shared"]
    assert shared["Parameters"]["ErrorLogAlerts"]["Default"] == "disabled"
    forwarder = shared["Resources"]["ErrorLogForwarderFunction"]
    assert forwarder["Condition"] == "ForwardErrorLogs"
    assert forwarder["Properties"]["Environment"]["Variables"]["ALERT_TOPIC_ARN"] == {
        "Ref": "AlertsWarningTopic"
    }
    for name in ("scheduler", "web-api", "processor", "notifier", "authorizer"):
        service = templates[name]
        subscription = service["Resources"]["ErrorLogSubscription"]
        assert subscription["Condition"] == "ForwardErrorLogs"
        assert service["Parameters"]["ErrorLogAlerts"]["Default"] == "disabled"
        assert '$.level = "ERROR"' in subscription["Properties"]["FilterPattern"]


def test_secrets_are_named_per_stage_and_the_jwt_key_is_generated(templates):
    shared = templates["shared"]
    jwt = resource(shared, "JwtSigningSecret")
    assert sub_text(jwt["Name"]) == "rez-agent/${Stage}/jwt-signing-secret"
    assert jwt["GenerateSecretString"]["PasswordLength"] >= 32
    ntfy = resource(shared, "NtfyTokenSecret")
    assert sub_text(ntfy["Name"]) == "rez-agent/${Stage}/ntfy-token"
    assert "SecretString" not in ntfy  # never a template parameter


def test_sampling_rules_are_the_documented_ones(templates):
    shared = templates["shared"]
    prod = shared["Resources"]["ProdSamplingRule"]
    dev = shared["Resources"]["DevSamplingRule"]
    assert prod["Condition"] == "IsProd"
    assert dev["Condition"] == "IsDev"
    prod_rule = prod["Properties"]["SamplingRule"]
    assert (prod_rule["Priority"], prod_rule["ReservoirSize"], prod_rule["FixedRate"]) == (
        100,
        1,
        0.05,
    )
    assert prod_rule["ServiceType"] == "AWS::Lambda::Function"
    assert prod_rule["URLPath"] == "*"
    dev_rule = dev["Properties"]["SamplingRule"]
    assert dev_rule["FixedRate"] == 1.0


SAVED_QUERIES = [
    "fields @timestamp, @message, level, message_id, correlation_id\n"
    '| filter correlation_id = "660e9500-f39c-52e5-b827-557766551111"\n'
    "| sort @timestamp asc",
    'fields message_id, @message\n| filter level = "ERROR"\n'
    "| stats count() as error_count by message_id\n| sort error_count desc",
    'fields duration_ms\n| filter path = "/api/messages" and method = "POST"\n'
    "| stats avg(duration_ms) as avg_duration_ms, max(duration_ms) as max_duration_ms",
    'fields @timestamp, message_id, error\n| filter @message like "Notification failed"\n'
    "| sort @timestamp desc",
]


def test_the_four_saved_queries_are_the_documented_over_the_five_log_groups(templates):
    queries = resources_of_type(templates["shared"], "AWS::Logs::QueryDefinition")
    assert [q["Properties"]["QueryString"] for q in queries.values()] == SAVED_QUERIES
    expected_groups = [
        f"/aws/lambda/{name}-${{Stage}}"
        for name in (
            "rez-agent-scheduler",
            "rez-agent-web-api",
            "rez-agent-message-processor",
            "rez-agent-notification-service",
            "rez-agent-jwt-authorizer",
        )
    ]
    for query in queries.values():
        assert [sub_text(g) for g in query["Properties"]["LogGroupNames"]] == expected_groups


def test_exports_cover_what_the_service_stacks_import(templates):
    exported = {
        sub_text(output["Export"]["Name"])
        for output in templates["shared"]["Outputs"].values()
        if "Export" in output
    } | {
        sub_text(output["Export"]["Name"])
        for output in templates["authorizer"]["Outputs"].values()
        if "Export" in output
    }
    imported: set[str] = set()

    def collect(node: Any) -> None:
        if isinstance(node, dict):
            if "Fn::ImportValue" in node:
                imported.add(sub_text(node["Fn::ImportValue"]))
            for value in node.values():
                collect(value)
        elif isinstance(node, list):
            for value in node:
                collect(value)

    for name, template in templates.items():
        if name != "shared":
            collect(template["Resources"])
    assert imported, "the service stacks import nothing?"
    assert imported <= exported, imported - exported
