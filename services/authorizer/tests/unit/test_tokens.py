"""TokenVerifier: the battery of bad tokens, and the good ones."""

from __future__ import annotations

import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from rez_authorizer.config import AuthorizerConfig
from rez_authorizer.keys import JwksKeyStore
from rez_authorizer.tokens import (
    MAX_TOKEN_CHARS,
    Identity,
    RejectionReason,
    TokenRejectedError,
    TokenVerifier,
    bearer_token,
)


class StaticSecret:
    def __init__(self, secret: bytes, rotated: bytes | None = None):
        self.secret = secret
        self.rotated = rotated

    def get(self) -> bytes:
        return self.secret

    def refresh(self) -> bytes | None:
        return self.rotated


@pytest.fixture
def verifier(kit, clock):
    config = AuthorizerConfig(
        algorithms=("HS256", "RS256", "ES256"),
        issuer=kit.ISSUER,
        audience=kit.AUDIENCE,
        secret_name="secret",
        jwks_url="https://idp/jwks",
        write_scope=kit.WRITE_SCOPE,
    )
    document = json.dumps(
        {"keys": [kit.public_jwk(kit.rsa, "rsa-1"), kit.public_jwk(kit.ec, "ec-1")]}
    ).encode()
    store = JwksKeyStore(
        "https://idp/jwks", min_refresh_seconds=30, fetch=lambda url: document, clock=clock
    )
    return TokenVerifier(config, secret=StaticSecret(kit.SECRET.encode()), keys=store)


def rejection(verifier, token) -> RejectionReason:
    with pytest.raises(TokenRejectedError) as caught:
        verifier.verify(token)
    return caught.value.reason


def test_good_hs256_token_gives_the_identity(kit, verifier):
    # GIVEN a valid HS256 token WHEN verified THEN sub, email and scopes come out
    identity = verifier.verify(kit.hs256())
    assert identity == Identity("user-123", "ada@example.com", ("messages:read", "messages:write"))


def test_good_rs256_and_es256_tokens(kit, verifier):
    assert verifier.verify(kit.signed(kit.rsa, "RS256", "rsa-1")).user_id == "user-123"
    assert verifier.verify(kit.signed(kit.ec, "ES256", "ec-1")).user_id == "user-123"


def test_scopes_list_claim_and_missing_email(kit, verifier):
    # GIVEN `scopes` as a list, no `scope`, no email
    token = kit.hs256(scope=kit.REMOVE, scopes=["a", "b", 3, "a"], email=kit.REMOVE)
    # THEN strings kept once each, email None
    assert verifier.verify(token) == Identity("user-123", None, ("a", "b"))


def test_expiry_within_the_leeway_is_accepted(kit, verifier):
    # GIVEN a token expired 10 s ago and the default 30 s leeway THEN still valid
    assert verifier.verify(kit.hs256(exp=int(time.time()) - 10)).user_id == "user-123"


def now() -> int:
    return int(time.time())


BAD_CLAIMS = [
    pytest.param({"exp": -3600}, RejectionReason.EXPIRED, id="expired"),
    pytest.param({"nbf": 3600}, RejectionReason.NOT_YET_VALID, id="nbf-in-future"),
    pytest.param({"iat": 3600}, RejectionReason.NOT_YET_VALID, id="iat-in-future"),
    pytest.param({"exp": None}, RejectionReason.MISSING_CLAIM, id="no-exp"),
    pytest.param({"iat": None}, RejectionReason.MISSING_CLAIM, id="no-iat"),
    pytest.param({"sub": None}, RejectionReason.MISSING_CLAIM, id="no-sub"),
    pytest.param({"sub": "  "}, RejectionReason.MISSING_CLAIM, id="blank-sub"),
    pytest.param({"aud": None}, RejectionReason.MISSING_CLAIM, id="no-aud"),
    pytest.param({"iss": None}, RejectionReason.MISSING_CLAIM, id="no-iss"),
    pytest.param({"iss": "https://evil.test"}, RejectionReason.WRONG_ISSUER, id="wrong-issuer"),
    pytest.param({"aud": "another-api"}, RejectionReason.WRONG_AUDIENCE, id="wrong-audience"),
    pytest.param({"sub": 42}, RejectionReason.INVALID_CLAIM, id="numeric-sub"),
    pytest.param({"iat": "yesterday"}, RejectionReason.INVALID_CLAIM, id="text-iat"),
]


@pytest.mark.parametrize(("change", "reason"), BAD_CLAIMS)
def test_bad_claims_are_rejected_with_their_reason(kit, verifier, change, reason):
    # GIVEN a correctly signed token whose claims are wrong (times relative to now)
    overrides = {}
    for name, value in change.items():
        if value is None:
            overrides[name] = kit.REMOVE
        elif name in ("exp", "nbf", "iat") and isinstance(value, int):
            overrides[name] = now() + value
        else:
            overrides[name] = value
    # WHEN verified (HS256 and RS256 alike) THEN rejected for exactly that reason
    assert rejection(verifier, kit.hs256(**overrides)) is reason
    assert rejection(verifier, kit.signed(kit.rsa, "RS256", "rsa-1", **overrides)) is reason


def test_wrong_secret_is_a_bad_signature(kit, verifier):
    token = kit.hs256(secret="another-secret-of-sufficient-length-0123456789")
    assert rejection(verifier, token) is RejectionReason.BAD_SIGNATURE


def test_signed_by_a_different_rsa_key_with_a_known_kid(kit, verifier):
    token = kit.signed(kit.other_rsa, "RS256", "rsa-1")
    assert rejection(verifier, token) is RejectionReason.BAD_SIGNATURE


