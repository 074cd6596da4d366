"""Environment readers: present and well-formed, or an error naming the variable."""

from __future__ import annotations

from datetime import timedelta

import pytest

from rez_messages import ConfigurationError, config

GOOD = {
    "STAGE": "dev",
    "MESSAGES_TABLE": "rez-agent-messages-dev",
    "TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:rez-agent-messages-dev",
    "NOTIFIER_FUNCTION_NAME": "rez-agent-notification-service-dev",
    "MAX_RECEIVE_COUNT": "3",
    "MESSAGE_RETENTION_DAYS": "7",
}


def test_well_formed_environment_is_read():
    # GIVEN every variable set / WHEN read / THEN typed values come back
    assert config.stage(GOOD) == "dev"
    assert config.messages_table(GOOD) == "rez-agent-messages-dev"
    assert config.topic_arn(GOOD).endswith(":rez-agent-messages-dev")
    assert config.notifier_function_name(GOOD) == "rez-agent-notification-service-dev"
    assert config.max_receive_count(GOOD) == 3
    assert config.retention(GOOD) == timedelta(days=7)


def test_retention_defaults_to_thirty_days():
    # GIVEN no MESSAGE_RETENTION_DAYS / WHEN read / THEN 30 days
    assert config.retention({}) == timedelta(days=30)


def test_notifier_may_be_an_arn():
    # GIVEN the notifier as a full ARN / WHEN read / THEN accepted as is
    arn = "arn:aws:lambda:us-east-1:123456789012:function:rez-agent-notification-service-dev"
    assert config.notifier_function_name({"NOTIFIER_FUNCTION_NAME": arn}) == arn


def test_reads_os_environ_when_no_mapping_is_given(monkeypatch):
    # GIVEN STAGE in the process environment / WHEN read without a mapping / THEN used
    monkeypatch.setenv("STAGE", "prod")
    assert config.stage() == "prod"


@pytest.mark.parametrize(
    ("reader", "environ", "variable", "reason"),
    [
        (config.stage, {}, "STAGE", "is not set"),
        (config.stage, {"STAGE": "qa"}, "STAGE", "'qa' is not one of dev, stage, prod"),
        (config.messages_table, {"MESSAGES_TABLE": " "}, "MESSAGES_TABLE", "is empty"),
        (config.messages_table, {"MESSAGES_TABLE": "a b"}, "MESSAGES_TABLE", "not a DynamoDB"),
        (config.topic_arn, {"TOPIC_ARN": "rez-topic"}, "TOPIC_ARN", "not an SNS topic ARN"),
        (config.notifier_function_name, {}, "NOTIFIER_FUNCTION_NAME", "is not set"),
        (
            config.max_receive_count,
            {"MAX_RECEIVE_COUNT": "three"},
            "MAX_RECEIVE_COUNT",
            "'three' is not an integer",
        ),
        (
            config.max_receive_count,
            {"MAX_RECEIVE_COUNT": "0"},
            "MAX_RECEIVE_COUNT",
            "must be at least 1, got 0",
        ),
        (
            config.retention,
            {"MESSAGE_RETENTION_DAYS": "-2"},
            "MESSAGE_RETENTION_DAYS",
            "must be at least 1",
        ),
    ],
)
def test_bad_variables_are_named_with_the_reason(reader, environ, variable, reason):
    # GIVEN a missing or malformed variable / WHEN read / THEN the error names it and says why
    with pytest.raises(ConfigurationError) as caught:
        reader(environ)
    assert caught.value.variable == variable
    assert reason in str(caught.value)


def test_retry_delays_default_to_two_and_sixty_seconds():
    # GIVEN neither variable / WHEN read / THEN 2 s first, 60 s at most
    assert (config.retry_base_seconds({}), config.retry_max_seconds({})) == (2.0, 60.0)


def test_retry_delays_accept_fractions():
    # GIVEN both set / WHEN read / THEN the numbers as floats
    environ = {"RETRY_BASE_SECONDS": "0.5", "RETRY_MAX_SECONDS": "30"}
    assert (config.retry_base_seconds(environ), config.retry_max_seconds(environ)) == (0.5, 30.0)


@pytest.mark.parametrize(
    ("value", "reason"),
    [("soon", "not a number"), ("0", "more than 0"), ("-1", "more than 0"), ("43201", "43200")],
)
@pytest.mark.parametrize("name", ["RETRY_BASE_SECONDS", "RETRY_MAX_SECONDS"])
def test_retry_delays_are_checked(name, value, reason):
    # GIVEN a malformed value / WHEN read / THEN an error naming the variable and the reason
    reader = config.retry_base_seconds if name == "RETRY_BASE_SECONDS" else config.retry_max_seconds
    with pytest.raises(ConfigurationError) as caught:
        reader({name: value})
    assert caught.value.variable == name
    assert reason in caught.value.reason


def test_max_deferral_defaults_to_six_hours():
    # GIVEN no MAX_DEFERRAL_SECONDS / WHEN read / THEN 21600 s
    assert config.max_deferral_seconds({}) == 21600.0


def test_max_deferral_may_reach_sqs_retention():
    # GIVEN 14 days (SQS's longest retention) / WHEN read / THEN accepted
    assert config.max_deferral_seconds({"MAX_DEFERRAL_SECONDS": "1209600"}) == 1209600.0


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("6h", "'6h' is not a number of seconds"),
        ("0", "must be more than 0 and at most 1209600 s, got 0"),
        ("1209601", "must be more than 0 and at most 1209600 s, got 1209601"),
    ],
)
def test_max_deferral_is_checked(value, reason):
    # GIVEN a malformed bound / WHEN read / THEN an error naming the variable and the reason
    with pytest.raises(ConfigurationError) as caught:
        config.max_deferral_seconds({"MAX_DEFERRAL_SECONDS": value})
    assert caught.value.variable == "MAX_DEFERRAL_SECONDS"
    assert caught.value.reason == reason


def test_processor_concurrency_defaults_to_the_batch_size():
    # GIVEN no PROCESSOR_CONCURRENCY / WHEN read / THEN 10 records at once
    assert config.processor_concurrency({}) == 10


@pytest.mark.parametrize(("value", "expected"), [("1", 1), (" 4 ", 4), ("100", 100)])
def test_processor_concurrency_is_read(value, expected):
    # GIVEN a valid value (1: one record after another) / WHEN read / THEN that number
    assert config.processor_concurrency({"PROCESSOR_CONCURRENCY": value}) == expected


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("ten", "'ten' is not an integer"),
        ("0", "must be at least 1, got 0"),
        ("101", "must be at most 100, got 101"),
    ],
)
def test_processor_concurrency_is_checked(value, reason):
    # GIVEN a malformed value / WHEN read / THEN an error naming the variable and the reason
    with pytest.raises(ConfigurationError) as caught:
        config.processor_concurrency({"PROCESSOR_CONCURRENCY": value})
    assert caught.value.variable == "PROCESSOR_CONCURRENCY"
    assert caught.value.reason == reason
