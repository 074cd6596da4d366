"""Verifying a bearer JWT: the authorizer's domain. No AWS, no logging; keys come injected.

Every way a token can fail is a `TokenRejectedError` carrying a short machine-readable `reason`
(logged and counted, never shown to the caller, who only ever sees 401).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final, Protocol

import jwt
from jwt import PyJWK
from jwt import exceptions as jwt_errors

from rez_authorizer.config import HMAC_ALGORITHMS, AuthorizerConfig
from rez_authorizer.keys import KeyUnavailableError, UnknownKeyIdError

#: API Gateway limits a header to 10 KiB; a token this long is refused before any parsing.
MAX_TOKEN_CHARS: Final = 8192
REQUIRED_CLAIMS: Final = ("exp", "iat", "sub", "iss", "aud")


class RejectionReason(StrEnum):
    """Why a token was refused (the `reason` field of the decision log line)."""

    MISSING_TOKEN = "missing_token"  # noqa: S105 - a reason code
    NOT_BEARER = "not_bearer"
    TOKEN_TOO_LARGE = "token_too_large"  # noqa: S105 - a reason code
    MALFORMED = "malformed"
    ALGORITHM_NOT_ALLOWED = "algorithm_not_allowed"
    MISSING_KID = "missing_kid"
    UNKNOWN_KID = "unknown_kid"
    KEYS_UNAVAILABLE = "keys_unavailable"
    BAD_SIGNATURE = "bad_signature"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"
    MISSING_CLAIM = "missing_claim"
    INVALID_CLAIM = "invalid_claim"
    WRONG_ISSUER = "wrong_issuer"
    WRONG_AUDIENCE = "wrong_audience"
    LIFETIME_TOO_LONG = "lifetime_too_long"
    MISCONFIGURED = "misconfigured"
    INTERNAL_ERROR = "internal_error"


#: Reasons that point at our side (keys, configuration), logged at ERROR rather than WARNING.
SERVER_SIDE_REASONS: Final = frozenset(
    {
        RejectionReason.KEYS_UNAVAILABLE,
        RejectionReason.MISCONFIGURED,
        RejectionReason.INTERNAL_ERROR,
    }
)


class TokenRejectedError(Exception):
    """The token authenticates no one; `reason` says why, `detail` says more (no secrets)."""

    def __init__(self, reason: RejectionReason, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else str(reason))
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True, slots=True)
class Identity:
    """Who a verified token speaks for."""

    user_id: str
    email: str | None
    scopes: tuple[str, ...]

    @classmethod
    def from_claims(cls, claims: dict[str, Any]) -> Identity:
        """Read `sub`, `email`, and `scope` (OAuth2, space-separated) or `scopes` (list, str)."""
        subject = claims.get("sub")
        if not isinstance(subject, str) or not subject.strip():
            raise TokenRejectedError(
                RejectionReason.MISSING_CLAIM, "sub must be a non-empty string"
            )
        email = claims.get("email")
        return cls(
            user_id=subject,
            email=email if isinstance(email, str) and email else None,
            scopes=_scopes(claims),
        )


def _scopes(claims: dict[str, Any]) -> tuple[str, ...]:
    found: list[str] = []
    for name in ("scope", "scopes"):
        value = claims.get(name)
        if isinstance(value, str):
            found.extend(value.split())
        elif isinstance(value, list):
            found.extend(item for item in value if isinstance(item, str) and item)
    return tuple(dict.fromkeys(found))


class SecretSource(Protocol):
    """The shared HMAC secret (see `keys.HmacSecretSource`)."""

    def get(self) -> bytes:
        """The current secret; raises `KeyUnavailableError`."""
        ...

    def refresh(self) -> bytes | None:
        """A re-read secret if allowed now and different, else None."""
        ...


class KeyStore(Protocol):
    """Public keys by kid (see `keys.JwksKeyStore`)."""

    def key_for(self, kid: str, algorithm: str) -> PyJWK:
        """The key bound to `algorithm`; raises `UnknownKeyIdError` or `KeyUnavailableError`."""
        ...


def bearer_token(authorization: object) -> str:
    """The JWT of an `Authorization: Bearer <jwt>` value (scheme case-insensitive)."""
    if not isinstance(authorization, str) or not authorization.strip():
        raise TokenRejectedError(RejectionReason.MISSING_TOKEN)
    if len(authorization) > MAX_TOKEN_CHARS + len("Bearer "):
        raise TokenRejectedError(
            RejectionReason.TOKEN_TOO_LARGE, f"{len(authorization)} characters"
        )
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer":
        raise TokenRejectedError(RejectionReason.NOT_BEARER, "expected 'Bearer <token>'")
    token = token.strip()
    if not token:
        raise TokenRejectedError(RejectionReason.MISSING_TOKEN, "empty bearer token")
    return token


class TokenVerifier:
    """Checks signature, algorithm and claims of a JWT against an `AuthorizerConfig`.

    The token's `alg` header only chooses among `config.algorithms`; HS* verify with the shared
    secret only and RS/PS/ES with JWKS keys only, so an HS256 token "signed" with a public RSA key
    meets the shared secret and fails.
    """

    def __init__(
        self,
        config: AuthorizerConfig,
        *,
        secret: SecretSource | None = None,
        keys: KeyStore | None = None,
    ) -> None:
        self._config = config
        self._secret = secret
        self._keys = keys

    def verify(self, token: str) -> Identity:
        """The identity of a valid token; `TokenRejectedError` for anything else."""
        if len(token) > MAX_TOKEN_CHARS:
            raise TokenRejectedError(RejectionReason.TOKEN_TOO_LARGE, f"{len(token)} characters")
        header = _header(token)
        algorithm = header.get("alg")
        if not isinstance(algorithm, str) or algorithm not in self._config.algorithms:
            raise TokenRejectedError(
                RejectionReason.ALGORITHM_NOT_ALLOWED,
                f"alg {str(algorithm)[:20]!r} is not one of {', '.join(self._config.algorithms)}",
            )
        if algorithm in HMAC_ALGORITHMS:
            claims = self._verify_hmac(token, algorithm)
        else:
            claims = self._decode(token, self._public_key(header, algorithm), algorithm)
        return Identity.from_claims(claims)

    def _verify_hmac(self, token: str, algorithm: str) -> dict[str, Any]:
        if self._secret is None:
            raise TokenRejectedError(RejectionReason.MISCONFIGURED, "no secret source for HS*")
        try:
            secret = self._secret.get()
        except KeyUnavailableError as error:
            raise TokenRejectedError(RejectionReason.KEYS_UNAVAILABLE, str(error)) from None
        try:
            return self._decode(token, secret, algorithm)
        except TokenRejectedError as rejected:
            if rejected.reason is not RejectionReason.BAD_SIGNATURE:
                raise
            rotated = self._secret.refresh()
            if rotated is None:
                raise
            return self._decode(token, rotated, algorithm)

    def _public_key(self, header: dict[str, Any], algorithm: str) -> PyJWK:
        if self._keys is None:
            raise TokenRejectedError(RejectionReason.MISCONFIGURED, "no JWKS for RS/PS/ES")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise TokenRejectedError(
                RejectionReason.MISSING_KID, "asymmetric tokens must name a kid"
            )
        try:
            return self._keys.key_for(kid, algorithm)
        except UnknownKeyIdError as error:
            raise TokenRejectedError(RejectionReason.UNKNOWN_KID, str(error)) from None
        except KeyUnavailableError as error:
            raise TokenRejectedError(RejectionReason.KEYS_UNAVAILABLE, str(error)) from None

    def _decode(self, token: str, key: PyJWK | bytes, algorithm: str) -> dict[str, Any]:
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=[algorithm],
                audience=self._config.audience,
                issuer=self._config.issuer,
                leeway=self._config.leeway_seconds,
                options={"require": list(REQUIRED_CLAIMS), "enforce_minimum_key_length": True},
            )
        except jwt_errors.PyJWTError as error:
            raise _rejection(error) from None
        self._check_lifetime(claims)
        return claims

    def _check_lifetime(self, claims: dict[str, Any]) -> None:
        """A token may not promise more than `max_lifetime_seconds` between `iat` and `exp`:
        a long-lived token that leaks stays usable for that long, whatever the issuer chose."""
        limit = self._config.max_lifetime_seconds
        if limit is None:
            return
        lifetime = float(claims["exp"]) - float(claims["iat"])
        if lifetime > limit:
            raise TokenRejectedError(
                RejectionReason.LIFETIME_TOO_LONG,
                f"exp - iat is {lifetime:g} s, more than the {limit:g} s allowed",
            )


def _header(token: str) -> dict[str, Any]:
    if token.count(".") != 2:
        raise TokenRejectedError(RejectionReason.MALFORMED, "a JWS has three dot-separated parts")
    try:
        header = jwt.get_unverified_header(token)
    except jwt_errors.PyJWTError as error:
        raise TokenRejectedError(RejectionReason.MALFORMED, str(error)) from None
    if not isinstance(header, dict):
        raise TokenRejectedError(RejectionReason.MALFORMED, "header is not a JSON object")
    return header


_ERROR_REASONS: Final[tuple[tuple[type[Exception], RejectionReason], ...]] = (
    (jwt_errors.ExpiredSignatureError, RejectionReason.EXPIRED),
    (jwt_errors.ImmatureSignatureError, RejectionReason.NOT_YET_VALID),
    (jwt_errors.MissingRequiredClaimError, RejectionReason.MISSING_CLAIM),
    (jwt_errors.InvalidIssuerError, RejectionReason.WRONG_ISSUER),
    (jwt_errors.InvalidAudienceError, RejectionReason.WRONG_AUDIENCE),
    (jwt_errors.InvalidSignatureError, RejectionReason.BAD_SIGNATURE),
    (jwt_errors.InvalidAlgorithmError, RejectionReason.ALGORITHM_NOT_ALLOWED),
    (jwt_errors.InvalidKeyError, RejectionReason.KEYS_UNAVAILABLE),
    (jwt_errors.InvalidIssuedAtError, RejectionReason.INVALID_CLAIM),
    (jwt_errors.InvalidSubjectError, RejectionReason.INVALID_CLAIM),
    (jwt_errors.DecodeError, RejectionReason.MALFORMED),
)


def _rejection(error: jwt_errors.PyJWTError) -> TokenRejectedError:
    for error_type, reason in _ERROR_REASONS:
        if isinstance(error, error_type):
            return TokenRejectedError(reason, str(error))
    return TokenRejectedError(RejectionReason.INVALID_CLAIM, str(error))
