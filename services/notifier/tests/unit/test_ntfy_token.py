"""The ntfy token comes from Secrets Manager once per cold start."""

from __future__ import annotations

import boto3
import pytest

from rez_notifier.ntfy_token import NoToken, SecretsManagerToken

SECRET = "rez-agent/test/ntfy-token"


@pytest.fixture
def secrets(aws: None):
    return boto3.client("secretsmanager")


class CountingSecrets:
    """Wraps a Secrets Manager client and counts the reads."""

    def __init__(self, client) -> None:
        self.client = client
        self.reads = 0

    def get_secret_value(self, **kwargs):
        self.reads += 1
        return self.client.get_secret_value(**kwargs)


def test_the_token_is_read_once_and_cached(secrets) -> None:
    # GIVEN a stored token
    secrets.create_secret(Name=SECRET, SecretString="tk_abc123\n")
    counting = CountingSecrets(secrets)
    provider = SecretsManagerToken(counting, SECRET)
    # WHEN it is asked for twice
    first, second = provider(), provider()
    # THEN it is the stripped secret, fetched once
    assert first == second == "tk_abc123"
    assert counting.reads == 1


def test_a_blank_secret_means_no_auth(secrets) -> None:
    # Secrets Manager refuses an empty string, so "no token" is stored as whitespace
    secrets.create_secret(Name=SECRET, SecretString=" ")
    assert SecretsManagerToken(secrets, SECRET)() is None


def test_the_token_never_shows_in_its_repr(secrets) -> None:
    secrets.create_secret(Name=SECRET, SecretString="tk_abc123")
    provider = SecretsManagerToken(secrets, SECRET)
    provider()
    assert "tk_abc123" not in repr(provider)


def test_no_secret_configured_means_no_token() -> None:
    assert NoToken()() is None
