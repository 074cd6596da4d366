"""Validation of IDs read from the wire: bounded, printable, never echoed raw."""

from __future__ import annotations

import re
from typing import TypeGuard

__all__ = [
    "MAX_CORRELATION_ID_LENGTH",
    "clean_id",
    "clean_trace_context",
    "is_valid_correlation_id",
    "safe_preview",
]

MAX_CORRELATION_ID_LENGTH = 128
_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_TRACE_CONTEXT = re.compile(r"[A-Za-z0-9=;:._,-]{1,512}")
_PREVIEW_LENGTH = 16


def is_valid_correlation_id(value: object) -> TypeGuard[str]:
    """1-128 characters of `[A-Za-z0-9._:-]` (the contract for `X-Correlation-ID`)."""
    return isinstance(value, str) and _ID.fullmatch(value) is not None


def clean_id(value: object) -> str | None:
    """A message ID or type from the wire if it is well formed, else None."""
    return value if is_valid_correlation_id(value) else None


def clean_trace_context(value: object) -> str | None:
    """An X-Ray / W3C trace header if it looks like one, else None."""
    if isinstance(value, str) and _TRACE_CONTEXT.fullmatch(value):
        return value
    return None


def safe_preview(value: object) -> str:
    """A short, log-safe hint of a rejected value: its first characters, disallowed ones as `?`."""
    text = value if isinstance(value, str) else type(value).__name__
    head = "".join(c if _ID.fullmatch(c) else "?" for c in text[:_PREVIEW_LENGTH])
    return head + ("…" if len(text) > _PREVIEW_LENGTH else "")
