"""Where a deploy goes: AWS (the default credential chain) or the local harness.

A harness endpoint gets LocalStack's conventional test credentials and path-style S3 addressing
(an IP address has no bucket sub-domains); everything else is ordinary boto3.
"""

from __future__ import annotations

import os
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
    """An AWS account/region, or a LocalStack endpoint, to create clients for."""

    region: str
    endpoint: str | None = None

    @classmethod
    def resolve(cls, endpoint: str | None = None, region: str | None = None) -> Target:
        """Explicit values win; else LOCALSTACK_ENDPOINT, AWS_REGION/AWS_DEFAULT_REGION, boto3's."""
        chosen_endpoint = endpoint or os.environ.get(LOCALSTACK_ENDPOINT_ENV) or None
        chosen_region = (
            region
            or os.environ.get("AWS_REGION")
            or os.environ.get("AWS_DEFAULT_REGION")
            or (None if chosen_endpoint else boto3.session.Session().region_name)
            or DEFAULT_REGION
        )
        return cls(
            region=chosen_region,
            endpoint=chosen_endpoint.rstrip("/") if chosen_endpoint else None,
        )

    @property
    def is_local(self) -> bool:
        """True when deploying to the harness."""
        return self.endpoint is not None

    def client(self, service: str) -> Any:
        """A boto3 client for `service` at this target."""
        kwargs: dict[str, Any] = {"region_name": self.region}
        if self.endpoint:
            kwargs.update(_LOCAL_CREDENTIALS, endpoint_url=self.endpoint)
            if service == "s3":
                kwargs["config"] = Config(s3={"addressing_style": "path"})
        return boto3.client(service, **kwargs)

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
