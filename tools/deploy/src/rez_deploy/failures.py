"""Why a stack failed, from its events: the first resource that failed, not the rollback noise.

When one resource fails, CloudFormation cancels its siblings ("Resource creation cancelled") and
reports the stack as failed with a generic summary. The event worth printing is the earliest
`*_FAILED` resource event of the current operation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any, Final

from botocore.exceptions import ClientError

STACK_TYPE: Final = "AWS::CloudFormation::Stack"
_CONSEQUENTIAL: Final = ("Resource creation cancelled", "Resource update cancelled")
# Local clocks and CloudFormation's may disagree a little; events this much older still count.
CLOCK_SKEW: Final = dt.timedelta(minutes=2)


def _events_of_current_operation(
    cfn: Any, stack_name: str, since: dt.datetime
) -> Iterator[dict[str, Any]]:
    """Events newest first, stopping at the operation's "User Initiated" start or at `since`."""
    paginator = cfn.get_paginator("describe_stack_events")
    for page in paginator.paginate(StackName=stack_name):
        for event in page["StackEvents"]:
            timestamp = event.get("Timestamp")
            if isinstance(timestamp, dt.datetime) and timestamp < since - CLOCK_SKEW:
                return
            yield event
            if (
                event.get("ResourceType") == STACK_TYPE
                and event.get("ResourceStatusReason") == "User Initiated"
            ):
                return


def _describe(event: dict[str, Any]) -> str:
    return (
        f"{event.get('LogicalResourceId')} ({event.get('ResourceType')}) "
        f"{event.get('ResourceStatus')}: {event.get('ResourceStatusReason', '').strip()}"
    )


def first_failure_reason(cfn: Any, stack_name: str, since: dt.datetime) -> str | None:
    """`<LogicalId> (<Type>) <STATUS>: <reason>` of the earliest failed resource, else None."""
    try:
        events = list(_events_of_current_operation(cfn, stack_name, since))
    except ClientError:  # a deleted stack has no events; the caller falls back to its status
        return None
    failed = [e for e in reversed(events) if str(e.get("ResourceStatus", "")).endswith("_FAILED")]
    for event in failed:
        reason = str(event.get("ResourceStatusReason", ""))
        if event.get("ResourceType") != STACK_TYPE and not reason.startswith(_CONSEQUENTIAL):
            return _describe(event)
    return _describe(failed[0]) if failed else None
