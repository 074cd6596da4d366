"""Carrying the correlation onward: SNS message attributes, invoke payloads, HTTP headers.

Other modules add to what travels through *context injectors*: tracing registers one that
returns the trace context, so this module never imports a tracing SDK.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Literal

from rez_telemetry.context import get_correlation_id
from rez_telemetry.correlation.extraction import CORRELATION_HEADER
from rez_telemetry.correlation.ids import new_correlation_id
from rez_telemetry.correlation.records import CORRELATION_ATTRIBUTE
from rez_telemetry.logging import logger

__all__ = [
    "CarrierKind",
    "ContextInjector",
    "clear_injectors",
    "http_headers",
    "inject_into_payload",
    "register_injector",
    "sns_message_attributes",
    "unregister_injector",
]

CarrierKind = Literal["sns", "payload", "http"]
"""Where the context goes: SNS `MessageAttributes`, a Lambda invoke payload, HTTP headers."""

ContextInjector = Callable[[CarrierKind], Mapping[str, str]]
"""Returns the entries to add for that carrier, e.g. `{"trace_context": "Root=...;..."}` for
`"sns"`/`"payload"`, `{"X-Amzn-Trace-Id": ..., "traceparent": ...}` for `"http"`."""

SNS_MAX_ATTRIBUTES = 10

_injectors: list[ContextInjector] = []


def register_injector(injector: ContextInjector) -> ContextInjector:
    """Add an injector once (registering it again is a no-op); returns it (usable as decorator)."""
    if injector not in _injectors:
        _injectors.append(injector)
    return injector


def unregister_injector(injector: ContextInjector) -> None:
    """Remove an injector if present."""
    if injector in _injectors:
        _injectors.remove(injector)


def clear_injectors() -> None:
    """Remove every injector (tests)."""
    _injectors.clear()


def _injected(kind: CarrierKind) -> dict[str, str]:
    """Every injector's entries; a failing injector is logged and skipped, never raised."""
    entries: dict[str, str] = {}
    for injector in tuple(_injectors):
        try:
            entries.update(injector(kind))
        except Exception:
            logger.opt(exception=True).error(
                "Context injector failed", injector=getattr(injector, "__qualname__", "?")
            )
    return entries


def _outgoing_correlation_id() -> str:
    """The current correlation ID; a fresh one when called outside any scope."""
    return get_correlation_id() or new_correlation_id()


def _sns_attribute(value: Any) -> dict[str, str]:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return {"DataType": "Number", "StringValue": str(value)}
    return {"DataType": "String", "StringValue": str(value)}


def sns_message_attributes(**extra: Any) -> dict[str, dict[str, str]]:
    """SNS `MessageAttributes`: `correlation_id`, injected context (trace), then `extra`.

    `sns.publish(..., MessageAttributes=sns_message_attributes(message_type="manual"))`.
    None values are left out; more than SNS's 10 attributes raises ValueError.
    """
    attributes = {CORRELATION_ATTRIBUTE: _sns_attribute(_outgoing_correlation_id())}
    for name, value in {**_injected("sns"), **extra}.items():
        if value is not None:
            attributes[name] = _sns_attribute(value)
    if len(attributes) > SNS_MAX_ATTRIBUTES:
        raise ValueError(
            f"SNS allows {SNS_MAX_ATTRIBUTES} message attributes, got {len(attributes)}"
        )
    return attributes


def inject_into_payload(payload: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of an invoke payload with `correlation_id` (and injected `trace_context`) added.

    Keys the payload already has win, so an explicit value is never overwritten.
    """
    injected: dict[str, Any] = {CORRELATION_ATTRIBUTE: _outgoing_correlation_id()}
    injected.update(_injected("payload"))
    return {**injected, **payload}


def http_headers(**extra: str) -> dict[str, str]:
    """Headers for an outgoing HTTP call: `X-Correlation-ID`, injected trace headers, `extra`."""
    return {CORRELATION_HEADER: _outgoing_correlation_id(), **_injected("http"), **extra}
