"""Where the commands look: AWS (boto3's credential chain) or the local harness.

An explicit `--endpoint` wins over `LOCALSTACK_ENDPOINT`, then `AWS_ENDPOINT_URL` (the aws CLI's
and boto3's variable for a custom endpoint); with none, it is AWS. The harness gets LocalStack's
test credentials, so nothing real is ever needed locally. `--profile` picks a named profile of
the shared config and credentials files, as the aws CLI's does (`AWS_PROFILE` otherwise).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Final

import boto3
from botocore.config import Config
from botocore.exceptions import ProfileNotFound

from rezctl.errors import UsageError
from rezctl.names import STAGES, StageNames

ENDPOINT_ENV: Final = "LOCALSTACK_ENDPOINT"
AWS_ENDPOINT_ENV: Final = "AWS_ENDPOINT_URL"
STAGE_ENV: Final = "REZ_STAGE"
DEFAULT_REGION: Final = "us-east-1"
_LOCAL_CREDENTIALS: Final = {"aws_access_key_id": "test", "aws_secret_access_key": "test"}
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
        chosen_endpoint = (
            endpoint or os.environ.get(ENDPOINT_ENV) or os.environ.get(AWS_ENDPOINT_ENV) or None
        )
        chosen_region = (
            region
            or os.environ.get("AWS_REGION")
            or os.environ.get("AWS_DEFAULT_REGION")
            or (_profile_region(profile) if profile or not chosen_endpoint else None)
            or DEFAULT_REGION
        )
        return cls(
            stage=chosen_stage,
            endpoint=chosen_endpoint.rstrip("/") if chosen_endpoint else None,
            region=chosen_region,
            profile=profile,
        )

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
            kwargs: dict[str, Any] = {"region_name": self.region, "config": _RETRIES}
            if self.endpoint:
                kwargs.update(_LOCAL_CREDENTIALS, endpoint_url=self.endpoint)
            session = boto3.session.Session(profile_name=self.profile) if self.profile else boto3
            self._clients[service] = session.client(service, **kwargs)
        return self._clients[service]

    def with_client(self, service: str, client: Any) -> Target:
        """Use `client` for `service` (tests inject moto- or stub-backed clients)."""
        self._clients[service] = client
        return self


def _profile_region(profile: str | None) -> str | None:
    """The region the profile (or the default chain) configures; a missing profile is a usage
    error, as in the aws CLI."""
    try:
        return boto3.session.Session(profile_name=profile).region_name
    except ProfileNotFound as error:
        raise UsageError(str(error)) from error
