"""Crash points: the harness side (arming) of killing a function mid-invocation.

A service calls ``rez_messages.crash_points.crash_point("<name>")`` at named points of its
handler. The host-process Lambda executor gives every function environment
``REZ_CRASH_POINTS_FILE`` (``<harness tmp>/rez-crash/<function>.json``); on AWS nothing sets
it, so the call is one ``os.environ`` lookup and returns. Arming writes that file:
``{"points": {"<name>": {"remaining": N, "mode": "kill"|"hang", "match": "<text>"}},
"hits": {"<name>": n}}`` (``match``: only a pass whose keys contain it).
The function side takes the file's lock, consumes one of ``remaining`` and then SIGKILLs its
own process (an out-of-memory death: ``Runtime.ExitError``) or sleeps past its timeout
(``Sandbox.Timedout``), mid-invocation, after whatever it did before that point.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

CRASH_FILE_ENV = "REZ_CRASH_POINTS_FILE"
MODES = ("kill", "hang")


def crash_dir() -> Path:
    """Per harness: LocalStack's TMPDIR is the harness's own ``.state/<port>/tmp``."""
    return Path(tempfile.gettempdir()) / "rez-crash"


def crash_file(function_name: str) -> Path:
    return crash_dir() / f"{function_name}.json"


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[dict[str, Any]]:
    """The file's document under an exclusive lock; written back on exit."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        handle.seek(0)
        text = handle.read()
        document: dict[str, Any] = json.loads(text) if text else {}
        document.setdefault("points", {})
        document.setdefault("hits", {})
        yield document
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps(document))


def arm(
    function_name: str, point: str, count: int = 1, mode: str = "kill", match: str | None = None
) -> dict[str, Any]:
    """Crash ``function_name`` at ``point`` on its next ``count`` passes (only passes whose
    keys, such as the message id, contain ``match`` when it is given)."""
    if not function_name or not point:
        raise ValueError("'function' and 'point' are required")
    if mode not in MODES:
        raise ValueError(f"'mode' must be one of {', '.join(MODES)}")
    if count < 1:
        raise ValueError("'count' must be a positive integer")
    with _locked(crash_file(function_name)) as document:
        armed: dict[str, Any] = {"remaining": count, "mode": mode}
        if match:
            armed["match"] = match
        document["points"][point] = armed
        return dict(document)


def armed() -> dict[str, Any]:
    """Every function's crash document, by function name."""
    found: dict[str, Any] = {}
    if crash_dir().is_dir():
        for path in sorted(crash_dir().glob("*.json")):
            with _locked(path) as document:
                found[path.stem] = dict(document)
    return found


def disarm() -> int:
    """Remove every crash point; returns how many functions had some."""
    removed = 0
    if crash_dir().is_dir():
        for path in crash_dir().glob("*.json"):
            path.unlink(missing_ok=True)
            removed += 1
    return removed
