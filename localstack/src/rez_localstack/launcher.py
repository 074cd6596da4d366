"""Start and stop the local AWS (LocalStack's runtime + our plugins) and the mock ntfy.

CLI (stdout is JSON only, diagnostics go to stderr)::

    python -m rez_localstack.launcher up     [--port N] [--ntfy-port M] [--no-ntfy] [--timeout S]
    python -m rez_localstack.launcher down   [--port N]
    python -m rez_localstack.launcher status [--port N]

API: ``start(port=..., with_mock_ntfy=True) -> Handle`` and ``stop(handle)``.

Everything binds 127.0.0.1. State and logs live in ``<state root>/<port>/``; processes are
tracked by PID *and* start time, and stopped with their descendants - never by name.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rez_localstack import processes, settings
from rez_localstack.lambda_runtime.runtime_folder import ensure_runtime_folder

_RECORD = "launch.json"


class LaunchError(RuntimeError):
    """LocalStack (or the mock ntfy) did not come up; the message carries the log's tail."""


@dataclass
class Handle:
    """What ``start`` brought up (or found running); ``stop`` takes it back down."""

    endpoint: str
    port: int | None
    ntfy: str | None = None
    ntfy_port: int | None = None
    pid: int | None = None
    pid_start: float | None = None
    ntfy_pid: int | None = None
    ntfy_pid_start: float | None = None
    state_dir: str | None = None
    log: str | None = None
    ntfy_log: str | None = None
    xray_daemon: str | None = None
    """``127.0.0.1:<udp port>``: the X-Ray endpoint functions get as AWS_XRAY_DAEMON_ADDRESS."""
    started: bool = False
    external: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps({k: v for k, v in asdict(self).items() if k != "extra"} | self.extra)


# ------------------------------------------------------------------ helpers


def _http_json(url: str, timeout: float = 2.0) -> Any:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return json.loads(response.read() or b"null")


def _healthy(endpoint: str) -> bool:
    """Gateway answers and LocalStack's start-up hooks are done."""
    try:
        _http_json(f"{endpoint}/_localstack/health")
        ready = _http_json(f"{endpoint}/_localstack/init/ready")
    except (OSError, ValueError):
        return False
    return bool(ready.get("completed")) if isinstance(ready, dict) else False


def _ntfy_healthy(url: str) -> bool:
    try:
        return bool(_http_json(f"{url}/v1/health").get("healthy"))
    except (OSError, ValueError, AttributeError):
        return False


