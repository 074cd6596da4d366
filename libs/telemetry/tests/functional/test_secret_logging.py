"""A secret read from Secrets Manager never reaches a log line, even with LOG_LEVEL=DEBUG.

botocore logs whole request and response bodies at DEBUG ("Response body: b'{... "SecretString":
"..."}'"). Its loggers stay at INFO unless `LOG_LEVEL_AWS_SDK=DEBUG`; with that opt-in the
`SecretString` value is masked in the text.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from rez_telemetry import lambda_handler, logger

SECRET_NAME = "rez-agent/dev/ntfy-token"
SECRET_VALUE = "tk_Zq8vN3xLw0pR7sT2yU5e"
ROTATED_VALUE = "tk_rotated-4hn8ps3qvbt0"


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        yield


class Context:
    function_name = "rez-agent-notification-service-dev"
    aws_request_id = "req-secret"


def _debug_invocation(capture_logs: Any) -> Any:
    """Log at DEBUG (as LOG_LEVEL=DEBUG does); create, read and rotate a secret in a handler."""
    logs = capture_logs(service="notifier")

    @lambda_handler(service="notifier")
    def handler(event: Any, context: Any) -> str:
        client = boto3.client("secretsmanager")
        client.create_secret(Name=SECRET_NAME, SecretString=SECRET_VALUE)
        value = client.get_secret_value(SecretId=SECRET_NAME)["SecretString"]
        client.put_secret_value(SecretId=SECRET_NAME, SecretString=ROTATED_VALUE)
        logger.debug("Secret read", secret_id=SECRET_NAME, length=len(value))
        return str(value)

    assert handler({}, Context()) == SECRET_VALUE
    return logs


def _leaks(lines: list[str], output: str) -> list[str]:
    secrets = (SECRET_VALUE, ROTATED_VALUE)
    return [line for line in [*lines, *output.splitlines()] if any(s in line for s in secrets)]


def test_log_level_debug_keeps_the_aws_sdk_at_info(aws, capture_logs, monkeypatch, capfd):
    # GIVEN LOG_LEVEL=DEBUG and nothing else
    monkeypatch.setenv("LOG_LEVEL", "DEBUG")
    # WHEN a handler creates, reads and rotates a secret
    logs = _debug_invocation(capture_logs)
    # THEN our own DEBUG lines are there, botocore's DEBUG dumps are not (INFO is)
    assert "Secret read" in logs.messages()
    sdk_levels = {line["level"] for line in logs.lines if line.get("logger", "").startswith("bot")}
    assert sdk_levels <= {"INFO", "WARNING"}
    # AND the secret is in no line, nor anywhere on stdout/stderr
    captured = capfd.readouterr()
    assert _leaks(logs.raw, captured.out + captured.err) == []


def test_opted_in_sdk_debug_lines_have_the_secret_masked(aws, capture_logs, monkeypatch, capfd):
    # GIVEN LOG_LEVEL=DEBUG and the AWS SDK's DEBUG lines asked for by name
    monkeypatch.setenv("LOG_LEVEL", "DEBUG")
    monkeypatch.setenv("LOG_LEVEL_AWS_SDK", "DEBUG")
    # WHEN a handler creates, reads and rotates a secret
    logs = _debug_invocation(capture_logs)
    # THEN botocore dumped the request and response bodies ...
    bodies = [line for line in logs.lines if line["message"].startswith("Response body")]
    assert any("SecretString" in line["message"] for line in bodies)
    requests = [line for line in logs.raw if "PutSecretValue" in line and "SecretString" in line]
    assert requests
    # ... with the value masked, and the secret is in no line, nor on stdout/stderr
    assert any('"SecretString": "***"' in line["message"] for line in bodies)
    captured = capfd.readouterr()
    assert _leaks(logs.raw, captured.out + captured.err) == []
    # AND every line is still one valid JSON object
    assert all(isinstance(json.loads(line), dict) for line in logs.raw)
