"""The launcher: `up` twice, an external endpoint, a failed start, and `down` leaving nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import boto3
import pytest

from rez_localstack import launcher, processes, settings
from tests.conftest import ROLE, build_zip, free_port, wait_until


def cli(*args: str, env: dict[str, str] | None = None) -> tuple[int, dict[str, Any], str]:
    """Run the launcher CLI as other packages' tests do; stdout must be JSON."""
    result = subprocess.run(
        [sys.executable, "-m", "rez_localstack.launcher", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=180,
        check=False,
    )
    return result.returncode, json.loads(result.stdout or "null"), result.stderr


def test_up_twice_is_harmless(harness: launcher.Handle) -> None:
    assert harness.port and harness.ntfy_port
    code, again, _ = cli("up", "--port", str(harness.port), "--ntfy-port", str(harness.ntfy_port))

    assert code == 0
    assert again["started"] is False
    assert again["pid"] == harness.pid and again["ntfy_pid"] == harness.ntfy_pid
    assert again["endpoint"] == harness.endpoint and again["ntfy"] == harness.ntfy
    code, status, _ = cli("status", "--port", str(harness.port))
    assert code == 0 and status["healthy"] is True and status["ntfy_healthy"] is True


def test_external_endpoint_is_only_health_checked(harness: launcher.Handle, tmp_path: Path) -> None:
    port = free_port()
    env = {settings.ENDPOINT_ENV: harness.endpoint, settings.STATE_DIR_ENV: str(tmp_path)}

    code, up, _ = cli("up", "--port", str(port), env=env)

    assert code == 0
    assert up["external"] is True and up["endpoint"] == harness.endpoint
    assert up["pid"] is None and up["started"] is False
    assert not (tmp_path / str(port)).exists()  # nothing was started or recorded
    assert cli("down", env=env)[1] == {"stopped": []}
    # and an unhealthy external endpoint is an error, quickly
    bad = {**env, settings.ENDPOINT_ENV: f"http://127.0.0.1:{port}"}
    code, _, err = cli("up", "--timeout", "1", env=bad)
    assert code == 1 and "is not healthy" in err


def test_failed_start_reports_log_tail_and_cleans_up(tmp_path: Path) -> None:
    with pytest.raises(launcher.LaunchError) as failure:
        launcher.start(port=free_port(), with_mock_ntfy=False, timeout=0.5, state_root=tmp_path)

    message = str(failure.value)
    assert "did not come up within" in message and "log tail" in message
    record = next(tmp_path.glob("*/launch.json"), None)
    assert record is None  # nothing left recorded...
    log = next(tmp_path.glob("*/localstack.log"))
    assert log.exists()  # ...but the log stays for reading


SPAWNER = """
import subprocess
def handler(event, context):
    # a grandchild the function leaves behind: `down` must take it too
    child = subprocess.Popen(["sleep", "300"])
    return child.pid
"""


def test_down_stops_everything_it_started(tmp_path: Path) -> None:
    # GIVEN a harness started through the CLI, with a warm Lambda environment that forked
    port, ntfy_port = free_port(), free_port()
    env = {settings.STATE_DIR_ENV: str(tmp_path)}
    code, up, err = cli("up", "--port", str(port), "--ntfy-port", str(ntfy_port), env=env)
    assert code == 0, err
    lam = boto3.client(
        "lambda",
        endpoint_url=up["endpoint"],
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    lam.create_function(
        FunctionName="spawner",
        Runtime="python3.13",
        Role=ROLE,
        Handler="app.handler",
        Code={"ZipFile": build_zip({"app.py": SPAWNER})},
    )
    wait_until(
        lambda: lam.get_function(FunctionName="spawner")["Configuration"]["State"] == "Active"
    )
    grandchild = json.loads(lam.invoke(FunctionName="spawner")["Payload"].read())
    tree = [up["pid"], up["ntfy_pid"], *processes.descendants(up["pid"])]
    started = {pid: processes.start_time(pid) for pid in tree}
    started[grandchild] = processes.start_time(grandchild)
    assert all(started.values()), started
    assert len(tree) >= 3  # LocalStack, the mock ntfy, at least one Lambda environment
    # `status` (make status) reports what each part holds in memory
    code, status, err = cli("status", "--port", str(port), env=env)
    memory = status["memory"]
    assert code == 0 and memory["lambda_runtimes"] >= 1, (status, err)
    assert memory["localstack_mb"] > 50 and memory["lambda_runtimes_mb"] > 1
    assert memory["mock_ntfy_mb"] > 1
    parts = ("localstack_mb", "lambda_runtimes_mb", "other_descendants_mb", "mock_ntfy_mb")
    assert abs(memory["total_mb"] - sum(memory[p] for p in parts)) < 0.5

    # WHEN `down` runs
    code, down, err = cli("down", "--port", str(port), env=env)

    # THEN every one of those processes is gone, and nothing listens any more
    assert code == 0, err
    assert up["pid"] in down["stopped"] and up["ntfy_pid"] in down["stopped"]
    wait_until(lambda: not any(processes.is_alive(p, s) for p, s in started.items()), timeout=10)
    assert not launcher._port_in_use(port) and not launcher._port_in_use(ntfy_port)
    assert cli("status", "--port", str(port), env=env)[1]["running"] is False


def test_runtime_folder_is_installed_once(harness: launcher.Handle) -> None:
    runtime = settings.runtime_cache() / "python"
    marker = json.loads((runtime / ".rez-runtime.json").read_text())
    assert (runtime / "boto3").is_dir() and "boto3" in marker
    before = (runtime / ".rez-runtime.json").stat().st_mtime
    from rez_localstack.lambda_runtime.runtime_folder import ensure_runtime_folder

    started = time.monotonic()
    ensure_runtime_folder(runtime.parent)
    assert time.monotonic() - started < 1
    assert (runtime / ".rez-runtime.json").stat().st_mtime == before
