"""Where the tools act: AWS (the default credential chain) or the local harness.

The one home of this choice for every tool (`rez_deploy`, and `rezctl`, which adds a stage on
top). An explicit endpoint wins over `LOCALSTACK_ENDPOINT` (and the other variables a tool names);
with none, it is AWS, with an optional named profile of the shared config files. A harness
endpoint gets LocalStack's conventional test credentials and path-style S3 addressing (an IP
address has no bucket sub-domains); everything else is ordinary boto3.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlsplit

import boto3
from botocore.config import Config

LOCALSTACK_ENDPOINT_ENV: Final = "LOCALSTACK_ENDPOINT"
DEFAULT_REGION: Final = "us-east-1"
_LOCAL_CREDENTIALS: Final = {"aws_access_key_id": "test", "aws_secret_access_key": "test"}


@dataclass(frozen=True, slots=True)
class Target:
    """An AWS account/region (and profile), or a LocalStack endpoint, to create clients for."""

    region: str
    endpoint: str | None = None
    profile: str | None = None

    @classmethod
    def resolve(
        cls,
        endpoint: str | None = None,
        region: str | None = None,
        profile: str | None = None,
        *,
        endpoint_variables: Sequence[str] = (LOCALSTACK_ENDPOINT_ENV,),
    ) -> Target:
        """Explicit values win; else the first of `endpoint_variables` set, AWS_REGION /
        AWS_DEFAULT_REGION, the profile's (or boto3's default) region.

        Raises botocore's `ProfileNotFound` for a profile the shared files do not have.
        """
        chosen_endpoint = endpoint or next(
            (os.environ[name] for name in endpoint_variables if os.environ.get(name)), None
        )
        chosen_region = (
            region
            or os.environ.get("AWS_REGION")
            or os.environ.get("AWS_DEFAULT_REGION")
            or (_session(profile).region_name if profile or not chosen_endpoint else None)
            or DEFAULT_REGION
        )
        return cls(
            region=chosen_region,
            endpoint=chosen_endpoint.rstrip("/") if chosen_endpoint else None,
            profile=profile,
        )

    @property
    def is_local(self) -> bool:
        """True when deploying to the harness."""
        return self.endpoint is not None

    def client(self, service: str, config: Config | None = None) -> Any:
        """A new boto3 client for `service` at this target (with `config`, if given)."""
        kwargs: dict[str, Any] = {"region_name": self.region}
        if self.endpoint:
            kwargs.update(_LOCAL_CREDENTIALS, endpoint_url=self.endpoint)
            if service == "s3":
                path_style = Config(s3={"addressing_style": "path"})
                config = path_style if config is None else config.merge(path_style)
        if config is not None:
            kwargs["config"] = config
        return _session(self.profile).client(service, **kwargs)

    def local_api_urls(self, rest_api_id: str, stage: str) -> dict[str, str]:
        """LocalStack's two URL forms of a stage's `/api/` base; the path form needs no DNS."""
        if not self.endpoint:
            raise ValueError("local API URLs only exist for a harness target")
        port = urlsplit(self.endpoint).port or 4566
        return {
            "ApiUrl": f"{self.endpoint}/restapis/{rest_api_id}/{stage}/_user_request_/api/",
            "ApiUrlHostForm": (
                f"http://{rest_api_id}.execute-api.localhost.localstack.cloud:{port}/{stage}/api/"
            ),
        }


def _session(profile: str | None) -> Any:
    """A boto3 session of `profile` (the default chain's without one)."""
    return boto3.session.Session(profile_name=profile) if profile else boto3.session.Session()
