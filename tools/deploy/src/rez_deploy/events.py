"""Stack events as CloudFormation writes them, printed while a deploy waits.

DescribeStackEvents answers newest first, a page at a time. The stream remembers the events that
existed before the operation (`prime`), then on each `poll` reads pages until it meets one it has
seen and prints the new ones oldest first: resource, type, status and reason, the lines the
console's Events tab shows. After a failure, `explaining` picks the events that say why: the
resources that failed, without the cancellations CloudFormation adds for their siblings.
https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStackEvents.html
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from botocore.exceptions import ClientError

STACK_TYPE: Final = "AWS::CloudFormation::Stack"
_CONSEQUENTIAL: Final = ("Resource creation cancelled", "Resource update cancelled")
ROLLBACK_STATES: Final = frozenset(
    {
        "ROLLBACK_COMPLETE",
        "ROLLBACK_FAILED",
        "UPDATE_ROLLBACK_COMPLETE",
        "UPDATE_ROLLBACK_FAILED",
        "IMPORT_ROLLBACK_COMPLETE",
        "IMPORT_ROLLBACK_FAILED",
    }
)


def format_event(event: Mapping[str, Any]) -> str:
    """`15:02:03  Queue  AWS::SQS::Queue  UPDATE_FAILED  <reason>`."""
    stamp = event.get("Timestamp")
    clock = stamp.astimezone(dt.UTC).strftime("%H:%M:%S") if isinstance(stamp, dt.datetime) else ""
    reason = str(event.get("ResourceStatusReason") or "").strip()
    parts = [
        clock,
        str(event.get("LogicalResourceId", "")),
        str(event.get("ResourceType", "")),
        str(event.get("ResourceStatus", "")),
    ]
    text = "  ".join(part for part in parts if part)
    return f"{text}  {reason}" if reason else text


def explaining(events: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The failed resource events of an operation (oldest first), cancellations left out;
    the stack's own failure when no resource says more."""
    failed = [e for e in events if str(e.get("ResourceStatus", "")).endswith("_FAILED")]
    causes = [
        e
        for e in failed
        if e.get("ResourceType") != STACK_TYPE
        and not str(e.get("ResourceStatusReason") or "").startswith(_CONSEQUENTIAL)
    ]
    return causes or failed


@dataclass(slots=True)
class EventStream:
    """New events of one stack, printed as they appear."""

    cfn: Any
    stack_name: str
    out: Callable[[str], None]
    indent: str = "  "
    seen: set[str] = field(default_factory=set)
    events: list[dict[str, Any]] = field(default_factory=list)

    def _pages(self) -> Any:
        return self.cfn.get_paginator("describe_stack_events").paginate(StackName=self.stack_name)

    def prime(self) -> None:
        """Remember the events of earlier operations (they are not this deploy's)."""
        try:
            for page in self._pages():
                self.seen.update(str(e["EventId"]) for e in page.get("StackEvents", []))
        except ClientError:  # no stack yet: every event will be new
            pass

    def poll(self) -> list[dict[str, Any]]:
        """Print and return the events written since the last poll, oldest first."""
        fresh: list[dict[str, Any]] = []
        try:
            for page in self._pages():
                batch = page.get("StackEvents", [])
                new = [e for e in batch if str(e["EventId"]) not in self.seen]
                fresh.extend(new)
                if len(new) < len(batch):
                    break
        except ClientError:  # the stack is gone (a failed create deleted): nothing more to show
            return []
        fresh.reverse()
        for event in fresh:
            self.seen.add(str(event["EventId"]))
            self.events.append(event)
            self.out(self.indent + format_event(event))
        return fresh
