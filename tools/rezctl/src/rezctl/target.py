"""Where the commands look: one stage at one place, AWS or the local harness.

An explicit `--endpoint` wins over `LOCALSTACK_ENDPOINT`, then `AWS_ENDPOINT_URL` (the aws CLI's
and boto3's variable for a custom endpoint); with none, it is AWS. The harness gets LocalStack's
test credentials, so nothing real is ever needed locally. `--profile` picks a named profile of
the shared config and credentials files, as the aws CLI's does (`AWS_PROFILE` otherwise). The
place (endpoint, region, profile, credentials) is `rez_deploy.target.Target`'s, shared with the
deploy tool; this adds the stage and keeps one client per service.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Final

from botocore.config import Config
from botocore.exceptions import ProfileNotFound

from rez_deploy.target import DEFAULT_REGION, LOCALSTACK_ENDPOINT_ENV
from rez_deploy.target import Target as Place
from rezctl.errors import UsageError
from rezctl.names import STAGES, StageNames

ENDPOINT_ENV: Final = LOCALSTACK_ENDPOINT_ENV
AWS_ENDPOINT_ENV: Final = "AWS_ENDPOINT_URL"
STAGE_ENV: Final = "REZ_STAGE"
_RETRIES: Final = Config(retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=5)


@dataclass(slots=True)
class Target:
    """One stage at one place; hands out one boto3 client per service."""

    stage: str = "dev"
    endpoint: str | None = None
    region: str = DEFAULT_REGION
    profile: str | None = None
    _clients: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def resolve(
        cls,
        stage: str | None = None,
        endpoint: str | None = None,
        region: str | None = None,
        profile: str | None = None,
    ) -> Target:
        """Explicit values, else REZ_STAGE / LOCALSTACK_ENDPOINT / AWS_ENDPOINT_URL / AWS_REGION,
        else the profile's region, else defaults."""
        chosen_stage = stage or os.environ.get(STAGE_ENV) or "dev"
        if chosen_stage not in STAGES:
            raise UsageError(f"stage must be one of {', '.join(STAGES)}, got {chosen_stage!r}")
        try:
            place = Place.resolve(
                endpoint,
                region,
                profile,
                endpoint_variables=(ENDPOINT_ENV, AWS_ENDPOINT_ENV),
            )
        except ProfileNotFound as error:  # a usage error, as in the aws CLI
            raise UsageError(str(error)) from error
        return cls(
            stage=chosen_stage, endpoint=place.endpoint, region=place.region, profile=profile
        )

    @property
    def place(self) -> Place:
        """Where this target is (endpoint, region, profile), as the deploy tool sees it."""
        return Place(region=self.region, endpoint=self.endpoint, profile=self.profile)

    @property
    def names(self) -> StageNames:
        """The stage's resource names."""
        return StageNames(self.stage)

    @property
    def is_local(self) -> bool:
        """True for the harness."""
        return self.endpoint is not None

    def client(self, service: str) -> Any:
        """A cached boto3 client for `service` at this target."""
        if service not in self._clients:
            self._clients[service] = self.place.client(service, config=_RETRIES)
        return self._clients[service]

    def with_client(self, service: str, client: Any) -> Target:
        """Use `client` for `service` (tests inject moto- or stub-backed clients)."""
        self._clients[service] = client
        return self
