"""Helpers the unit tests share (conftest.py puts this folder on sys.path)."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import boto3

REGION = "us-east-1"
STAGE = "dev"
SECRET = "s3cret-for-tests-that-is-long-enough-for-hs256!"


def client(name: str) -> Any:
    """A boto3 client in moto's region (inside the test's mock_aws)."""
    return boto3.client(name, region_name=REGION)


def lambda_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    return event\n")
    return buffer.getvalue()
