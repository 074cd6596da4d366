"""The ntfy access token from Secrets Manager, fetched once per cold start and never logged.

The secret is a plain string; empty means "no auth" (a public topic). The token is kept in this
object only, not in the environment, not in a log line, not in an exception message. botocore's
DEBUG dump of the response body is rez_telemetry's concern: its loggers stay at INFO unless
`LOG_LEVEL_AWS_SDK=DEBUG`, and even then `SecretString` is masked.
"""

from __future__ import annotations

import threading
from typing import Any

__all__ = ["NoToken", "SecretsManagerToken"]


class NoToken:
    """No `NTFY_TOKEN_SECRET` configured: requests go out without `Authorization`."""

    def __call__(self) -> str | None:
        """Always None."""
        return None


class SecretsManagerToken:
    """Callable token provider over a boto3 Secrets Manager client; caches the first answer."""

    def __init__(self, client: Any, secret_id: str) -> None:
        self._client = client
        self._secret_id = secret_id
        self._lock = threading.Lock()
        self._loaded = False
        self._token: str | None = None

    @property
    def secret_id(self) -> str:
        """The secret's name (safe to log)."""
        return self._secret_id

    def __call__(self) -> str | None:
        """The token, or None when the secret is empty; Secrets Manager is asked only once."""
        with self._lock:
            if not self._loaded:
                answer = self._client.get_secret_value(SecretId=self._secret_id)
                value = (answer.get("SecretString") or "").strip()
                self._token = value or None
                self._loaded = True
            return self._token

    def __repr__(self) -> str:
        return f"SecretsManagerToken(secret_id={self._secret_id!r}, token=<redacted>)"
