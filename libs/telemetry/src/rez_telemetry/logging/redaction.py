"""Masking secrets before a line is written: sensitive keys (nested too), bearer tokens, JWTs.

Cheap on the hot path: key verdicts are cached, and a string is only run through the regular
expressions when a substring check says it might hold a token.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

__all__ = ["MASK", "is_sensitive_key", "redact_text", "redact_value"]

MASK = "***"
_SENSITIVE_PARTS = (
    "authorization",
    "token",
    "password",
    "passwd",
    "secret",
    "api_key",
    "apikey",
    "cookie",
    "credential",
    "private_key",
)
_BEARER = re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9\-._~+/]+=*")
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]*\.eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*")
_MAX_DEPTH = 8
_verdicts: dict[str, bool] = {}
_MAX_CACHED_KEYS = 4096


def is_sensitive_key(key: object) -> bool:
    """Whether a field name marks a secret (`Authorization`, `ntfy_token`, `X-Api-Key`, ...)."""
    if not isinstance(key, str):
        return False
    verdict = _verdicts.get(key)
    if verdict is None:
        normalised = key.lower().replace("-", "_")
        verdict = any(part in normalised for part in _SENSITIVE_PARTS)
        if len(_verdicts) < _MAX_CACHED_KEYS:
            _verdicts[key] = verdict
    return verdict


def redact_text(text: str) -> str:
    """The text with bearer tokens and JWTs masked."""
    if "eyJ" in text:
        text = _JWT.sub(MASK, text)
    if "earer" in text or "EARER" in text:
        text = _BEARER.sub(r"\1" + MASK, text)
    return text


def redact_value(key: object, value: Any, _depth: int = 0) -> Any:
    """A field's value ready to write: masked whole under a sensitive key, else scanned."""
    if value is None:
        return None
    if is_sensitive_key(key):
        return MASK
    kind = type(value)
    if kind is str:
        return redact_text(value)
    if kind in (int, float, bool):
        return value
    if _depth >= _MAX_DEPTH:
        return MASK if isinstance(value, Mapping | list | tuple) else value
    if isinstance(value, Mapping):
        return {k: redact_value(k, v, _depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [redact_value(None, v, _depth + 1) for v in value]
    return value
