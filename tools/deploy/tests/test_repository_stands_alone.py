"""The repository stands alone: no file refers to a document, issue or session outside it.

A reader of the code, the docs or `--help` must be able to follow every reference; the project's
own statement of its observability is docs/observability.md, the names between packages are in
docs/contracts.md. This suite (the deploy tool's, which already checks the repository-wide
artefacts: templates, runbooks) reads every tracked file. "seed" as in a random seed is fine.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[3]
#: Lock files are generated; this file spells the patterns it looks for.
EXCLUDED = {"uv.lock", "localstack/uv.lock", "tools/deploy/tests/test_repository_stands_alone.py"}
OUTSIDE_REFERENCE = re.compile(
    r"(?<![a-z])seed(?:s|'s)?(?![a-z])"  # the design document the project started from
    r"|\bissues? ?#?\d"  # a tracker this repository does not carry
    r"|\bsessions? ?#?\d"  # a working session
    r"|rez_agent-observability\.md|\bDESIGN\.md|\.\./shared/",  # documents kept elsewhere
    re.IGNORECASE,
)
#: A line about randomness may speak of a seed.
RANDOM_SEED = re.compile(r"random|\brng\b|hypothesis|hashseed|seed\s*=|seed\(|--seed", re.I)


def _tracked_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=REPO_ROOT, capture_output=True, check=True
    ).stdout.decode()
    return [REPO_ROOT / name for name in listed.split("\0") if name and name not in EXCLUDED]


def _references(path: Path) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8")
    except (UnicodeDecodeError, FileNotFoundError, IsADirectoryError):
        return []  # binary, or deleted in the working tree
    return [
        f"{path.relative_to(REPO_ROOT)}:{number}: {line.strip()[:120]}"
        for number, line in enumerate(text.splitlines(), start=1)
        if OUTSIDE_REFERENCE.search(line) and not RANDOM_SEED.search(line)
    ]


def test_no_file_refers_to_a_document_issue_or_session_outside_the_repository() -> None:
    # GIVEN every tracked file / WHEN read line by line
    found = [reference for path in _tracked_files() for reference in _references(path)]
    # THEN none names the starting design document, an issue number or a session
    assert found == [], "\n".join(found)


def test_the_patterns_catch_what_they_must_and_spare_random_seeds() -> None:
    # GIVEN lines a reader could not follow, and lines about randomness
    assert OUTSIDE_REFERENCE.search("the seed's six alarms")
    assert OUTSIDE_REFERENCE.search("see issue 5")
    assert OUTSIDE_REFERENCE.search("(Issue #12)")
    assert OUTSIDE_REFERENCE.search("session 1's run")
    assert OUTSIDE_REFERENCE.search("def test_seed_query_1")
    assert not OUTSIDE_REFERENCE.search("a table seeded with messages")
    assert RANDOM_SEED.search("random.seed(42)")
    assert RANDOM_SEED.search("PYTHONHASHSEED=0")
