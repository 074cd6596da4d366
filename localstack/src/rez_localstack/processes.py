"""Process bookkeeping by PID: descendants, identity, and stopping exactly what we started.

Never by name: other people's LocalStacks may run on this machine. A PID is identified by its
start time too, so a recycled PID is never signalled.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path


def start_time(pid: int) -> int | None:
    """Kernel start time of ``pid`` (clock ticks since boot), or None if it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # Field 22; the command name (field 2) may contain spaces, so split after its ')'.
    fields = stat.rsplit(")", 1)[1].split()
    if fields[0] == "Z":  # a zombie has exited: it is gone for our purposes
        return None
    return int(fields[19])


def is_alive(pid: int, started: int | None = None) -> bool:
    """True while ``pid`` runs (and, when given, is still the process that started then)."""
    now = start_time(pid)
    return now is not None and (started is None or now == started)


def children(pid: int) -> list[int]:
    """Direct children of ``pid`` across all its threads."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            found.extend(int(c) for c in (task / "children").read_text().split())
    return found


def descendants(pid: int) -> list[int]:
    """All processes below ``pid``, depth first."""
    result: list[int] = []
    stack = children(pid)
    while stack:
        child = stack.pop()
        result.append(child)
        stack.extend(children(child))
    return result


def signal_pid(pid: int, sig: int, started: int | None = None) -> None:
    """Send ``sig`` to ``pid`` only if it is still the same process."""
    if is_alive(pid, started):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, sig)


def signal_group(pgid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def wait_gone(pids: dict[int, int | None], timeout: float) -> dict[int, int | None]:
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


def stop_tree(pid: int, started: int | None = None, grace: float = 10.0) -> list[int]:
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
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def cmdline(pid: int) -> str:
    try:
        return (
            Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        )
    except OSError:
        return ""
