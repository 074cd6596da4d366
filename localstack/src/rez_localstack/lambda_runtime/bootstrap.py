"""The function side of the host-process Lambda runtime: one process per execution environment.

Run as a *script* (``python -I -S bootstrap.py ...``), never imported by the function, and uses the
standard library only: the function's import path is its own code plus the runtime folder
(boto3), exactly as on AWS, so a dependency missing from the zip fails with
``Runtime.ImportModuleError`` here too.

Protocol: bind 127.0.0.1, import ``_HANDLER``, POST
``{LOCALSTACK_RUNTIME_ENDPOINT}/status/{LOCALSTACK_RUNTIME_ID}/ready`` (or ``/error``), as in
LocalStack's ``executor_endpoint.py``. The executor then POSTs ``/invoke`` with ``invoke-id``,
``invoked-function-arn``, ``payload`` and ``trace-id``, and the result comes back as that
request's answer (``direct_invoke.py``): ``X-Rez-Result: response|error``,
``X-Rez-Logs-Length: N``, and a body of the invocation's log text (N bytes) then its payload.
LocalStack's own protocol answers ``/invoke`` at once and has the runtime POST ``/logs`` and
``/response`` back through the gateway: two more trips through its whole handler chain for every
invocation, which cost more than the rest of a warm invoke.

HTTP is spoken over plain sockets: ``http.server``/``http.client`` would add ~100 ms of imports
(ssl, email, ...) to every cold start, and the two messages exchanged here are trivial.

A timed-out handler cannot be stopped inside Python, so, as AWS resets the sandbox, the process
re-executes itself (same PID, same port) and initialises again.

Paths as on AWS: the code, the runtime folder and the standard library live on the host wherever
they were unzipped or installed, but tracebacks (error payloads, logs, ``logging``'s
``pathname``) name them as AWS's Python runtime has them: ``/var/task/...``,
``/var/lang/lib/python3.X/site-packages/...``, ``/var/lang/lib/python3.X/...``. Code objects get
the AWS path as their file name when imported; ``__file__`` stays the real path, so code that
reads files beside itself still finds them.
"""

from __future__ import annotations

import _imp
import importlib
import importlib.machinery
import io
import json
import logging
import os
import queue
import signal
import socket
import sys
import threading
import time
import traceback
from typing import Any

_PROCESS_START = time.monotonic()


# ---------------------------------------------------------------- process lifetime


def _watch_lifeline(fd: int) -> None:
    """Exit with the whole process group when the executor's end of the pipe closes.

    The pipe closes when LocalStack dies for any reason (even SIGKILL), which PR_SET_PDEATHSIG
    cannot promise: it fires when the parent *thread* exits, and LocalStack spawns from pools.
    """

    def watch() -> None:
        try:
            while os.read(fd, 1):
                pass
        except OSError:
            pass
        os.killpg(os.getpgid(0), signal.SIGKILL)

    threading.Thread(target=watch, name="lifeline", daemon=True).start()


# ---------------------------------------------------------------- paths as on AWS

#: (host folder, AWS folder), longest host folder first.
_AWS_PATHS: list[tuple[str, str]] = []


def aws_path(path: str) -> str:
    """The path AWS's Python runtime shows for a host path (unchanged when not ours)."""
    for host, aws in _AWS_PATHS:
        if path == host or path.startswith(host + os.sep):
            return aws + path[len(host) :]
    return path


class _AwsPathSourceLoader(importlib.machinery.SourceFileLoader):
    """Gives a module's code objects the AWS path as their file name (tracebacks show it)."""

    def get_code(self, fullname: str) -> Any:
        code = super().get_code(fullname)
        virtual = aws_path(self.path)
        if code is not None and virtual != self.path:
            _imp._fix_co_filename(code, virtual)  # type: ignore[attr-defined]
        return code


