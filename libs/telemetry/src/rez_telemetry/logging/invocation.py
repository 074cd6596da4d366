"""Per-invocation log fields (request ID, cold start, X-Ray trace ID), set by `@lambda_handler`."""

from __future__ import annotations

from collections.abc import Mapping
from contextvars import ContextVar
from types import MappingProxyType
from typing import Any

__all__ = ["INVOCATION_FIELDS", "set_invocation_fields", "xray_trace_id_from_header"]

INVOCATION_FIELDS: ContextVar[Mapping[str, Any]] = ContextVar(
    "rez_telemetry_invocation", default=MappingProxyType({})
)


def xray_trace_id_from_header(header: str | None) -> str | None:
    """`Root=1-abc-def;Parent=...;Sampled=1` -> `1-abc-def` (the part Insights/X-Ray link on)."""
    if not header:
        return None
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        if key == "Root" and value:
            return value
    return None


def set_invocation_fields(
    *, function_request_id: str | None, cold_start: bool, xray_trace_id: str | None
) -> None:
    """Set the fields for the current (copied) context of one invocation."""
    fields: dict[str, Any] = {}
    if function_request_id is not None:
        fields["function_request_id"] = function_request_id
    fields["cold_start"] = cold_start
    if xray_trace_id is not None:
        fields["xray_trace_id"] = xray_trace_id
    INVOCATION_FIELDS.set(fields)
