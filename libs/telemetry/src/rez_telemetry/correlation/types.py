"""What extraction returns: the correlation of one unit of work, as a small frozen value."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

__all__ = ["CorrelationInfo", "CorrelationSource", "EventSource"]

EventSource = Literal[
    "api_gateway", "sqs", "sqs_batch", "sns", "invoke", "schedule", "scope", "generated"
]
"""Where a `CorrelationInfo` came from."""

CorrelationSource = Literal["auto", "api_gateway", "sqs_batch", "sns", "invoke"]
"""What `@lambda_handler(correlation_from=...)` accepts."""


@dataclass(frozen=True, slots=True)
class CorrelationInfo:
    """The IDs that tie one unit of work to the rest of its message's journey.

    `was_generated` is True when the event carried no usable correlation ID and a fresh one was
    made here (a new journey starts, or a malformed value was replaced).
    """

    correlation_id: str
    message_id: str | None = None
    message_type: str | None = None
    trace_context: str | None = None
    source: EventSource = "generated"
    was_generated: bool = False

    def scope(self, **fields: Any) -> AbstractContextManager[CorrelationInfo]:
        """A `correlation_scope` for this info: `with info.scope(): ...`."""
        from rez_telemetry.correlation.context import scope_for

        return scope_for(self, **fields)