def _use_aws_paths(task_root: str, runtime_dir: str) -> None:
    version = f"python{sys.version_info[0]}.{sys.version_info[1]}"
    pairs = [
        (task_root, "/var/task"),
        (runtime_dir, f"/var/lang/lib/{version}/site-packages"),
        (os.path.dirname(os.__file__), f"/var/lang/lib/{version}"),
    ]
    real = [(os.path.realpath(h), a) for h, a in pairs if h] + [(h, a) for h, a in pairs if h]
    _AWS_PATHS[:] = sorted(set(real), key=lambda pair: len(pair[0]), reverse=True)
    machinery = importlib.machinery
    hook = machinery.FileFinder.path_hook(
        (_AwsPathSourceLoader, machinery.SOURCE_SUFFIXES),
        (machinery.ExtensionFileLoader, machinery.EXTENSION_SUFFIXES),
        (machinery.SourcelessFileLoader, machinery.BYTECODE_SUFFIXES),
    )
    sys.path_hooks.insert(0, hook)
    sys.path_importer_cache.clear()
    # Modules this runtime imported before (json, logging, ...) keep their host file names:
    # tracebacks through them name the AWS path too, their source lines read first.
    frame_init = traceback.FrameSummary.__init__

    def init(self: traceback.FrameSummary, filename: str, *args: Any, **kwargs: Any) -> None:
        frame_init(self, filename, *args, **kwargs)
        virtual = aws_path(filename)
        if virtual != filename:
            _ = self.line  # read from the real file before the name changes
            self.filename = virtual

    traceback.FrameSummary.__init__ = init  # type: ignore[method-assign]


# ---------------------------------------------------------------- output capture


class _Capture(io.TextIOBase):
    """Stands in for stdout and stderr: keeps the text for the invocation's log, echoes it."""

    def __init__(self, real: Any) -> None:
        self._real = real
        self._chunks: list[str] = []
        self._lock = threading.Lock()

    def write(self, text: str) -> int:
        with self._lock:
            self._chunks.append(text)
        try:
            self._real.write(text)
            self._real.flush()
        except (OSError, ValueError):
            pass
        return len(text)

    def take(self) -> str:
        with self._lock:
            text, self._chunks = "".join(self._chunks), []
        return text

    def flush(self) -> None:
        pass

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        return int(self._real.fileno())

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return "utf-8"


class _RequestIdFilter(logging.Filter):
    """Adds ``aws_request_id`` to each record, as the AWS runtime's LambdaLoggerFilter does."""

    request_id = ""

    def filter(self, record: logging.LogRecord) -> bool:
        record.aws_request_id = self.request_id
        return True


class _JsonFormatter(logging.Formatter):
    """AWS's application-log JSON (``LoggingConfig.LogFormat=JSON``)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "timestamp": self.formatTime(record, "%Y-%m-%dT%H:%M:%S")
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "message": record.getMessage(),
            "logger": record.name,
            "requestId": getattr(record, "aws_request_id", ""),
        }
        if record.exc_info:
            entry["stackTrace"] = traceback.format_exception(*record.exc_info)
        return json.dumps(entry, default=str)


def _setup_logging(capture: _Capture) -> _RequestIdFilter:
    """A root handler shaped like AWS's, so ``logging.basicConfig()`` is a no-op here too."""
    logging.Formatter.converter = time.gmtime
    handler = logging.StreamHandler(capture)
    if os.environ.get("AWS_LAMBDA_LOG_FORMAT", "").upper() == "JSON":
        handler.setFormatter(_JsonFormatter())
    else:
        handler.setFormatter(
            logging.Formatter(
                "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s",
                "%Y-%m-%dT%H:%M:%S",
            )
        )
    handler.terminator = "\n"  # after the record's traceback too
    request_filter = _RequestIdFilter()
    handler.addFilter(request_filter)
    root = logging.getLogger()
    root.addHandler(handler)
    level = os.environ.get("AWS_LAMBDA_LOG_LEVEL")
    if level:
        root.setLevel(level.upper())
    return request_filter


# ---------------------------------------------------------------- talking to LocalStack


