"""Settings read from the environment when asked, with precise errors for bad values."""

from __future__ import annotations

import re

import pytest

from rez_notifier.config import NotifierSettings
from rez_telemetry.config import ConfigurationError

BASE = {
    "STAGE": "prod",
    "MESSAGES_TABLE": "rez-agent-messages-prod",
    "CIRCUIT_BREAKER_TABLE": "rez-agent-circuit-breaker-prod",
    "NTFY_TOPIC": "rez-agent-prod",
}


def test_defaults_match_ntfy_sh() -> None:
    # GIVEN only the required variables
    settings = NotifierSettings.from_env(BASE)
    # THEN ntfy.sh is the server, with its published limits, and no auth
    assert settings.ntfy_url == "https://ntfy.sh"
    assert (settings.ntfy_rate_per_second, settings.ntfy_burst) == (0.2, 60)
    assert settings.rate_limited is True
    assert settings.ntfy_token_secret is None


def test_every_variable_is_read() -> None:
    env = BASE | {
        "NTFY_URL": "http://127.0.0.1:8080",
        "NTFY_TOKEN_SECRET": "rez-agent/prod/ntfy-token",
        "NTFY_RATE_PER_SECOND": "0",
        "NTFY_BURST": "5",
    }
    settings = NotifierSettings.from_env(env)
    assert settings.ntfy_url == "http://127.0.0.1:8080"
    assert settings.ntfy_token_secret == "rez-agent/prod/ntfy-token"
    assert settings.rate_limited is False
    assert settings.circuit_breaker_table == "rez-agent-circuit-breaker-prod"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"NTFY_TOPIC": ""}, "NTFY_TOPIC: is empty"),
        ({"NTFY_TOPIC": "a/b"}, "NTFY_TOPIC: must be 1-64 chars"),
        ({"CIRCUIT_BREAKER_TABLE": " "}, "CIRCUIT_BREAKER_TABLE: is empty"),
        ({"NTFY_URL": "ntfy.sh"}, "NTFY_URL: must be an http(s) URL"),
        ({"NTFY_RATE_PER_SECOND": "fast"}, "NTFY_RATE_PER_SECOND: must be a number"),
        ({"NTFY_RATE_PER_SECOND": "-1"}, "NTFY_RATE_PER_SECOND: must be a finite number >= 0"),
        ({"NTFY_BURST": "1.5"}, "NTFY_BURST: must be a whole number >= 0"),
    ],
)
def test_bad_values_name_the_variable(overrides: dict, message: str) -> None:
    with pytest.raises(ConfigurationError, match=re.escape(message)):
        NotifierSettings.from_env(BASE | overrides)
