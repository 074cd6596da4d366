"""The wiring as deployed: settings from the environment at the first invocation, cached after."""

from __future__ import annotations

import pytest

from rez_notifier import bootstrap
from rez_notifier.handler import handler
from rez_notifier.rate_limit import DynamoDBTokenBucket
from rez_telemetry.config import ConfigurationError


@pytest.fixture
def deployed_env(monkeypatch, table_names, token_secret_name):
    """The function's environment as the stack sets it (ntfy.sh defaults for the rate limit)."""
    values = {
        "MESSAGES_TABLE": table_names.messages,
        "CIRCUIT_BREAKER_TABLE": table_names.breaker,
        "NTFY_URL": "https://ntfy.test",
        "NTFY_TOPIC": "rez-agent-test",
        "NTFY_TOKEN_SECRET": token_secret_name,
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


def test_the_handler_wires_itself_from_the_environment(
    deployed_env,
    dynamodb,
    secrets,
    store_message,
    publish,
    responses,
    invoke_event,
    lambda_context,
    ntfy_token,
    breaker_store,
) -> None:
    # GIVEN no override: only the environment, moto, and ntfy
    store_message()
    publish.return_value = responses.ok("id-env")
    # WHEN invoked twice
    first = handler(invoke_event, lambda_context)
    built = bootstrap.dependencies()
    handler(invoke_event, lambda_context)
    # THEN the message went out with the token, and the wiring was built once
    assert first == {"status": "sent", "notification_id": "id-env"}
    assert publish.calls.last.request.headers["Authorization"] == f"Bearer {ntfy_token}"
    assert bootstrap.dependencies() is built
    # AND the default shared rate limit is on, its bucket in the breaker table
    assert isinstance(built.rate_limiter, DynamoDBTokenBucket)
    item = dynamodb.get_item(
        TableName=deployed_env["CIRCUIT_BREAKER_TABLE"], Key={"pk": {"S": "ratelimit#ntfy-sh"}}
    )["Item"]
    assert float(item["tokens"]["N"]) == 59.0


def test_a_missing_variable_fails_the_invocation_naming_it(
    monkeypatch, deployed_env, aws, invoke_event, lambda_context
) -> None:
    monkeypatch.delenv("NTFY_TOPIC")
    with pytest.raises(ConfigurationError, match="NTFY_TOPIC: is not set"):
        handler(invoke_event, lambda_context)