def _read_http_message(stream: Any) -> tuple[str, dict[str, str], bytes]:
    """Read one HTTP/1.1 request or response: first line, headers (lower-case), body."""
    first = stream.readline()
    if not first:
        raise ConnectionError("connection closed")
    headers: dict[str, str] = {}
    while True:
        line = stream.readline()
        if line in (b"\r\n", b"\n", b""):
            break
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    if "chunked" in headers.get("transfer-encoding", "").lower():
        chunks = []
        while size := int(stream.readline().split(b";")[0].strip() or b"0", 16):
            chunks.append(stream.read(size))
            stream.readline()
        stream.readline()
        body = b"".join(chunks)
    else:
        body = stream.read(int(headers.get("content-length") or 0))
    return first.decode("latin-1").strip(), headers, body


class _LocalStack:
    """Keep-alive HTTP client for the executor endpoint of this environment."""

    def __init__(self, endpoint: str, runtime_id: str) -> None:
        # http://127.0.0.1:4566/_localstack_lambda/<id>
        authority, _, path = endpoint.split("://", 1)[-1].partition("/")
        host, _, port = authority.partition(":")
        self._address = (host or "127.0.0.1", int(port or 80))
        self._authority = authority
        self._prefix = "/" + path.rstrip("/")
        self._runtime_id = runtime_id
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None
        self._stream: Any = None

    def _close(self) -> None:
        if self._sock is not None:
            self._sock.close()
        self._sock = self._stream = None

    def post(self, path: str, body: bytes) -> int:
        request = (
            f"POST {self._prefix}{path} HTTP/1.1\r\nHost: {self._authority}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode() + body
        with self._lock:
            for attempt in (1, 2):
                try:
                    if self._sock is None:
                        self._sock = socket.create_connection(self._address, timeout=30)
                        self._stream = self._sock.makefile("rb")
                    self._sock.sendall(request)
                    status_line, headers, _ = _read_http_message(self._stream)
                    if headers.get("connection", "").lower() == "close":
                        self._close()
                    return int(status_line.split()[1])
                except (OSError, ValueError, IndexError):
                    self._close()  # a kept-alive connection the server dropped: once more
                    if attempt == 2:
                        raise
        return 0

    def status(self, kind: str, body: dict[str, Any] | None = None) -> None:
        self.post(f"/status/{self._runtime_id}/{kind}", json.dumps(body or {}).encode())


_REPLY = "_rez_reply"
"""Key of the `_Reply` an invocation carries from the connection that brought it."""


class _Reply:
    """The answer to one ``/invoke`` request: the invocation's result, written once."""

    def __init__(self, conn: socket.socket) -> None:
        self._conn = conn
        self.sent = threading.Event()

    def send(self, kind: str, logs: str, body: bytes) -> None:
        log_bytes = logs.encode(errors="replace")
        head = (
            f"HTTP/1.1 200 OK\r\nX-Rez-Result: {kind}\r\nX-Rez-Logs-Length: {len(log_bytes)}\r\n"
            f"Content-Length: {len(log_bytes) + len(body)}\r\nConnection: close\r\n\r\n"
        )
        try:
            self._conn.sendall(head.encode() + log_bytes + body)
        except OSError:
            pass  # the executor gave up on this invocation (its environment is being stopped)
        finally:
            self.sent.set()


# ---------------------------------------------------------------- the handler


class _InitError(Exception):
    """Init failed; carries the AWS-shaped error body."""

    def __init__(self, body: dict[str, Any]) -> None:
        super().__init__(body["errorMessage"])
        self.body = body


def _error_body(exc: BaseException, error_type: str | None = None) -> dict[str, Any]:
    """AWS's error shape; the stack trace shows the function's frames, not this runtime's."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename != __file__]
    return {
        "errorMessage": str(exc),
        "errorType": error_type or type(exc).__name__,
        "requestId": "",
        "stackTrace": traceback.format_list(frames),
    }


def _response_too_large(limit: int) -> bytes:
    """AWS's answer to a response over the quota (``FunctionError: Unhandled``)."""
    return json.dumps(
        {
            "errorMessage": f"Response payload size exceeded maximum allowed payload size "
            f"({limit} bytes).",
            "errorType": "Function.ResponseSizeTooLarge",
        }
    ).encode()


def _load_handler(spec: str) -> Any:
    """Import ``module.function`` as the AWS Python runtime does, with its error types."""
    try:
        module_name, function_name = spec.rsplit(".", 1)
    except ValueError as exc:
        raise _InitError(
            {
                "errorMessage": f"Bad handler '{spec}': {exc}",
                "errorType": "Runtime.MalformedHandlerName",
                "requestId": "",
                "stackTrace": [],
            }
        ) from None
    module_name = module_name.replace("/", ".")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise _InitError(
            {
                "errorMessage": f"Unable to import module '{module_name}': {exc}",
                "errorType": "Runtime.ImportModuleError",
                "requestId": "",
                "stackTrace": [],
            }
        ) from None
    except SyntaxError as exc:
        raise _InitError(
            {
                "errorMessage": f"Syntax error in module '{module_name}': {exc}",
                "errorType": "Runtime.UserCodeSyntaxError",
                "requestId": "",
                "stackTrace": [],
            }
        ) from None
    except Exception as exc:
        raise _InitError(_error_body(exc)) from None
    handler = getattr(module, function_name, None)
    if handler is None:
        raise _InitError(
            {
                "errorMessage": f"Handler '{function_name}' missing on module '{module_name}'",
                "errorType": "Runtime.HandlerNotFound",
                "requestId": "",
                "stackTrace": [],
            }
        )
    return handler


class LambdaContext:
    """The ``context`` argument, with the attributes and method of the AWS Python runtime's."""

    def __init__(self, request_id: str, invoked_arn: str, deadline: float) -> None:
        self.aws_request_id = request_id
        self.invoked_function_arn = invoked_arn
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME", "")
        self.identity = None
        self.client_context = None
        self.tenant_id = None
        self._deadline = deadline

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.time()) * 1000))

    def __repr__(self) -> str:
        return f"LambdaContext([aws_request_id={self.aws_request_id}])"


