"""Lambda entry point `rez_reconciler.handler.handler`: one reconciliation pass.

Fired by EventBridge Scheduler (every 5 minutes by default). Emits `StuckMessages` (the
messages found past their window in this pass; 0 included, so the alarm always has data) and
`MessagesReconciled{Action=republished|handed_back|failed}`; logs one line per action with the
message's correlation id, and a summary.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rez_messages import Message
from rez_messages.reconcile import reconcile
from rez_reconciler import bootstrap, settings
from rez_telemetry import lambda_handler, logger, metrics

__all__ = ["handler"]

STUCK_MESSAGES = "StuckMessages"
MESSAGES_RECONCILED = "MessagesReconciled"


def _log_action(action: str, message: Message) -> None:
    metrics.record_count(MESSAGES_RECONCILED, 1, {"Action": action})
    logger.warning(
        "Stuck message reconciled",
        action=action,
        message_id=message.message_id,
        correlation_id=message.correlation_id,
        status=str(message.status),
        attempts=message.attempts,
        updated_at=message.updated_at.isoformat(),
    )


@lambda_handler(service="reconciler")
def handler(event: Any, context: Any) -> dict[str, Any]:
    """Bad windows raise `SettingsError` (the invocation fails: the schedule's input is wrong)."""
    overrides: Mapping[str, Any] = event if isinstance(event, Mapping) else {}
    deps = bootstrap.dependencies()
    created = settings.created_grace(overrides)
    visibility = None if "processing_grace_seconds" in overrides else deps.visibility_timeout()
    processing = settings.processing_grace(overrides, visibility)
    report = reconcile(
        deps.repository,
        deps.republisher,
        now=deps.clock(),
        created_grace=created,
        processing_grace=processing,
        max_receive_count=deps.max_receive_count,
        on_action=_log_action,
    )
    stuck = len(report.stuck_created) + len(report.stuck_processing)
    metrics.record_count(STUCK_MESSAGES, stuck)
    summary = report.as_dict()
    log = logger.warning if stuck or report.errors else logger.info
    log(
        "Reconciliation pass",
        stuck_created=summary["stuck_created"],
        stuck_processing=summary["stuck_processing"],
        errors=report.errors,
        created_grace_seconds=created.total_seconds(),
        processing_grace_seconds=processing.total_seconds(),
    )
    return summary
