"""The deployed resources' names for one stage (docs/contracts.md, "Resource names")."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

STAGES: Final = ("dev", "stage", "prod")
NAMESPACE: Final = "RezAgent"
BREAKER_SERVICE: Final = "ntfy-sh"
"""The notifier's circuit (`rez_notifier.config.NTFY_SERVICE`)."""
SERVICES: Final = (
    "scheduler",
    "web-api",
    "message-processor",
    "notification-service",
    "jwt-authorizer",
)
"""Function name parts, in the order a message meets them."""


@dataclass(frozen=True, slots=True)
class StageNames:
    """Every name `rezctl` looks up, derived from the stage alone."""

    stage: str

    def function(self, service: str) -> str:
        """`rez-agent-<service>-<stage>`, e.g. `rez-agent-web-api-dev`."""
        return f"rez-agent-{service}-{self.stage}"

    def log_group(self, service: str) -> str:
        """`/aws/lambda/<function>`."""
        return f"/aws/lambda/{self.function(service)}"

    @property
    def log_groups(self) -> tuple[str, ...]:
        """The five functions' log groups (docs/observability.md)."""
        return tuple(self.log_group(service) for service in SERVICES)

    @property
    def messages_table(self) -> str:
        return f"rez-agent-messages-{self.stage}"

    @property
    def breaker_table(self) -> str:
        return f"rez-agent-circuit-breaker-{self.stage}"

    @property
    def queue(self) -> str:
        return f"rez-agent-message-queue-{self.stage}"

    @property
    def dlq(self) -> str:
        return f"rez-agent-message-dlq-{self.stage}"

    @property
    def jwt_secret(self) -> str:
        return f"rez-agent/{self.stage}/jwt-signing-secret"

    @property
    def authorizer_function(self) -> str:
        return self.function("jwt-authorizer")

    @property
    def dashboard(self) -> str:
        return f"rez-agent-{self.stage}-overview"

    def stack(self, name: str) -> str:
        """`rez-agent-<stage>-<template>` (rez_deploy's stack naming)."""
        return f"rez-agent-{self.stage}-{name}"
