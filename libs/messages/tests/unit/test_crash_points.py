"""Crash points: inert without the harness's file, consumed once per armed pass with it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from rez_messages.crash_points import CRASH_FILE_ENV, crash_point

CHILD = """
import sys
from rez_messages.crash_points import crash_point
print("before", flush=True)
crash_point(sys.argv[1])
print("after", flush=True)
"""


def run_child(point: str, env_file: Path | None) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin"}
    if env_file is not None:
        env[CRASH_FILE_ENV] = str(env_file)
    return subprocess.run(
        [sys.executable, "-c", CHILD, point],
        env=env | {"PYTHONPATH": ":".join(sys.path)},
        capture_output=True,
        text=True,
        check=False,
    )


def test_no_environment_variable_is_a_no_op(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN no harness (Lambda never sets the variable) WHEN a point is passed THEN nothing happens
    monkeypatch.delenv(CRASH_FILE_ENV, raising=False)
    crash_point("anything")


def test_unarmed_point_and_missing_file_pass(tmp_path: Path) -> None:
    path = tmp_path / "fn.json"
    path.write_text(json.dumps({"points": {"other": {"remaining": 1, "mode": "kill"}}}))
    assert run_child("mine", path).stdout.split() == ["before", "after"]
    assert run_child("mine", tmp_path / "absent.json").stdout.split() == ["before", "after"]


def test_armed_point_kills_the_process_once_then_passes(tmp_path: Path) -> None:
    # GIVEN a point armed for one pass
    path = tmp_path / "fn.json"
    path.write_text(json.dumps({"points": {"p": {"remaining": 1, "mode": "kill"}}}))
    # WHEN the process passes it THEN it dies by SIGKILL before going on
    first = run_child("p", path)
    assert first.returncode == -9
    assert "before" in first.stdout
    assert "after" not in first.stdout
    # AND the pass was consumed and counted: the next process goes through
    assert run_child("p", path).stdout.split() == ["before", "after"]
    document = json.loads(path.read_text())
    assert document["points"]["p"]["remaining"] == 0
    assert document["hits"] == {"p": 1}


def test_a_matched_point_fires_only_for_its_message(tmp_path: Path) -> None:
    # GIVEN a point armed for the message whose keys contain "m-2"
    path = tmp_path / "fn.json"
    path.write_text(json.dumps({"points": {"p": {"remaining": 1, "mode": "kill", "match": "m-2"}}}))
    child = CHILD.replace("crash_point(sys.argv[1])", "crash_point(sys.argv[1], sys.argv[2])")

    def run(key: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-c", child, "p", key],
            env={
                "PATH": "/usr/bin:/bin",
                CRASH_FILE_ENV: str(path),
                "PYTHONPATH": ":".join(sys.path),
            },
            capture_output=True,
            text=True,
            check=False,
        )

    # THEN another message passes without consuming it, and its own dies
    assert run("m-1").returncode == 0
    assert run("m-2").returncode == -9
