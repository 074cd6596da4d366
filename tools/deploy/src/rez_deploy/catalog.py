"""Which stacks exist, what each deploys, and the order they must be deployed in."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

STAGES: Final = ("dev", "stage", "prod")


@dataclass(frozen=True, slots=True)
class StackSpec:
    """One template in `infra/cloudformation/` and, for a service, the zip it runs.

    `name` is both the template's stem and the name the CLI accepts (`--service web-api`).
    """

    name: str
    service: str | None = None

    def stack_name(self, stage: str) -> str:
        """`rez-agent-<stage>-<name>`: one stack per stage and template."""
        return f"rez-agent-{stage}-{self.name}"

    @property
    def has_code(self) -> bool:
        """Whether the stack deploys a function from `build/<service>.zip`."""
        return self.service is not None


# Dependency order: shared exports what everything imports; monitoring needs only the shared
# topics; the authorizer exports the ARN web-api's Authorizer imports; the processor invokes the
# notifier by name, so the notifier goes first. The reconciler only imports shared values.
DEPLOY_ORDER: Final[tuple[StackSpec, ...]] = (
    StackSpec("shared"),
    StackSpec("monitoring"),
    StackSpec("authorizer", service="authorizer"),
    StackSpec("notifier", service="notifier"),
    StackSpec("processor", service="processor"),
    StackSpec("reconciler", service="reconciler"),
    StackSpec("scheduler", service="scheduler"),
    StackSpec("web-api", service="web-api"),
)
STACKS: Final[dict[str, StackSpec]] = {spec.name: spec for spec in DEPLOY_ORDER}

# Function names per docs/contracts.md, without the `-<stage>` suffix.
FUNCTION_NAMES: Final[dict[str, str]] = {
    "scheduler": "rez-agent-scheduler",
    "web-api": "rez-agent-web-api",
    "processor": "rez-agent-message-processor",
    "notifier": "rez-agent-notification-service",
    "authorizer": "rez-agent-jwt-authorizer",
}


class UnknownStackError(ValueError):
    """A name that is neither a service nor one of the code-less stacks."""


def stack_spec(name: str) -> StackSpec:
    """The spec for `name`, or UnknownStackError listing the valid names."""
    try:
        return STACKS[name]
    except KeyError:
        raise UnknownStackError(
            f"unknown stack {name!r}; choose from {', '.join(STACKS)}"
        ) from None


def check_stage(stage: str) -> str:
    """`stage` when it is dev, stage or prod (the templates allow nothing else)."""
    if stage not in STAGES:
        raise ValueError(f"stage must be one of {', '.join(STAGES)}, got {stage!r}")
    return stage
