"""``python -m rez_localstack.mock_ntfy --port N``: run the mock ntfy in the foreground."""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
from types import FrameType

from rez_localstack.mock_ntfy.server import MockNtfy


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rez_localstack.mock_ntfy")
    parser.add_argument("--port", type=int, default=int(os.environ.get("MOCK_NTFY_PORT") or 8090))
    parser.add_argument("--token", action="append", default=[], help="require this bearer token")
    parser.add_argument("--user", action="append", default=[], help="require user:password")
    parser.add_argument("--rate-limit", type=int, default=0, help="requests per window (0: none)")
    parser.add_argument("--rate-window", type=float, default=1.0, help="window in seconds")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    users = dict(u.split(":", 1) for u in args.user)
    mock = MockNtfy(args.port, args.token, users, args.rate_limit, args.rate_window, args.verbose)

    def _stop(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, _stop)
    print(f"mock ntfy listening on {mock.url}", flush=True)
    with contextlib.suppress(KeyboardInterrupt, SystemExit):
        mock.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