def test_unknown_kid_and_missing_kid(kit, verifier):
    assert rejection(verifier, kit.signed(kit.rsa, "RS256", "nope")) is RejectionReason.UNKNOWN_KID
    assert rejection(verifier, kit.signed(kit.rsa, "RS256", None)) is RejectionReason.MISSING_KID


def test_alg_none_is_not_allowed(kit, verifier):
    # GIVEN an unsigned token (alg none), which pyjwt produces with algorithm=None
    token = jwt.encode(kit.claims(), None, algorithm=None)
    assert json.loads(jwt.utils.base64url_decode(token.split(".")[0]))["alg"] == "none"
    assert rejection(verifier, token) is RejectionReason.ALGORITHM_NOT_ALLOWED


def test_hs256_signed_with_the_rsa_public_key_is_refused(kit, verifier):
    # GIVEN the classic confusion: HS256 "signed" with the public RSA key the JWKS publishes
    pem = kit.rsa.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    token = kit.forge({"alg": "HS256", "typ": "JWT", "kid": "rsa-1"}, kit.claims(), pem)
    # WHEN verified THEN HS256 meets the shared secret only, and the signature fails
    assert rejection(verifier, token) is RejectionReason.BAD_SIGNATURE


def test_rs256_token_presented_to_an_hs_only_verifier(kit):
    config = AuthorizerConfig(
        algorithms=("HS256",), issuer=kit.ISSUER, audience=kit.AUDIENCE, secret_name="s"
    )
    verifier = TokenVerifier(config, secret=StaticSecret(kit.SECRET.encode()))
    token = kit.signed(kit.rsa, "RS256", "rsa-1")
    assert rejection(verifier, token) is RejectionReason.ALGORITHM_NOT_ALLOWED


def test_rs256_token_with_an_ec_key_kid_is_refused(kit, verifier):
    # GIVEN a token claiming RS256 but naming the EC key
    token = kit.signed(kit.rsa, "RS256", "ec-1")
    assert rejection(verifier, token) is RejectionReason.UNKNOWN_KID


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        ("not-a-jwt", RejectionReason.MALFORMED),
        ("a.b.c", RejectionReason.MALFORMED),
        ("....", RejectionReason.MALFORMED),
        ("eyJhbGciOiJIUzI1NiJ9.e30", RejectionReason.MALFORMED),
    ],
)
def test_malformed_tokens(verifier, token, reason):
    assert rejection(verifier, token) is reason


def test_truncated_token(kit, verifier):
    # GIVEN a good token cut in half (the signature and part of the payload lost)
    token = kit.hs256()
    assert rejection(verifier, token[: len(token) // 2]) is RejectionReason.MALFORMED
    # AND one with the last characters of its signature cut
    assert rejection(verifier, token[:-6]) in {
        RejectionReason.BAD_SIGNATURE,
        RejectionReason.MALFORMED,
    }


def test_huge_header_is_refused_before_parsing(kit, verifier):
    # GIVEN a token whose header carries 20 KB of junk
    token = jwt.encode(kit.claims(), kit.SECRET, algorithm="HS256", headers={"x": "A" * 20_000})
    assert len(token) > MAX_TOKEN_CHARS
    assert rejection(verifier, token) is RejectionReason.TOKEN_TOO_LARGE


def test_rotated_secret_is_picked_up_by_the_bounded_refresh(kit):
    # GIVEN a verifier still holding the old secret, and the store able to refresh
    config = AuthorizerConfig(
        algorithms=("HS256",), issuer=kit.ISSUER, audience=kit.AUDIENCE, secret_name="s"
    )
    new_secret = "rotated-secret-value-0123456789-abcdefghijklmnop"
    secret = StaticSecret(b"old-secret-value-0123456789-abcdefghijklmnopqr", new_secret.encode())
    verifier = TokenVerifier(config, secret=secret)
    # WHEN a token signed with the new secret arrives THEN it verifies after the refresh
    assert verifier.verify(kit.hs256(secret=new_secret)).user_id == "user-123"
    # AND with no refresh allowed, the mismatch stays a bad signature
    secret.rotated = None
    secret.secret = b"old-secret-value-0123456789-abcdefghijklmnopqr"
    assert rejection(verifier, kit.hs256(secret=new_secret)) is RejectionReason.BAD_SIGNATURE


def test_short_hmac_secret_is_refused_as_a_key_problem(kit):
    # GIVEN a configured secret shorter than SHA-256's 32 bytes
    config = AuthorizerConfig(
        algorithms=("HS256",), issuer=kit.ISSUER, audience=kit.AUDIENCE, secret_name="s"
    )
    verifier = TokenVerifier(config, secret=StaticSecret(b"short"))
    with pytest.warns(jwt.warnings.InsecureKeyLengthWarning):
        token = kit.hs256(secret="short")
    assert rejection(verifier, token) is RejectionReason.KEYS_UNAVAILABLE


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Bearer abc.def.ghi", "abc.def.ghi"),
        ("bearer   abc.def.ghi  ", "abc.def.ghi"),
        ("BEARER abc", "abc"),
    ],
)
def test_bearer_token_extraction(value, expected):
    assert bearer_token(value) == expected


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (None, RejectionReason.MISSING_TOKEN),
        ("", RejectionReason.MISSING_TOKEN),
        ("Bearer ", RejectionReason.MISSING_TOKEN),
        ("Basic dXNlcjpwYXNz", RejectionReason.NOT_BEARER),
        ("abc.def.ghi", RejectionReason.NOT_BEARER),
        ("Bearer " + "a" * 20_000, RejectionReason.TOKEN_TOO_LARGE),
    ],
)
def test_bearer_token_rejections(value, reason):
    with pytest.raises(TokenRejectedError) as caught:
        bearer_token(value)
    assert caught.value.reason is reason
