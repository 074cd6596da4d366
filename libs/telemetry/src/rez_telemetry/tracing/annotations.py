"""The correlation as span annotations (`correlation_id`, `message_id`), computed once per scope.

The correlation state is an immutable mapping replaced on every change, so the annotations
derived from it are cached by its identity: a span started in the same scope as the previous
one costs one `ContextVar.get()` and one comparison.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from rez_telemetry.context import CORRELATION_FIELDS

CORRELATION_ANNOTATIONS: Final = ("correlation_id", "message_id")

_cache: list[tuple[Mapping[str, Any] | None, Mapping[str, str]]] = [(None, {})]
"""[(the correlation mapping last seen, its annotations)], replaced whole (thread-safe)."""


def annotations_of(fields: Mapping[str, Any]) -> Mapping[str, str]:
    """`correlation_id` / `message_id` of a correlation mapping (shared: copy to edit)."""
    seen, annotations = _cache[0]
    if fields is not seen:
        annotations = {
            key: value
            for key in CORRELATION_ANNOTATIONS
            if isinstance(value := fields.get(key), str)
        }
        _cache[0] = (fields, annotations)
    return annotations


def correlation_annotations() -> Mapping[str, str]:
    """The current correlation's annotations (read-only, shared: copy to edit)."""
    return annotations_of(CORRELATION_FIELDS.get())
