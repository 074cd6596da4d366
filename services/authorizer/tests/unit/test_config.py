"""AuthorizerConfig: what the environment must say, and the errors when it does not."""

from __future__ import annotations

import pytest

from rez_authorizer.config import AuthorizerConfig
from rez_telemetry.config import ConfigurationError

BASE = {"JWT_ISSUER": "https://issuer", "JWT_AUDIENCE": "api", "JWT_SECRET_NAME": "s"}


def test_defaults_allow_only_hs256_with_a_small_leeway():
    # GIVEN only the required variables WHEN read
    config = AuthorizerConfig.from_env(BASE)
    # THEN HS256 alone is allowed, with 30 s leeway and no write scope
    assert config.algorithms == ("HS256",)
    assert config.leeway_seconds == 30.0
    assert config.write_scope is None
    assert config.uses_hmac
    assert not config.uses_jwks


def test_algorithms_are_parsed_from_a_comma_list():
    # GIVEN mixed case and spaces
    env = BASE | {"JWT_ALGORITHMS": " hs256, RS256 ,es256", "JWKS_URL": "https://idp/jwks"}
    # WHEN read THEN normalised
    assert AuthorizerConfig.from_env(env).algorithms == ("HS256", "RS256", "ES256")


@pytest.mark.parametrize(
    ("env", "variable", "fragment"),
    [
        (BASE | {"JWT_ALGORITHMS": "none"}, "JWT_ALGORITHMS", "unsupported NONE"),
        (BASE | {"JWT_ALGORITHMS": " , "}, "JWT_ALGORITHMS", "at least one"),
        (BASE | {"JWT_ISSUER": ""}, "JWT_ISSUER", "must be set"),
        (BASE | {"JWT_AUDIENCE": " "}, "JWT_AUDIENCE", "must be set"),
        (BASE | {"JWT_SECRET_NAME": ""}, "JWT_SECRET_NAME", "HS*"),
        (BASE | {"JWT_ALGORITHMS": "RS256"}, "JWKS_URL", "RS/PS/ES"),
        (BASE | {"JWT_ALGORITHMS": "RS256", "JWKS_URL": "file:///etc/passwd"}, "JWKS_URL", "http"),
        (BASE | {"JWT_LEEWAY_SECONDS": "ten"}, "JWT_LEEWAY_SECONDS", "number of seconds"),
        (BASE | {"JWT_LEEWAY_SECONDS": "nan"}, "JWT_LEEWAY_SECONDS", "finite"),
        (BASE | {"JWT_LEEWAY_SECONDS": "3600"}, "JWT_LEEWAY_SECONDS", "between 0 and 300"),
        (BASE | {"JWKS_MIN_REFRESH_SECONDS": "-1"}, "JWKS_MIN_REFRESH_SECONDS", "negative"),
    ],
)
def test_bad_configuration_names_the_variable(env, variable, fragment):
    # GIVEN a wrong environment WHEN read THEN the error names the variable and the problem
    with pytest.raises(ConfigurationError) as caught:
        AuthorizerConfig.from_env(env)
    assert caught.value.variable == variable
    assert fragment in str(caught.value)
