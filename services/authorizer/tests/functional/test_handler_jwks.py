"""The authorizer with RS256/ES256 keys from a JWKS served on 127.0.0.1."""

from __future__ import annotations

import pytest

from rez_authorizer import bootstrap
from rez_authorizer.config import AuthorizerConfig
from rez_authorizer.handler import handler

EVENT = "tokenAuthorizerEvent.json"


def test_rs256_and_es256_tokens_are_allowed(jwks_env, kit, context, captured):
    # GIVEN tokens signed by the identity provider's RSA and EC keys
    for token in (kit.signed(kit.rsa, "RS256", "rsa-1"), kit.signed(kit.ec, "ES256", "ec-1")):
        # WHEN authorized THEN allowed for the subject
        answer = handler(kit.event(EVENT, token), context)
        assert answer["principalId"] == "user-123"
        assert answer["policyDocument"]["Statement"][0]["Effect"] == "Allow"
    # AND the JWKS was fetched once for both (cached per cold start)
    assert jwks_env.requests == 1


def test_a_token_signed_by_another_key_with_a_known_kid_is_401(jwks_env, kit, context, captured):
    with pytest.raises(Exception, match=r"^Unauthorized$"):
        handler(kit.event(EVENT, kit.signed(kit.other_rsa, "RS256", "rsa-1")), context)
    assert captured.decisions()[0]["reason"] == "bad_signature"


def test_unknown_kids_refresh_the_jwks_at_most_once_per_interval(
    jwks_env, kit, context, captured, clock
):
    # GIVEN the authorizer with a controllable clock and a first token verified
    bootstrap.override(bootstrap.build(AuthorizerConfig.from_env(), clock=clock))
    handler(kit.event(EVENT, kit.signed(kit.rsa, "RS256", "rsa-1")), context)
    assert jwks_env.requests == 1
    # WHEN a flood of tokens names unknown kids, 40 s later, within one refresh interval
    clock.advance(40)
    for index in range(30):
        with pytest.raises(Exception, match=r"^Unauthorized$"):
            handler(kit.event(EVENT, kit.signed(kit.other_rsa, "RS256", f"x-{index}")), context)
    # THEN the JWKS endpoint saw one refresh, not thirty
    assert jwks_env.requests == 2
    assert {d["reason"] for d in captured.decisions()[1:]} == {"unknown_kid"}
    # WHEN the provider rotates in a new key and the interval has passed
    jwks_env.document = {"keys": [kit.public_jwk(kit.other_rsa, "rsa-2")]}
    clock.advance(30)
    answer = handler(kit.event(EVENT, kit.signed(kit.other_rsa, "RS256", "rsa-2")), context)
    # THEN one more fetch finds it and the token is allowed
    assert answer["principalId"] == "user-123"
    assert jwks_env.requests == 3


def test_an_unreachable_jwks_is_401_not_500(jwks_env, kit, context, captured):
    # GIVEN the JWKS endpoint answering 503
    jwks_env.status = 503
    # WHEN a token arrives THEN 401, logged as a key problem at ERROR
    with pytest.raises(Exception, match=r"^Unauthorized$"):
        handler(kit.event(EVENT, kit.signed(kit.rsa, "RS256", "rsa-1")), context)
    [decision] = captured.decisions()
    assert (decision["reason"], decision["level"]) == ("keys_unavailable", "ERROR")


def test_hs256_is_refused_when_only_asymmetric_algorithms_are_configured(
    jwks_env, kit, context, captured
):
    with pytest.raises(Exception, match=r"^Unauthorized$"):
        handler(kit.event(EVENT, kit.hs256()), context)
    assert captured.decisions()[0]["reason"] == "algorithm_not_allowed"
