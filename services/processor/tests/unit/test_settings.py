"""The processor's settings: present and well-formed, or an error naming the variable."""

from __future__ import annotations

import pytest

from rez_processor.settings import ProcessorSettings
from rez_telemetry.config import ConfigurationError

REQUIRED = {
    "MESSAGES_TABLE": "rez-agent-messages-dev",
    "NOTIFIER_FUNCTION_NAME": "rez-agent-notification-service-dev",
    "MAX_RECEIVE_COUNT": "3",
}


def _settings(**variables: str) -> ProcessorSettings:
    return ProcessorSettings.from_env(REQUIRED | variables)


def _refused(**variables: str) -> ConfigurationError:
    with pytest.raises(ConfigurationError) as caught:
        _settings(**variables)
    return caught.value


def test_the_required_variables_and_the_defaults():
    # GIVEN only the required variables / WHEN read / THEN the defaults fill the rest
    assert _settings() == ProcessorSettings(
        messages_table="rez-agent-messages-dev",
        notifier_function_name="rez-agent-notification-service-dev",
        max_receive_count=3,
        retry_base_seconds=2.0,
        retry_max_seconds=60.0,
        max_deferral_seconds=21600.0,
        concurrency=10,
    )


def test_reads_os_environ_when_no_mapping_is_given(monkeypatch):
    # GIVEN the variables in the process environment / WHEN read without a mapping / THEN used
    for name, value in REQUIRED.items():
        monkeypatch.setenv(name, value)
    assert ProcessorSettings.from_env().max_receive_count == 3


def test_notifier_may_be_an_arn():
    # GIVEN the notifier as a full ARN / WHEN read / THEN accepted as is
    arn = "arn:aws:lambda:us-east-1:123456789012:function:rez-agent-notification-service-dev"
    assert _settings(NOTIFIER_FUNCTION_NAME=arn).notifier_function_name == arn


@pytest.mark.parametrize(
    ("variables", "variable", "reason"),
    [
        ({"NOTIFIER_FUNCTION_NAME": ""}, "NOTIFIER_FUNCTION_NAME", "is empty"),
        ({"NOTIFIER_FUNCTION_NAME": "a b"}, "NOTIFIER_FUNCTION_NAME", "is not a Lambda function"),
        ({"MAX_RECEIVE_COUNT": "three"}, "MAX_RECEIVE_COUNT", "'three' is not an integer"),
        ({"MAX_RECEIVE_COUNT": "0"}, "MAX_RECEIVE_COUNT", "must be at least 1, got 0"),
        ({"MESSAGES_TABLE": "a b"}, "MESSAGES_TABLE", "not a DynamoDB"),
    ],
)
def test_bad_variables_are_named_with_the_reason(variables, variable, reason):
    # GIVEN a missing or malformed variable / WHEN read / THEN the error names it and says why
    error = _refused(**variables)
    assert error.variable == variable
    assert reason in str(error)


def test_max_receive_count_is_required():
    # GIVEN no MAX_RECEIVE_COUNT / WHEN read / THEN refused by name
    environ = {k: v for k, v in REQUIRED.items() if k != "MAX_RECEIVE_COUNT"}
    with pytest.raises(ConfigurationError) as caught:
        ProcessorSettings.from_env(environ)
    assert (caught.value.variable, caught.value.reason) == ("MAX_RECEIVE_COUNT", "is not set")


def test_retry_delays_accept_fractions():
    # GIVEN both set / WHEN read / THEN the numbers as floats
    settings = _settings(RETRY_BASE_SECONDS="0.5", RETRY_MAX_SECONDS="30")
    assert (settings.retry_base_seconds, settings.retry_max_seconds) == (0.5, 30.0)


@pytest.mark.parametrize(
    ("value", "reason"),
    [("soon", "not a number"), ("0", "more than 0"), ("-1", "more than 0"), ("43201", "43200")],
)
@pytest.mark.parametrize("name", ["RETRY_BASE_SECONDS", "RETRY_MAX_SECONDS"])
def test_retry_delays_are_checked(name, value, reason):
    # GIVEN a malformed value / WHEN read / THEN an error naming the variable and the reason
    error = _refused(**{name: value})
    assert error.variable == name
    assert reason in error.reason


def test_retry_base_may_not_exceed_the_cap():
    # GIVEN a base above the cap / WHEN read / THEN the cap is named
    error = _refused(RETRY_BASE_SECONDS="10", RETRY_MAX_SECONDS="5")
    assert (error.variable, error.reason) == (
        "RETRY_MAX_SECONDS",
        "must be at least RETRY_BASE_SECONDS (10), got 5",
    )


def test_max_deferral_may_reach_sqs_retention():
    # GIVEN 14 days (SQS's longest retention) / WHEN read / THEN accepted
    assert _settings(MAX_DEFERRAL_SECONDS="1209600").max_deferral_seconds == 1209600.0


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
    error = _refused(MAX_DEFERRAL_SECONDS=value)
    assert (error.variable, error.reason) == ("MAX_DEFERRAL_SECONDS", reason)


@pytest.mark.parametrize(("value", "expected"), [("1", 1), (" 4 ", 4), ("100", 100)])
def test_processor_concurrency_is_read(value, expected):
    # GIVEN a valid value (1: one record after another) / WHEN read / THEN that number
    assert _settings(PROCESSOR_CONCURRENCY=value).concurrency == expected


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
    error = _refused(PROCESSOR_CONCURRENCY=value)
    assert (error.variable, error.reason) == ("PROCESSOR_CONCURRENCY", reason)
