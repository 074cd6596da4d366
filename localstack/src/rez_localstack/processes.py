"""Process bookkeeping by PID: descendants, identity, and stopping exactly what we started.

Never by name: other people's LocalStacks may run on this machine. A PID is identified by its
start time too, so a recycled PID is never signalled. psutil answers both questions the same
way on Linux and macOS (``/proc`` exists on Linux only).
"""

from __future__ import annotations

import contextlib
import os
import signal
import time

import psutil

#: What psutil raises for a process that is gone or not ours to inspect.
_GONE = (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess)


def start_time(pid: int) -> float | None:
    """When ``pid`` started (seconds since the epoch, as the OS records it), or None if gone."""
    try:
        process = psutil.Process(pid)
        if process.status() == psutil.STATUS_ZOMBIE:  # exited: gone for our purposes
            return None
        return float(process.create_time())
    except _GONE:
        return None


def is_alive(pid: int, started: float | None = None) -> bool:
    """True while ``pid`` runs (and, when given, is still the process that started then)."""
    now = start_time(pid)
    return now is not None and (started is None or now == started)


def children(pid: int) -> list[int]:
    """Direct children of ``pid``."""
    try:
        return [child.pid for child in psutil.Process(pid).children()]
    except _GONE:
        return []


def descendants(pid: int) -> list[int]:
    """All processes below ``pid``, depth first."""
    result: list[int] = []
    stack = children(pid)
    while stack:
        child = stack.pop()
        result.append(child)
        stack.extend(children(child))
    return result


def signal_pid(pid: int, sig: int, started: float | None = None) -> None:
    """Send ``sig`` to ``pid`` only if it is still the same process."""
    if is_alive(pid, started):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, sig)


def signal_group(pgid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def wait_gone(pids: dict[int, float | None], timeout: float) -> dict[int, float | None]:
    """Wait until every ``pid -> start time`` is gone; return the ones still alive."""
    deadline = time.monotonic() + timeout
    alive = dict(pids)
    while alive and time.monotonic() < deadline:
        for pid in list(alive):
            with contextlib.suppress(ChildProcessError, OSError):
                os.waitpid(pid, os.WNOHANG)  # reap our own children
            if not is_alive(pid, alive[pid]):
                del alive[pid]
        if alive:
            time.sleep(0.05)
    return alive


def stop_tree(pid: int, started: float | None = None, grace: float = 10.0) -> list[int]:
    """Stop ``pid`` (SIGTERM, then SIGKILL) and every descendant it had; return what was stopped."""
    if not is_alive(pid, started):
        return []
    tree = {pid: started, **{d: start_time(d) for d in descendants(pid)}}
    signal_pid(pid, signal.SIGTERM, started)
    survivors = wait_gone({pid: started}, grace)
    # Whatever is left of the tree (the root if it ignored SIGTERM, orphans it did not stop).
    for child in descendants(pid) if survivors else []:
        tree.setdefault(child, start_time(child))
    for p, st in tree.items():
        signal_pid(p, signal.SIGKILL, st)
    wait_gone(tree, 5.0)
    return list(tree)


def rss_kb(pid: int) -> int:
    """Resident set size of ``pid`` in KiB (0 when it is gone)."""
    try:
        return int(psutil.Process(pid).memory_info().rss) // 1024
    except _GONE:
        return 0


def cmdline(pid: int) -> str:
    try:
        return " ".join(psutil.Process(pid).cmdline())
    except _GONE:
        return ""
