"""The notifier's view of tracing: spans and annotations through `rez_telemetry`'s tracer.

A seam of one module so the service does not care which tracing back end is active; when the
shared tracer is not importable (it lands in rez_telemetry separately) spans are no-ops.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["annotate", "metadata", "span"]


def _tracer() -> Any | None:
    try:
        from rez_telemetry import tracer  # type: ignore[attr-defined,unused-ignore]
    except ImportError:
        return None
    return tracer


@contextmanager
def span(name: str, **annotations: str | int | float | bool) -> Iterator[None]:
    """A child span of the current one, annotated; errors raised inside are recorded by it."""
    tracer = _tracer()
    if tracer is None:
        yield
        return
    with tracer.span(name, **annotations):
        yield


def annotate(**annotations: str | int | float | bool) -> None:
    """Searchable keys on the current span (correlation_id, message_id, message_type)."""
    tracer = _tracer()
    if tracer is not None:
        tracer.annotate(**annotations)


def metadata(**values: Any) -> None:
    """Non-indexed details on the current span."""
    tracer = _tracer()
    if tracer is not None:
        tracer.metadata(**values)
