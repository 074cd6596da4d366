"""The authorizer end to end with HS256: real TOKEN events, the secret in (moto) Secrets Manager."""

from __future__ import annotations

import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from rez_authorizer.handler import handler

STAGE_ARN = "arn:aws:execute-api:us-east-1:123456789012:abcdef123/test"
EVENT = "tokenAuthorizerEvent.json"


def unauthorized(event, context) -> None:
    """Assert the exact answer API Gateway maps to 401."""
    with pytest.raises(Exception) as caught:  # noqa: PT011 - the protocol is a bare Exception
        handler(event, context)
    assert type(caught.value) is Exception
    assert str(caught.value) == "Unauthorized"


def test_a_valid_token_with_the_write_scope_is_allowed_everywhere(
    hs256_env, kit, context, captured
):
    # GIVEN a valid HS256 token carrying the write scope
    token = kit.hs256()
    # WHEN API Gateway asks about GET /api/messages
    answer = handler(kit.event(EVENT, token), context)
    # THEN one stage-wide Allow (cacheable for every method), principal = sub, scalar context
    assert answer == {
        "principalId": "user-123",
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Action": "execute-api:Invoke",
                    "Effect": "Allow",
                    "Resource": [f"{STAGE_ARN}/*/*"],
                }
            ],
        },
        "context": {
            "user_id": "user-123",
            "email": "ada@example.com",
            "scopes": "messages:read messages:write",
        },
    }
    # AND the decision is logged with the user, counted, and the token appears nowhere
    [decision] = captured.decisions()
    assert decision["decision"] == "allowed"
    assert decision["user_id"] == "user-123"
    assert decision["level"] == "INFO"
    [metric] = captured.metric_values("AuthorizerDecisions")
    assert metric["Decision"] == "allowed"
    assert metric["Stage"] == "dev"
    assert token not in captured.everything()
    assert token.split(".")[2] not in captured.everything()


