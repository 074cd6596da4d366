"""Key sources: caching per cold start and the bound on refreshes."""

from __future__ import annotations

import json

import pytest

from rez_authorizer.keys import (
    MAX_KEY_AGE_SECONDS,
    HmacSecretSource,
    JwksKeyStore,
    KeyUnavailableError,
    RefreshGate,
    UnknownKeyIdError,
    fetch_url,
    parse_jwks,
)


class FakeJwksEndpoint:
    """Serves whatever `keys` holds now and counts the fetches; `down` makes it fail."""

    def __init__(self, keys):
        self.keys = keys
        self.fetches = 0
        self.down = False

    def __call__(self, url):
        self.fetches += 1
        if self.down:
            raise OSError("connection refused")
        return json.dumps({"keys": self.keys}).encode()


def test_gate_allows_one_attempt_per_interval(clock):
    # GIVEN a 30 s gate
    gate = RefreshGate(30, clock)
    # WHEN asked repeatedly THEN only the first and the one after 30 s pass
    assert gate.try_acquire()
    assert not gate.try_acquire()
    clock.advance(29.9)
    assert not gate.try_acquire()
    clock.advance(0.1)
    assert gate.try_acquire()


def test_keys_are_fetched_once_and_cached(kit, clock):
    # GIVEN a JWKS with one key
    endpoint = FakeJwksEndpoint([kit.public_jwk(kit.rsa, "k1")])
    store = JwksKeyStore("https://idp/jwks", min_refresh_seconds=30, fetch=endpoint, clock=clock)
    # WHEN the key is asked for many times
    keys = {id(store.key_for("k1", "RS256")) for _ in range(50)}
    # THEN one fetch, one bound key object
    assert endpoint.fetches == 1
    assert len(keys) == 1


def test_a_flood_of_unknown_kids_costs_one_fetch_per_interval(kit, clock):
    # GIVEN a store that has fetched its keys
    endpoint = FakeJwksEndpoint([kit.public_jwk(kit.rsa, "k1")])
    store = JwksKeyStore("https://idp/jwks", min_refresh_seconds=30, fetch=endpoint, clock=clock)
    store.key_for("k1", "RS256")
    clock.advance(31)
    # WHEN 500 tokens name kids nobody knows, within one interval
    for index in range(500):
        with pytest.raises(UnknownKeyIdError):
            store.key_for(f"attacker-{index}", "RS256")
        clock.advance(0.01)
    # THEN the endpoint saw one refresh, not 500
    assert endpoint.fetches == 2


def test_a_rotated_key_is_found_by_the_refresh(kit, clock):
    # GIVEN a store that knows k1, then the provider rotates to k2
    endpoint = FakeJwksEndpoint([kit.public_jwk(kit.rsa, "k1")])
    store = JwksKeyStore("https://idp/jwks", min_refresh_seconds=30, fetch=endpoint, clock=clock)
    store.key_for("k1", "RS256")
    endpoint.keys = [kit.public_jwk(kit.other_rsa, "k2")]
    clock.advance(30)
    # WHEN a token names k2 THEN one refresh finds it
    assert store.key_for("k2", "RS256").key_id == "k2"
    assert endpoint.fetches == 2


def test_an_outage_keeps_the_keys_and_is_not_hammered(kit, clock):
    # GIVEN cached keys and an endpoint that goes down
    endpoint = FakeJwksEndpoint([kit.public_jwk(kit.rsa, "k1")])
    store = JwksKeyStore("https://idp/jwks", min_refresh_seconds=30, fetch=endpoint, clock=clock)
    store.key_for("k1", "RS256")
    endpoint.down = True
    clock.advance(MAX_KEY_AGE_SECONDS)
    # WHEN keys are stale and asked for 100 times
    for _ in range(100):
        assert store.key_for("k1", "RS256").key_id == "k1"
    # THEN one failed attempt only, and the stale key still verifies
    assert endpoint.fetches == 2


