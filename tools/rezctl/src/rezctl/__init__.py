"""rezctl: operate rez_agent from one command, against AWS or the local harness.

The library is importable without the CLI (`make demo` builds on it):
`rezctl.tokens.mint_token`, `rezctl.api.send_message`, `rezctl.journey.collect` / `render`,
`rezctl.target.Target`. Each command of `rezctl.cli` is a thin layer over one module here.
"""

from rezctl.errors import ExitCode, NotFoundError, RemoteError, RezctlError, UsageError
from rezctl.target import Target

__all__ = ["ExitCode", "NotFoundError", "RemoteError", "RezctlError", "Target", "UsageError"]