def test_a_token_without_the_write_scope_reads_but_cannot_write(hs256_env, kit, context, captured):
    # GIVEN a valid token with only the read scope, asked about a POST
    token = kit.hs256(scope="messages:read")
    event = kit.event("tokenAuthorizerPostEvent.json", token)
    # WHEN authorized
    answer = handler(event, context)
    # THEN the whole stage is allowed and every write verb explicitly denied (403 on POST)
    stage = "arn:aws:execute-api:eu-west-1:123456789012:k2z8pq7n1a/prod"
    assert answer["policyDocument"]["Statement"] == [
        {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": [f"{stage}/*/*"]},
        {
            "Action": "execute-api:Invoke",
            "Effect": "Deny",
            "Resource": [f"{stage}/{verb}/*" for verb in ("POST", "PUT", "PATCH", "DELETE")],
        },
    ]
    assert answer["context"]["scopes"] == "messages:read"
    [decision] = captured.decisions()
    assert (decision["decision"], decision["reason"]) == ("denied", "missing scope messages:write")
    assert captured.metric_values("AuthorizerDecisions")[0]["Decision"] == "denied"


def _bad_tokens(kit) -> dict[str, str | None]:
    now = int(time.time())
    pem = kit.rsa.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    good = kit.hs256()
    return {
        "missing": None,
        "empty": "",
        "malformed": "not.a.jwt",
        "truncated": good[: len(good) // 2],
        "expired": kit.hs256(exp=now - 3600),
        "not-yet-valid": kit.hs256(nbf=now + 3600),
        "wrong-secret": kit.hs256(secret="a-different-secret-that-is-long-enough-000000"),
        "alg-none": jwt.encode(kit.claims(), None, algorithm=None),
        "hs256-with-rsa-public-key": kit.forge({"alg": "HS256", "typ": "JWT"}, kit.claims(), pem),
        "rs256-not-allowed": kit.signed(kit.rsa, "RS256", "rsa-1"),
        "wrong-issuer": kit.hs256(iss="https://evil.test"),
        "wrong-audience": kit.hs256(aud="someone-else"),
        "no-sub": kit.hs256(sub=kit.REMOVE),
        "no-exp": kit.hs256(exp=kit.REMOVE),
        "huge-header": jwt.encode(
            kit.claims(), kit.SECRET, algorithm="HS256", headers={"pad": "x" * 12_000}
        ),
    }


REASONS = {
    "missing": "missing_token",
    "empty": "missing_token",
    "malformed": "malformed",
    "truncated": "malformed",
    "expired": "expired",
    "not-yet-valid": "not_yet_valid",
    "wrong-secret": "bad_signature",
    "alg-none": "algorithm_not_allowed",
    "hs256-with-rsa-public-key": "bad_signature",
    "rs256-not-allowed": "algorithm_not_allowed",
    "wrong-issuer": "wrong_issuer",
    "wrong-audience": "wrong_audience",
    "no-sub": "missing_claim",
    "no-exp": "missing_claim",
    "huge-header": "token_too_large",
}


@pytest.mark.parametrize("case", sorted(REASONS))
def test_bad_tokens_are_401_with_their_reason_logged(hs256_env, kit, context, captured, case):
    # GIVEN one kind of bad token
    token = _bad_tokens(kit)[case]
    event = kit.event(EVENT, token)
    if case == "empty":
        event["authorizationToken"] = ""
    # WHEN API Gateway asks THEN exactly Exception("Unauthorized")
    unauthorized(event, context)
    # AND the reason is logged at WARNING without the token, and counted as unauthorized
    [decision] = captured.decisions()
    assert decision["decision"] == "unauthorized"
    assert decision["reason"] == REASONS[case]
    assert decision["level"] == "WARNING"
    assert not [line for line in captured.logs if line["level"] == "ERROR"]
    assert captured.metric_values("AuthorizerDecisions")[0]["Decision"] == "unauthorized"
    # AND counted as a refused token (the error alarm subtracts these from Lambda's Errors)
    assert [m["TokensRefused"] for m in captured.metric_values("TokensRefused")] == [1]
    if token:
        assert token not in captured.everything()


def test_a_basic_auth_header_is_refused(hs256_env, kit, context, captured):
    event = kit.event(EVENT, None)
    event["authorizationToken"] = "Basic dXNlcjpwYXNzd29yZA=="
    unauthorized(event, context)
    assert captured.decisions()[0]["reason"] == "not_bearer"
    assert "dXNlcjpwYXNzd29yZA" not in captured.everything()


def test_the_secret_is_read_once_per_cold_start(hs256_env, kit, context, captured, monkeypatch):
    # GIVEN a first successful call (the secret is now cached)
    handler(kit.event(EVENT, kit.hs256()), context)
    # WHEN the secret is deleted from Secrets Manager
    import boto3

    boto3.client("secretsmanager").delete_secret(
        SecretId="rez-agent/dev/jwt-signing-secret", ForceDeleteWithoutRecovery=True
    )
    # THEN further tokens still verify with the cached secret
    assert handler(kit.event(EVENT, kit.hs256()), context)["principalId"] == "user-123"


def test_an_unreadable_secret_is_401_logged_as_error(aws, kit, context, captured, monkeypatch):
    # GIVEN a configuration naming a secret that does not exist
    monkeypatch.setenv("JWT_SECRET_NAME", "rez-agent/dev/missing")
    monkeypatch.setenv("JWT_ISSUER", kit.ISSUER)
    monkeypatch.setenv("JWT_AUDIENCE", kit.AUDIENCE)
    # WHEN a token arrives THEN 401 (never a 500), reason logged at ERROR for the operators
    unauthorized(kit.event(EVENT, kit.hs256()), context)
    [decision] = captured.decisions()
    assert (decision["reason"], decision["level"]) == ("keys_unavailable", "ERROR")
    # AND it is not a refused token: the error alarm counts it
    assert captured.metric_values("TokensRefused") == []


def test_missing_configuration_is_401_naming_the_variable(aws, kit, context, captured):
    # GIVEN no JWT_ISSUER/JWT_AUDIENCE at all WHEN called THEN 401 and a precise ERROR line
    unauthorized(kit.event(EVENT, kit.hs256()), context)
    [decision] = captured.decisions()
    assert decision["reason"] == "misconfigured"
    assert "JWT_ISSUER" in decision["detail"]
    assert decision["level"] == "ERROR"


def test_a_malformed_method_arn_is_401(hs256_env, kit, context, captured):
    event = kit.event(EVENT, kit.hs256())
    event["methodArn"] = "arn:aws:lambda:us-east-1:1:function:nope"
    unauthorized(event, context)
    assert captured.decisions()[0]["reason"] == "misconfigured"


@pytest.mark.parametrize(
    "junk",
    [
        "Bearer",
        "Bearer  .  .  ",
        "Bearer \x00\x01\x02",
        "Bearer eyJ.eyJ.",
        "bearer ☃.☃.☃",
        "Bearer " + "A" * 9000,
    ],
)
def test_junk_never_becomes_anything_but_401(hs256_env, kit, context, captured, junk):
    event = kit.event(EVENT, None)
    event["authorizationToken"] = junk
    unauthorized(event, context)


def test_a_token_without_the_read_scope_writes_but_cannot_read(
    hs256_env, kit, context, captured, monkeypatch
):
    # GIVEN an authorizer that requires messages:read for reads, and a write-only token
    monkeypatch.setenv("JWT_READ_SCOPE", "messages:read")
    token = kit.hs256(scope=kit.WRITE_SCOPE)
    # WHEN authorized
    answer = handler(kit.event("tokenAuthorizerEvent.json", token), context)
    # THEN reads are explicitly denied (403 on GET) and writes still allowed
    stage = "arn:aws:execute-api:us-east-1:123456789012:abcdef123/test"
    allow, deny = answer["policyDocument"]["Statement"]
    assert allow["Effect"] == "Allow"
    assert deny == {
        "Action": "execute-api:Invoke",
        "Effect": "Deny",
        "Resource": [f"{stage}/GET/*", f"{stage}/HEAD/*"],
    }
    [decision] = captured.decisions()
    assert (decision["decision"], decision["reason"]) == ("denied", "missing scope messages:read")


def test_a_token_with_neither_scope_is_denied_reads_and_writes(
    hs256_env, kit, context, captured, monkeypatch
):
    monkeypatch.setenv("JWT_READ_SCOPE", "messages:read")
    answer = handler(kit.event("tokenAuthorizerEvent.json", kit.hs256(scope="other")), context)
    deny = answer["policyDocument"]["Statement"][1]
    assert [resource.rsplit("/", 2)[1] for resource in deny["Resource"]] == [
        "GET",
        "HEAD",
        "POST",
        "PUT",
        "PATCH",
        "DELETE",
    ]
    [decision] = captured.decisions()
    assert decision["reason"] == "missing scope messages:read and messages:write"


def test_a_token_living_longer_than_the_maximum_lifetime_is_401(
    hs256_env, kit, context, captured, monkeypatch
):
    # GIVEN a maximum lifetime of one hour
    monkeypatch.setenv("JWT_MAX_LIFETIME_SECONDS", "3600")
    now = int(time.time())
    # WHEN a still-valid token issued two hours ago for three hours is presented
    too_long = kit.hs256(iat=now - 7200, exp=now + 3600)
    # THEN it is refused as API Gateway's 401, with the reason logged
    with pytest.raises(Exception, match="Unauthorized"):
        handler(kit.event("tokenAuthorizerEvent.json", too_long), context)
    assert [d["reason"] for d in captured.decisions()] == ["lifetime_too_long"]
    # AND a token within the limit passes
    fine = kit.hs256(iat=now - 60, exp=now + 3000)
    assert handler(kit.event("tokenAuthorizerEvent.json", fine), context)["principalId"]
