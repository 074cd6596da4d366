"""Where verification keys come from, cached per cold start with bounded refreshes.

Why not pyjwt's `PyJWKClient`: it does cache the JWK set and (in recent versions) rate-limits the
refresh on an unknown `kid`, but (1) once its cache has expired a failing JWKS endpoint is
re-fetched on every request, each try waiting up to its timeout (no negative caching): an outage
becomes a slow authorizer hammering the identity provider; (2) it reads `time.monotonic` itself,
so its bound can only be tested by sleeping; (3) it hands out any key with a matching `kid`,
symmetric `oct` keys included, and a key published in a JWKS is public. `JwksKeyStore` below keeps
pyjwt for what it does well (`PyJWK` parses a key and binds it to one algorithm) and owns the
fetch policy: one attempt per `min_refresh_seconds` whatever its outcome, stale keys kept through
an outage, asymmetric signing keys only, an injectable clock and fetcher.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final

from jwt import PyJWK
from jwt.exceptions import PyJWKError, PyJWTError

from rez_authorizer.config import HMAC_ALGORITHMS

if TYPE_CHECKING:
    from mypy_boto3_secretsmanager import SecretsManagerClient  # pragma: no cover
else:
    SecretsManagerClient = Any

JWKS_TIMEOUT_SECONDS: Final = 3.0
MAX_JWKS_BYTES: Final = 256 * 1024
#: Keys are re-read at most this often even when nothing asks (revocation reaches warm containers).
MAX_KEY_AGE_SECONDS: Final = 3600.0

Clock = Callable[[], float]
Fetcher = Callable[[str], bytes]


class KeyUnavailableError(Exception):
    """No key could be obtained (endpoint or secret unreachable, empty or malformed)."""


class UnknownKeyIdError(Exception):
    """The token names a `kid` the JWKS does not hold (even after the allowed refresh)."""


class RefreshGate:
    """At most one refresh attempt per `min_interval` seconds, successful or not.

    A flood of tokens with unknown kids (or bad HMAC signatures) costs one fetch per interval.
    """

    def __init__(self, min_interval: float, clock: Clock = time.monotonic) -> None:
        self._min_interval = min_interval
        self._clock = clock
        self._last_attempt: float | None = None

    def try_acquire(self) -> bool:
        """Whether a refresh may run now; if so, the interval restarts from now."""
        now = self._clock()
        if self._last_attempt is not None and now - self._last_attempt < self._min_interval:
            return False
        self._last_attempt = now
        return True

    def age(self) -> float | None:
        """Seconds since the last attempt (None before the first)."""
        return None if self._last_attempt is None else self._clock() - self._last_attempt


class HmacSecretSource:
    """The shared HS* secret from Secrets Manager, fetched once and re-read only on request.

    `refresh()` (used after a signature mismatch, the sign of a rotated secret) is bounded by the
    same gate as the JWKS, so bad signatures cannot turn into a Secrets Manager call per request.
    """

    def __init__(
        self,
        secret_name: str,
        client_factory: Callable[[], SecretsManagerClient],
        *,
        min_refresh_seconds: float,
        clock: Clock = time.monotonic,
    ) -> None:
        self._secret_name = secret_name
        self._client_factory = client_factory
        self._gate = RefreshGate(min_refresh_seconds, clock)
        self._secret: bytes | None = None
        self._lock = threading.Lock()

    def get(self) -> bytes:
        """The cached secret, fetched at first use (or when older than MAX_KEY_AGE_SECONDS)."""
        with self._lock:
            age = self._gate.age()
            stale = age is not None and age >= MAX_KEY_AGE_SECONDS
            if (self._secret is None or stale) and self._gate.try_acquire():
                self._fetch()
            if self._secret is None:
                raise KeyUnavailableError(f"secret {self._secret_name} could not be read")
            return self._secret

    def refresh(self) -> bytes | None:
        """A freshly read secret if the gate allows a read now and it changed; else None."""
        with self._lock:
            if not self._gate.try_acquire():
                return None
            previous = self._secret
            self._fetch()
            return self._secret if self._secret != previous else None

    def _fetch(self) -> None:
        try:
            answer = self._client_factory().get_secret_value(SecretId=self._secret_name)
        except Exception:  # any SDK/transport error: keep the previous secret, if any
            return
        value = answer.get("SecretString")
        if isinstance(value, str) and value:
            self._secret = value.encode("utf-8")


def fetch_url(url: str) -> bytes:
    """GET `url` (http/https only) with a short timeout and a size cap; raises on any failure."""
    if not url.startswith(("https://", "http://")):
        raise KeyUnavailableError(f"refusing to fetch a non-http(s) URL: {url!r}")
    request = urllib.request.Request(url, headers={"Accept": "application/json"})  # noqa: S310
    with urllib.request.urlopen(request, timeout=JWKS_TIMEOUT_SECONDS) as response:  # noqa: S310
        body: bytes = response.read(MAX_JWKS_BYTES + 1)
    if len(body) > MAX_JWKS_BYTES:
        raise KeyUnavailableError(f"JWKS larger than {MAX_JWKS_BYTES} bytes")
    return body


def parse_jwks(document: bytes) -> dict[str, dict[str, Any]]:
    """The asymmetric signing keys of a JWKS document, by `kid` (others are ignored).

    Symmetric (`oct`) keys and keys marked for encryption never verify a token here: a JWKS is
    public, and an HMAC key taken from it would let anyone sign.
    """
    try:
        data = json.loads(document)
    except (ValueError, UnicodeDecodeError) as error:
        raise KeyUnavailableError(f"JWKS is not JSON: {error}") from None
    if not isinstance(data, dict) or not isinstance(data.get("keys"), list):
        raise KeyUnavailableError('JWKS must be an object with a "keys" list')
    keys: dict[str, dict[str, Any]] = {}
    for jwk in data["keys"]:
        if not isinstance(jwk, dict):
            continue
        kid, kty, use = jwk.get("kid"), jwk.get("kty"), jwk.get("use", "sig")
        if isinstance(kid, str) and kid and kty in ("RSA", "EC", "OKP") and use == "sig":
            keys[kid] = jwk
    return keys


class JwksKeyStore:
    """Public keys from a JWKS URL by `kid`; an unknown kid refreshes at most once per interval."""

    def __init__(
        self,
        url: str,
        *,
        min_refresh_seconds: float,
        fetch: Fetcher = fetch_url,
        clock: Clock = time.monotonic,
    ) -> None:
        self._url = url
        self._fetch = fetch
        self._gate = RefreshGate(min_refresh_seconds, clock)
        self._keys: dict[str, dict[str, Any]] | None = None
        self._bound: dict[tuple[str, str], PyJWK] = {}
        self._lock = threading.Lock()
        self.fetch_count = 0

    def key_for(self, kid: str, algorithm: str) -> PyJWK:
        """The key `kid`, bound to `algorithm` (refused when the key's type or `alg` disagrees)."""
        if algorithm in HMAC_ALGORITHMS:
            raise UnknownKeyIdError("HMAC algorithms never use JWKS keys")
        with self._lock:
            age = self._gate.age()
            stale = age is not None and age >= MAX_KEY_AGE_SECONDS
            if self._keys is None or stale or kid not in self._keys:
                self._refresh_if_allowed()
            if self._keys is None:
                raise KeyUnavailableError(f"JWKS at {self._url} could not be read")
            jwk = self._keys.get(kid)
            if jwk is None:
                raise UnknownKeyIdError(f"no key {kid!r} in the JWKS")
            return self._bind(kid, jwk, algorithm)

    def _refresh_if_allowed(self) -> None:
        if not self._gate.try_acquire():
            return
        self.fetch_count += 1
        try:
            keys = parse_jwks(self._fetch(self._url))
        except Exception:  # unreachable, timed out, malformed: keep serving what we had
            return
        self._keys = keys
        self._bound = {}

    def _bind(self, kid: str, jwk: dict[str, Any], algorithm: str) -> PyJWK:
        declared = jwk.get("alg")
        if declared is not None and declared != algorithm:
            raise UnknownKeyIdError(f"key {kid!r} is for {declared}, not {algorithm}")
        cached = self._bound.get((kid, algorithm))
        if cached is not None:
            return cached
        try:
            bound = PyJWK(jwk, algorithm=algorithm)
        except (PyJWKError, PyJWTError, ValueError, TypeError) as error:
            raise UnknownKeyIdError(f"key {kid!r} cannot verify {algorithm}: {error}") from None
        self._bound[(kid, algorithm)] = bound
        return bound
