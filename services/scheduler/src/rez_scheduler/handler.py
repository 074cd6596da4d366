"""Lambda entry point `rez_scheduler.handler.handler`: parse the firing, create, answer."""

from __future__ import annotations

from typing import Any

from rez_scheduler import bootstrap
from rez_scheduler.schedule_input import parse_schedule_input
from rez_scheduler.service import create_scheduled_message
from rez_telemetry import lambda_handler

__all__ = ["handler"]


@lambda_handler(service="scheduler")
def handler(event: Any, context: Any) -> dict[str, str]:
    """EventBridge Scheduler target. Bad input or a failed publish raises (the invocation fails)."""
    overrides = parse_schedule_input(event)
    deps = bootstrap.dependencies()
    result = create_scheduled_message(
        overrides,
        repository=deps.repository,
        publisher=deps.publisher,
        stage=deps.stage,
        retention=deps.retention,
        retry=deps.retry,
        now=deps.now(),
    )
    return result.as_dict()
