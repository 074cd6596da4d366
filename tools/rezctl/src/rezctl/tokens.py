"""Dev/stage JWTs that the deployed authorizer accepts.

Signed HS256 with the stage's secret (`rez-agent/{stage}/jwt-signing-secret`), with the issuer
and audience read from the authorizer function's own environment (JWT_ISSUER/JWT_AUDIENCE), so
a token minted here fails exactly when a real client's would. Never for prod: a production token
must come from the real identity provider, not from whoever can read a secret.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final

import jwt

from rezctl.errors import RemoteError, UsageError
from rezctl.target import Target

DEFAULT_SCOPES: Final = ("messages:read", "messages:write")
DEFAULT_TTL_SECONDS: Final = 3600
MAX_TTL_SECONDS: Final = 24 * 3600
REFUSED_STAGES: Final = frozenset({"prod"})


@dataclass(frozen=True, slots=True)
class SigningSettings:
    """What a token needs to pass the deployed authorizer."""

    secret: str
    issuer: str | None
    audience: str | None


def signing_settings(target: Target) -> SigningSettings:
    """The stage's secret and the authorizer's expected `iss`/`aud`."""
    names = target.names
    secret = target.client("secretsmanager").get_secret_value(SecretId=names.jwt_secret)
    value = secret.get("SecretString")
    if not value:
        raise RemoteError(f"secret {names.jwt_secret} has no string value")
    configuration = target.client("lambda").get_function_configuration(
        FunctionName=names.authorizer_function
    )
    env = (configuration.get("Environment") or {}).get("Variables") or {}
    return SigningSettings(
        secret=value,
        issuer=env.get("JWT_ISSUER") or None,
        audience=env.get("JWT_AUDIENCE") or None,
    )


def build_claims(
    email: str,
    *,
    scopes: Iterable[str] = DEFAULT_SCOPES,
    ttl_seconds: int = DEFAULT_TTL_SECONDS,
    issuer: str | None = None,
    audience: str | None = None,
    now: float | None = None,
) -> dict[str, Any]:
    """The claims of a token for `email` (`sub` is derived from the email, stable per person)."""
    if not 0 < ttl_seconds <= MAX_TTL_SECONDS:
        raise UsageError(f"ttl must be between 1 s and {MAX_TTL_SECONDS} s, got {ttl_seconds}")
    if "@" not in email:
        raise UsageError(f"not an email address: {email!r}")
    issued = int(time.time() if now is None else now)
    claims: dict[str, Any] = {
        "sub": f"rezctl:{uuid.uuid5(uuid.NAMESPACE_URL, 'mailto:' + email.lower())}",
        "email": email,
        "scope": " ".join(scopes),
        "iat": issued,
        "nbf": issued,
        "exp": issued + ttl_seconds,
        "jti": uuid.uuid4().hex,
    }
    if issuer:
        claims["iss"] = issuer
    if audience:
        claims["aud"] = audience
    return claims


def mint_token(
    email: str,
    *,
    target: Target | None = None,
    scopes: Iterable[str] = DEFAULT_SCOPES,
    ttl_seconds: int = DEFAULT_TTL_SECONDS,
    now: float | None = None,
) -> str:
    """An HS256 JWT for `email` that the stage's authorizer accepts; refuses prod (UsageError)."""
    where = target or Target.resolve()
    if where.stage in REFUSED_STAGES:
        raise UsageError(f"rezctl does not mint {where.stage} tokens: use the identity provider")
    settings = signing_settings(where)
    claims = build_claims(
        email,
        scopes=scopes,
        ttl_seconds=ttl_seconds,
        issuer=settings.issuer,
        audience=settings.audience,
        now=now,
    )
    return jwt.encode(claims, settings.secret, algorithm="HS256")