def test_no_keys_at_all_is_key_unavailable(clock):
    # GIVEN an endpoint down from the start
    endpoint = FakeJwksEndpoint([])
    endpoint.down = True
    store = JwksKeyStore("https://idp/jwks", min_refresh_seconds=30, fetch=endpoint, clock=clock)
    # WHEN asked THEN KeyUnavailableError, and the next ask within the interval does not fetch again
    with pytest.raises(KeyUnavailableError):
        store.key_for("k1", "RS256")
    with pytest.raises(KeyUnavailableError):
        store.key_for("k1", "RS256")
    assert endpoint.fetches == 1


def test_a_key_declaring_another_algorithm_is_refused(kit, clock):
    # GIVEN an RSA key published for RS256 only, and an EC key
    endpoint = FakeJwksEndpoint(
        [kit.public_jwk(kit.rsa, "rsa", alg="RS256"), kit.public_jwk(kit.ec, "ec")]
    )
    store = JwksKeyStore("https://idp/jwks", min_refresh_seconds=30, fetch=endpoint, clock=clock)
    # WHEN used with another algorithm THEN refused
    with pytest.raises(UnknownKeyIdError, match="is for RS256, not RS512"):
        store.key_for("rsa", "RS512")
    with pytest.raises(UnknownKeyIdError, match="cannot verify RS256"):
        store.key_for("ec", "RS256")
    with pytest.raises(UnknownKeyIdError, match="HMAC"):
        store.key_for("rsa", "HS256")
    assert store.key_for("ec", "ES256").key_id == "ec"


def test_only_asymmetric_signing_keys_are_kept(kit):
    # GIVEN a JWKS with an oct key, an encryption key, a kid-less key and a good one
    document = json.dumps(
        {
            "keys": [
                {"kty": "oct", "kid": "sym", "k": "c2VjcmV0"},
                kit.public_jwk(kit.rsa, "enc") | {"use": "enc"},
                {k: v for k, v in kit.public_jwk(kit.rsa, "x").items() if k != "kid"},
                "not a key",
                kit.public_jwk(kit.ec, "good"),
            ]
        }
    ).encode()
    # WHEN parsed THEN only the asymmetric signing key with a kid remains
    assert list(parse_jwks(document)) == ["good"]


@pytest.mark.parametrize("document", [b"<html>", b"[]", b'{"keys": {}}', b"\xff"])
def test_malformed_jwks_is_key_unavailable(document):
    with pytest.raises(KeyUnavailableError):
        parse_jwks(document)


def test_fetch_refuses_other_schemes():
    with pytest.raises(KeyUnavailableError, match="non-http"):
        fetch_url("file:///etc/passwd")


class FakeSecretsManager:
    def __init__(self, value):
        self.value = value
        self.calls = 0

    def get_secret_value(self, SecretId):  # noqa: N803 - boto3's keyword
        self.calls += 1
        if isinstance(self.value, Exception):
            raise self.value
        return {"Name": SecretId, "SecretString": self.value}


def test_secret_is_read_once_and_refreshed_only_within_the_bound(clock):
    # GIVEN a secret source over a fake Secrets Manager
    client = FakeSecretsManager("first-secret")
    source = HmacSecretSource("name", lambda: client, min_refresh_seconds=30, clock=clock)
    # WHEN read many times THEN one call
    assert {source.get() for _ in range(10)} == {b"first-secret"}
    assert client.calls == 1
    # WHEN the secret rotates and a refresh is asked too early THEN nothing is fetched
    client.value = "second-secret"
    assert source.refresh() is None
    assert client.calls == 1
    # WHEN asked after the interval THEN the new secret comes back and is cached
    clock.advance(30)
    assert source.refresh() == b"second-secret"
    assert source.get() == b"second-secret"
    assert client.calls == 2


def test_unreadable_secret_is_key_unavailable(clock):
    client = FakeSecretsManager(RuntimeError("AccessDenied"))
    source = HmacSecretSource("name", lambda: client, min_refresh_seconds=30, clock=clock)
    with pytest.raises(KeyUnavailableError, match="name"):
        source.get()