def _peak_memory_mb() -> int:
    """Peak RSS of this image, as Lambda's ``Max Memory Used`` reports it.

    On Linux, ``VmHWM``: ``ru_maxrss`` would count LocalStack's, since a child forked (or
    vforked) from it inherits the high-water mark across exec. Elsewhere (macOS) the kernel
    starts the count afresh at exec, and ``ru_maxrss`` is in bytes.
    """
    if sys.platform == "linux":
        try:
            with open("/proc/self/status") as status:
                for line in status:
                    if line.startswith("VmHWM:"):
                        return int(line.split()[1]) // 1024
        except OSError:
            pass
        return 0
    import resource  # POSIX only, like this bootstrap

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // (1024 * 1024)


def _process_age_ms(spawned_at: float | None) -> float:
    """Milliseconds since the executor spawned this process (``--spawned-at``), 0 if unknown."""
    if spawned_at is None:
        return 0.0
    return max(0.0, (time.time() - spawned_at) * 1000)


def _now_iso() -> str:
    now = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now * 1000) % 1000:03d}Z"


# ---------------------------------------------------------------- the runtime


class Runtime:
    """Serves one environment: init once, then invocations one at a time."""

    def __init__(
        self, server: socket.socket, reinit: bool, spawned_at: float | None = None
    ) -> None:
        self.server = server
        self.reinit = reinit
        self.spawned_at = spawned_at
        self.localstack = _LocalStack(
            os.environ["LOCALSTACK_RUNTIME_ENDPOINT"], os.environ["LOCALSTACK_RUNTIME_ID"]
        )
        self.timeout = float(os.environ.get("AWS_LAMBDA_FUNCTION_TIMEOUT") or 3)
        self.memory = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        self.version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        # Lambda quotas: 6 MB response (AWS's message names 6291556 bytes, as LocalStack's
        # LAMBDA_LIMITS_MAX_FUNCTION_PAYLOAD_SIZE_BYTES does).
        self.max_response = int(os.environ.get("LOCALSTACK_MAX_PAYLOAD_SIZE") or 6291556)
        self.invocations: queue.Queue[dict[str, Any]] = queue.Queue()
        self.capture = _Capture(sys.__stdout__)
        sys.stdout = self.capture
        sys.stderr = self.capture
        self.request_filter = _setup_logging(self.capture)
        self.handler: Any = None
        self.init_error: dict[str, Any] | None = None
        self.init_ms: float | None = None
        self._claim_lock = threading.Lock()
        self._finished: set[str] = set()

    def init(self) -> None:
        try:
            self.handler = _load_handler(os.environ.get("_HANDLER", ""))
        except _InitError as exc:
            self.init_error = exc.body
            print(f"[ERROR] {exc.body['errorType']}: {exc.body['errorMessage']}")
        self.init_ms = (time.monotonic() - _PROCESS_START) * 1000
        if not self.reinit:  # a fresh process: count the interpreter's own start too
            self.init_ms = max(self.init_ms, _process_age_ms(self.spawned_at))
        if self.reinit:
            return  # LocalStack already counts this environment as started
        if self.init_error is not None:
            self.localstack.status("error", self.init_error)
        else:
            self.localstack.status("ready")

    def _claim(self, request_id: str) -> bool:
        """Exactly one of (handler finished, timeout fired) reports an invocation."""
        with self._claim_lock:
            if request_id in self._finished:
                return False
            self._finished.add(request_id)
            return True

    def _report_line(self, request_id: str, duration_ms: float) -> str:
        max_rss_mb = _peak_memory_mb()
        line = (
            f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms\t"
            f"Billed Duration: {int(duration_ms) + 1} ms\tMemory Size: {self.memory} MB\t"
            f"Max Memory Used: {max_rss_mb} MB"
        )
        if self.init_ms is not None:
            line += f"\tInit Duration: {self.init_ms:.2f} ms"
            self.init_ms = None
        return line + "\n"

    def invoke(self, invocation: dict[str, Any]) -> None:
        reply: _Reply = invocation.pop(_REPLY)
        request_id = invocation["invoke-id"]
        trace_id = invocation.get("trace-id")
        if trace_id:
            os.environ["_X_AMZN_TRACE_ID"] = trace_id
        else:
            os.environ.pop("_X_AMZN_TRACE_ID", None)
        preamble = self.capture.take()  # init output belongs before the first START
        start_line = f"START RequestId: {request_id} Version: {self.version}\n"
        started = time.monotonic()
        deadline = time.time() + self.timeout
        timer = threading.Timer(
            self.timeout,
            self._on_timeout,
            args=(reply, request_id, preamble + start_line, started),
        )
        timer.daemon = True
        timer.start()
        self.request_filter.request_id = request_id
        kind, body = "response", b"null"
        try:
            if self.init_error is not None:
                kind, body = "error", json.dumps(self.init_error).encode()
            else:
                event = json.loads(invocation.get("payload") or "null")
                context = LambdaContext(request_id, invocation["invoked-function-arn"], deadline)
                result = self.handler(event, context)
                try:
                    body = json.dumps(result).encode()
                except (TypeError, ValueError) as exc:
                    kind = "error"
                    body = json.dumps(
                        {
                            "errorMessage": f"Unable to marshal response: {exc}",
                            "errorType": "Runtime.MarshalError",
                            "requestId": request_id,
                            "stackTrace": [],
                        }
                    ).encode()
        except Exception as exc:
            error = _error_body(exc)
            error["requestId"] = request_id
            # As AWS's runtime logs it: the error line, then the function's frames only.
            print(
                f"[ERROR] {error['errorType']}: {error['errorMessage']}\n"
                "Traceback (most recent call last):\n" + "".join(error["stackTrace"]),
                end="",
            )
            kind, body = "error", json.dumps(error).encode()
        if kind == "response" and len(body) > self.max_response:
            kind, body = "error", _response_too_large(self.max_response)
        timer.cancel()
        if not self._claim(request_id):
            return  # the timeout already answered; the process is being replaced
        duration = (time.monotonic() - started) * 1000
        logs = (
            preamble
            + start_line
            + self.capture.take()
            + f"END RequestId: {request_id}\n"
            + self._report_line(request_id, duration)
        )
        reply.send(kind, logs, body)

    def _on_timeout(self, reply: _Reply, request_id: str, head: str, started: float) -> None:
        if not self._claim(request_id):
            return
        message = f"{_now_iso()} {request_id} Task timed out after {self.timeout:.2f} seconds"
        duration = (time.monotonic() - started) * 1000
        logs = (
            head
            + self.capture.take()
            + message
            + "\n"
            + f"END RequestId: {request_id}\n"
            + self._report_line(request_id, duration)
        )
        # Refuse new invokes before answering: LocalStack retries a refused connection, and
        # the re-executed process (same port) takes them.
        port = self.server.getsockname()[1]
        self.server.close()
        reply.send(
            "error",
            logs,
            json.dumps({"errorMessage": message, "errorType": "Sandbox.Timedout"}).encode(),
        )
        _reexec(port)

    def loop(self) -> None:
        while True:
            self.invoke(self.invocations.get())


