"""The function-side runtime alone, against a fake executor endpoint: protocol and lifeline."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from rez_localstack import lambda_runtime, processes
from tests.conftest import wait_until

# Not imported from the executor: that would load LocalStack for a stdlib-only test.
BOOTSTRAP = Path(lambda_runtime.__file__).with_name("bootstrap.py")


class _Endpoint(BaseHTTPRequestHandler):
    posts: list[tuple[str, Any]]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        type(self).posts.append((self.path, json.loads(body or b"null")))
        self.send_response(202)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def endpoint() -> Iterator[tuple[str, list[tuple[str, Any]]]]:
    posts: list[tuple[str, Any]] = []
    handler = type("Handler", (_Endpoint,), {"posts": posts})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/_localstack_lambda/env1", posts
    server.shutdown()


def _spawn(code: Path, runtime_endpoint: str) -> tuple[subprocess.Popen[bytes], int, int]:
    port_r, port_w = os.pipe()
    life_r, life_w = os.pipe()
    env = {
        "LOCALSTACK_RUNTIME_ENDPOINT": runtime_endpoint,
        "LOCALSTACK_RUNTIME_ID": "rt1",
        "_HANDLER": "app.handler",
        "LAMBDA_TASK_ROOT": str(code),
        "AWS_LAMBDA_FUNCTION_TIMEOUT": "3",
        "AWS_LAMBDA_FUNCTION_NAME": "fn",
        "PATH": "/usr/bin:/bin",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-I",
            "-S",
            str(BOOTSTRAP),
            "--port-fd",
            str(port_w),
            "--lifeline-fd",
            str(life_r),
        ],
        env=env,
        cwd=code,
        pass_fds=(port_w, life_r),
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(port_w)
    os.close(life_r)
    port = int(os.read(port_r, 32))
    os.close(port_r)
    return process, port, life_w


def test_protocol_and_lifeline(tmp_path: Path, endpoint: tuple[str, list[Any]]) -> None:
    # GIVEN a function that starts a grandchild, run by the bootstrap
    url, posts = endpoint
    (tmp_path / "app.py").write_text(
        "import logging, subprocess\n"
        "logging.basicConfig(level=logging.INFO)  # a no-op on AWS: the root has a handler\n"
        "def handler(event, context):\n"
        "    print('got', event['n'])\n"
        "    logging.info('hidden')\n"
        "    logging.getLogger('app').warning('warned')\n"
        "    return subprocess.Popen(['sleep', '300']).pid\n"
    )
    process, port, lifeline = _spawn(tmp_path, url)
    try:
        wait_until(lambda: any(p == "/_localstack_lambda/env1/status/rt1/ready" for p, _ in posts))

        # WHEN the executor sends an invoke
        invoke = {
            "invoke-id": "req-1",
            "invoked-function-arn": "arn:fn",
            "payload": '{"n": 5}',
            "trace-id": "Root=1-abc",
        }
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/invoke", data=json.dumps(invoke).encode(), method="POST"
        )
        with urllib.request.urlopen(request, timeout=5) as answer:
            kind = answer.headers["X-Rez-Result"]
            logs_length = int(answer.headers["X-Rez-Logs-Length"])
            data = answer.read()

        # THEN the answer is the result: the invocation's logs, then its payload
        logs = data[:logs_length].decode()
        assert kind == "response"
        assert logs.startswith("START RequestId: req-1 Version: $LATEST\n")
        assert "got 5\n" in logs and "END RequestId: req-1\n" in logs
        assert "REPORT RequestId: req-1\tDuration: " in logs
        assert "hidden" not in logs
        assert re.search(r"\[WARNING\]\t\d{4}-\d\d-\d\dT[\d:]+\.\d{3}Z\treq-1\twarned\n", logs)
        grandchild = json.loads(data[logs_length:])
        grandchild_start = processes.start_time(grandchild)
        assert grandchild_start is not None
        # and nothing about the invocation went through LocalStack's gateway
        assert not any("/invocations/" in path for path, _ in posts)

        # WHEN the executor's end of the lifeline closes (LocalStack died, even by SIGKILL)
        os.close(lifeline)

        # THEN the runtime and everything in its group exit by themselves
        process.wait(timeout=5)
        wait_until(lambda: not processes.is_alive(grandchild, grandchild_start), timeout=5)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, 9)
            process.wait()


def test_init_duration_counts_from_the_spawn_and_memory_is_this_process() -> None:
    # GIVEN the bootstrap's figures for REPORT, computed without /proc where there is none
    from rez_localstack.lambda_runtime import bootstrap

    # WHEN the executor spawned it 2 s ago (--spawned-at), or did not say
    # THEN Init Duration counts from the spawn (the interpreter's own start, as on Lambda)
    assert bootstrap._process_age_ms(time.time() - 2) >= 2000
    assert bootstrap._process_age_ms(None) == 0.0
    # AND Max Memory Used is this process's peak: positive, and far below a LocalStack's
    assert 0 < bootstrap._peak_memory_mb() < 1024
