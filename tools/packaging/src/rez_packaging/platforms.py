"""Which machine the zip's compiled wheels are for: Lambda's, or the one running the harness.

AWS runs the zips on x86_64 Amazon Linux (manylinux wheels). The local harness runs them as
host processes, so on a machine that is not x86_64 Linux (macOS, arm64 Linux) a manylinux
``.so`` would not load there: zips deployed to the harness are built for the host instead.
"""

from __future__ import annotations

import os
import platform
import sys
from collections.abc import Mapping

#: AWS Lambda's python3.13 runtime: CPython 3.13 on x86_64 Amazon Linux 2023.
LAMBDA_PLATFORM = "x86_64-manylinux2014"
LAMBDA_PYTHON = "3.13"
#: ``lambda`` (default), ``host`` (the running machine), or any uv ``--python-platform``.
PLATFORM_ENV = "REZ_PACKAGE_PLATFORM"
HOST = "host"


def target_platform(environ: Mapping[str, str] | None = None) -> str | None:
    """The uv ``--python-platform`` to install for; None means the running machine."""
    chosen = (os.environ if environ is None else environ).get(PLATFORM_ENV, "").strip()
    if chosen in ("", "lambda"):
        return LAMBDA_PLATFORM
    return None if chosen == HOST else chosen


def host_runs_lambda_wheels() -> bool:
    """True when this machine can load the wheels built for Lambda (x86_64 Linux)."""
    return sys.platform == "linux" and platform.machine().lower() in ("x86_64", "amd64")
