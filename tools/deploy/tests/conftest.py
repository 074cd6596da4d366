"""Shared fixtures: the parsed templates and the repository root.

`iam_scan.py` (the scanner behind the IAM least-privilege test) is test code, kept beside the
tests and loaded here under the name `iam_scan`: the suite runs with `--import-mode=importlib`,
which puts no test directory on `sys.path`.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from rez_deploy.catalog import STACKS
from rez_deploy.templates import load_template, template_dir

REPO_ROOT = Path(__file__).resolve().parents[3]


def _load_iam_scan() -> None:
    path = Path(__file__).with_name("iam_scan.py")
    spec = importlib.util.spec_from_file_location("iam_scan", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["iam_scan"] = module  # before running it: its dataclasses look themselves up
    spec.loader.exec_module(module)


_load_iam_scan()


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
