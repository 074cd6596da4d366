"""Named crash points: where a test harness may kill a function mid-invocation.

``crash_point("processor.after_mark_processing")`` is a no-op unless the process runs under the
local AWS harness, whose Lambda executor sets ``REZ_CRASH_POINTS_FILE`` in every function
environment (Lambda never does, and the harness overwrites a value a template might set). Off
the harness the cost is one ``os.environ`` lookup. On it, a point armed through the harness's
``/_rez/faults/crash`` consumes one of its passes and then SIGKILLs this process (as an
out-of-memory kill does: the invocation fails with ``Runtime.ExitError``) or sleeps past the
function's timeout (``Sandbox.Timedout``). The file is ``{"points": {name: {"remaining": n,
"mode": "kill"|"hang", "match": text?}}, "hits": {name: n}}``, shared by every environment of
the function under an exclusive ``flock``.
"""

from __future__ import annotations

import os

CRASH_FILE_ENV = "REZ_CRASH_POINTS_FILE"


def crash_point(name: str, *keys: str) -> None:
    """Die here if the harness armed ``name`` for this function; otherwise return at once.

    ``keys`` (a message id, a correlation id) let a point armed with ``match`` fire only for
    the message whose key contains it.
    """
    path = os.environ.get(CRASH_FILE_ENV)
    if path and os.path.exists(path):
        _maybe_crash(path, name, keys)


def _maybe_crash(path: str, name: str, keys: tuple[str, ...] = ()) -> None:
    import fcntl
    import json
    import signal
    import time

    with open(path, "r+", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        text = handle.read()
        document = json.loads(text) if text else {}
        point = document.get("points", {}).get(name)
        if not point or point.get("remaining", 0) <= 0:
            return
        match = point.get("match")
        if match and not any(match in key for key in keys):
            return
        point["remaining"] -= 1
        hits = document.setdefault("hits", {})
        hits[name] = hits.get(name, 0) + 1
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps(document))
        handle.flush()
        mode = point.get("mode", "kill")
    print(json.dumps({"level": "WARNING", "message": "crash point reached", "point": name}))
    if mode == "hang":
        while True:  # past any Lambda timeout (900 s at most)
            time.sleep(60)
    os.kill(os.getpid(), signal.SIGKILL)
