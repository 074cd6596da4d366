"""Producer settings: present and well-formed, or an error naming the variable."""

from __future__ import annotations

from datetime import timedelta

import pytest

from rez_messages import ConfigurationError, config
from rez_messages.config import ProducerSettings

GOOD = {
    "STAGE": "dev",
    "MESSAGES_TABLE": "rez-agent-messages-dev",
    "TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:rez-agent-messages-dev",
    "MESSAGE_RETENTION_DAYS": "7",
}


def test_well_formed_environment_is_read():
    # GIVEN every variable set / WHEN read / THEN typed settings come back
    assert ProducerSettings.from_env(GOOD) == ProducerSettings(
        stage="dev",
        messages_table="rez-agent-messages-dev",
        topic_arn="arn:aws:sns:us-east-1:123456789012:rez-agent-messages-dev",
        retention=timedelta(days=7),
    )


def test_retention_defaults_to_thirty_days():
    # GIVEN no MESSAGE_RETENTION_DAYS / WHEN read / THEN 30 days
    assert config.retention({}) == timedelta(days=30)


def test_reads_os_environ_when_no_mapping_is_given(monkeypatch):
    # GIVEN STAGE in the process environment / WHEN read without a mapping / THEN used
    monkeypatch.setenv("STAGE", "prod")
    assert config.stage() == "prod"


def test_stage_falls_back_to_the_function_names_suffix():
    # GIVEN no STAGE but a Lambda function name ending in a stage / THEN that stage
    assert config.stage({"AWS_LAMBDA_FUNCTION_NAME": "rez-agent-web-api-stage"}) == "stage"


@pytest.mark.parametrize(
    ("reader", "environ", "variable", "reason"),
    [
        (config.stage, {}, "STAGE", "is not set"),
        (config.stage, {"STAGE": "qa"}, "STAGE", "'qa' is not one of dev, stage, prod"),
        (config.messages_table, {"MESSAGES_TABLE": " "}, "MESSAGES_TABLE", "is empty"),
        (config.messages_table, {"MESSAGES_TABLE": "a b"}, "MESSAGES_TABLE", "not a DynamoDB"),
        (config.topic_arn, {"TOPIC_ARN": "rez-topic"}, "TOPIC_ARN", "not an SNS topic ARN"),
        (
            config.retention,
            {"MESSAGE_RETENTION_DAYS": "-2"},
            "MESSAGE_RETENTION_DAYS",
            "must be at least 1",
        ),
        (
            config.retention,
            {"MESSAGE_RETENTION_DAYS": "week"},
            "MESSAGE_RETENTION_DAYS",
            "'week' is not an integer",
        ),
    ],
)
def test_bad_variables_are_named_with_the_reason(reader, environ, variable, reason):
    # GIVEN a missing or malformed variable / WHEN read / THEN the error names it and says why
    with pytest.raises(ConfigurationError) as caught:
        reader(environ)
    assert caught.value.variable == variable
    assert reason in str(caught.value)
