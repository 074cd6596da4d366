"""Cutting UTF-8 text to a byte budget without splitting a character."""

from __future__ import annotations

__all__ = ["truncate_utf8"]


def truncate_utf8(text: str, max_bytes: int) -> str:
    """The longest prefix of `text` whose UTF-8 encoding fits in `max_bytes`.

    Cuts on a character boundary: a multi-byte character that does not fit whole is dropped.
    """
    if max_bytes < 0:
        raise ValueError(f"max_bytes must be >= 0, got {max_bytes}")
    encoded = text.encode("utf-8")
    if len(encoded) <= max_bytes:
        return text
    # Dropping the incomplete tail sequence is exactly what "ignore" does at the cut.
    return encoded[:max_bytes].decode("utf-8", errors="ignore")
