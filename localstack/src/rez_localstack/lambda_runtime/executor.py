"""LocalStack side of the host-process Lambda runtime: one child process per environment.

Implements LocalStack's ``RuntimeExecutor`` (``localstack.services.lambda_.invocation``) with the
``ExecutorEndpoint`` the Docker executor uses (start-up, futures, shut-down), so LocalStack's
invocation, logging, concurrency and event-source code is untouched; what changes is where the
runtime runs and that results come back on the invoke connection (``direct_invoke.py``).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import select
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from concurrent.futures import Future, InvalidStateError
from pathlib import Path

from localstack import config
from localstack.aws.api.lambda_ import PackageType
from localstack.services.lambda_.invocation.executor_endpoint import StatusErrorException
from localstack.services.lambda_.invocation.lambda_models import FunctionVersion, InvocationResult
from localstack.services.lambda_.invocation.runtime_executor import (
    LambdaRuntimeException,
    RuntimeExecutor,
)

from rez_localstack.faults.crash import CRASH_FILE_ENV, crash_file
from rez_localstack.lambda_runtime.direct_invoke import DirectExecutorEndpoint
from rez_localstack.lambda_runtime.interpreters import UnsupportedRuntimeError, find_interpreter
from rez_localstack.lambda_runtime.runtime_folder import RUNTIME_PATH_ENV

LOG = logging.getLogger(__name__)

BOOTSTRAP = Path(__file__).with_name("bootstrap.py")
HOST = "127.0.0.1"
#: Seconds a child gets to bind its port and say so.
PORT_TIMEOUT = 15.0


def unsupported_reason(function_version: FunctionVersion) -> str | None:
    """Why this executor cannot run the function, or None when it can."""
    if function_version.config.package_type != PackageType.Zip:
        return "The host-process Lambda executor runs zip functions only, not container images"
    try:
        find_interpreter(function_version.config.runtime or "")
    except UnsupportedRuntimeError as exc:
        return str(exc)
    return None


def _exit_error(code: int | None) -> bytes:
    return (
        '{"errorType": "Runtime.ExitError", "errorMessage": '
        f'"Error: Runtime exited with error: exit status {code}"}}'
    ).encode()


class HostProcessRuntimeExecutor(RuntimeExecutor):
    """Runs a Python zip function as ``python -I -S bootstrap.py`` bound to 127.0.0.1."""

    def __init__(self, id: str, function_version: FunctionVersion) -> None:
        super().__init__(id, function_version)
        self.executor_endpoint = DirectExecutorEndpoint(
            id, container_address=HOST, container_port=None
        )
        self._process: subprocess.Popen[bytes] | None = None
        self._lifeline: int | None = None
        self._env_vars: dict[str, str] = {}
        self._tmp_dir: Path | None = None
        self._log_path: Path | None = None
        self._lock = threading.Lock()
        self._stopped = False

    # ------------------------------------------------------------ lifecycle

    def start(self, env_vars: dict[str, str]) -> None:
        self.executor_endpoint.start()
        self._env_vars = env_vars
        if reason := unsupported_reason(self.function_version):
            # Every invoke answers this error (FunctionError: Unhandled). Failing the version in
            # prepare_version instead would leave a function LocalStack cannot delete.
            raise StatusErrorException(
                "Runtime not supported here",
                payload=json.dumps(
                    {"errorType": "Runtime.InvalidRuntime", "errorMessage": reason}
                ).encode(),
            )
        self._spawn()
        self.executor_endpoint.wait_for_startup()

    def _child_env(self, interpreter: Path, code_dir: Path) -> dict[str, str]:
        """Lambda's variables only (never the harness's own), pointed at host paths."""
        env = {k: str(v) for k, v in self._env_vars.items()}
        if level := env.get("AWS_LAMBDA_LOG_LEVEL"):
            # LocalStack capitalises ApplicationLogLevel ("Debug"); Lambda passes it as set
            # ("DEBUG"), the form Powertools matches (LAMBDA_ADVANCED_LOGGING_LEVELS).
            env["AWS_LAMBDA_LOG_LEVEL"] = level.upper()
        runtime = self.function_version.config.runtime
        assert self._tmp_dir is not None
        env.update(
            {
                "LAMBDA_TASK_ROOT": str(code_dir),
                "LAMBDA_RUNTIME_DIR": os.environ.get(RUNTIME_PATH_ENV, ""),
                "AWS_EXECUTION_ENV": f"AWS_Lambda_{runtime}",
                "PATH": f"{interpreter.parent}:/usr/local/bin:/usr/bin:/bin",
                "LANG": "en_US.UTF-8",
                "TMPDIR": str(self._tmp_dir),
                # Never the harness user's home: ~/.aws/config must not reach the function.
                "HOME": str(self._tmp_dir),
                "PYTHONUNBUFFERED": "1",
                # Harness only: where this function's armed crash points are (faults/crash.py).
                CRASH_FILE_ENV: str(crash_file(self.function_version.id.function_name)),
            }
        )
        # Harness only: botocore sends it in its User-Agent (``app/<name>``), so a fault rule
        # can target one function's calls (``faults`` rules' ``caller``); a function's own wins.
        env.setdefault("AWS_SDK_UA_APP_ID", self.function_version.id.function_name)
        return env

    def _spawn(self) -> None:
        """Start the child, learn its port from a pipe, and keep a lifeline pipe to it."""
        try:
            interpreter = find_interpreter(self.function_version.config.runtime or "")
        except UnsupportedRuntimeError as exc:
            raise LambdaRuntimeException(str(exc)) from exc
        code_dir = Path(self.function_version.config.code.get_unzipped_code_location())
        if not code_dir.is_dir():  # DeleteFunction removed it while this invoke arrived
            raise LambdaRuntimeException(f"The function's code is gone (deleted): {code_dir}")
        base_tmp = Path(tempfile.gettempdir()) / "rez-lambda"
        self._tmp_dir = base_tmp / f"{self.id}-tmp"
        self._tmp_dir.mkdir(parents=True, exist_ok=True)
        self._log_path = base_tmp / f"{self.id}.log"
        port_r, port_w = os.pipe()
        life_r, life_w = os.pipe()
        try:
            with open(self._log_path, "ab") as log:
                self._process = subprocess.Popen(
                    [
                        str(interpreter),
                        "-I",
                        "-S",
                        str(BOOTSTRAP),
                        "--port-fd",
                        str(port_w),
                        "--lifeline-fd",
                        str(life_r),
                        # Init Duration counts the interpreter's own start, as Lambda's does.
                        "--spawned-at",
                        repr(time.time()),
                    ],
                    env=self._child_env(interpreter, code_dir),
                    cwd=code_dir,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    pass_fds=(port_w, life_r),
                    start_new_session=True,  # its own group: stop() takes handler subprocesses too
                )
        finally:
            os.close(port_w)
            os.close(life_r)
        self._lifeline = life_w
        try:
            self.executor_endpoint.container_port = self._read_port(port_r)
        finally:
            os.close(port_r)
        threading.Thread(
            target=self._watch, args=(self._process,), name=f"lambda-watch-{self.id}", daemon=True
        ).start()

    def _read_port(self, fd: int) -> int:
        ready, _, _ = select.select([fd], [], [], PORT_TIMEOUT)
        data = os.read(fd, 32) if ready else b""
        if not data.strip():
            raise LambdaRuntimeException(
                f"Lambda environment {self.id} did not start; its log: {self.get_logs()[-2000:]}"
            )
        return int(data.strip())

    def _watch(self, process: subprocess.Popen[bytes]) -> None:
        """A child that dies on its own fails whatever waits on it, at once."""
        code = process.wait()
        if self._stopped:
            return
        LOG.debug("Lambda environment %s exited with %s", self.id, code)
        startup = self.executor_endpoint.startup_future
        if startup is not None and not startup.done():
            with contextlib.suppress(InvalidStateError):
                startup.set_exception(
                    StatusErrorException("Environment startup failed", payload=_exit_error(code))
                )
        invocation = self.executor_endpoint.invocation_future
        if invocation is not None and not invocation.done():
            with contextlib.suppress(InvalidStateError):
                invocation.set_result(
                    InvocationResult("", _exit_error(code), is_error=True, logs=self.get_logs())
                )

    def stop(self) -> None:
        self._stopped = True
        if self._lifeline is not None:
            with contextlib.suppress(OSError):
                os.close(self._lifeline)  # the child's watchdog exits on EOF
            self._lifeline = None
        process = self._process
        if process is not None and process.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=5)
        try:
            self.executor_endpoint.shutdown()
        except Exception as exc:
            LOG.debug("Error shutting down executor endpoint %s: %s", self.id, exc)
        if self._tmp_dir is not None:
            shutil.rmtree(self._tmp_dir, ignore_errors=True)

    # ------------------------------------------------------------ invocation

    def invoke(self, payload: dict[str, str]) -> InvocationResult:
        with self._lock:
            if self._process is not None and self._process.poll() is not None:
                self._respawn()
        return self.executor_endpoint.invoke(payload)

    def _respawn(self) -> None:
        """A runtime that exited is initialised again on the next invoke, as on AWS."""
        LOG.debug("Restarting Lambda environment %s", self.id)
        self.executor_endpoint.startup_future = Future()
        self._spawn()
        self.executor_endpoint.wait_for_startup()

    # ------------------------------------------------------------ addresses

    def get_address(self) -> str:
        return HOST

    def get_endpoint_from_executor(self) -> str:
        return HOST

    def get_runtime_endpoint(self) -> str:
        return (
            f"http://{HOST}:{config.GATEWAY_LISTEN[0].port}"
            f"{self.executor_endpoint.get_endpoint_prefix()}"
        )

    def get_logs(self) -> str:
        if self._log_path is None or not self._log_path.exists():
            return ""
        return self._log_path.read_text(errors="replace")[-20000:]

    # ------------------------------------------------------------ versions

    @classmethod
    def prepare_version(cls, function_version: FunctionVersion) -> None:
        """Unzip the code; no image pull, no init binary. Unservable runtimes fail at invoke."""
        if reason := unsupported_reason(function_version):
            LOG.warning("Function %s will not run: %s", function_version.qualified_arn, reason)
        if function_version.config.package_type == PackageType.Zip and function_version.config.code:
            function_version.config.code.prepare_for_execution()

    @classmethod
    def cleanup_version(cls, function_version: FunctionVersion) -> None:
        """Nothing to clean: LocalStack removes the unzipped code itself."""

    @classmethod
    def validate_environment(cls) -> bool:
        if not os.environ.get(RUNTIME_PATH_ENV):
            LOG.warning(
                "%s is not set: Lambda functions will not find boto3 (start LocalStack with "
                "`python -m rez_localstack.launcher up`)",
                RUNTIME_PATH_ENV,
            )
        return True
