"""The notifier's settings: every environment variable it reads, read when asked for.

Names follow docs/contracts.md. A malformed value fails with the shared `ConfigurationError`
(`rez_telemetry.config`) naming the variable and what was expected, at the first invocation,
rather than as an odd error deep in a send. `STAGE` is rez_telemetry's (logs, metrics).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

from rez_telemetry.config import ConfigurationError, environment, optional, required

__all__ = [
    "CIRCUIT_BREAKER_TABLE",
    "DEFAULT_NTFY_BURST",
    "DEFAULT_NTFY_RATE_PER_SECOND",
    "DEFAULT_NTFY_URL",
    "MESSAGES_TABLE",
    "NTFY_BURST",
    "NTFY_RATE_PER_SECOND",
    "NTFY_SERVICE",
    "NTFY_TOKEN_SECRET",
    "NTFY_TOPIC",
    "NTFY_URL",
    "NotifierSettings",
]

MESSAGES_TABLE = "MESSAGES_TABLE"
CIRCUIT_BREAKER_TABLE = "CIRCUIT_BREAKER_TABLE"
NTFY_URL = "NTFY_URL"
NTFY_TOPIC = "NTFY_TOPIC"
NTFY_TOKEN_SECRET = "NTFY_TOKEN_SECRET"  # noqa: S105 - the variable's name, not a secret
NTFY_RATE_PER_SECOND = "NTFY_RATE_PER_SECOND"
NTFY_BURST = "NTFY_BURST"

#: The breaker's and the rate limit's service name (`pk = ratelimit#ntfy-sh`).
NTFY_SERVICE = "ntfy-sh"
DEFAULT_NTFY_URL = "https://ntfy.sh"
#: ntfy.sh's published visitor limits: a burst of 60 requests, then one every 5 seconds.
DEFAULT_NTFY_RATE_PER_SECOND = 0.2
DEFAULT_NTFY_BURST = 60

_TOPIC = re.compile(r"[A-Za-z0-9_-]{1,64}")


def _number(env: Mapping[str, str], name: str, default: float) -> float:
    raw = optional(name, env)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigurationError(name, f"must be a number, got {raw!r}") from None
    if not math.isfinite(value) or value < 0:
        raise ConfigurationError(name, f"must be a finite number >= 0, got {raw!r}")
    return value


def _integer(env: Mapping[str, str], name: str, default: int) -> int:
    raw = optional(name, env)
    if raw is None:
        return default
    if not raw.isdigit():
        raise ConfigurationError(name, f"must be a whole number >= 0, got {raw!r}")
    return int(raw)


@dataclass(frozen=True, slots=True)
class NotifierSettings:
    """Everything the notifier is configured with; build it with `from_env` or directly in tests."""

    messages_table: str
    circuit_breaker_table: str
    ntfy_topic: str
    ntfy_url: str = DEFAULT_NTFY_URL
    ntfy_token_secret: str | None = None
    ntfy_rate_per_second: float = DEFAULT_NTFY_RATE_PER_SECOND
    ntfy_burst: int = DEFAULT_NTFY_BURST

    @property
    def rate_limited(self) -> bool:
        """False when either knob is 0 (a self-hosted ntfy without limits)."""
        return self.ntfy_rate_per_second > 0 and self.ntfy_burst > 0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> NotifierSettings:
        """Read the settings from `environ` (default: `os.environ`, read now, not at import)."""
        env = environment(environ)
        topic = required(NTFY_TOPIC, env)
        if not _TOPIC.fullmatch(topic):
            raise ConfigurationError(
                NTFY_TOPIC, f"must be 1-64 chars of [A-Za-z0-9_-], got {topic!r}"
            )
        url = optional(NTFY_URL, env) or DEFAULT_NTFY_URL
        if not url.startswith(("https://", "http://")):
            raise ConfigurationError(NTFY_URL, f"must be an http(s) URL, got {url!r}")
        return cls(
            messages_table=required(MESSAGES_TABLE, env),
            circuit_breaker_table=required(CIRCUIT_BREAKER_TABLE, env),
            ntfy_topic=topic,
            ntfy_url=url,
            ntfy_token_secret=optional(NTFY_TOKEN_SECRET, env),
            ntfy_rate_per_second=_number(env, NTFY_RATE_PER_SECOND, DEFAULT_NTFY_RATE_PER_SECOND),
            ntfy_burst=_integer(env, NTFY_BURST, DEFAULT_NTFY_BURST),
        )