def _reexec(port: int) -> None:
    """Replace this process with a fresh runtime on the same port (the AWS sandbox reset)."""
    args = [sys.executable, "-I", "-S", os.path.abspath(__file__), "--port", str(port), "--reinit"]
    lifeline = os.environ.get("_REZ_LIFELINE_FD")
    if lifeline:
        os.set_inheritable(int(lifeline), True)
        args += ["--lifeline-fd", lifeline]
    sys.__stdout__.flush()  # type: ignore[union-attr]
    os.execv(sys.executable, args)


def _serve(server: socket.socket, runtime: Runtime) -> None:
    """Accept the executor's connections; each on its own thread (``/invoke`` answers when done)."""
    while True:
        try:
            conn, _ = server.accept()
        except OSError:
            return  # closed for a re-exec
        threading.Thread(target=_answer, args=(conn, runtime), daemon=True).start()


def _answer(conn: socket.socket, runtime: Runtime) -> None:
    with conn, conn.makefile("rb") as stream:
        while True:
            try:
                request_line, headers, body = _read_http_message(stream)
            except (OSError, ValueError):
                return
            method, _, rest = request_line.partition(" ")
            path = rest.split(" ", 1)[0]
            if method == "POST" and path.rstrip("/") == "/invoke":
                reply = _Reply(conn)
                runtime.invocations.put({**json.loads(body), _REPLY: reply})
                reply.sent.wait()  # the result is this request's answer
                return
            status = "404 Not Found"
            conn.sendall(f"HTTP/1.1 {status}\r\nContent-Length: 0\r\n\r\n".encode())
            if headers.get("connection", "").lower() == "close":
                return


