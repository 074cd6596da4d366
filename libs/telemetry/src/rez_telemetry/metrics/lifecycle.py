"""Joins the recorder to `@lambda_handler`: cold-start metric at start, flush at the end.

The cold start is the handler's own flag (read, not consumed), so the `ColdStart` metric and the
`cold_start` log field always agree.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rez_telemetry.cold_start import is_cold_start
from rez_telemetry.logging import logger

if TYPE_CHECKING:
    from rez_telemetry.metrics.recorder import MetricsRecorder


class MetricsLifecycleHook:
    """Lifecycle hook: one flush per invocation, which never masks the handler's outcome."""

    def __init__(self, recorder: MetricsRecorder) -> None:
        self.recorder = recorder

    def on_invocation_start(self, event: Any, context: Any, info: Any) -> None:
        """Record `ColdStart` on the environment's first invocation."""
        if is_cold_start():
            self.recorder.record_cold_start(getattr(context, "function_name", None))

    def on_invocation_end(self, error: BaseException | None) -> None:
        """Flush; a failure is logged at ERROR and swallowed."""
        try:
            self.recorder.flush()
        except Exception as exc:
            logger.opt(exception=exc).error(
                "Metrics flush failed",
                error=str(exc),
                error_type=type(exc).__name__,
                backend=self.recorder.backend,
            )
