"""What a schedule firing may ask for: optional overrides of the scheduled message's payload.

EventBridge Scheduler invokes the function with the schedule target's `Input` as the event: it
may be absent (None), `{}`, our overrides (`{"title", "body", "priority", "tags"}`), or, when a
schedule wraps it, an `aws.scheduler` event whose `detail` (object or JSON string) holds them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rez_messages import InvalidPayloadError

__all__ = [
    "ALLOWED_FIELDS",
    "InvalidScheduleInputError",
    "ScheduleOverrides",
    "parse_schedule_input",
]

ALLOWED_FIELDS = frozenset({"title", "body", "priority", "tags"})
_ENVELOPE_KEYS = frozenset({"detail-type", "source", "detail"})


class InvalidScheduleInputError(InvalidPayloadError):
    """The schedule's Input is not something the scheduler can turn into a message."""


@dataclass(frozen=True, slots=True)
class ScheduleOverrides:
    """Raw override values (validated later by `Payload.create`); None means "use the default"."""

    title: Any = None
    body: Any = None
    priority: Any = None
    tags: Any = None


def _unwrap_envelope(event: Mapping[str, Any]) -> Any:
    """The `detail` of an `aws.scheduler` / EventBridge event; the event itself otherwise."""
    if not event.keys() >= _ENVELOPE_KEYS:
        return event
    detail = event["detail"]
    if isinstance(detail, str):
        try:
            return json.loads(detail) if detail.strip() else {}
        except json.JSONDecodeError as error:
            raise InvalidScheduleInputError(
                "detail", f"is not valid JSON: {error.msg} at {error.pos}"
            ) from None
    return detail


def parse_schedule_input(event: Any) -> ScheduleOverrides:
    """Read the overrides, refusing unknown fields and non-object inputs by name."""
    if event is None:
        return ScheduleOverrides()
    if not isinstance(event, Mapping):
        raise InvalidScheduleInputError(
            "input", f"must be a JSON object, got {type(event).__name__}"
        )
    data = _unwrap_envelope(event)
    if data is None:
        return ScheduleOverrides()
    if not isinstance(data, Mapping):
        raise InvalidScheduleInputError(
            "detail", f"must be a JSON object, got {type(data).__name__}"
        )
    unknown = sorted(str(key) for key in data if key not in ALLOWED_FIELDS)
    if unknown:
        raise InvalidScheduleInputError(
            unknown[0],
            f"unknown field (allowed: {', '.join(sorted(ALLOWED_FIELDS))})",
        )
    return ScheduleOverrides(**{key: data[key] for key in ALLOWED_FIELDS if key in data})