def _parse_args(argv: list[str]) -> dict[str, str]:
    options: dict[str, str] = {}
    it = iter(argv)
    for arg in it:
        if arg == "--reinit":
            options["reinit"] = "1"
        elif arg.startswith("--"):
            options[arg[2:]] = next(it)
    return options


def main() -> None:
    options = _parse_args(sys.argv[1:])
    if "lifeline-fd" in options:
        os.environ["_REZ_LIFELINE_FD"] = options["lifeline-fd"]
        _watch_lifeline(int(options["lifeline-fd"]))
    # The function's import path: its code first, then what the Lambda runtime provides.
    task_root = os.environ["LAMBDA_TASK_ROOT"]
    runtime_dir = os.environ.get("LAMBDA_RUNTIME_DIR", "")
    sys.path[:0] = [p for p in (task_root, runtime_dir) if p]
    _use_aws_paths(task_root, runtime_dir)
    os.chdir(task_root)
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", int(options.get("port", "0"))))
    server.listen(64)
    if "port-fd" in options:
        fd = int(options["port-fd"])
        os.write(fd, f"{server.getsockname()[1]}\n".encode())
        os.close(fd)
    spawned_at = float(options["spawned-at"]) if "spawned-at" in options else None
    runtime = Runtime(server, reinit="reinit" in options, spawned_at=spawned_at)
    threading.Thread(
        target=_serve, args=(server, runtime), name="invoke-server", daemon=True
    ).start()
    runtime.init()
    runtime.loop()


if __name__ == "__main__":
    main()
