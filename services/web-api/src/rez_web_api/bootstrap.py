"""Wiring: the repository, the publisher and the settings, built from the environment once.

The services share one idiom (`rez_telemetry.config.Wiring`): `dependencies()` builds on first
use (boto3 clients included, never at import; not cached on failure), `override(...)` puts
tests' fakes or moto-backed objects in, `reset()` forgets. What the endpoints need is
`rez_messages.creation.Producer`, the same as the scheduler's. The health route never asks for
these, so it answers even when the configuration is broken.
"""

from __future__ import annotations

from rez_messages.config import ProducerSettings
from rez_messages.creation import Producer, build_producer
from rez_telemetry.config import Wiring

__all__ = ["Dependencies", "build", "dependencies", "override", "reset"]

Dependencies = Producer
"""What the endpoints need (a producer: repository, publisher, stage, retention, clock)."""


def build(settings: ProducerSettings) -> Producer:
    """The producer for `settings` (one publication attempt: the client may retry)."""
    return build_producer(settings)


_wiring: Wiring[Producer] = Wiring(lambda: build(ProducerSettings.from_env()))
dependencies = _wiring.dependencies
override = _wiring.override
reset = _wiring.reset
