"""Masking secrets before a line is written: sensitive keys (nested too), bearer tokens, JWTs,
and secret-named `key: value` pairs inside text (an SDK's dumped response body, a dict's repr).

Cheap on the hot path: key verdicts are cached, and a string is only run through the regular
expressions when a substring check says it might hold a token or a pair.
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
# Names that mark a secret when they appear as the key of a pair inside text. Narrower than the
# field names above: free text says "token" or "secret" in prose, these names only in data.
# Each contains "secret", "passw", "private" or "token" (`_may_hold_a_secret_pair`).
_TEXT_KEYS = (
    r"secret[-_]?string",
    r"password",
    r"passwd",
    r"private[-_]?key",
    r"client[-_]?secret",
    r"access[-_]?token",
    r"refresh[-_]?token",
    r"id[-_]?token",
    r"security[-_]?token",
    r"session[-_]?token",
    r"secret[-_]?access[-_]?key",
)
_KEY_VALUE = re.compile(
    r"""(?ix)
    (?<![a-z0-9])(?:"""
    + "|".join(_TEXT_KEYS)
    + r""")(?![a-z0-9])         # the key, not part of a longer word
    \\?["']?\s*[:=]\s*          # its closing quote (maybe escaped), `:` or `=`
    (?P<value>
        b?\\"(?:[^"\\]|\\[^"])*\\"  # "value" escaped inside another string: \"…\"
      | b?"(?:[^"\\]|\\.)*"         # "value" (JSON), b"value"
      | b?'(?:[^'\\]|\\.)*'         # 'value' (a repr), b'value'
      | [^\s,;&{}\[\]()"'<>]+        # value (bare, up to a separator)
    )
    """
)
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


def _mask_value(match: re.Match[str]) -> str:
    """The pair with only its value masked; its quotes (and a bytes `b` prefix) kept."""
    value = match.group("value")
    head = match.string[match.start() : match.start("value")]
    prefix = "b" if value[:1] == "b" and value[1:2] in ('"', "'", "\\") else ""
    body = value[len(prefix) :]
    if body.startswith('\\"'):
        quote = '\\"'
    elif body[:1] in ('"', "'"):
        quote = body[0]
    else:
        return head + MASK
    return head + prefix + quote + MASK + quote


def redact_text(text: str) -> str:
    """The text with bearer tokens, JWTs and the values of secret-named pairs masked."""
    if "eyJ" in text:
        text = _JWT.sub(MASK, text)
    if "earer" in text or "EARER" in text:
        text = _BEARER.sub(r"\1" + MASK, text)
    if (":" in text or "=" in text) and _may_hold_a_secret_pair(text):
        text = _KEY_VALUE.sub(_mask_value, text)
    return text


def _may_hold_a_secret_pair(text: str) -> bool:
    """Whether a stem of `_TEXT_KEYS` occurs (plain substring tests: far cheaper than a regex)."""
    lowered = text.lower()
    return "secret" in lowered or "passw" in lowered or "private" in lowered or "token" in lowered


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