def _port_in_use(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _free_udp_port() -> int:
    """A UDP port free on 127.0.0.1 now (LocalStack binds it a few seconds later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _tail(path: str | None, lines: int = 40) -> str:
    if not path or not Path(path).exists():
        return "(no log)"
    return "\n".join(Path(path).read_text(errors="replace").splitlines()[-lines:])


@contextlib.contextmanager
def _locked(state_dir: Path) -> Iterator[None]:
    """Serialise up/down for one port (two `make up` at once must not start two LocalStacks)."""
    state_dir.mkdir(parents=True, exist_ok=True)
    with open(state_dir / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _load(state_dir: Path) -> Handle | None:
    try:
        data = json.loads((state_dir / _RECORD).read_text())
    except (OSError, ValueError):
        return None
    return Handle(**{k: v for k, v in data.items() if k in Handle.__dataclass_fields__})


def _save(handle: Handle, state_dir: Path) -> None:
    (state_dir / _RECORD).write_text(handle.to_json())


def _spawn(args: list[str], env: dict[str, str], log: Path, cwd: Path) -> tuple[int, float | None]:
    """Start a detached background process (own session) logging to ``log``."""
    with open(log, "ab") as out:
        process = subprocess.Popen(
            args,
            env=env,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return process.pid, processes.start_time(process.pid)


def _wait(ok: Any, pid: int, started: float | None, timeout: float, what: str, log: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ok():
            return
        if not processes.is_alive(pid, started):
            raise LaunchError(f"{what} exited during start-up; log tail:\n{_tail(log)}")
        time.sleep(0.2)
    raise LaunchError(f"{what} did not come up within {timeout:.0f} s; log tail:\n{_tail(log)}")


# ------------------------------------------------------------------ API


def start(
    port: int | None = None,
    with_mock_ntfy: bool = True,
    ntfy_port: int | None = None,
    timeout: float | None = None,
    state_root: Path | None = None,
) -> Handle:
    """Bring LocalStack (and the mock ntfy) up on 127.0.0.1, or reuse what already runs there."""
    timeout = timeout or settings.env_float(
        settings.START_TIMEOUT_ENV, settings.DEFAULT_START_TIMEOUT
    )
    external = os.environ.get(settings.ENDPOINT_ENV)
    if external:
        endpoint = external.rstrip("/")
        deadline = time.monotonic() + timeout
        while not _healthy(endpoint):
            if time.monotonic() > deadline:
                raise LaunchError(f"{settings.ENDPOINT_ENV}={endpoint} is not healthy")
            time.sleep(0.5)
        return Handle(endpoint=endpoint, port=None, external=True)

    port = port or settings.env_int(settings.PORT_ENV, settings.DEFAULT_PORT)
    ntfy_port = ntfy_port or settings.env_int(settings.NTFY_PORT_ENV, settings.DEFAULT_NTFY_PORT)
    root = state_root or settings.state_root()
    state_dir = root / str(port)
    with _locked(state_dir):
        handle = _load(state_dir)
        if handle and handle.pid and processes.is_alive(handle.pid, handle.pid_start):
            handle.started = False
        else:
            handle = _start_localstack(port, state_dir)
        try:
            if with_mock_ntfy:  # started first: it comes up while LocalStack imports
                _ensure_ntfy(handle, ntfy_port, state_dir)
            _wait(
                lambda: _healthy(handle.endpoint),
                handle.pid or 0,
                handle.pid_start,
                timeout,
                "LocalStack",
                handle.log or "",
            )
            if with_mock_ntfy and handle.ntfy and handle.ntfy_pid:
                url = handle.ntfy
                _wait(
                    lambda: _ntfy_healthy(url),
                    handle.ntfy_pid,
                    handle.ntfy_pid_start,
                    timeout,
                    "mock ntfy",
                    handle.ntfy_log or "",
                )
        except LaunchError:
            _stop_record(handle)
            (state_dir / _RECORD).unlink(missing_ok=True)
            raise
        _save(handle, state_dir)
    return handle


def _start_localstack(port: int, state_dir: Path) -> Handle:
    if _port_in_use(port):
        raise LaunchError(
            f"127.0.0.1:{port} is already in use by a process this launcher did not start; "
            f"choose another {settings.PORT_ENV} or set {settings.ENDPOINT_ENV} to use it"
        )
    runtime_dir = ensure_runtime_folder(settings.runtime_cache())
    log = state_dir / "localstack.log"
    xray_port = _free_udp_port()
    env = settings.localstack_env(port, state_dir, runtime_dir)
    env[settings.XRAY_DAEMON_PORT_ENV] = str(xray_port)
    pid, pid_start = _spawn([sys.executable, "-m", "localstack.runtime.main"], env, log, state_dir)
    handle = Handle(
        endpoint=f"http://127.0.0.1:{port}",
        port=port,
        pid=pid,
        pid_start=pid_start,
        state_dir=str(state_dir),
        log=str(log),
        xray_daemon=f"127.0.0.1:{xray_port}",
        started=True,
    )
    _save(handle, state_dir)  # recorded before waiting: `down` works even if start-up hangs
    return handle


def _ensure_ntfy(handle: Handle, ntfy_port: int, state_dir: Path) -> None:
    """Start the mock ntfy unless this handle's one still runs (health is checked by the caller)."""
    if handle.ntfy_pid and processes.is_alive(handle.ntfy_pid, handle.ntfy_pid_start):
        return
    if _port_in_use(ntfy_port):
        raise LaunchError(f"mock ntfy port 127.0.0.1:{ntfy_port} is already in use")
    log = state_dir / "mock_ntfy.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOCALSTACK_")}
    args = [sys.executable, "-m", "rez_localstack.mock_ntfy", "--port", str(ntfy_port)]
    handle.ntfy_pid, handle.ntfy_pid_start = _spawn(args, env, log, state_dir)
    handle.ntfy = f"http://127.0.0.1:{ntfy_port}"
    handle.ntfy_port = ntfy_port
    handle.ntfy_log = str(log)
    _save(handle, state_dir)


