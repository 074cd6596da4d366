"""Shared fixtures: the parsed templates and the repository root."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from rez_deploy.catalog import STACKS
from rez_deploy.templates import load_template, template_dir

REPO_ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="session")
def templates() -> dict[str, dict[str, Any]]:
    directory = template_dir(REPO_ROOT)
    return {name: load_template(name, directory) for name in STACKS}


@pytest.fixture
def aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials and region for moto; never the developer's own."""
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "LOCALSTACK_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    assert "AWS_PROFILE" not in os.environ
