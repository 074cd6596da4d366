"""The authorizer's configuration, read from the environment when the function first needs it.

Names of the variables live here and only here (docs/contracts.md lists them). A bad value is the
shared `ConfigurationError` (`rez_telemetry.config`) naming the variable; the handler answers 401
for it (never a 500) and logs it at ERROR so the misconfiguration is loud.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from rez_telemetry.config import ConfigurationError

JWT_SECRET_NAME: Final = "JWT_SECRET_NAME"  # noqa: S105 - a variable name, not a secret
JWT_ALGORITHMS: Final = "JWT_ALGORITHMS"
JWT_ISSUER: Final = "JWT_ISSUER"
JWT_AUDIENCE: Final = "JWT_AUDIENCE"
JWKS_URL: Final = "JWKS_URL"
JWT_WRITE_SCOPE: Final = "JWT_WRITE_SCOPE"
JWT_READ_SCOPE: Final = "JWT_READ_SCOPE"
JWT_MAX_LIFETIME_SECONDS: Final = "JWT_MAX_LIFETIME_SECONDS"
JWT_LEEWAY_SECONDS: Final = "JWT_LEEWAY_SECONDS"
JWKS_MIN_REFRESH_SECONDS: Final = "JWKS_MIN_REFRESH_SECONDS"

HMAC_ALGORITHMS: Final = frozenset({"HS256", "HS384", "HS512"})
ASYMMETRIC_ALGORITHMS: Final = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"}
)
SUPPORTED_ALGORITHMS: Final = HMAC_ALGORITHMS | ASYMMETRIC_ALGORITHMS

DEFAULT_ALGORITHMS: Final = ("HS256",)
DEFAULT_LEEWAY_SECONDS: Final = 30.0
MAX_LEEWAY_SECONDS: Final = 300.0
DEFAULT_MIN_REFRESH_SECONDS: Final = 30.0


@dataclass(frozen=True, slots=True)
class AuthorizerConfig:
    """What a token must satisfy, and where its keys come from.

    `algorithms` is the allow-list: a token's own `alg` header only selects among these, never
    widens them. HMAC algorithms need `secret_name`; asymmetric ones need `jwks_url`.
    """

    algorithms: tuple[str, ...]
    issuer: str
    audience: str
    secret_name: str | None = None
    jwks_url: str | None = None
    write_scope: str | None = None
    read_scope: str | None = None
    max_lifetime_seconds: float | None = None  # exp - iat at most this; None: any lifetime
    leeway_seconds: float = DEFAULT_LEEWAY_SECONDS
    min_refresh_seconds: float = DEFAULT_MIN_REFRESH_SECONDS

    def __post_init__(self) -> None:
        if not self.algorithms:
            raise ConfigurationError(JWT_ALGORITHMS, "must name at least one algorithm")
        unknown = [alg for alg in self.algorithms if alg not in SUPPORTED_ALGORITHMS]
        if unknown:
            raise ConfigurationError(
                JWT_ALGORITHMS,
                f"unsupported {', '.join(unknown)}; "
                f"choose from {', '.join(sorted(SUPPORTED_ALGORITHMS))}",
            )
        if not self.issuer:
            raise ConfigurationError(JWT_ISSUER, "must be set (tokens are checked against it)")
        if not self.audience:
            raise ConfigurationError(JWT_AUDIENCE, "must be set (tokens are checked against it)")
        if self.uses_hmac and not self.secret_name:
            raise ConfigurationError(
                JWT_SECRET_NAME, "must be set when an HS* algorithm is allowed"
            )
        if self.uses_jwks and not self.jwks_url:
            raise ConfigurationError(JWKS_URL, "must be set when an RS/PS/ES algorithm is allowed")
        if self.jwks_url and not self.jwks_url.startswith(("https://", "http://")):
            raise ConfigurationError(JWKS_URL, "must be an http(s) URL")
        if not 0 <= self.leeway_seconds <= MAX_LEEWAY_SECONDS:
            raise ConfigurationError(
                JWT_LEEWAY_SECONDS, f"must be between 0 and {MAX_LEEWAY_SECONDS:g} seconds"
            )
        if self.max_lifetime_seconds is not None and self.max_lifetime_seconds <= 0:
            raise ConfigurationError(JWT_MAX_LIFETIME_SECONDS, "must be positive (or unset)")
        if self.min_refresh_seconds < 0:
            raise ConfigurationError(JWKS_MIN_REFRESH_SECONDS, "must not be negative")

    @property
    def uses_hmac(self) -> bool:
        """Whether any allowed algorithm verifies with the shared secret."""
        return any(alg in HMAC_ALGORITHMS for alg in self.algorithms)

    @property
    def uses_jwks(self) -> bool:
        """Whether any allowed algorithm verifies with a key from the JWKS."""
        return any(alg in ASYMMETRIC_ALGORITHMS for alg in self.algorithms)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> AuthorizerConfig:
        """Read every variable (at call time, so tests and redeploys see current values)."""
        env = os.environ if environ is None else environ
        algorithms = tuple(
            alg.strip().upper()
            for alg in env.get(JWT_ALGORITHMS, ",".join(DEFAULT_ALGORITHMS)).split(",")
            if alg.strip()
        )
        return cls(
            algorithms=algorithms,
            issuer=env.get(JWT_ISSUER, "").strip(),
            audience=env.get(JWT_AUDIENCE, "").strip(),
            secret_name=env.get(JWT_SECRET_NAME, "").strip() or None,
            jwks_url=env.get(JWKS_URL, "").strip() or None,
            write_scope=env.get(JWT_WRITE_SCOPE, "").strip() or None,
            read_scope=env.get(JWT_READ_SCOPE, "").strip() or None,
            max_lifetime_seconds=_seconds(env, JWT_MAX_LIFETIME_SECONDS, 0.0) or None,
            leeway_seconds=_seconds(env, JWT_LEEWAY_SECONDS, DEFAULT_LEEWAY_SECONDS),
            min_refresh_seconds=_seconds(
                env, JWKS_MIN_REFRESH_SECONDS, DEFAULT_MIN_REFRESH_SECONDS
            ),
        )


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigurationError(name, f"must be a number of seconds, got {raw!r}") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise ConfigurationError(name, f"must be a finite number of seconds, got {raw!r}")
    return value
