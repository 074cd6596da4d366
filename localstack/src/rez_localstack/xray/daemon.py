"""The X-Ray endpoint functions send to: UDP on 127.0.0.1, what Lambda runs in every sandbox.

In Lambda, ``AWS_XRAY_DAEMON_ADDRESS`` names a UDP endpoint taking the X-Ray daemon's segment
documents and ADOT's OTLP datagrams (``datagrams.py``). Here one endpoint serves every function:
the launcher picks its port (``REZ_XRAY_DAEMON_PORT``) and prints it; the Lambda executor hands
it to functions with active tracing. A datagram it cannot read is logged and dropped, as the
daemon does.
"""

from __future__ import annotations

import logging
import os
import socket
import threading

from rez_localstack.xray.datagrams import DatagramError, decode
from rez_localstack.xray.traces import TraceStore, shared_store

LOG = logging.getLogger(__name__)

PORT_ENV = "REZ_XRAY_DAEMON_PORT"
HOST = "127.0.0.1"
#: The largest UDP payload; the daemon's limit is 64 KB too.
MAX_DATAGRAM = 65535


class XRayDaemon:
    """A UDP listener storing what it receives in a trace store."""

    def __init__(self, port: int = 0, store: TraceStore | None = None) -> None:
        self.store = store if store is not None else shared_store()
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 * 1024 * 1024)
        self._socket.bind((HOST, port))
        self.port: int = self._socket.getsockname()[1]
        self.dropped = 0
        self._thread: threading.Thread | None = None
        self._stopped = threading.Event()

    @property
    def address(self) -> str:
        """``127.0.0.1:<port>``, as ``AWS_XRAY_DAEMON_ADDRESS`` spells it."""
        return f"{HOST}:{self.port}"

    def start(self) -> XRayDaemon:
        self._thread = threading.Thread(target=self._serve, name="rez-xray-daemon", daemon=True)
        self._thread.start()
        return self

    def handle(self, datagram: bytes) -> None:
        """Decode and store one datagram (the listener's work, callable directly in tests)."""
        try:
            decoded = decode(datagram)
        except DatagramError as error:
            self.dropped += 1
            LOG.warning("X-Ray endpoint dropped a datagram: %s", error)
            return
        if decoded.unsampled_spans:
            self.store.count_unsampled(decoded.unsampled_spans)
        refused = self.store.put(decoded.documents)
        if refused:
            self.dropped += len(refused)
            LOG.warning("X-Ray endpoint dropped invalid segment documents: %s", refused)

    def _serve(self) -> None:
        while not self._stopped.is_set():
            try:
                datagram, _ = self._socket.recvfrom(MAX_DATAGRAM)
            except OSError:
                return
            try:
                self.handle(datagram)
            except Exception:  # never let one datagram stop the endpoint
                LOG.exception("X-Ray endpoint failed on a datagram")

    def stop(self) -> None:
        self._stopped.set()
        self._socket.close()


_DAEMON: list[XRayDaemon] = []


def running() -> XRayDaemon | None:
    """The endpoint of this LocalStack process, if started."""
    return _DAEMON[0] if _DAEMON else None


def daemon_address() -> str | None:
    """``AWS_XRAY_DAEMON_ADDRESS`` for functions with active tracing."""
    daemon = running()
    return daemon.address if daemon else None


def start_daemon() -> XRayDaemon:
    """Start the endpoint on ``REZ_XRAY_DAEMON_PORT`` (any free port when unset); idempotent."""
    if not _DAEMON:
        _DAEMON.append(XRayDaemon(int(os.environ.get(PORT_ENV) or 0)).start())
        LOG.info("X-Ray endpoint listening on udp://%s", _DAEMON[0].address)
    return _DAEMON[0]


def stop_daemon() -> None:
    while _DAEMON:
        _DAEMON.pop().stop()
