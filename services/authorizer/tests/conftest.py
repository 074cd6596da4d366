"""Shared fixtures: keys, a token minter, a controllable clock, clean global state."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from rez_authorizer import bootstrap

EVENTS = Path(__file__).parent / "events"
ISSUER = "https://issuer.test/rez-agent"
AUDIENCE = "rez-agent-api"
SECRET = "s3cret-for-tests-only-0123456789abcdef0123456789"
WRITE_SCOPE = "messages:write"
REMOVE = object()
"""Pass as a claim value to leave the claim out of the token."""


@dataclass
class FakeClock:
    """A monotonic clock the test moves by hand."""

    now: float = 1_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class TokenKit:
    """Keys and token builders for the tests (a fixture: test modules cannot import conftest)."""

    ISSUER = ISSUER
    AUDIENCE = AUDIENCE
    SECRET = SECRET
    WRITE_SCOPE = WRITE_SCOPE
    REMOVE = REMOVE

    def __init__(self) -> None:
        self.rsa = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.other_rsa = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.ec = ec.generate_private_key(ec.SECP256R1())

    @staticmethod
    def public_jwk(private_key: Any, kid: str, alg: str | None = None) -> dict[str, Any]:
        """The public JWK of a private key, as an identity provider publishes it."""
        if isinstance(private_key, rsa.RSAPrivateKey):
            jwk: dict[str, Any] = RSAAlgorithm.to_jwk(private_key.public_key(), as_dict=True)
        else:
            jwk = ECAlgorithm.to_jwk(private_key.public_key(), as_dict=True)
        jwk.update({"kid": kid, "use": "sig"})
        if alg:
            jwk["alg"] = alg
        return jwk

    @staticmethod
    def claims(**overrides: Any) -> dict[str, Any]:
        """Valid claims for now; `REMOVE` as a value drops the claim."""
        now = int(time.time())
        base: dict[str, Any] = {
            "sub": "user-123",
            "email": "ada@example.com",
            "scope": f"messages:read {WRITE_SCOPE}",
            "iss": ISSUER,
            "aud": AUDIENCE,
            "iat": now - 5,
            "nbf": now - 5,
            "exp": now + 600,
        }
        base.update(overrides)
        return {name: value for name, value in base.items() if value is not REMOVE}

    def hs256(self, secret: str = SECRET, **overrides: Any) -> str:
        return jwt.encode(self.claims(**overrides), secret, algorithm="HS256")

    def signed(self, private_key: Any, alg: str, kid: str | None, **overrides: Any) -> str:
        headers = {"kid": kid} if kid is not None else None
        return jwt.encode(self.claims(**overrides), private_key, algorithm=alg, headers=headers)

    @staticmethod
    def forge(header: dict[str, Any], payload: dict[str, Any], key: bytes) -> str:
        """An HS256 token assembled by hand (pyjwt refuses e.g. a PEM public key as secret)."""
        signing_input = (
            _b64url(json.dumps(header).encode()) + "." + _b64url(json.dumps(payload).encode())
        )
        signature = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
        return signing_input + "." + _b64url(signature)

    @staticmethod
    def event(name: str, token: str | None) -> dict[str, Any]:
        """A real TOKEN authorizer event from tests/events with `Bearer <token>`."""
        event: dict[str, Any] = json.loads((EVENTS / name).read_text())
        event["authorizationToken"] = None if token is None else f"Bearer {token}"
        return event


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


@pytest.fixture(scope="session")
def kit() -> TokenKit:
    return TokenKit()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(autouse=True)
def _reset_global_state() -> Iterator[None]:
    """Every test starts with no cached dependencies, no buffered metrics, default logging."""
    from rez_telemetry import metrics
    from rez_telemetry.cold_start import reset_cold_start
    from rez_telemetry.logging import reset_logging
    from rez_telemetry.logging.sampling import reset_sampling

    for reset in (bootstrap.reset, metrics.reset, reset_logging, reset_sampling, reset_cold_start):
        reset()
    yield
    for reset in (bootstrap.reset, metrics.reset, reset_logging, reset_sampling, reset_cold_start):
        reset()
