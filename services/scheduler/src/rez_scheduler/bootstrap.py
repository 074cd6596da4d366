"""Wiring: the scheduler's dependencies, built from the environment once per cold start.

The services share one idiom (`rez_telemetry.config.Wiring`): `dependencies()` builds on first
use (boto3 clients included, never at import), `override(...)` puts tests' fakes or moto-backed
adapters in, `reset()` forgets. What a producer needs is `rez_messages.creation.Producer`, the
same as the web API's; the scheduler adds retries around the publication.
"""

from __future__ import annotations

from rez_messages.config import ProducerSettings
from rez_messages.creation import Producer, build_producer
from rez_telemetry import retry_policy
from rez_telemetry.config import Wiring

__all__ = ["build", "dependencies", "override", "reset"]


def build(settings: ProducerSettings) -> Producer:
    """The producer for `settings`, publishing with the shared retry policy."""

    return build_producer(settings, retry=retry_policy(operation="sns.publish"))


_wiring: Wiring[Producer] = Wiring(lambda: build(ProducerSettings.from_env()))
dependencies = _wiring.dependencies
override = _wiring.override
reset = _wiring.reset
