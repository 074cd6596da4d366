"""The artifacts bucket and content-addressed code uploads.

A zip's key is its sha256, so a code change is a new `CodeKey` parameter (CloudFormation updates
the function) and an unchanged build is the same key (no upload, no stack change).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

_MISSING_BUCKET_CODES = frozenset({"404", "NoSuchBucket", "NotFound"})
_MISSING_OBJECT_CODES = frozenset({"404", "NoSuchKey", "NotFound"})


def artifacts_bucket_name(account: str, region: str) -> str:
    """`rez-agent-artifacts-<account>-<region>`: unique per account and region, as S3 requires."""
    return f"rez-agent-artifacts-{account}-{region}"


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file, read in chunks (zips can be tens of MB)."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def ensure_bucket(s3: Any, bucket: str, region: str) -> bool:
    """Create the bucket when missing; True when it was created."""
    try:
        s3.head_bucket(Bucket=bucket)
        return False
    except ClientError as error:
        if _error_code(error) not in _MISSING_BUCKET_CODES:
            raise
    kwargs: dict[str, Any] = {"Bucket": bucket}
    if region != "us-east-1":
        kwargs["CreateBucketConfiguration"] = {"LocationConstraint": region}
    s3.create_bucket(**kwargs)
    return True


def object_exists(s3: Any, bucket: str, key: str) -> bool:
    """Whether `key` is already in `bucket`."""
    try:
        s3.head_object(Bucket=bucket, Key=key)
        return True
    except ClientError as error:
        if _error_code(error) in _MISSING_OBJECT_CODES:
            return False
        raise


def upload_code(s3: Any, bucket: str, service: str, zip_path: Path) -> str:
    """Upload `zip_path` as `<service>/<sha256>.zip` unless that key exists; return the key."""
    if not zip_path.is_file():
        raise FileNotFoundError(f"{zip_path} does not exist: package the service first")
    key = f"{service}/{sha256_of(zip_path)}.zip"
    if not object_exists(s3, bucket, key):
        s3.upload_file(str(zip_path), bucket, key)
    return key


def upload_template(s3: Any, bucket: str, stack: str, body: str) -> str:
    """Upload a template too large for TemplateBody as `templates/<stack>/<sha256>.yaml`."""
    key = f"templates/{stack}/{hashlib.sha256(body.encode()).hexdigest()}.yaml"
    if not object_exists(s3, bucket, key):
        s3.put_object(Bucket=bucket, Key=key, Body=body.encode())
    return key
