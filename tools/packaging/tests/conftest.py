import shutil
from pathlib import Path

import pytest

# The fixture workspace has tests of its own; they belong to the fixture, not to this suite.
collect_ignore_glob = ["fixtures/*"]

FIXTURE_WORKSPACE = Path(__file__).parent / "fixtures" / "workspace"


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A private copy of the fixture workspace, so builds never write into the repository."""
    target = tmp_path / "workspace"
    shutil.copytree(FIXTURE_WORKSPACE, target, ignore=shutil.ignore_patterns(".venv", "build"))
    return target