def _stop_record(handle: Handle) -> list[int]:
    stopped: list[int] = []
    if handle.ntfy_pid:
        stopped += processes.stop_tree(handle.ntfy_pid, handle.ntfy_pid_start, grace=5)
    if handle.pid:
        stopped += processes.stop_tree(handle.pid, handle.pid_start, grace=20)
    return stopped


def stop(handle: Handle | int | None = None, state_root: Path | None = None) -> list[int]:
    """Stop exactly what ``start`` started (PIDs and their descendants); return those PIDs."""
    if isinstance(handle, Handle):
        if handle.external:
            return []
        port = handle.port
    else:
        port = handle
    if port is None and os.environ.get(settings.ENDPOINT_ENV):
        return []
    port = port or settings.env_int(settings.PORT_ENV, settings.DEFAULT_PORT)
    state_dir = (state_root or settings.state_root()) / str(port)
    with _locked(state_dir):
        record = _load(state_dir)
        if record is None:
            return []
        stopped = _stop_record(record)
        (state_dir / _RECORD).unlink(missing_ok=True)
    return stopped


def status(port: int | None = None, state_root: Path | None = None) -> dict[str, Any]:
    """What runs for ``port`` and whether it answers."""
    external = os.environ.get(settings.ENDPOINT_ENV)
    if external:
        return {"endpoint": external, "external": True, "healthy": _healthy(external.rstrip("/"))}
    port = port or settings.env_int(settings.PORT_ENV, settings.DEFAULT_PORT)
    record = _load((state_root or settings.state_root()) / str(port))
    if record is None or not record.pid:
        return {"endpoint": f"http://127.0.0.1:{port}", "running": False, "healthy": False}
    result: dict[str, Any] = json.loads(record.to_json())
    result["running"] = processes.is_alive(record.pid, record.pid_start)
    result["healthy"] = result["running"] and _healthy(record.endpoint)
    if record.ntfy:
        result["ntfy_healthy"] = _ntfy_healthy(record.ntfy)
    if result["running"]:
        result["memory"] = memory(record)
    return result


def memory(record: Handle) -> dict[str, Any]:
    """Resident memory (MiB) of what ``up`` started: LocalStack, the Lambda runtimes, the rest
    of LocalStack's descendants, the mock ntfy."""
    mib: dict[str, Any] = {"localstack_mb": 0.0, "lambda_runtimes_mb": 0.0, "lambda_runtimes": 0}
    mib["other_descendants_mb"] = 0.0
    if record.pid:
        mib["localstack_mb"] = processes.rss_kb(record.pid) / 1024
        for pid in processes.descendants(record.pid):
            if "lambda_runtime/bootstrap.py" in processes.cmdline(pid):
                mib["lambda_runtimes"] += 1
                mib["lambda_runtimes_mb"] += processes.rss_kb(pid) / 1024
            else:
                mib["other_descendants_mb"] += processes.rss_kb(pid) / 1024
    mib["mock_ntfy_mb"] = processes.rss_kb(record.ntfy_pid) / 1024 if record.ntfy_pid else 0.0
    mib["total_mb"] = sum(v for k, v in mib.items() if k.endswith("_mb"))
    return {k: round(v, 1) if isinstance(v, float) else v for k, v in mib.items()}


# ------------------------------------------------------------------ CLI


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rez_localstack.launcher")
    parser.add_argument("command", choices=["up", "down", "status"])
    parser.add_argument("--port", type=int, help=f"gateway port (env {settings.PORT_ENV})")
    parser.add_argument(
        "--ntfy-port", type=int, help=f"mock ntfy port (env {settings.NTFY_PORT_ENV})"
    )
    parser.add_argument("--no-ntfy", action="store_true", help="do not start the mock ntfy")
    parser.add_argument("--timeout", type=float, help="seconds to wait for health")
    args = parser.parse_args(argv)
    try:
        if args.command == "up":
            handle = start(args.port, not args.no_ntfy, args.ntfy_port, args.timeout)
            print(handle.to_json())
        elif args.command == "down":
            print(json.dumps({"stopped": stop(args.port)}))
        else:
            result = status(args.port)
            print(json.dumps(result))
            return 0 if result.get("healthy") else 1
    except LaunchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
