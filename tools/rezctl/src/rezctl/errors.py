"""Exit codes and the errors that map to them.

The codes are a contract for scripts and runbooks: 0 ok, 1 the thing checked is bad (a message
failed, a budget is exhausted, the circuit is open), 2 usage, 3 AWS or the endpoint failed.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """What `rezctl` returns to the shell."""

    OK = 0
    BAD = 1
    """The command worked and what it checked is bad (failed message, exhausted budget...)."""
    USAGE = 2
    """Wrong arguments, or a request the command refuses (e.g. a token for prod)."""
    AWS = 3
    """AWS or the harness endpoint answered with an error, or could not be reached."""


class RezctlError(Exception):
    """An error with the exit code it should end the command with."""

    exit_code: ExitCode = ExitCode.AWS


class UsageError(RezctlError):
    """The request is not allowed or not understood (exit 2)."""

    exit_code = ExitCode.USAGE


class RemoteError(RezctlError):
    """AWS, the harness or the API failed (exit 3)."""

    exit_code = ExitCode.AWS


class NotFoundError(RezctlError):
    """The thing asked about does not exist (exit 1: the check's answer is bad)."""

    exit_code = ExitCode.BAD
