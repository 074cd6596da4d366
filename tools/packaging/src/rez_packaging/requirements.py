"""Reads a service's locked dependency closure from `uv export`."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from rez_packaging.uv_binary import uv_command

# What the AWS Lambda Python runtime already ships: boto3 and its dependency closure.
# Shipping them again would bloat every zip and shadow the runtime's patched versions.
RUNTIME_PROVIDED = frozenset(
    {"boto3", "botocore", "s3transfer", "jmespath", "python-dateutil", "six", "urllib3"}
)

_NAME = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)")


@dataclass(frozen=True)
class LockedClosure:
    """A service's dependencies as the lock pins them."""

    workspace_members: tuple[Path, ...]
    third_party: tuple[str, ...]
    excluded: tuple[str, ...]


def normalise(name: str) -> str:
    """PEP 503 name, so `Python_DateUtil` and `python-dateutil` compare equal."""
    return re.sub(r"[-_.]+", "-", name).lower()


def locked_closure(workspace: Path, distribution: str) -> LockedClosure:
    """The non-dev closure of `distribution`, split into workspace members and pinned wheels."""
    completed = subprocess.run(
        [
            *uv_command(),
            "export",
            "--frozen",
            "--package",
            distribution,
            "--no-dev",
            "--no-hashes",
            "--no-header",
            "--no-annotate",
        ],
        cwd=workspace,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"uv export for {distribution} failed:\n{completed.stderr.strip()}")
    return parse_export(workspace, completed.stdout)


def parse_export(workspace: Path, exported: str) -> LockedClosure:
    """Split `uv export` output; editable lines are workspace members."""
    members: list[Path] = []
    third_party: list[str] = []
    excluded: list[str] = []
    for raw in exported.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("-e "):
            members.append((workspace / line[3:].strip()).resolve())
            continue
        match = _NAME.match(line)
        if match is None:
            raise ValueError(f"unexpected line in uv export output: {line!r}")
        if normalise(match.group(1)) in RUNTIME_PROVIDED:
            excluded.append(line.split(";")[0].strip())
        else:
            third_party.append(line)
    return LockedClosure(tuple(sorted(members)), tuple(third_party), tuple(excluded))
